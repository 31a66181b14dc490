import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inDailyWindow, minuteOfDay, muteReason } from '../../../../lib/alerts/mute.js';
import { isBelow, SEVERITIES } from '../../../../lib/platform/notification/severity.js';
import { alertsConfig, incident } from '../../../support/alerts.js';

const at = (iso: string) => new Date(iso);

describe('muteReason: minimum severity', () => {
  it.each([
    { severity: 'low', minSeverity: 'medium', muted: 'severity low is below minSeverity medium' },
    { severity: 'medium', minSeverity: 'high', muted: 'severity medium is below minSeverity high' },
    { severity: 'high', minSeverity: 'critical', muted: 'severity high is below minSeverity critical' },
    { severity: 'medium', minSeverity: 'medium', muted: undefined },
    { severity: 'critical', minSeverity: 'high', muted: undefined },
    { severity: 'low', minSeverity: 'low', muted: undefined },
  ] as const)('$severity with minSeverity $minSeverity → $muted', ({ severity, minSeverity, muted }) => {
    const config = alertsConfig({ minSeverity });

    expect(muteReason(incident({ severity }), config, at('2024-05-01T12:00:00Z'))).toBe(muted);
  });

  it('orders severities critical > high > medium > low', () => {
    for (const [i, a] of SEVERITIES.entries()) {
      for (const [j, b] of SEVERITIES.entries()) expect(isBelow(a, b)).toBe(i > j);
    }
  });

  it('pages everything by default', () => {
    for (const severity of SEVERITIES) {
      expect(muteReason(incident({ severity }), alertsConfig(), at('2024-05-01T12:00:00Z'))).toBeUndefined();
    }
  });
});

describe('muteReason: mute rules', () => {
  const web = incident(); // prod, service:web, family web, oom
  const noon = at('2024-05-01T12:00:00Z');

  it.each([
    { says: 'a rule with only a reason mutes everything', rule: {}, muted: true },
    { says: 'matching cluster', rule: { cluster: 'prod' }, muted: true },
    { says: 'other cluster', rule: { cluster: 'staging' }, muted: false },
    { says: 'matching group', rule: { group: 'service:web' }, muted: true },
    { says: 'other group', rule: { group: 'service:api' }, muted: false },
    { says: 'matching family', rule: { family: 'web' }, muted: true },
    { says: 'other family', rule: { family: 'report' }, muted: false },
    { says: 'matching class', rule: { class: 'oom' }, muted: true },
    { says: 'other class', rule: { class: 'app-error' }, muted: false },
    {
      says: 'all fields match',
      rule: { cluster: 'prod', group: 'service:web', family: 'web', class: 'oom' },
      muted: true,
    },
    {
      says: 'all fields but one match',
      rule: { cluster: 'prod', group: 'service:web', class: 'segfault' },
      muted: false,
    },
    {
      says: 'inside [from, until)',
      rule: { from: '2024-05-01T11:00:00Z', until: '2024-05-01T13:00:00Z' },
      muted: true,
    },
    { says: 'at from (inclusive)', rule: { from: '2024-05-01T12:00:00Z' }, muted: true },
    { says: 'at until (exclusive)', rule: { until: '2024-05-01T12:00:00Z' }, muted: false },
    { says: 'before from', rule: { from: '2024-05-01T12:00:01Z' }, muted: false },
    { says: 'after until', rule: { until: '2024-05-01T11:59:59Z' }, muted: false },
    { says: 'from with an offset', rule: { from: '2024-05-01T13:30:00+02:00' }, muted: true },
    {
      says: 'daily window around noon UTC (default zone)',
      rule: { daily: { start: '11:30', end: '12:30' } },
      muted: true,
    },
    { says: 'daily window after noon UTC', rule: { daily: { start: '12:01', end: '13:00' } }, muted: false },
    {
      says: 'daily window in Tokyo (noon UTC is 21:00 there)',
      rule: { daily: { start: '20:00', end: '22:00', timeZone: 'Asia/Tokyo' } },
      muted: true,
    },
    {
      says: 'a daily window in an unknown time zone never mutes',
      rule: { daily: { start: '00:00', end: '23:59', timeZone: 'Mars/Olympus_Mons' } },
      muted: false,
    },
  ])('$says → muted: $muted', ({ rule, muted }) => {
    const config = alertsConfig({ mute: [{ ...rule, reason: 'because' }] });

    expect(muteReason(web, config, noon)).toBe(muted ? 'mute rule 1: because' : undefined);
  });

  it('names the first matching rule, counting from 1', () => {
    const config = alertsConfig({
      mute: [
        { cluster: 'staging', reason: 'staging is noisy' },
        {
          group: 'service:web',
          daily: { start: '22:00', end: '02:00', timeZone: 'UTC' },
          reason: 'nightly maintenance',
        },
        { cluster: 'prod', reason: 'never reached at night' },
      ],
    });

    expect(muteReason(web, config, at('2024-05-01T23:15:00Z'))).toBe('mute rule 2: nightly maintenance');
    expect(muteReason(web, config, at('2024-05-01T12:00:00Z'))).toBe('mute rule 3: never reached at night');
    expect(muteReason(incident({ cluster: 'dev' }), config, noon)).toBeUndefined();
  });

  it('checks the minimum severity before the rules', () => {
    const config = alertsConfig({ minSeverity: 'critical', mute: [{ reason: 'everything' }] });

    expect(muteReason(incident({ severity: 'high' }), config, noon)).toBe(
      'severity high is below minSeverity critical',
    );
  });
});

describe('daily windows across midnight and time zones', () => {
  const nightly = { start: '22:00', end: '02:00' };

  it.each([
    // Europe/Berlin: UTC+2 in summer (CEST), UTC+1 in winter (CET)
    { now: '2024-05-01T19:59:00Z', timeZone: 'Europe/Berlin', local: '21:59', inside: false },
    { now: '2024-05-01T20:00:00Z', timeZone: 'Europe/Berlin', local: '22:00', inside: true },
    { now: '2024-05-01T21:30:00Z', timeZone: 'Europe/Berlin', local: '23:30', inside: true },
    { now: '2024-05-01T22:00:00Z', timeZone: 'Europe/Berlin', local: '00:00', inside: true },
    { now: '2024-05-01T23:59:00Z', timeZone: 'Europe/Berlin', local: '01:59', inside: true },
    { now: '2024-05-02T00:00:00Z', timeZone: 'Europe/Berlin', local: '02:00', inside: false },
    { now: '2024-01-15T00:30:00Z', timeZone: 'Europe/Berlin', local: '01:30', inside: true },
    { now: '2024-01-15T01:30:00Z', timeZone: 'Europe/Berlin', local: '02:30', inside: false },
    // America/New_York: UTC-4 in summer, UTC-5 in winter
    { now: '2024-05-02T02:30:00Z', timeZone: 'America/New_York', local: '22:30', inside: true },
    { now: '2024-05-02T05:59:00Z', timeZone: 'America/New_York', local: '01:59', inside: true },
    { now: '2024-05-02T06:00:00Z', timeZone: 'America/New_York', local: '02:00', inside: false },
    { now: '2024-01-15T06:30:00Z', timeZone: 'America/New_York', local: '01:30', inside: true },
    { now: '2024-05-01T22:30:00Z', timeZone: 'America/New_York', local: '18:30', inside: false },
    // A half-hour zone: Asia/Kolkata is UTC+5:30
    { now: '2024-05-01T16:30:00Z', timeZone: 'Asia/Kolkata', local: '22:00', inside: true },
    { now: '2024-05-01T16:29:00Z', timeZone: 'Asia/Kolkata', local: '21:59', inside: false },
    { now: '2024-05-01T20:29:00Z', timeZone: 'Asia/Kolkata', local: '01:59', inside: true },
    // UTC
    { now: '2024-05-01T22:00:00Z', timeZone: 'UTC', local: '22:00', inside: true },
    { now: '2024-05-01T02:00:00Z', timeZone: 'UTC', local: '02:00', inside: false },
  ])('$now is $local in $timeZone: inside 22:00-02:00 = $inside', ({ now, timeZone, local, inside }) => {
    const [hours = 0, minutes = 0] = local.split(':').map(Number);
    expect(minuteOfDay(at(now), timeZone)).toBe(hours * 60 + minutes);
    expect(inDailyWindow({ ...nightly, timeZone }, at(now))).toBe(inside);
  });

  it('mutes an incident in a nightly window across midnight, by its zone', () => {
    const config = alertsConfig({
      mute: [{ daily: { ...nightly, timeZone: 'Europe/Berlin' }, reason: 'nightly maintenance' }],
    });

    expect(muteReason(incident(), config, at('2024-05-01T22:30:00Z'))).toBe(
      'mute rule 1: nightly maintenance',
    );
    expect(muteReason(incident(), config, at('2024-05-01T12:30:00Z'))).toBeUndefined();
  });

  it('treats equal start and end as the whole day', () => {
    expect(inDailyWindow({ start: '03:00', end: '03:00', timeZone: 'UTC' }, at('2024-05-01T15:00:00Z'))).toBe(
      true,
    );
  });

  const clock = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const zone = fc.constantFrom(
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
  );
  const instant = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
    .map((ms) => new Date(ms));

  it('a window and its complement split every day exactly (property)', () => {
    fc.assert(
      fc.property(clock, clock, zone, instant, (start, end, timeZone, now) => {
        fc.pre(start !== end);
        const inside = inDailyWindow({ start, end, timeZone }, now);
        const outside = inDailyWindow({ start: end, end: start, timeZone }, now);
        expect(inside).not.toBe(outside);
      }),
    );
  });

  it('a window contains its start minute and not its end minute, in any zone (property)', () => {
    const hhmm = (minute: number) =>
      `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    fc.assert(
      fc.property(clock, zone, instant, (other, timeZone, now) => {
        const local = hhmm(minuteOfDay(now, timeZone));
        fc.pre(other !== local);
        expect(inDailyWindow({ start: local, end: other, timeZone }, now)).toBe(true);
        expect(inDailyWindow({ start: other, end: local, timeZone }, now)).toBe(false);
      }),
    );
  });
});

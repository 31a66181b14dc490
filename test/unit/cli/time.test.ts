/**
 * The one parser of --since, --until and --from (cli/time.ts), and how times are shown in --tz: every form it
 * accepts, every refusal with its reason, and zones on both sides of daylight saving time.
 */
import { describe, expect, it } from 'vitest';
import {
  checkZone,
  isoInZone,
  parseTime,
  parseWindow,
  wallTime,
  windowText,
  zoneOffsetMinutes,
} from '../../../cli/time.js';
import { UsageError } from '../../../cli/usage.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const utc = { now: NOW, timeZone: 'UTC' };
const paris = { now: NOW, timeZone: 'Europe/Paris' };
const at = (value: string, context = utc) => parseTime('--since', value, context).toISOString();

describe('a duration is that long before now', () => {
  it.each([
    ['90s', '2024-05-01T11:58:30.000Z'],
    ['30m', '2024-05-01T11:30:00.000Z'],
    ['24h', '2024-04-30T12:00:00.000Z'],
    ['7d', '2024-04-24T12:00:00.000Z'],
    ['2w', '2024-04-17T12:00:00.000Z'],
    ['1h30m', '2024-05-01T10:30:00.000Z'],
    ['1d12h', '2024-04-30T00:00:00.000Z'],
    ['0m', '2024-05-01T12:00:00.000Z'],
    ['24H', '2024-04-30T12:00:00.000Z'],
  ])('%s → %s, whatever --tz is', (value, expected) => {
    expect(at(value)).toBe(expected);
    expect(at(value, paris)).toBe(expected);
  });
});

describe('words', () => {
  it('now is now', () => {
    expect(at('now')).toBe(NOW.toISOString());
    expect(at('NOW', paris)).toBe(NOW.toISOString());
  });

  it('today and yesterday are midnight on the wall clock of --tz', () => {
    expect(at('today')).toBe('2024-05-01T00:00:00.000Z');
    expect(at('yesterday')).toBe('2024-04-30T00:00:00.000Z');
    // Paris is at +02:00 in May: its midnight is 22:00 UTC the day before.
    expect(at('today', paris)).toBe('2024-04-30T22:00:00.000Z');
    expect(at('yesterday', paris)).toBe('2024-04-29T22:00:00.000Z');
  });

  it('today is the day of --tz, not of UTC: 23:30 UTC is already tomorrow in Tokyo', () => {
    const late = { now: new Date('2024-05-01T23:30:00Z'), timeZone: 'Asia/Tokyo' };
    expect(at('today', late)).toBe('2024-05-01T15:00:00.000Z');
  });

  it('yesterday spans a daylight saving change: the day after Paris springs forward starts at +02:00', () => {
    const monday = { now: new Date('2024-04-01T10:00:00Z'), timeZone: 'Europe/Paris' };
    expect(at('today', monday)).toBe('2024-03-31T22:00:00.000Z');
    expect(at('yesterday', monday)).toBe('2024-03-30T23:00:00.000Z');
  });
});

describe('ISO 8601 with its zone', () => {
  it.each([
    ['2024-05-01T12:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:30Z', '2024-05-01T12:00:30.000Z'],
    ['2024-05-01T12:00:30.250Z', '2024-05-01T12:00:30.250Z'],
    ['2024-05-01T14:00+02:00', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T07:00-0500', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T17:30+05:30', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T14:00+02', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01 12:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01t12:00z', '2024-05-01T12:00:00.000Z'],
  ])('%s → %s, whatever --tz is', (value, expected) => {
    expect(at(value)).toBe(expected);
    expect(at(value, paris)).toBe(expected);
  });
});

describe('a time without a zone is read in --tz (default UTC), as tables print times', () => {
  it.each([
    ['2024-05-01 12:00', 'UTC', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00', 'UTC', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01 14:00:00', 'Europe/Paris', '2024-05-01T12:00:00.000Z'],
    ['2024-01-15 13:00', 'Europe/Paris', '2024-01-15T12:00:00.000Z'],
    ['2024-05-01 08:00', 'America/New_York', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01', 'UTC', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01', 'Europe/Paris', '2024-04-30T22:00:00.000Z'],
  ])('%s in %s → %s', (value, timeZone, expected) => {
    expect(at(value, { now: NOW, timeZone })).toBe(expected);
  });

  it('reads back what a table printed: wallTime then parseTime is the same instant', () => {
    const instant = '2024-10-01T06:07:08.000Z';
    for (const timeZone of ['UTC', 'Europe/Paris', 'America/Los_Angeles', 'Asia/Kolkata']) {
      expect(at(wallTime(instant, timeZone), { now: NOW, timeZone })).toBe(instant);
    }
  });
});

describe('refusals say what was wrong and what to write', () => {
  it.each(['40', '0', '1714564800', '-5', '2.5'])('a bare number (%s) is not a time', (value) => {
    expect(() => at(value)).toThrow(UsageError);
    expect(() => at(value)).toThrow(
      `--since ${value}: a bare number is not a time; write ${value}m, ${value}h or an ISO time with its zone`,
    );
  });

  it.each(['soon', '24 hours', '1y', 'm30', '2024/05/01', '05/01/2024', '', '2024-5-1'])(
    'an unknown form (%j) lists the forms',
    (value) => {
      expect(() => at(value)).toThrow(
        `--since ${value}: expected a duration before now (30m, 24h, 7d, 2w), an ISO time with its zone`,
      );
    },
  );

  it.each(['2024-02-30', '2024-13-01', '2023-02-29 10:00', '2024-05-01T24:00Z', '2024-05-01T12:60Z'])(
    'a date or time that does not exist (%s)',
    (value) => {
      expect(() => at(value)).toThrow(`--since ${value}: no such date or time`);
    },
  );

  it('an offset beyond ±14:00, or with 60 minutes or more', () => {
    expect(() => at('2024-05-01T12:00+15:00')).toThrow('+15:00 is not a UTC offset');
    expect(() => at('2024-05-01T12:00+02:60')).toThrow('+02:60 is not a UTC offset');
  });

  it('a wall time the clocks skip in --tz (spring forward)', () => {
    expect(() => at('2024-03-31 02:30', paris)).toThrow(
      '--since 2024-03-31 02:30: 2024-03-31 02:30 does not exist in Europe/Paris (its clocks skip it',
    );
  });

  it('a wall time the clocks repeat in --tz (fall back), naming both offsets', () => {
    expect(() => at('2024-10-27 02:30', paris)).toThrow(
      '--since 2024-10-27 02:30: 2024-10-27 02:30 happens twice in Europe/Paris (at +02:00 and +01:00',
    );
    // With its offset it is one instant.
    expect(at('2024-10-27T02:30+01:00', paris)).toBe('2024-10-27T01:30:00.000Z');
  });

  it('names the flag it read', () => {
    expect(() => parseTime('--until', '40', utc)).toThrow('--until 40: a bare number');
    expect(() => parseTime('--from', 'soon', utc)).toThrow('--from soon: expected');
  });
});

describe('the window of --since and --until', () => {
  it('--until defaults to now (left unset: the reader asks up to now)', () => {
    expect(parseWindow({ since: '1h' }, utc)).toEqual({ since: '2024-05-01T11:00:00.000Z' });
    expect(parseWindow({}, utc)).toEqual({});
  });

  it('a default --since applies only when none is given', () => {
    expect(parseWindow({}, utc, '24h')).toEqual({ since: '2024-04-30T12:00:00.000Z' });
    expect(parseWindow({ since: '2h' }, utc, '24h')).toEqual({ since: '2024-05-01T10:00:00.000Z' });
  });

  it('a duration in --until counts back from now too', () => {
    expect(parseWindow({ since: '3h', until: '1h' }, utc)).toEqual({
      since: '2024-05-01T09:00:00.000Z',
      until: '2024-05-01T11:00:00.000Z',
    });
  });

  it('--until alone has no lower bound', () => {
    expect(parseWindow({ until: '2024-05-01T10:00Z' }, utc)).toEqual({ until: '2024-05-01T10:00:00.000Z' });
  });

  it('refuses --since after --until, showing both in --tz', () => {
    expect(() => parseWindow({ since: '1h', until: '2h' }, paris)).toThrow(
      '--since 1h (2024-05-01 13:00:00 Europe/Paris) is after --until 2h (2024-05-01 12:00:00 Europe/Paris)',
    );
    expect(() => parseWindow({ since: '2024-05-02T00:00Z' }, utc)).toThrow(
      '--since 2024-05-02T00:00Z (2024-05-02 00:00:00 UTC) is after --until now (2024-05-01 12:00:00 UTC)',
    );
  });

  it('is described in --tz for a heading', () => {
    expect(windowText({ since: '2024-05-01T10:00:00Z' }, 'Europe/Paris')).toBe('since 2024-05-01 12:00:00');
    expect(windowText({ since: '2024-05-01T10:00:00Z', until: '2024-05-01T11:00:00Z' }, 'UTC')).toBe(
      'from 2024-05-01 10:00:00 to 2024-05-01 11:00:00',
    );
    expect(windowText({ until: '2024-05-01T11:00:00Z' }, 'UTC')).toBe('until 2024-05-01 11:00:00');
    expect(windowText({}, 'UTC')).toBe('');
  });
});

describe('times shown in --tz', () => {
  it('on the wall clock of the zone, empty when missing or invalid', () => {
    expect(wallTime('2024-05-01T12:40:02.123Z', 'UTC')).toBe('2024-05-01 12:40:02');
    expect(wallTime('2024-05-01T12:40:02.123Z', 'Europe/Paris')).toBe('2024-05-01 14:40:02');
    expect(wallTime('2024-01-01T12:40:02Z', 'Europe/Paris')).toBe('2024-01-01 13:40:02');
    expect(wallTime(undefined, 'UTC')).toBe('');
    expect(wallTime('not a time', 'UTC')).toBe('');
  });

  it('as ISO 8601 with the zone’s offset at that time (csv)', () => {
    expect(isoInZone('2024-05-01T12:40:02Z', 'UTC')).toBe('2024-05-01T12:40:02Z');
    expect(isoInZone('2024-05-01T12:40:02Z', 'Europe/Paris')).toBe('2024-05-01T14:40:02+02:00');
    expect(isoInZone('2024-01-01T12:40:02Z', 'Europe/Paris')).toBe('2024-01-01T13:40:02+01:00');
    expect(isoInZone('2024-05-01T12:40:02Z', 'America/St_Johns')).toBe('2024-05-01T10:10:02-02:30');
    expect(isoInZone('', 'UTC')).toBe('');
  });

  it('knows each zone’s offset from Intl', () => {
    expect(zoneOffsetMinutes(new Date('2024-05-01T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(zoneOffsetMinutes(new Date('2024-05-01T12:00:00Z'), 'America/New_York')).toBe(-240);
  });
});

describe('--tz', () => {
  it('takes an IANA zone Intl knows, and refuses others', () => {
    expect(checkZone('Europe/Paris')).toBe('Europe/Paris');
    expect(checkZone('UTC')).toBe('UTC');
    expect(() => checkZone('Mars/Olympus')).toThrow(
      '--tz Mars/Olympus: unknown time zone; use an IANA name such as UTC, Europe/Paris or America/New_York',
    );
    expect(() => checkZone('')).toThrow(UsageError);
  });
});

/**
 * The crash-loop window rule: the first exit of a group opens a window and pages, later exits while it runs are
 * counted, a window that ended is summarised once and resolved once (page-once, claimed on the window), an exit
 * before the resolution reopens it and one after replaces it. The cases in test/support/crash-loop-cases.ts are
 * also run through the store on both engines (test/integration/lib/alerts/crash-loop-store.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allows,
  closeEarlyWrite,
  closeQuietlyWrite,
  countWrite,
  crashLoopGroupKey,
  expressionsOf,
  nextStep,
  openWrite,
  resolutionClaimWrite,
  resolutionGivenBackWrite,
  resolutionSentWrite,
  type StoredWindow,
  summaryClaimWrite,
  summaryGivenBackWrite,
  summaryOf,
  summarySentWrite,
  windowEndsAt,
} from '../../../../lib/alerts/crash-loop.js';
import { isClaimable } from '../../../../lib/platform/notification/page-once.js';
import { alertsConfig, incident } from '../../../support/alerts.js';
import {
  AFTER_END,
  CLAIM_CASES,
  CLOSE_EARLY_CASES,
  CLOSED_WINDOW,
  CONFIG,
  COUNTED,
  EXIT_CASES,
  HELD_WINDOW,
  NEW_EXIT,
  OPENER,
  RESOLUTION_CLAIM_CASES,
  RESOLVING_WINDOW,
  SETTLE_CASES,
  SUMMARISED_WINDOW,
  WINDOW_END,
  WINDOW_SHAPES,
  WINDOW_START,
  windowOf,
} from '../../../support/crash-loop-cases.js';

describe('crash-loop windows', () => {
  it.each([
    { startedAt: '2024-05-01T13:28:19.836Z', windowMinutes: 10, endsAt: '2024-05-01T13:38:19.836Z' },
    { startedAt: '2024-05-01T23:55:00Z', windowMinutes: 10, endsAt: '2024-05-02T00:05:00.000Z' },
    { startedAt: '2024-05-01T15:00:00+02:00', windowMinutes: 60, endsAt: '2024-05-01T14:00:00.000Z' },
    { startedAt: '2024-05-01T00:00:00Z', windowMinutes: 1440, endsAt: '2024-05-02T00:00:00.000Z' },
  ])(
    'a $windowMinutes-minute window from $startedAt ends at $endsAt (UTC)',
    ({ startedAt, windowMinutes, endsAt }) => {
      expect(windowEndsAt(startedAt, alertsConfig({ crashLoop: { windowMinutes } }))).toBe(endsAt);
    },
  );

  it('uses the default 10 minutes', () => {
    expect(windowEndsAt('2024-05-01T00:00:00.000Z', alertsConfig())).toBe('2024-05-01T00:10:00.000Z');
  });

  it('refuses a start that is not a time', () => {
    expect(() => windowEndsAt('yesterday', alertsConfig())).toThrow(/"yesterday" is not an ISO time/);
  });

  it('groups by cluster and group', () => {
    expect(crashLoopGroupKey(incident())).toBe('prod#service:web');
  });
});

describe('an exit of the group', () => {
  it.each(EXIT_CASES)('$name: $step', ({ window, exit, now, step }) => {
    expect(nextStep(window, exit, now, CONFIG).action).toBe(step);
  });

  it('opens a window from now, listed for the sweeper until its end, remembering its opener', () => {
    const now = new Date('2024-05-01T13:04:00.000Z');
    const step = nextStep(undefined, NEW_EXIT, now, CONFIG);
    expect(step).toMatchObject({
      action: 'open',
      startedAt: '2024-05-01T13:04:00.000Z',
      endsAt: '2024-05-01T13:14:00.000Z',
    });
    expect(step.action === 'open' && step.write.values).toMatchObject({
      zero: 0,
      incident: NEW_EXIT.key,
      listed: 'alerts|open-windows',
      pending: 'pending',
      lastExit: {
        exitClass: 'app-error',
        exitCode: 1,
        taskArn: NEW_EXIT.taskArn,
        stoppedAt: NEW_EXIT.stoppedAt,
      },
    });
  });

  it('counts into the window it saw, and into no other', () => {
    const now = new Date('2024-05-01T13:04:00.000Z');
    const write = countWrite(windowOf(), NEW_EXIT, now);
    expect(allows(write, windowOf())).toBe(true);
    const replaced = windowOf({ startedAt: '2024-05-01T13:03:00.000Z', endsAt: '2024-05-01T13:13:00.000Z' });
    expect(allows(write, replaced)).toBe(false);
  });

  it('decides as the rule reads, for any window, exit and time (property)', () => {
    const times = fc
      .integer({ min: -60_000, max: 180_000 })
      .map((offset) => new Date(Date.parse(WINDOW_END) + offset));
    fc.assert(
      fc.property(
        WINDOW_SHAPES,
        fc.constantFrom(OPENER, COUNTED, NEW_EXIT, AFTER_END),
        times,
        (shape, exit, now) => {
          const window = shape === undefined ? undefined : windowOf(shape);
          const ended = window !== undefined && now.getTime() > Date.parse(window.endsAt);
          // Stopped from a window's length before the page to the window's end: one of its exits.
          const stoppedWithin =
            window !== undefined &&
            Date.parse(exit.stoppedAt) >= Date.parse(window.startedAt) - 10 * 60_000 &&
            Date.parse(exit.stoppedAt) <= Date.parse(window.endsAt);
          const expected =
            window?.listed && window.openedBy === exit.key
              ? 'page'
              : ended && stoppedWithin
                ? 'late'
                : window === undefined || (ended && !window.listed)
                  ? 'open'
                  : ended
                    ? isClaimable(window.summary, now)
                      ? 'summarise'
                      : window.summary?.state === 'sent' &&
                          (window.resolution === undefined || isClaimable(window.resolution, now))
                        ? 'reopen'
                        : 'wait'
                    : window.lastIncident === exit.key
                      ? 'group'
                      : 'count';
          expect(nextStep(window, exit, now, CONFIG).action).toBe(expected);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('the summary, through page-once on the window', () => {
  it.each(CLAIM_CASES)('$name', ({ window, now, claims }) => {
    expect(allows(summaryClaimWrite(now), window)).toBe(claims);
  });

  it.each(SETTLE_CASES)('$name', ({ window, settles }) => {
    for (const write of [
      summarySentWrite(HELD_WINDOW, 'summary-1'),
      summaryGivenBackWrite(HELD_WINDOW),
      closeQuietlyWrite(HELD_WINDOW),
    ]) {
      expect(allows(write, window)).toBe(settles);
    }
  });

  it('summarises an ended window: how many more exits, and the last one counted', () => {
    expect(summaryOf(CLOSED_WINDOW, alertsConfig())).toEqual({
      severity: 'high',
      incidentKey: CLOSED_WINDOW.openedBy,
      cluster: 'prod',
      group: 'service:web',
      service: 'web',
      windowStartedAt: WINDOW_START,
      windowEndsAt: WINDOW_END,
      count: 3,
      lastExit: CLOSED_WINDOW.lastExit,
    });
  });
});

describe('the resolved message, through page-once on the window', () => {
  it.each(RESOLUTION_CLAIM_CASES)('$name', ({ window, now, claims }) => {
    const seen = window ?? windowOf();
    expect(allows(resolutionClaimWrite(seen, now, 'recovered'), window)).toBe(claims);
  });

  it('is claimed only for the window the sweeper saw: never one reopened since', () => {
    const reopened = { ...SUMMARISED_WINDOW, startedAt: '2024-05-01T13:11:00.000Z', endsAt: WINDOW_END };
    expect(
      allows(resolutionClaimWrite(SUMMARISED_WINDOW, new Date('2024-05-01T13:12:00Z'), 'r'), reopened),
    ).toBe(false);
  });

  it('is settled by its holder while the window is listed, and only then', () => {
    for (const write of [
      resolutionSentWrite(RESOLVING_WINDOW, 'resolved-1'),
      resolutionGivenBackWrite(RESOLVING_WINDOW),
    ]) {
      expect(allows(write, RESOLVING_WINDOW)).toBe(true);
      expect(allows(write, CLOSED_WINDOW)).toBe(false);
    }
  });
});

describe('a service that recovers while its window runs', () => {
  it.each(CLOSE_EARLY_CASES)('$name', ({ seen, stored, now, closes }) => {
    expect(allows(closeEarlyWrite(seen, now, 'running 2 of 2 desired'), stored)).toBe(closes);
  });

  it('ends the window a millisecond before now, so it has ended for the summary and the resolution', () => {
    const now = new Date('2024-05-01T13:08:00.000Z');
    expect(closeEarlyWrite(windowOf(), now, 'r').values).toMatchObject({
      endsAt: '2024-05-01T13:07:59.999Z',
      recovery: 'r',
    });
  });
});

describe('the conditions as DynamoDB evaluates them', () => {
  const now = new Date('2024-05-01T13:04:00.000Z');
  const window: StoredWindow = windowOf();

  it.each([
    [
      'open',
      openWrite(NEW_EXIT, now, CONFIG),
      '(attribute_not_exists(#window) OR (#endsAt < :now AND attribute_not_exists(#listed))) AND NOT (' +
        '#endsAt < :now AND NOT (#endsAt < :stoppedAt) AND (#outageSince < :stoppedAtPlusWindow OR ' +
        '(attribute_not_exists(#outageSince) AND #startedAt < :stoppedAtPlusWindow)))',
    ],
    [
      'count',
      countWrite(window, NEW_EXIT, now),
      '#startedAt = :startedAt AND NOT (#endsAt < :now) AND NOT (#lastIncident = :incident)',
    ],
    [
      'claim',
      summaryClaimWrite(now),
      'attribute_exists(#listed) AND #endsAt < :now AND (#state = :pending OR (#state = :sending AND #leaseUntil < :now) OR attribute_not_exists(#state))',
    ],
    ['sent', summarySentWrite(window, 'summary-1'), '#startedAt = :startedAt AND attribute_exists(#listed)'],
    ['given back', summaryGivenBackWrite(window), '#startedAt = :startedAt AND attribute_exists(#listed)'],
    ['closed quietly', closeQuietlyWrite(window), '#startedAt = :startedAt AND attribute_exists(#listed)'],
  ])('%s', (_write, write, condition) => {
    const expressions = expressionsOf(write);
    expect(expressions.ConditionExpression).toBe(condition);
    const text = `${expressions.UpdateExpression} ${expressions.ConditionExpression}`;
    // Exactly the names and values the expressions use: DynamoDB refuses any other.
    expect(Object.keys(expressions.ExpressionAttributeNames).sort()).toEqual(
      [...new Set(text.match(/#\w+/g))].sort(),
    );
    expect(Object.keys(expressions.ExpressionAttributeValues).sort()).toEqual(
      [...new Set(text.match(/:\w+/g))].sort(),
    );
  });

  it('names the stored attributes: the item key and the sweeper’s index keys', () => {
    expect(expressionsOf(openWrite(NEW_EXIT, now, CONFIG)).ExpressionAttributeNames).toMatchObject({
      '#window': 'resource',
      '#listed': 'statusKey',
      '#listedUntil': 'statusTime',
      '#expiresAt': 'expiresAt',
      '#state': 'summary',
      '#leaseUntil': 'summaryLeaseUntil',
      '#messageId': 'summaryMessageId',
    });
  });
});

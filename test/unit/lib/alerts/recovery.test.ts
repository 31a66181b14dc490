/**
 * When a paged outage is over: a service back to its desired count with no essential exit for quietMinutes, or
 * a crash-loop window that closed with no further exit. The window is web's in prod, 13:00 to 13:10, its last
 * exit counted stopped at 13:02 (test/support/crash-loop-cases.ts); quietMinutes is 5.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { needsServiceCounts, recoveryOf, type ServiceCounts } from '../../../../lib/alerts/recovery.js';
import { alertsConfig } from '../../../support/alerts.js';
import { windowOf } from '../../../support/crash-loop-cases.js';

const config = alertsConfig({ crashLoop: { windowMinutes: 10 }, recovery: { quietMinutes: 5 } });
const at = (time: string) => new Date(`2024-05-01T${time}Z`);
const healthy: ServiceCounts = { status: 'found', running: 3, desired: 3, pending: 0 };
const short: ServiceCounts = { status: 'found', running: 2, desired: 3, pending: 1 };
const standalone = (overrides = {}) => windowOf({ group: 'family:report', service: undefined, ...overrides });

describe('recoveryOf', () => {
  it.each([
    {
      name: 'a service back to its desired count after 5 quiet minutes has recovered, window running or not',
      window: windowOf(),
      now: at('13:07:00'),
      counts: healthy,
      recovered: true,
      reason: 'running 3 of 3 desired; no essential exit for 5m 0s',
    },
    {
      name: 'a service short of its desired count has not',
      window: windowOf(),
      now: at('13:20:00'),
      counts: short,
      recovered: false,
      reason: 'running 2 of 3 desired (1 pending)',
    },
    {
      name: 'a service back to its count but not quiet long enough has not',
      window: windowOf(),
      now: at('13:06:59'),
      counts: healthy,
      recovered: false,
      reason: 'last exit 4m 59s ago; quiet for 5 min first',
    },
    {
      name: 'a deleted service has recovered: nothing is left failing',
      window: windowOf(),
      now: at('13:08:00'),
      counts: { status: 'missing' } as const,
      recovered: true,
      reason: 'service web no longer exists; no essential exit for 6m 0s',
    },
    {
      name: 'a window that closed with no further exit has recovered, whatever the counts',
      window: windowOf({ count: 0, lastIncident: undefined }),
      now: at('13:10:00.001'),
      counts: short,
      recovered: true,
      reason: 'no further exit in the 10-minute crash-loop window after the page',
    },
    {
      name: 'a standalone group waits for its window to close',
      window: standalone(),
      now: at('13:08:00'),
      counts: undefined,
      recovered: false,
      reason: 'a standalone group: waits for its crash-loop window to close',
    },
    {
      name: 'a standalone group quiet since its window closed has recovered',
      window: standalone(),
      now: at('13:11:00'),
      counts: undefined,
      recovered: true,
      reason: 'no essential exit for 9m 0s since its crash-loop window closed',
    },
    {
      name: 'a window the sweeper closed early keeps the reason it found',
      window: windowOf({ recovery: 'running 3 of 3 desired; no essential exit for 5m 0s' }),
      now: at('13:12:00'),
      counts: undefined,
      recovered: true,
      reason: 'running 3 of 3 desired; no essential exit for 5m 0s',
    },
  ])('$name', ({ window, now, counts, recovered, reason }) => {
    expect(recoveryOf(window, now, config, counts)).toEqual({ recovered, reason });
  });

  it('never calls a group recovered while an exit is younger than quietMinutes, unless its window closed quiet (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 40 * 60_000 }),
        fc.boolean(),
        fc.nat(5),
        fc.nat(5),
        (count, sinceStart, service, running, desired) => {
          const window = service ? windowOf({ count }) : standalone({ count });
          const now = new Date(Date.parse('2024-05-01T13:00:00Z') + sinceStart);
          const counts: ServiceCounts = { status: 'found', running, desired, pending: 0 };
          const result = recoveryOf(window, now, config, counts);
          const quietMs = now.getTime() - Date.parse(window.lastExit.stoppedAt);
          const closedQuiet = count === 0 && now.getTime() > Date.parse(window.endsAt);
          if (result.recovered && !closedQuiet) {
            expect(quietMs).toBeGreaterThanOrEqual(5 * 60_000);
            if (service) expect(running).toBeGreaterThanOrEqual(desired);
          }
          if (closedQuiet) expect(result.recovered).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('needsServiceCounts: ECS is asked only when the counts decide', () => {
  it.each([
    { name: 'a service quiet long enough', window: windowOf(), now: at('13:07:00'), asks: true },
    { name: 'a service not quiet yet', window: windowOf(), now: at('13:06:00'), asks: false },
    {
      name: 'a window that closed quiet',
      window: windowOf({ count: 0, lastIncident: undefined }),
      now: at('13:11:00'),
      asks: false,
    },
    { name: 'a standalone group', window: standalone(), now: at('13:20:00'), asks: false },
    {
      name: 'a window closed early already',
      window: windowOf({ recovery: 'r' }),
      now: at('13:20:00'),
      asks: false,
    },
  ])('$name: $asks', ({ window, now, asks }) => {
    expect(needsServiceCounts(window, now, config)).toBe(asks);
  });
});

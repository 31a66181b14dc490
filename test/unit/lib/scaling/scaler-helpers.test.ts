/** The scaler's small pure rules: a claim still landing, the CloudWatch window, the CLI's service filter. */
import { describe, expect, it } from 'vitest';
import { serviceFilter } from '../../../../cli/commands/scaling.js';
import { UsageError } from '../../../../cli/usage.js';
import { CLOUDWATCH_PERIODS, metricWindow } from '../../../../lib/scaling/metrics.js';
import { CLAIM_LEASE_MS, changeInFlight, resourceIdOf } from '../../../../lib/scaling/scaler.js';
import type { RecordedActivity } from '../../../../lib/scaling/scaling-store.js';

const now = new Date('2024-05-03T09:10:00.000Z');
const activity = (ageMs: number, to: number): RecordedActivity => ({
  at: new Date(now.getTime() - ageMs),
  from: 2,
  to,
  cooldownSeconds: 300,
  policy: 'out',
});

describe('changeInFlight', () => {
  it.each([
    ['no activity', [], 4, undefined],
    ['the latest claim already shows in the desired count', [activity(1_000, 4)], 4, undefined],
    ['a claim younger than the lease not yet in the desired count', [activity(1_000, 4)], 2, 0],
    [
      'a claim as old as the lease (its claimant gave up or died)',
      [activity(CLAIM_LEASE_MS, 4)],
      2,
      undefined,
    ],
    ['an older claim under a landed newer one', [activity(2_000, 5), activity(1_000, 4)], 4, undefined],
  ] as const)('%s', (_case, activities, desired, expected) => {
    const found = changeInFlight(activities, desired, now);
    expect(found).toBe(expected === undefined ? undefined : activities[expected]);
  });
});

describe('metricWindow', () => {
  it(`covers the last ${CLOUDWATCH_PERIODS} periods up to now`, () => {
    expect(metricWindow(now, 60)).toEqual({
      StartTime: new Date('2024-05-03T09:07:00.000Z'),
      EndTime: now,
    });
  });
});

describe('serviceFilter', () => {
  it('matches cluster/service exactly, and a bare service name in any cluster', () => {
    expect(serviceFilter('prod/worker')('prod/worker')).toBe(true);
    expect(serviceFilter('prod/worker')('staging/worker')).toBe(false);
    expect(serviceFilter('worker')('staging/worker')).toBe(true);
    expect(serviceFilter('worker')('prod/web')).toBe(false);
    expect(serviceFilter(undefined)('prod/web')).toBe(true);
  });

  it.each(['', 'a/b/c', '/worker', 'prod/'])('refuses --service %j with the form to use', (service) => {
    expect(() => serviceFilter(service)).toThrow(UsageError);
    expect(() => serviceFilter(service)).toThrow('expected <cluster>/<service> or a service name');
  });
});

describe('resourceIdOf', () => {
  it('names the service as Application Auto Scaling does', () => {
    expect(resourceIdOf({ cluster: 'prod', service: 'worker' })).toBe('service/prod/worker');
  });
});

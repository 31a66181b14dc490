/**
 * What one evaluation does with what it read: hold while a claimed change is still landing, else decide; a
 * scale becomes one effect (claim this activity at the revision read, then set the desired count) with what the
 * evaluation says however that ends.
 */
import { describe, expect, it } from 'vitest';
import {
  CLAIM_LEASE_MS,
  callFailed,
  changeInFlight,
  claimLost,
  type Observation,
  planOf,
  type SetDesiredCount,
  updateFailed,
} from '../../../../lib/scaling/plan.js';
import type { RecordedActivity } from '../../../../lib/scaling/scaling-store.js';
import { policy, QUEUE_WORKERS } from '../../../support/scaling-policies.js';

const now = new Date('2024-05-03T09:10:00.000Z');
const WORKERS = policy({ ...QUEUE_WORKERS, cooldownSeconds: 120 });
const evaluation = { name: 'out', policy: WORKERS, at: now };

const activity = (ageMs: number, to: number): RecordedActivity => ({
  at: new Date(now.getTime() - ageMs),
  from: 2,
  to,
  cooldownSeconds: 300,
  policy: 'out',
});

/** The worker service running and desiring `count` tasks, with `backlog` messages and no history. */
const active = (
  count: number,
  backlog: number | undefined,
  overrides: Partial<Extract<Observation, { service: 'active' }>> = {},
): Observation => ({
  service: 'active',
  running: count,
  desired: count,
  stored: { activities: [], revision: 3 },
  scalableTarget: undefined,
  nativePolicies: [],
  metric:
    backlog === undefined
      ? {
          datapoints: undefined,
          read: 'the backlog of orders: read failed (Throttling)',
          error: 'Throttling',
        }
      : { datapoints: [backlog], read: `ApproximateNumberOfMessages of orders: ${backlog}` },
  ...overrides,
});

describe('changeInFlight', () => {
  it.each([
    ['no activity', [], 4, undefined],
    ['the latest claim already shows in the desired count', [activity(1_000, 4)], 4, undefined],
    ['a claim younger than the lease not yet in the desired count', [activity(1_000, 4)], 2, 0],
    ['a claim made this instant, not yet in the desired count', [activity(0, 4)], 2, 0],
    [
      'a claim as old as the lease (its claimant gave up or died)',
      [activity(CLAIM_LEASE_MS, 4)],
      2,
      undefined,
    ],
    ['a claim stamped after now (another clock)', [activity(-1_000, 4)], 2, undefined],
    ['an older claim under a landed newer one', [activity(2_000, 5), activity(1_000, 4)], 4, undefined],
  ] as const)('%s', (_case, activities, desired, expected) => {
    const found = changeInFlight(activities, desired, now);
    expect(found).toBe(expected === undefined ? undefined : activities[expected]);
  });
});

describe('planOf', () => {
  it.each([
    // [case, outcome, desired after, observation]
    ['ECS has no active service', 'failed service-missing', undefined, { service: 'missing' } as const],
    ['a backlog inside the no-op band', 'ignore no-step', 2, active(2, 10)],
    ['a metric that could not be read', 'ignore metric-missing', 2, active(2, undefined)],
    [
      'another policy’s claim still landing',
      'ignore change-in-flight',
      2,
      active(2, 500, { stored: { activities: [activity(1_000, 4)], revision: 4 } }),
    ],
    [
      'another policy’s claim that has landed (its cooldown counts from 2)',
      'scale scale-out',
      5,
      active(4, 500, { stored: { activities: [activity(90_000, 4)], revision: 4 } }),
    ],
    ['a backlog in the +3 step', 'scale scale-out', 5, active(2, 500)],
  ] as const)('%s → %s, desired %s', (_case, outcome, desired, observation) => {
    const plan = planOf(evaluation, observation);
    const settled = plan.effect === 'none' ? plan.settled : plan.applied;
    expect(`${settled.outcome.action} ${settled.outcome.reason}`).toBe(outcome);
    expect(settled.desired).toBe(desired);
    expect(plan.effect).toBe(settled.outcome.action === 'scale' ? 'set-desired-count' : 'none');
  });

  it('says which claim it waits for, and until when', () => {
    const plan = planOf(
      evaluation,
      active(2, 500, { stored: { activities: [activity(1_000, 4)], revision: 4 } }),
    );
    expect(plan).toMatchObject({
      effect: 'none',
      settled: {
        explanation:
          'out set worker to 4 desired at 09:09:59Z and ECS still shows 2; holding until that change lands or 60 s pass',
      },
    });
  });

  it('adds why the metric read failed to decide’s sentence, and keeps the error', () => {
    const plan = planOf(evaluation, active(2, undefined));
    expect(plan).toMatchObject({
      effect: 'none',
      settled: {
        explanation: expect.stringMatching(
          /^no usable datapoint for .*; the backlog of orders: read failed \(Throttling\)$/,
        ),
        error: 'Throttling',
      },
    });
  });

  it('claims the change at the revision read, as an activity from the running count', () => {
    const observation = active(2, 500, { desired: 3 });
    const plan = planOf(evaluation, observation);
    expect(plan).toEqual({
      effect: 'set-desired-count',
      claim: {
        read: { activities: [], revision: 3 },
        activity: { at: now, from: 2, to: 5, cooldownSeconds: 120, policy: 'out' },
      },
      from: 3,
      to: 5,
      applied: {
        outcome: { action: 'scale', reason: 'scale-out' },
        explanation: expect.stringContaining('2 +3 = 5; desired 3 → 5'),
        desired: 5,
        step: { interval: '[40, +∞)', adjustment: 3 },
        adjustment: 2,
        applied: true,
        warnings: [],
      },
    });
  });
});

describe('how a claimed change ends, when it does not apply', () => {
  const plan = planOf(evaluation, active(2, 500)) as SetDesiredCount;

  it('leaves the service to the evaluation that claimed first', () => {
    expect(claimLost(WORKERS, plan)).toEqual({
      outcome: { action: 'ignore', reason: 'claimed-elsewhere' },
      explanation: `${plan.applied.explanation}; but another evaluation changed worker's scaling first, so this one leaves it`,
      desired: 2,
      step: plan.applied.step,
      warnings: [],
    });
  });

  it('fails with the desired count unchanged when UpdateService fails', () => {
    const error = Object.assign(new Error('try later'), { name: 'ServerException' });
    expect(updateFailed(WORKERS, plan, error)).toEqual({
      outcome: { action: 'failed', reason: 'update-failed' },
      explanation: `${plan.applied.explanation}; but UpdateService failed (ServerException: try later): worker stays at 2 desired`,
      desired: 2,
      step: plan.applied.step,
      error: 'ServerException: try later',
    });
  });
});

describe('callFailed', () => {
  it.each([
    [
      'ecs:DescribeServices',
      'ecs:DescribeServices failed (boom); holding worker at its current desired count',
    ],
    [undefined, 'a call failed (boom); holding worker at its current desired count'],
  ])('names the call that threw (%s)', (call, explanation) => {
    expect(callFailed(WORKERS, call, new Error('boom'), 3)).toEqual({
      outcome: { action: 'failed', reason: 'api-error' },
      explanation,
      desired: 3,
      error: 'boom',
    });
  });
});

import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { describeIssues, ScalingConfig } from '../../../../lib/scaling/config.js';
import {
  QUEUE_WORKERS,
  SCALE_IN_BY_PERCENT,
  SCALE_OUT_BY_PERCENT,
} from '../../../support/scaling-policies.js';

/** What ops.config.yml would say about a `scaling.workers` policy. */
function problems(workers: Record<string, unknown>): string[] {
  const parsed = z.safeParse(ScalingConfig, { workers });
  return parsed.success ? [] : describeIssues(parsed.error.issues, 'scaling');
}

const out = (overrides: Record<string, unknown>) => ({ ...SCALE_OUT_BY_PERCENT, ...overrides });
const scaleIn = (overrides: Record<string, unknown>) => ({ ...SCALE_IN_BY_PERCENT, ...overrides });

describe('the scaling section of ops.config.yml', () => {
  it('accepts AWS’s example policies and fills in the defaults', () => {
    const parsed = z.parse(ScalingConfig, { out: SCALE_OUT_BY_PERCENT, in: SCALE_IN_BY_PERCENT });
    expect(parsed.out).toMatchObject({
      metricAggregationType: 'Average',
      cooldownSeconds: 300,
      onMissingMetric: 'hold',
      nativePolicies: 'refuse',
      registerScalableTarget: false,
    });
    expect(parsed.out?.metric.cloudWatch?.periodSeconds).toBe(60);
  });

  it('accepts queue workers that scale to and from zero', () => {
    expect(problems(QUEUE_WORKERS)).toEqual([]);
  });

  it.each([
    [
      'overlapping steps',
      out({
        steps: [
          { lower: 0, upper: 10, adjustment: 0 },
          { lower: 5, upper: 20, adjustment: 1 },
          { lower: 20, adjustment: 2 },
        ],
      }),
      'scaling.workers.steps: the intervals [0, 10) and [5, 20) overlap; start the second where the first ends (10)',
    ],
    [
      'a gap between steps',
      out({
        steps: [
          { lower: 0, upper: 10, adjustment: 0 },
          { lower: 15, adjustment: 1 },
        ],
      }),
      'scaling.workers.steps: the intervals [0, 10) and [15, +∞) leave a gap; start the second where the first ends (10)',
    ],
    [
      'a gap below the threshold',
      scaleIn({
        steps: [
          { lower: -10, upper: 0, adjustment: 0 },
          { upper: -15, adjustment: -1 },
        ],
      }),
      'scaling.workers.steps: the intervals (-10, 0] and (-∞, -15] leave a gap; start the second where the first ends (-10)',
    ],
    [
      'two steps open at the top',
      out({
        steps: [
          { lower: 0, adjustment: 1 },
          { lower: 10, adjustment: 2 },
        ],
      }),
      'scaling.workers.steps: only one step may leave its upper bound out, but [0, +∞) and [10, +∞) both reach +∞; end the first at 10',
    ],
    [
      'no step next to the threshold',
      out({ steps: [{ lower: 5, adjustment: 1 }] }),
      'scaling.workers.steps: no step covers [0, 5) next to the threshold; start the first step at 0 (adjustment: 0 makes a no-op band)',
    ],
    [
      'a last step that ends',
      out({ steps: [{ lower: 0, upper: 10, adjustment: 1 }] }),
      'scaling.workers.steps: the last step [0, 10) ends at 10; leave its upper bound out so a larger breach still scales',
    ],
    [
      'a step below the threshold of a scale-out policy',
      out({ steps: [{ lower: -10, adjustment: 1 }] }),
      'scaling.workers.steps.0.lower: a GreaterThanOrEqualToThreshold policy acts only at or above its threshold; give this step a lower bound of 0 or more',
    ],
    [
      'a step above the threshold of a scale-in policy',
      scaleIn({ steps: [{ upper: 10, adjustment: -1 }] }),
      'scaling.workers.steps.0.upper: a LessThanOrEqualToThreshold policy acts only at or below its threshold; give this step an upper bound of 0 or less',
    ],
    [
      'a step open at both ends',
      out({ steps: [{ adjustment: 1 }] }),
      'scaling.workers.steps.0: a step needs a lower or an upper bound (AWS refuses a step open at both ends)',
    ],
    [
      'bounds the wrong way round',
      out({ steps: [{ lower: 10, upper: 0, adjustment: 1 }] }),
      'scaling.workers.steps.0.upper: upper (0) must be above lower (10)',
    ],
    [
      'a scale-out policy that removes tasks',
      out({ adjustmentType: 'ChangeInCapacity', steps: [{ lower: 0, adjustment: -1 }] }),
      'scaling.workers.steps.0.adjustment: a GreaterThanOrEqualToThreshold policy scales out; write an adjustment of 0 or more (scale in with a LessThan… policy)',
    ],
    [
      'a scale-in policy that adds tasks',
      scaleIn({ adjustmentType: 'ChangeInCapacity', steps: [{ upper: 0, adjustment: 1 }] }),
      'scaling.workers.steps.0.adjustment: a LessThanOrEqualToThreshold policy scales in; write an adjustment of 0 or less (scale out with a GreaterThan… policy)',
    ],
    [
      'a negative exact capacity',
      scaleIn({ adjustmentType: 'ExactCapacity', steps: [{ upper: 0, adjustment: -1 }] }),
      'scaling.workers.steps.0.adjustment: ExactCapacity sets a task count; write 0 or more',
    ],
    [
      'removing more than everything',
      scaleIn({ steps: [{ upper: 0, adjustment: -150 }] }),
      'scaling.workers.steps.0.adjustment: a scale-in cannot remove more than 100 percent',
    ],
    [
      'a larger breach that scales less',
      out({
        steps: [
          { lower: 0, upper: 10, adjustment: 30 },
          { lower: 10, adjustment: 10 },
        ],
      }),
      'scaling.workers.steps: [10, +∞) adjusts by 10 but the nearer [0, 10) by 30; a larger breach must not scale less, so order the adjustments',
    ],
    [
      'a fractional adjustment',
      out({ steps: [{ lower: 0, adjustment: 1.5 }] }),
      'scaling.workers.steps.0.adjustment: expected a whole number (AWS step adjustments are integers)',
    ],
    ['no steps', out({ steps: [] }), 'scaling.workers.steps: list at least one step'],
    [
      'min above max',
      out({ minCapacity: 5, maxCapacity: 2 }),
      'scaling.workers.minCapacity: minCapacity 5 is above maxCapacity 2; lower it or raise maxCapacity',
    ],
    [
      'MinAdjustmentMagnitude without percentages',
      out({
        adjustmentType: 'ChangeInCapacity',
        minAdjustmentMagnitude: 2,
        steps: [{ lower: 0, adjustment: 1 }],
      }),
      'scaling.workers.minAdjustmentMagnitude: minAdjustmentMagnitude applies to PercentChangeInCapacity only; remove it or change adjustmentType',
    ],
    [
      'an activation threshold with a minimum above zero',
      { ...QUEUE_WORKERS, minCapacity: 1 },
      'scaling.workers.activationThreshold: activationThreshold scales to and from zero tasks; set minCapacity: 0 or remove activationThreshold',
    ],
    [
      'backlog per task at zero tasks with no way to start',
      { ...QUEUE_WORKERS, activationThreshold: undefined },
      'scaling.workers.activationThreshold: with perTask and minCapacity 0 the backlog per task is undefined at zero tasks; set activationThreshold (e.g. 0) to say when the service starts',
    ],
    [
      'two metric sources',
      out({ metric: { sqs: { queue: 'orders' }, state: { group: 'service:worker', status: 'PENDING' } } }),
      'scaling.workers.metric: set exactly one of sqs, cloudWatch or state',
    ],
    [
      'a queue ARN',
      out({ metric: { sqs: { queue: 'arn:aws:sqs:us-east-1:111122223333:orders' } } }),
      'scaling.workers.metric.sqs.queue: expected a queue name (orders, orders.fifo) or its URL (https://sqs.<region>.amazonaws.com/<account>/<name>)',
    ],
    [
      'a period CloudWatch does not serve',
      out({
        metric: { cloudWatch: { namespace: 'MyApp', name: 'Depth', statistic: 'Sum', periodSeconds: 90 } },
      }),
      'scaling.workers.metric.cloudWatch.periodSeconds: expected 10, 30 or a multiple of 60 seconds (the periods CloudWatch serves)',
    ],
    [
      'an unknown task status',
      out({ metric: { state: { group: 'service:worker', status: 'CRASHED' } } }),
      'scaling.workers.metric.state.status: expected one of PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED',
    ],
    [
      'an unknown comparison',
      out({ comparison: 'GreaterThan' }),
      'scaling.workers.comparison: expected one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold',
    ],
    [
      'a misspelt setting',
      out({ cooldown: 60 }),
      'scaling.workers.cooldown: unknown setting; check its spelling',
    ],
  ])('refuses %s', (_, workers, message) => {
    expect(problems(workers)).toContain(message);
  });

  it('refuses a policy name that cannot name a journal subject', () => {
    const parsed = z.safeParse(ScalingConfig, { 'my workers': SCALE_OUT_BY_PERCENT });
    expect(parsed.success ? [] : describeIssues(parsed.error.issues, 'scaling')).toEqual([
      'scaling.my workers: a scaling policy name is 1 to 64 letters, digits, - and _ (it names the policy in the journal)',
    ]);
  });
});

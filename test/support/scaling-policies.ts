/** Scaling policies for the tests, validated and defaulted by the real schema. */
import * as z from 'zod/mini';
import {
  type ScalingPolicyConfig,
  type ScalingPolicyInput,
  ScalingPolicyConfig as ScalingPolicySchema,
} from '../../lib/scaling/config.js';

export function policy(overrides: Partial<ScalingPolicyInput> = {}): ScalingPolicyConfig {
  return z.parse(ScalingPolicySchema, { ...SCALE_OUT_BY_PERCENT, ...overrides });
}

const BASE = {
  cluster: 'prod',
  service: 'worker',
  metric: { cloudWatch: { namespace: 'MyApp', name: 'Utilization', statistic: 'Average' } },
  threshold: 50,
  minCapacity: 1,
  maxCapacity: 100,
} as const;

/** The scale-out policy of AWS's step adjustment example (Application Auto Scaling User Guide). */
export const SCALE_OUT_BY_PERCENT: ScalingPolicyInput = {
  ...BASE,
  comparison: 'GreaterThanOrEqualToThreshold',
  adjustmentType: 'PercentChangeInCapacity',
  steps: [
    { lower: 0, upper: 10, adjustment: 0 },
    { lower: 10, upper: 20, adjustment: 10 },
    { lower: 20, adjustment: 30 },
  ],
};

/** The scale-in policy of the same example. */
export const SCALE_IN_BY_PERCENT: ScalingPolicyInput = {
  ...BASE,
  comparison: 'LessThanOrEqualToThreshold',
  adjustmentType: 'PercentChangeInCapacity',
  steps: [
    { lower: -10, upper: 0, adjustment: 0 },
    { lower: -20, upper: -10, adjustment: -10 },
    { upper: -20, adjustment: -30 },
  ],
};

/** Queue workers: backlog per task, +1 from 10 messages a task, +3 from 50; scale to and from zero. */
export const QUEUE_WORKERS: ScalingPolicyInput = {
  cluster: 'prod',
  service: 'worker',
  metric: { sqs: { queue: 'orders', perTask: true } },
  threshold: 10,
  comparison: 'GreaterThanOrEqualToThreshold',
  adjustmentType: 'ChangeInCapacity',
  steps: [
    { lower: 0, upper: 40, adjustment: 1 },
    { lower: 40, adjustment: 3 },
  ],
  minCapacity: 0,
  maxCapacity: 10,
  activationThreshold: 0,
  cooldownSeconds: 60,
};

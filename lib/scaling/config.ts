/**
 * The `scaling` section of ops.config.yml: step scaling policies, with Application Auto Scaling's step
 * semantics, on metrics AWS cannot alarm on within a minute — an SQS backlog (optionally per running task), a
 * CloudWatch metric, or a count of tasks from ecs-ops' own state store.
 *
 * What AWS would refuse in PutScalingPolicy (overlapping or gapped steps, two open ends) and what would make a
 * policy act against its own comparison is refused here, with the policy, the field and what to write.
 */
import * as z from 'zod/mini';
import { Flag, keyProblem, WholeNumber } from '../platform/config/fields.js';
import { TASK_STATUSES } from '../platform/events/statuses.js';
import { METRIC_AGGREGATION_TYPES } from './capacity.js';
import { ADJUSTMENT_TYPES, COMPARISONS, stepProblems } from './steps.js';

const FiniteNumber = (what: string) =>
  z
    .number(`expected a number (${what})`)
    .check(z.refine(Number.isFinite, `expected a finite number (${what})`));

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, `expected one of ${values.join(', ')}`);

const PolicyName = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9_-]{1,64}$/,
      'a scaling policy name is 1 to 64 letters, digits, - and _ (it names the policy in the journal)',
    ),
  );

const ResourceName = (what: string) =>
  z
    .string(`expected a ${what} name`)
    .check(
      z.regex(/^[A-Za-z0-9_-]{1,255}$/, `expected a ${what} name (letters, digits, - and _), not an ARN`),
    );

const QUEUE_NAME = '[A-Za-z0-9_-]{1,80}(\\.fifo)?';
const Queue = z
  .string('expected a queue name or URL')
  .check(
    z.regex(
      new RegExp(
        `^(${QUEUE_NAME}|https://sqs\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/\\d{12}/${QUEUE_NAME})$`,
      ),
      'expected a queue name (orders, orders.fifo) or its URL (https://sqs.<region>.amazonaws.com/<account>/<name>)',
    ),
  );

const SqsMetric = z.strictObject({
  /** The queue whose backlog (ApproximateNumberOfMessagesVisible) is the metric. */
  queue: Queue,
  /** Divide the backlog by the service's running tasks: the "backlog per task" AWS recommends for workers. */
  perTask: z._default(Flag, false),
});

export const STATISTICS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;

const CloudWatchMetric = z.strictObject({
  namespace: z
    .string('expected a CloudWatch namespace such as MyApp or AWS/SQS')
    .check(z.minLength(1, 'expected a CloudWatch namespace'), z.maxLength(255, 'at most 255 characters')),
  name: z
    .string('expected a metric name')
    .check(z.minLength(1, 'expected a metric name'), z.maxLength(255, 'at most 255 characters')),
  dimensions: z.optional(
    z
      .record(
        z.string().check(z.minLength(1, 'a dimension name may not be empty')),
        z
          .string('expected a string; quote numbers')
          .check(z.minLength(1, 'a dimension value may not be empty')),
        keyProblem,
      )
      .check(z.refine((d) => Object.keys(d).length <= 30, 'CloudWatch allows at most 30 dimensions')),
  ),
  statistic: oneOf(STATISTICS),
  /** CloudWatch periods: 10 or 30 seconds (high resolution), or a multiple of 60. */
  periodSeconds: z._default(
    WholeNumber(10, 86_400, 'seconds').check(
      z.refine(
        (p) => p === 10 || p === 30 || p % 60 === 0,
        'expected 10, 30 or a multiple of 60 seconds (the periods CloudWatch serves)',
      ),
    ),
    60,
  ),
});

const StateMetric = z.strictObject({
  /** The group of the tasks counted, as ECS names it: service:<name> or family:<name>. */
  group: z
    .string('expected a task group such as service:worker')
    .check(
      z.regex(
        /^(service|family):[A-Za-z0-9_-]{1,255}$/,
        'expected a task group such as service:worker or family:report',
      ),
    ),
  status: oneOf(TASK_STATUSES),
});

const Metric = z
  .strictObject({
    sqs: z.optional(SqsMetric),
    cloudWatch: z.optional(CloudWatchMetric),
    state: z.optional(StateMetric),
  })
  .check(
    z.refine(
      (m) => [m.sqs, m.cloudWatch, m.state].filter((source) => source !== undefined).length === 1,
      'set exactly one of sqs, cloudWatch or state',
    ),
  );

const Step = z.strictObject({
  /** Offset from the threshold where the step starts; leave out for minus infinity. */
  lower: z.optional(FiniteNumber('an offset from the threshold')),
  /** Offset from the threshold where the step ends; leave out for plus infinity. */
  upper: z.optional(FiniteNumber('an offset from the threshold')),
  /** Tasks, percent or the exact count, per adjustmentType. */
  adjustment: z
    .number('expected a whole number')
    .check(z.refine(Number.isInteger, 'expected a whole number (AWS step adjustments are integers)')),
});

const MAX_TASKS = 10_000;

const Policy = z
  .strictObject({
    cluster: ResourceName('cluster'),
    service: ResourceName('service'),
    metric: Metric,
    /** The alarm threshold the steps' bounds are relative to, in the metric's unit. */
    threshold: FiniteNumber('the alarm threshold'),
    comparison: oneOf(COMPARISONS),
    adjustmentType: oneOf(ADJUSTMENT_TYPES),
    /** With PercentChangeInCapacity only: the fewest tasks a step moves. */
    minAdjustmentMagnitude: z.optional(WholeNumber(1, MAX_TASKS, 'tasks')),
    metricAggregationType: z._default(oneOf(METRIC_AGGREGATION_TYPES), 'Average'),
    steps: z
      .array(Step)
      .check(z.minLength(1, 'list at least one step'), z.maxLength(20, 'list at most 20 steps')),
    /** Application Auto Scaling's default cooldown. */
    cooldownSeconds: z._default(WholeNumber(0, 86_400, 'seconds'), 300),
    minCapacity: WholeNumber(0, MAX_TASKS, 'tasks'),
    maxCapacity: WholeNumber(0, MAX_TASKS, 'tasks'),
    /** What to do when the metric cannot be read: hold the current count (never scale on no data). */
    onMissingMetric: z._default(z.enum(['hold'], 'expected hold (the only safe fallback so far)'), 'hold'),
    /**
     * Scale to and from zero: at zero running tasks the service starts (one task, or minCapacity) when the
     * metric's raw value — the whole backlog, not per task — is above this; a scale-in goes to zero only when
     * the raw value is at or below it.
     */
    activationThreshold: z.optional(
      FiniteNumber('the raw metric value above which a stopped service starts').check(
        z.minimum(0, 'expected 0 or more'),
      ),
    ),
    /** When Application Auto Scaling has its own policy on the service: refuse to act, or act and warn. */
    nativePolicies: z._default(oneOf(['refuse', 'warn'] as const), 'refuse'),
    /** Register the service as a scalable target (min/max and suspension then come from there). */
    registerScalableTarget: z._default(Flag, false),
  })
  .check(
    z.superRefine((policy, context) => {
      const problem = (path: (string | number)[], message: string) =>
        context.issues.push({ code: 'custom', message, path, input: policy });
      if (policy.minCapacity > policy.maxCapacity) {
        problem(
          ['minCapacity'],
          `minCapacity ${policy.minCapacity} is above maxCapacity ${policy.maxCapacity}; lower it or raise maxCapacity`,
        );
      }
      if (
        policy.minAdjustmentMagnitude !== undefined &&
        policy.adjustmentType !== 'PercentChangeInCapacity'
      ) {
        problem(
          ['minAdjustmentMagnitude'],
          'minAdjustmentMagnitude applies to PercentChangeInCapacity only; remove it or change adjustmentType',
        );
      }
      const perTask = policy.metric.sqs?.perTask === true;
      if (policy.activationThreshold !== undefined) {
        if (policy.minCapacity !== 0) {
          problem(
            ['activationThreshold'],
            'activationThreshold scales to and from zero tasks; set minCapacity: 0 or remove activationThreshold',
          );
        } else if (policy.maxCapacity < 1) {
          problem(
            ['maxCapacity'],
            'a service that starts on activationThreshold needs maxCapacity of 1 or more',
          );
        }
      } else if (perTask && policy.minCapacity === 0) {
        problem(
          ['activationThreshold'],
          'with perTask and minCapacity 0 the backlog per task is undefined at zero tasks; set activationThreshold (e.g. 0) to say when the service starts',
        );
      }
      for (const { index, field, message } of stepProblems(
        policy.steps,
        policy.comparison,
        policy.adjustmentType,
      )) {
        problem(index === undefined ? ['steps'] : ['steps', index, ...(field ? [field] : [])], message);
      }
    }),
  );
export type ScalingPolicyConfig = z.infer<typeof Policy>;
/** The input shape of one policy, before defaults are filled in (what a policy file may leave out). */
export type ScalingPolicyInput = z.input<typeof Policy>;
export { Policy as ScalingPolicyConfig };

export const ScalingConfig = z.record(PolicyName, Policy, keyProblem);
export type ScalingConfig = z.infer<typeof ScalingConfig>;

/**
 * One line per problem, each naming the setting under `prefix` (e.g. `scaling.workers.steps: …`), in the form
 * ops.config.yml's own errors take.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: string): string[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      const where = path === '' ? '' : `${path}.`;
      return issue.keys.map((key) => `${where}${key}: unknown setting; check its spelling`).join('\n');
    }
    return `${path || '(top level)'}: ${issue.message}`;
  });
}

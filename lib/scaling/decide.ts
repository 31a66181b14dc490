/**
 * One evaluation of a step scaling policy, as a pure function: the metric's recent datapoints, the service's
 * running and desired counts, its recent scaling activities and its scalable target in; a decision to set a
 * desired count, or to leave it, out — each with a sentence, numbers included, for the journal and the CLI.
 *
 * Calculations start from the running count, not the desired count (Amazon ECS Developer Guide, step scaling
 * concepts): tasks that cannot be placed never compound into a runaway desired count.
 *
 * Min and max (same source): a scale-out of a service below its minimum raises it to at least the minimum,
 * and a scale-in of a service above its maximum lowers it to at most the maximum — in both cases to the
 * policy's result when that goes further; a scale-in below the minimum and a scale-out above the maximum do
 * nothing. Otherwise the result is clamped to [min, max]. ecs-ops implements this as "clamp the step's result
 * and never move against the policy's direction", which is the documented behaviour in every case above.
 *
 * A scale-out never lowers the desired count and a scale-in never raises it, even when the running count is
 * far from the desired one (tasks still starting, or still draining): the policy's direction is the intent.
 */

import { adjustedCapacity, aggregate, clamp, percentChange } from './capacity.js';
import type { ScalingPolicyConfig } from './config.js';
import { type CooldownState, cooldownAt, type ScalingActivity } from './cooldown.js';
import { formatInterval, pickStep, type StepAdjustment, sideOf } from './steps.js';

export interface ScalableTargetState {
  minCapacity: number;
  maxCapacity: number;
  scaleInSuspended: boolean;
  scaleOutSuspended: boolean;
}

export interface DecideInputs {
  policy: ScalingPolicyConfig;
  now: Date;
  runningCount: number;
  desiredCount: number;
  /** The metric's most recent datapoints (raw source values: the whole backlog for SQS); undefined if the read failed. */
  datapoints: readonly number[] | undefined;
  /** The service's recent scaling activities, from any ecs-ops policy on it. */
  activities?: readonly ScalingActivity[];
  /** Application Auto Scaling's scalable target, when the service is registered: its min/max and suspension win. */
  scalableTarget?: ScalableTargetState;
  /** Names of Application Auto Scaling's own scaling policies on the service. */
  nativePolicies?: readonly string[];
}

export type IgnoreReason =
  | 'native-policy'
  | 'metric-missing'
  | 'below-activation'
  | 'no-step'
  | 'no-change'
  | 'suspended'
  | 'within-cooldown'
  | 'at-max'
  | 'at-min';

export type Decision =
  | {
      action: 'scale';
      desired: number;
      /** The change to the desired count. */
      adjustment: number;
      /** The step that applied; undefined when the service started from zero on its activation threshold. */
      step: StepAdjustment | undefined;
      reason: string;
      warnings: string[];
    }
  | { action: 'ignore'; reason: IgnoreReason; explanation: string };

const ignore = (reason: IgnoreReason, explanation: string): Decision => ({
  action: 'ignore',
  reason,
  explanation,
});

export function decide(inputs: DecideInputs): Decision {
  const { policy, runningCount, desiredCount } = inputs;
  const warnings: string[] = [];
  const native = inputs.nativePolicies ?? [];
  if (native.length > 0) {
    const names = native.join(', ');
    if (policy.nativePolicies === 'refuse') {
      return ignore(
        'native-policy',
        `Application Auto Scaling has its own policy on ${policy.service} (${names}); ecs-ops does not fight it (nativePolicies: refuse)`,
      );
    }
    warnings.push(
      `Application Auto Scaling also scales ${policy.service} (${names}); the two may undo each other`,
    );
  }
  const raw = aggregate(inputs.datapoints ?? [], policy.metricAggregationType);
  if (raw === undefined) {
    return ignore(
      'metric-missing',
      `no usable datapoint for ${metricLabel(policy)}; holding at ${desiredCount} desired (onMissingMetric: hold)`,
    );
  }
  const limits = capacityLimits(inputs);
  const cooldown = cooldownAt(inputs.activities ?? [], inputs.now);
  const context = { inputs, raw, limits, cooldown, warnings };

  if (runningCount === 0 && policy.activationThreshold !== undefined) {
    if (raw <= policy.activationThreshold) {
      return ignore(
        'below-activation',
        `${metricLabel(policy)} is ${show(raw)}, at or below activationThreshold ${show(policy.activationThreshold)}; ${policy.service} stays at zero tasks`,
      );
    }
    const start = Math.max(1, limits.min);
    return settle(context, {
      direction: 'out',
      target: start,
      step: undefined,
      story: `${metricLabel(policy)} is ${show(raw)}, above activationThreshold ${show(policy.activationThreshold)}: start ${policy.service} from zero with ${start} task${start === 1 ? '' : 's'}`,
    });
  }

  const perTask = policy.metric.sqs?.perTask === true;
  if (perTask && runningCount === 0) {
    return ignore(
      'metric-missing',
      `the backlog per task of ${policy.metric.sqs?.queue} is undefined with 0 running tasks; holding at ${desiredCount} desired (set activationThreshold to start from zero)`,
    );
  }
  const value = perTask ? raw / runningCount : raw;
  const observed = perTask
    ? `${metricLabel(policy)} is ${show(value)} (${show(raw)} over ${runningCount} running)`
    : `${metricLabel(policy)} is ${show(value)}`;
  const step = pickStep(policy.steps, value, policy.threshold, policy.comparison);
  if (step === undefined) {
    return ignore(
      'no-step',
      `${observed}, not ${comparisonWords(policy.comparison)} the threshold ${show(policy.threshold)}: inside the no-op band, ${desiredCount} desired stays`,
    );
  }
  const interval = formatInterval(step, sideOf(policy.comparison));
  const where = `${observed}, in step ${interval} of threshold ${show(policy.threshold)}`;
  if (policy.adjustmentType !== 'ExactCapacity' && step.adjustment === 0) {
    return ignore('no-change', `${where}, which adjusts by 0: ${desiredCount} desired stays`);
  }
  // The comparison says which way the policy scales, whatever the adjustment type (ExactCapacity included).
  const direction: Direction = sideOf(policy.comparison) === 'above' ? 'out' : 'in';
  // Within a scale-out's cooldown the capacity it added counts toward the next scale-out (see cooldown.ts).
  const base = direction === 'out' && cooldown.kind === 'scale-out' ? cooldown.base : runningCount;
  const target = adjustedCapacity(
    base,
    policy.adjustmentType,
    step.adjustment,
    policy.minAdjustmentMagnitude,
  );
  return settle(context, {
    direction,
    target,
    step,
    story: `${where}: ${arithmetic(policy, step, base, target)}`,
  });
}

type Direction = 'out' | 'in';

interface Proposal {
  direction: Direction;
  /** The count the step asks for, before min/max. */
  target: number;
  step: StepAdjustment | undefined;
  /** How the target came about, as a sentence. */
  story: string;
}

interface Context {
  inputs: DecideInputs;
  /** The aggregated metric before any per-task division: what the activation threshold is compared with. */
  raw: number;
  limits: { min: number; max: number; source: string };
  cooldown: CooldownState;
  warnings: string[];
}

/** Applies suspension, cooldown, min/max and scale-to-zero to what a step asks for. */
function settle({ inputs, raw, limits, cooldown, warnings }: Context, proposal: Proposal): Decision {
  const { policy, runningCount, desiredCount } = inputs;
  const { direction, story } = proposal;
  const target = inputs.scalableTarget;
  if (direction === 'out' && target?.scaleOutSuspended) {
    return ignore('suspended', `${story}; but dynamic scale-out is suspended on the scalable target`);
  }
  if (direction === 'in' && target?.scaleInSuspended) {
    return ignore('suspended', `${story}; but dynamic scale-in is suspended on the scalable target`);
  }
  if (direction === 'in' && cooldown.kind !== 'none') {
    return ignore(
      'within-cooldown',
      `${story}; but scale-in waits for the ${cooldown.kind} cooldown started ${hhmmss(cooldown.since)} to end at ${hhmmss(cooldown.until)}`,
    );
  }
  if (direction === 'out' && runningCount >= limits.max) {
    return ignore(
      'at-max',
      `${story}; but ${runningCount} running is already at ${limits.source} ${limits.max}`,
    );
  }
  if (direction === 'in' && runningCount <= limits.min) {
    return ignore(
      'at-min',
      `${story}; but ${runningCount} running is already at ${limits.source} ${limits.min}`,
    );
  }
  let desired = clamp(proposal.target, limits.min, limits.max);
  const notes: string[] = [];
  if (desired > proposal.target) notes.push(`raised to ${limits.source} ${limits.min}`);
  if (desired < proposal.target) notes.push(`capped at ${limits.source} ${limits.max}`);
  const activation = policy.activationThreshold;
  if (direction === 'in' && desired === 0 && activation !== undefined) {
    if (raw > activation) {
      desired = 1;
      notes.push(
        `kept at 1 task: the raw value ${show(raw)} is above activationThreshold ${show(activation)}`,
      );
    }
  }
  const settled = notes.length === 0 ? story : `${story}, ${notes.join(', ')}`;
  const moves = direction === 'out' ? desired > desiredCount : desired < desiredCount;
  if (!moves) {
    if (direction === 'out' && desiredCount >= limits.max) {
      return ignore('at-max', `${settled}; the desired count ${desiredCount} is already at ${limits.source}`);
    }
    if (direction === 'in' && desiredCount <= limits.min) {
      return ignore('at-min', `${settled}; the desired count ${desiredCount} is already at ${limits.source}`);
    }
    if (direction === 'out' && cooldown.kind === 'scale-out') {
      return ignore(
        'within-cooldown',
        `${settled}; within the scale-out cooldown (until ${hhmmss(cooldown.until)}) the ${desiredCount} desired already covers it, counting from ${cooldown.base} before ${hhmmss(cooldown.since)}`,
      );
    }
    return ignore('no-change', `${settled}; the desired count is already ${desiredCount}`);
  }
  return {
    action: 'scale',
    desired,
    adjustment: desired - desiredCount,
    step: proposal.step,
    reason: `${settled}; desired ${desiredCount} → ${desired}`,
    warnings,
  };
}

/** The scalable target's min and max when the service is registered, else the policy's. */
function capacityLimits({ policy, scalableTarget }: DecideInputs) {
  return scalableTarget === undefined
    ? { min: policy.minCapacity, max: policy.maxCapacity, source: 'the policy’s min/max' }
    : {
        min: scalableTarget.minCapacity,
        max: scalableTarget.maxCapacity,
        source: 'the scalable target’s min/max',
      };
}

function arithmetic(policy: ScalingPolicyConfig, step: StepAdjustment, base: number, target: number): string {
  switch (policy.adjustmentType) {
    case 'ChangeInCapacity':
      return `${base} ${signed(step.adjustment)} = ${target}`;
    case 'PercentChangeInCapacity': {
      const change = percentChange(base, step.adjustment, policy.minAdjustmentMagnitude);
      const minimum =
        policy.minAdjustmentMagnitude === undefined ? '' : ` (at least ${policy.minAdjustmentMagnitude})`;
      return `${signed(step.adjustment)}% of ${base} is ${signed(change)}${minimum}, so ${target}`;
    }
    case 'ExactCapacity':
      return `exactly ${target}`;
  }
}

function metricLabel(policy: ScalingPolicyConfig): string {
  const { sqs, cloudWatch, state } = policy.metric;
  if (sqs !== undefined)
    return sqs.perTask ? `the backlog per task of ${sqs.queue}` : `the backlog of ${sqs.queue}`;
  if (cloudWatch !== undefined) return `${cloudWatch.namespace} ${cloudWatch.name} (${cloudWatch.statistic})`;
  return `the ${state?.status} tasks of ${state?.group}`;
}

function comparisonWords(comparison: ScalingPolicyConfig['comparison']): string {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return 'at or above';
    case 'GreaterThanThreshold':
      return 'above';
    case 'LessThanThreshold':
      return 'below';
    case 'LessThanOrEqualToThreshold':
      return 'at or below';
  }
}

const show = (value: number) => String(Number(value.toFixed(3)));
const signed = (value: number) => (value < 0 ? `${value}` : `+${value}`);
/** A time of day as the explanations give it: `09:10:00Z`. */
export const hhmmss = (date: Date) => `${date.toISOString().slice(11, 19)}Z`;

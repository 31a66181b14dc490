/**
 * What one evaluation of a policy does, as a pure function of what it read: hold while another evaluation's
 * change is still landing, else ask decide (decide.ts); when the answer is to scale, the effect to perform —
 * claim the change, then set the service's desired count — and what the evaluation says however that ends.
 * The executor (executor.ts) performs the effect; nothing here does I/O.
 *
 * Failure never scales: a failed metric read is decide's metric-missing, and a failed call holds the count.
 */
import { describeError } from './calls.js';
import type { ScalingPolicyConfig } from './config.js';
import { decide, hhmmss, type ScalableTargetState } from './decide.js';
import type { MetricReading } from './metrics.js';
import type { Evaluation, Settled } from './report.js';
import type { RecordedActivity, StoredActivities } from './scaling-store.js';
import { formatInterval, sideOf } from './steps.js';

/** Longer than one UpdateService with the SDK's retries: a claim younger than this may still be applying. */
export const CLAIM_LEASE_MS = 60_000;

/** What an evaluation read: the service as ECS has it, or that ECS has no active service of that name. */
export type Observation =
  | { service: 'missing' }
  | {
      service: 'active';
      running: number;
      desired: number;
      /** The service's activities as read: a claim succeeds only if they are still so. */
      stored: StoredActivities;
      scalableTarget: ScalableTargetState | undefined;
      nativePolicies: string[];
      metric: MetricReading;
    };

export interface SetDesiredCount {
  effect: 'set-desired-count';
  /** Claimed first: the activity, written only if the service's activities are still as read. */
  claim: { read: StoredActivities; activity: RecordedActivity };
  from: number;
  to: number;
  /** What the evaluation says once the desired count is set. */
  applied: Settled;
}

export type Plan = { effect: 'none'; settled: Settled } | SetDesiredCount;

const none = (settled: Settled): Plan => ({ effect: 'none', settled });

export function planOf({ name, policy, at }: Evaluation, observation: Observation): Plan {
  if (observation.service === 'missing') {
    return none({
      outcome: { action: 'failed', reason: 'service-missing' },
      explanation: `ECS has no active service ${policy.service} in ${policy.cluster}; nothing to scale`,
      desired: undefined,
    });
  }
  const { running, desired, stored, metric } = observation;
  const inFlight = changeInFlight(stored.activities, desired, at);
  if (inFlight !== undefined) {
    return none({
      outcome: { action: 'ignore', reason: 'change-in-flight' },
      explanation: `${inFlight.policy} set ${policy.service} to ${inFlight.to} desired at ${hhmmss(inFlight.at)} and ECS still shows ${desired}; holding until that change lands or ${CLAIM_LEASE_MS / 1000} s pass`,
      desired,
    });
  }
  const decision = decide({
    policy,
    now: at,
    runningCount: running,
    desiredCount: desired,
    datapoints: metric.datapoints,
    activities: stored.activities,
    ...(observation.scalableTarget === undefined ? {} : { scalableTarget: observation.scalableTarget }),
    nativePolicies: observation.nativePolicies,
  });
  if (decision.action === 'ignore') {
    return none({
      outcome: { action: 'ignore', reason: decision.reason },
      explanation:
        metric.error === undefined ? decision.explanation : `${decision.explanation}; ${metric.read}`,
      desired,
      ...(metric.error === undefined ? {} : { error: metric.error }),
    });
  }
  return {
    effect: 'set-desired-count',
    claim: {
      read: stored,
      activity: {
        at,
        from: running,
        to: decision.desired,
        cooldownSeconds: policy.cooldownSeconds,
        policy: name,
      },
    },
    from: desired,
    to: decision.desired,
    applied: {
      outcome: { action: 'scale', reason: decision.adjustment > 0 ? 'scale-out' : 'scale-in' },
      explanation: decision.reason,
      desired: decision.desired,
      step:
        decision.step === undefined
          ? undefined
          : {
              interval: formatInterval(decision.step, sideOf(policy.comparison)),
              adjustment: decision.step.adjustment,
            },
      adjustment: decision.adjustment,
      applied: true,
      warnings: decision.warnings,
    },
  };
}

/**
 * The latest activity when it is a claim that has not landed yet: younger than the lease, and ECS's desired
 * count is not what it set. Acting then would compute from a desired count that is about to change.
 */
export function changeInFlight(
  activities: readonly RecordedActivity[],
  desiredCount: number,
  now: Date,
): RecordedActivity | undefined {
  const latest = activities.at(-1);
  if (latest === undefined) return undefined;
  const age = now.getTime() - latest.at.getTime();
  return age >= 0 && age < CLAIM_LEASE_MS && latest.to !== desiredCount ? latest : undefined;
}

/** Another evaluation claimed a change first: it, not this one, scales the service now. */
export function claimLost(policy: ScalingPolicyConfig, plan: SetDesiredCount): Settled {
  return {
    outcome: { action: 'ignore', reason: 'claimed-elsewhere' },
    explanation: `${plan.applied.explanation}; but another evaluation changed ${policy.service}'s scaling first, so this one leaves it`,
    desired: plan.from,
    step: plan.applied.step,
    warnings: plan.applied.warnings,
  };
}

/** UpdateService failed after the claim: the count stays (and the claim is given back). */
export function updateFailed(policy: ScalingPolicyConfig, plan: SetDesiredCount, error: unknown): Settled {
  const message = describeError(error);
  return {
    outcome: { action: 'failed', reason: 'update-failed' },
    explanation: `${plan.applied.explanation}; but UpdateService failed (${message}): ${policy.service} stays at ${plan.from} desired`,
    desired: plan.from,
    step: plan.applied.step,
    error: message,
  };
}

/** A call threw (after the SDK's retries): the policy holds at whatever desired count the service has. */
export function callFailed(
  policy: ScalingPolicyConfig,
  call: string | undefined,
  error: unknown,
  desired: number | undefined,
): Settled {
  const message = describeError(error);
  return {
    outcome: { action: 'failed', reason: 'api-error' },
    explanation: `${call ?? 'a call'} failed (${message}); holding ${policy.service} at its current desired count`,
    desired,
    error: message,
  };
}

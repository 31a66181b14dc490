/**
 * What one evaluation of a policy says, for the journal, the logs and `ecs-ops scaling`: its outcome and
 * sentence, the numbers, and the inputs it decided on — enough to re-check the decision later.
 */

import type { ApiCalls, CallTally } from './calls.js';
import { aggregate } from './capacity.js';
import type { ScalingPolicyConfig } from './config.js';
import type { Decision, ScalableTargetState } from './decide.js';
import type { RecordedActivity } from './scaling-store.js';

/** Why the scaler held a policy on its own account, beyond decide's reasons. */
export type HoldReason =
  /** Another evaluation's change, claimed less than CLAIM_LEASE_MS ago, is not yet in the desired count. */
  | 'change-in-flight'
  /** Another evaluation claimed a change between this one's read and its claim. */
  | 'claimed-elsewhere';

export type FailureReason = 'service-missing' | 'api-error' | 'update-failed';

export type ScalingOutcome =
  | { action: 'scale'; reason: 'scale-out' | 'scale-in' }
  | { action: 'ignore'; reason: Extract<Decision, { action: 'ignore' }>['reason'] | HoldReason }
  | { action: 'failed'; reason: FailureReason };

/** The evaluation a report is about. */
export interface Evaluation {
  /** The policy's name in ops.config.yml. */
  name: string;
  policy: ScalingPolicyConfig;
  at: Date;
}

/** What an evaluation read, each part as its read completed: a read that failed leaves the later parts out. */
export interface Observed {
  activities: RecordedActivity[];
  running?: number;
  desired?: number;
  scalableTarget?: ScalableTargetState;
  nativePolicies: string[];
  datapoints?: number[] | undefined;
  metricRead?: string;
}

/** How an evaluation ended: its outcome, its sentence and the numbers that go with them. */
export interface Settled {
  outcome: ScalingOutcome;
  explanation: string;
  /** The desired count after the evaluation (what it set, or what it left). */
  desired: number | undefined;
  step?: ScalingReport['step'];
  adjustment?: number;
  applied?: boolean;
  warnings?: string[];
  error?: string;
}

export type ScalingReport = ScalingOutcome & {
  policy: string;
  cluster: string;
  service: string;
  /** ISO time of the evaluation. */
  at: string;
  /** The sentence: the decision with its numbers, or what failed. */
  explanation: string;
  /** The desired count after this evaluation (what it set, or what it left). */
  desired: number | undefined;
  previousDesired: number | undefined;
  running: number | undefined;
  /** The aggregated metric as read (the whole backlog for SQS). */
  metricRaw: number | undefined;
  /** The value compared with the threshold (per running task when perTask). */
  metricValue: number | undefined;
  /** What was read: source, values, or why the read failed. */
  metricRead: string;
  step: { interval: string; adjustment: number } | undefined;
  adjustment: number;
  /** True when UpdateService changed the desired count. */
  applied: boolean;
  warnings: string[];
  /** The inputs decide saw besides the counts: what the journal keeps so a decision can be re-checked. */
  inputs: {
    datapoints: number[] | undefined;
    scalableTarget: ScalableTargetState | undefined;
    nativePolicies: string[];
    activities: { at: string; from: number; to: number; cooldownSeconds: number; policy: string }[];
  };
  /** AWS API calls this evaluation made, in all and by IAM action. */
  apiCalls: number;
  apiCallsByAction: ApiCalls;
  error?: string;
};

export function reportOf(
  { name, policy, at }: Evaluation,
  observed: Observed,
  calls: CallTally,
  settled: Settled,
): ScalingReport {
  const raw =
    observed.datapoints === undefined
      ? undefined
      : aggregate(observed.datapoints, policy.metricAggregationType);
  const perTask = policy.metric.sqs?.perTask === true;
  const running = observed.running;
  return {
    ...settled.outcome,
    policy: name,
    cluster: policy.cluster,
    service: policy.service,
    at: at.toISOString(),
    explanation: settled.explanation,
    desired: settled.desired,
    previousDesired: observed.desired,
    running,
    metricRaw: raw,
    metricValue:
      raw === undefined || !perTask
        ? raw
        : running === undefined || running === 0
          ? undefined
          : raw / running,
    metricRead: observed.metricRead ?? 'not read',
    step: settled.step,
    adjustment: settled.adjustment ?? 0,
    applied: settled.applied ?? false,
    warnings: settled.warnings ?? [],
    inputs: {
      datapoints: observed.datapoints,
      scalableTarget: observed.scalableTarget,
      nativePolicies: observed.nativePolicies,
      activities: observed.activities.map((activity) => ({ ...activity, at: activity.at.toISOString() })),
    },
    apiCalls: calls.total,
    apiCallsByAction: { ...calls.byAction },
    ...(settled.error === undefined ? {} : { error: settled.error }),
  };
}

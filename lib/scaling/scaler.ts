/**
 * The scaler: the I/O around `decide` (decide.ts). Per policy it reads the service's activities (the claim's
 * revision), the service's running and desired counts, Application Auto Scaling's scalable target and native
 * policies, and the metric; asks `decide`; and when it says scale, claims the change (a conditional write of the
 * activity, scaling-store.ts) before UpdateService, so of two concurrent evaluations only one changes the
 * desired count. Every evaluation is journaled with its inputs.
 *
 * Failure never scales: a failed metric read is a hold (decide's metric-missing), a failed AWS call holds the
 * policy and is journaled, and one failing policy never stops the others.
 */
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  type DescribeScalingPoliciesCommandOutput,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { pages } from '../platform/aws/pages.js';
import type { Journal } from '../platform/journal.js';
import type { StateStore } from '../platform/store/state-store.js';
import { aggregate } from './capacity.js';
import type { ScalingConfig, ScalingPolicyConfig } from './config.js';
import { type Decision, decide, type ScalableTargetState } from './decide.js';
import { type ApiCalls, countCall, describeError, readMetric, totalCalls } from './metrics.js';
import {
  type RecordedActivity,
  ScalingClaimLostError,
  type ScalingStore,
  type StoredActivities,
} from './scaling-store.js';
import { formatInterval, sideOf } from './steps.js';

export const SCALING_JOURNAL_KIND = 'scaling';
/** Longer than one UpdateService with the SDK's retries: a claim younger than this may still be applying. */
export const CLAIM_LEASE_MS = 60_000;
const SCALABLE_DIMENSION = 'ecs:service:DesiredCount';

export interface ScalerDependencies {
  policies: ScalingConfig;
  ecs: Pick<ECSClient, 'send'>;
  sqs: Pick<SQSClient, 'send'>;
  cloudWatch: Pick<CloudWatchClient, 'send'>;
  applicationAutoScaling: Pick<ApplicationAutoScalingClient, 'send'>;
  state: Pick<StateStore, 'tasksByGroup'>;
  store: Pick<ScalingStore, 'get' | 'claim' | 'release'>;
  journal: Pick<Journal, 'append'>;
  now?: () => Date;
}

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

interface Observed {
  running?: number;
  desired?: number;
  datapoints?: number[] | undefined;
  metricRead?: string;
  scalableTarget?: ScalableTargetState;
  nativePolicies: string[];
  activities: RecordedActivity[];
}

export function createScaler(dependencies: ScalerDependencies) {
  const { policies, ecs, applicationAutoScaling, store, journal } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const queueUrls = new Map<string, string>();

  async function evaluateAll(): Promise<ScalingReport[]> {
    const reports: ScalingReport[] = [];
    // One after another: two policies of one service see each other's activities, and AWS is not rushed.
    for (const name of Object.keys(policies)) reports.push(await evaluate(name));
    return reports;
  }

  async function evaluate(policyName: string): Promise<ScalingReport> {
    const policy = Object.hasOwn(policies, policyName) ? policies[policyName] : undefined;
    if (policy === undefined) throw new Error(`no scaling policy ${policyName} in ops.config.yml`);
    const at = now();
    const calls: Tally = { byAction: {}, last: undefined };
    const observed: Observed = { nativePolicies: [], activities: [] };
    let report: ScalingReport;
    try {
      report = await run(policyName, policy, at, calls, observed);
    } catch (error) {
      report = failure(policyName, policy, at, calls, observed, 'api-error', error);
    }
    try {
      await record(report);
    } catch (error) {
      // The decision stands (and was applied if it says so); the caller sees the journal could not take it.
      report = {
        ...report,
        error: `${report.error ? `${report.error}; ` : ''}journal: ${describeError(error)}`,
      };
    }
    return report;
  }

  async function run(
    name: string,
    policy: ScalingPolicyConfig,
    at: Date,
    calls: Tally,
    observed: Observed,
  ): Promise<ScalingReport> {
    const { cluster, service } = policy;
    // The activities first: a change claimed after this read makes this evaluation's claim fail.
    tally(calls, 'dynamodb:GetItem');
    const read = await store.get(cluster, service);
    observed.activities = read.activities;

    tally(calls, 'ecs:DescribeServices');
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const described = services.find((candidate) => candidate.status !== 'INACTIVE');
    if (described === undefined) {
      return failure(name, policy, at, calls, observed, 'service-missing', undefined);
    }
    const running = described.runningCount ?? 0;
    const desired = described.desiredCount ?? 0;
    observed.running = running;
    observed.desired = desired;

    const target = await scalableTarget(policy, calls);
    if (target !== undefined) observed.scalableTarget = target;
    observed.nativePolicies = target === undefined ? [] : await nativePolicies(policy, calls);

    const reading = await readMetric(policy, { ...dependencies, queueUrls }, at, calls.byAction);
    observed.datapoints = reading.datapoints;
    observed.metricRead = reading.read;

    const inFlight = changeInFlight(read.activities, desired, at);
    if (inFlight !== undefined) {
      return report(name, policy, at, calls, observed, {
        outcome: { action: 'ignore', reason: 'change-in-flight' },
        explanation: `${inFlight.policy} set ${service} to ${inFlight.to} desired at ${hhmmss(inFlight.at)} and ECS still shows ${desired}; holding until that change lands or ${CLAIM_LEASE_MS / 1000} s pass`,
        desired,
      });
    }

    const decision = decide({
      policy,
      now: at,
      runningCount: running,
      desiredCount: desired,
      datapoints: reading.datapoints,
      activities: read.activities,
      ...(target === undefined ? {} : { scalableTarget: target }),
      nativePolicies: observed.nativePolicies,
    });
    if (decision.action === 'ignore') {
      const explanation =
        reading.error === undefined ? decision.explanation : `${decision.explanation}; ${reading.read}`;
      return report(name, policy, at, calls, observed, {
        outcome: { action: 'ignore', reason: decision.reason },
        explanation,
        desired,
        ...(reading.error === undefined ? {} : { error: reading.error }),
      });
    }

    const activity: RecordedActivity = {
      at,
      from: running,
      to: decision.desired,
      cooldownSeconds: policy.cooldownSeconds,
      policy: name,
    };
    const step =
      decision.step === undefined
        ? undefined
        : {
            interval: formatInterval(decision.step, sideOf(policy.comparison)),
            adjustment: decision.step.adjustment,
          };
    let claimed: StoredActivities;
    try {
      tally(calls, 'dynamodb:PutItem');
      claimed = await store.claim(cluster, service, read, activity);
    } catch (error) {
      if (!(error instanceof ScalingClaimLostError)) throw error;
      return report(name, policy, at, calls, observed, {
        outcome: { action: 'ignore', reason: 'claimed-elsewhere' },
        explanation: `${decision.reason}; but another evaluation changed ${service}'s scaling first, so this one leaves it`,
        desired,
        step,
        warnings: decision.warnings,
      });
    }
    try {
      tally(calls, 'ecs:UpdateService');
      await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: decision.desired }));
    } catch (error) {
      // The change did not happen: give the claim back so it starts no cooldown (if that fails too, the
      // activity only holds the service for one cooldown — never a double change).
      try {
        tally(calls, 'dynamodb:PutItem');
        await store.release(cluster, service, claimed, read);
      } catch {}
      return failure(name, policy, at, calls, observed, 'update-failed', error, {
        explanation: `${decision.reason}; but UpdateService failed (${describeError(error)}): ${service} stays at ${desired} desired`,
        step,
      });
    }
    return report(name, policy, at, calls, observed, {
      outcome: { action: 'scale', reason: decision.adjustment > 0 ? 'scale-out' : 'scale-in' },
      explanation: decision.reason,
      desired: decision.desired,
      step,
      adjustment: decision.adjustment,
      applied: true,
      warnings: decision.warnings,
    });
  }

  /**
   * The service's scalable target, when it is registered: its min/max and suspension win. With
   * registerScalableTarget, a service not yet registered is registered from the policy's min/max.
   */
  async function scalableTarget(
    policy: ScalingPolicyConfig,
    calls: Tally,
  ): Promise<ScalableTargetState | undefined> {
    const resourceId = resourceIdOf(policy);
    tally(calls, 'application-autoscaling:DescribeScalableTargets');
    const { ScalableTargets = [] } = await applicationAutoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: [resourceId],
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
    const [found] = ScalableTargets;
    if (found !== undefined) {
      return {
        minCapacity: found.MinCapacity ?? policy.minCapacity,
        maxCapacity: found.MaxCapacity ?? policy.maxCapacity,
        scaleInSuspended: found.SuspendedState?.DynamicScalingInSuspended === true,
        scaleOutSuspended: found.SuspendedState?.DynamicScalingOutSuspended === true,
      };
    }
    if (!policy.registerScalableTarget) return undefined;
    tally(calls, 'application-autoscaling:RegisterScalableTarget');
    await applicationAutoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: resourceId,
        ScalableDimension: SCALABLE_DIMENSION,
        MinCapacity: policy.minCapacity,
        MaxCapacity: policy.maxCapacity,
      }),
    );
    return {
      minCapacity: policy.minCapacity,
      maxCapacity: policy.maxCapacity,
      scaleInSuspended: false,
      scaleOutSuspended: false,
    };
  }

  /** Application Auto Scaling's own policies on the service (there are none without a scalable target). */
  async function nativePolicies(policy: ScalingPolicyConfig, calls: Tally): Promise<string[]> {
    const names: string[] = [];
    const describe = (NextToken: string | undefined): Promise<DescribeScalingPoliciesCommandOutput> => {
      tally(calls, 'application-autoscaling:DescribeScalingPolicies');
      return applicationAutoScaling.send(
        new DescribeScalingPoliciesCommand({
          ServiceNamespace: 'ecs',
          ResourceId: resourceIdOf(policy),
          ScalableDimension: SCALABLE_DIMENSION,
          NextToken,
        }),
      );
    };
    for await (const page of pages(describe, (page) => page.NextToken)) {
      names.push(...(page.ScalingPolicies ?? []).flatMap((native) => native.PolicyName ?? []));
    }
    return names;
  }

  function record(report: ScalingReport) {
    const { policy, cluster, service, at, ...fields } = report;
    return journal.append({
      at,
      kind: SCALING_JOURNAL_KIND,
      subject: `${cluster}/${service}`,
      // The outcome in the id: two evaluations at the same instant that decided differently both stay.
      id: `${policy}#${report.action}#${report.reason}`,
      fields: { policy, cluster, service, ...fields },
    });
  }

  return { evaluateAll, evaluate };
}

export type Scaler = ReturnType<typeof createScaler>;

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

export const resourceIdOf = (policy: Pick<ScalingPolicyConfig, 'cluster' | 'service'>) =>
  `service/${policy.cluster}/${policy.service}`;

interface Settled {
  outcome: ScalingOutcome;
  explanation: string;
  desired: number | undefined;
  step?: ScalingReport['step'];
  adjustment?: number;
  applied?: boolean;
  warnings?: string[];
  error?: string;
}

function report(
  name: string,
  policy: ScalingPolicyConfig,
  at: Date,
  calls: Tally,
  observed: Observed,
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
    apiCalls: totalCalls(calls.byAction),
    apiCallsByAction: { ...calls.byAction },
    ...(settled.error === undefined ? {} : { error: settled.error }),
  };
}

function failure(
  name: string,
  policy: ScalingPolicyConfig,
  at: Date,
  calls: Tally,
  observed: Observed,
  reason: FailureReason,
  error: unknown,
  extra: Pick<Settled, 'explanation' | 'step'> | undefined = undefined,
): ScalingReport {
  const message = error === undefined ? undefined : describeError(error);
  const explanation =
    extra?.explanation ??
    (reason === 'service-missing'
      ? `ECS has no active service ${policy.service} in ${policy.cluster}; nothing to scale`
      : `${calls.last ?? 'a call'} failed (${message}); holding ${policy.service} at its current desired count`);
  return report(name, policy, at, calls, observed, {
    outcome: { action: 'failed', reason },
    explanation,
    desired: observed.desired,
    ...(extra?.step === undefined ? {} : { step: extra.step }),
    ...(message === undefined ? {} : { error: message }),
  });
}

/** The calls an evaluation made, and the last one (the one that failed, when a call throws). */
interface Tally {
  byAction: ApiCalls;
  last: string | undefined;
}

function tally(calls: Tally, action: string): void {
  countCall(calls.byAction, action);
  calls.last = action;
}

const hhmmss = (date: Date) => `${date.toISOString().slice(11, 19)}Z`;

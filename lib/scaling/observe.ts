/**
 * The reads of one evaluation, in order: the service's activities first (a change claimed after this read makes
 * this evaluation's claim fail), then the service's counts, its scalable target and native policies, and the
 * metric. Each read lands in `observed` as it completes, so an evaluation whose read throws still journals
 * what it saw before.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { CallTally } from './calls.js';
import type { ScalingPolicyConfig } from './config.js';
import { type MetricSources, readMetric } from './metrics.js';
import type { Observation } from './plan.js';
import type { Observed } from './report.js';
import { nativePolicies, scalableTarget } from './scalable-target.js';
import type { ScalingStore } from './scaling-store.js';

export interface ObserveSources extends MetricSources {
  ecs: Pick<ECSClient, 'send'>;
  applicationAutoScaling: Pick<ApplicationAutoScalingClient, 'send'>;
  store: Pick<ScalingStore, 'get'>;
}

export async function observe(
  policy: ScalingPolicyConfig,
  sources: ObserveSources,
  at: Date,
  calls: CallTally,
  observed: Observed,
): Promise<Observation> {
  const { cluster, service } = policy;
  calls.count('dynamodb:GetItem');
  const stored = await sources.store.get(cluster, service);
  observed.activities = stored.activities;

  calls.count('ecs:DescribeServices');
  const { services = [] } = await sources.ecs.send(
    new DescribeServicesCommand({ cluster, services: [service] }),
  );
  const described = services.find((candidate) => candidate.status !== 'INACTIVE');
  if (described === undefined) return { service: 'missing' };
  const running = described.runningCount ?? 0;
  const desired = described.desiredCount ?? 0;
  observed.running = running;
  observed.desired = desired;

  const target = await scalableTarget(sources.applicationAutoScaling, policy, calls);
  if (target !== undefined) observed.scalableTarget = target;
  // Without a scalable target there are no native policies to ask about.
  const natives =
    target === undefined ? [] : await nativePolicies(sources.applicationAutoScaling, policy, calls);
  observed.nativePolicies = natives;

  const metric = await readMetric(policy, sources, at, calls);
  observed.datapoints = metric.datapoints;
  observed.metricRead = metric.read;
  return {
    service: 'active',
    running,
    desired,
    stored,
    scalableTarget: target,
    nativePolicies: natives,
    metric,
  };
}

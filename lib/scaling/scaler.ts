/**
 * The scaler: per policy, read (observe.ts) → plan (plan.ts, pure) → perform and journal (executor.ts). One
 * failing policy never stops the others: a call that throws holds that policy and is journaled.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Journal } from '../platform/journal.js';
import type { StateStore } from '../platform/store/state-store.js';
import { CallTally } from './calls.js';
import type { ScalingConfig } from './config.js';
import { createExecutor } from './executor.js';
import { observe } from './observe.js';
import { callFailed, planOf } from './plan.js';
import { type Evaluation, type Observed, reportOf, type ScalingReport, type Settled } from './report.js';
import type { ScalingStore } from './scaling-store.js';

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

export function createScaler(dependencies: ScalerDependencies) {
  const { policies } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  // Kept across evaluations of a warm function: one GetQueueUrl per queue, not per minute.
  const sources = { ...dependencies, queueUrls: new Map<string, string>() };
  const executor = createExecutor(dependencies);

  async function evaluateAll(): Promise<ScalingReport[]> {
    const reports: ScalingReport[] = [];
    // One after another: two policies of one service see each other's activities, and AWS is not rushed.
    for (const name of Object.keys(policies)) reports.push(await evaluate(name));
    return reports;
  }

  async function evaluate(name: string): Promise<ScalingReport> {
    const policy = Object.hasOwn(policies, name) ? policies[name] : undefined;
    if (policy === undefined) throw new Error(`no scaling policy ${name} in ops.config.yml`);
    const evaluation: Evaluation = { name, policy, at: now() };
    const calls = new CallTally();
    const observed: Observed = { activities: [], nativePolicies: [] };
    let settled: Settled;
    try {
      const plan = planOf(evaluation, await observe(policy, sources, evaluation.at, calls, observed));
      settled = await executor.perform(evaluation, plan, calls);
    } catch (error) {
      settled = callFailed(policy, calls.last, error, observed.desired);
    }
    return executor.record(reportOf(evaluation, observed, calls, settled));
  }

  return { evaluateAll, evaluate };
}

export type Scaler = ReturnType<typeof createScaler>;

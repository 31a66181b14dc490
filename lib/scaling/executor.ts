/**
 * The one place a plan's effects happen. A change is claimed — its activity written conditionally on the
 * revision that was read (scaling-store.ts), so of two concurrent evaluations only one changes the service —
 * before UpdateService, and given back if UpdateService fails so a change that never happened starts no
 * cooldown. Every evaluation, whatever it decided, is journaled with its inputs.
 */
import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Journal } from '../platform/journal.js';
import { type CallTally, describeError } from './calls.js';
import { claimLost, type Plan, updateFailed } from './plan.js';
import type { Evaluation, ScalingReport, Settled } from './report.js';
import { ScalingClaimLostError, type ScalingStore, type StoredActivities } from './scaling-store.js';

export const SCALING_JOURNAL_KIND = 'scaling';

export interface ExecutorDependencies {
  ecs: Pick<ECSClient, 'send'>;
  store: Pick<ScalingStore, 'claim' | 'release'>;
  journal: Pick<Journal, 'append'>;
}

export function createExecutor({ ecs, store, journal }: ExecutorDependencies) {
  /** Performs the plan's effect; how it ended. Throws what neither the claim nor its give-back can absorb. */
  async function perform({ policy }: Evaluation, plan: Plan, calls: CallTally): Promise<Settled> {
    if (plan.effect === 'none') return plan.settled;
    const { cluster, service } = policy;
    let claimed: StoredActivities;
    try {
      calls.count('dynamodb:PutItem');
      claimed = await store.claim(cluster, service, plan.claim.read, plan.claim.activity);
    } catch (error) {
      if (!(error instanceof ScalingClaimLostError)) throw error;
      return claimLost(policy, plan);
    }
    try {
      calls.count('ecs:UpdateService');
      await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: plan.to }));
    } catch (error) {
      // If the give-back fails too, the activity only holds the service for one cooldown: never a double change.
      try {
        calls.count('dynamodb:PutItem');
        await store.release(cluster, service, claimed, plan.claim.read);
      } catch {}
      return updateFailed(policy, plan, error);
    }
    return plan.applied;
  }

  /** Journals the report; a journal that cannot take it leaves the decision standing, with the error said. */
  async function record(report: ScalingReport): Promise<ScalingReport> {
    const { policy, cluster, service, at, ...fields } = report;
    try {
      await journal.append({
        at,
        kind: SCALING_JOURNAL_KIND,
        subject: `${cluster}/${service}`,
        // The outcome in the id: two evaluations at the same instant that decided differently both stay.
        id: `${policy}#${report.action}#${report.reason}`,
        fields: { policy, cluster, service, ...fields },
      });
      return report;
    } catch (error) {
      return {
        ...report,
        error: `${report.error ? `${report.error}; ` : ''}journal: ${describeError(error)}`,
      };
    }
  }

  return { perform, record };
}

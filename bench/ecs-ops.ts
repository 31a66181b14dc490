/**
 * ecs-ops' path, driven as the SQS event source drives the deployed function: each batch is one invocation of
 * reconcileBatch, several invocations run at once, and records that come back `failed` are delivered again
 * (as SQS would after the visibility timeout) until none are left.
 */

import { mapConcurrent } from '../lib/platform/concurrency.js';
import type { Retention } from '../lib/platform/store/items.js';
import type { StateStore } from '../lib/platform/store/state-store.js';
import { type BatchRecord, type RecordOutcome, reconcileBatch } from '../lib/reconcile/reconcile.js';

export interface EcsOpsRunOptions {
  store: StateStore;
  retention: Retention;
  writeConcurrency: number;
  concurrentBatches: number;
  batchSize: number;
}

export type OutcomeCounts = Record<RecordOutcome['outcome'], number> & { redelivered: number };

const MAX_REDELIVERIES = 5;

export async function runEcsOps(
  batches: readonly BatchRecord[][],
  options: EcsOpsRunOptions,
): Promise<OutcomeCounts> {
  const counts: OutcomeCounts = {
    accepted: 0,
    duplicate: 0,
    stale: 0,
    invalid: 0,
    failed: 0,
    skipped: 0,
    redelivered: 0,
  };
  const { store, retention, writeConcurrency } = options;
  let pending: readonly BatchRecord[][] = batches;
  for (let round = 0; pending.length > 0; round++) {
    const failed: BatchRecord[] = [];
    await mapConcurrent(pending, options.concurrentBatches, async (records) => {
      const outcomes = await reconcileBatch(records, { store, retention, writeConcurrency });
      outcomes.forEach((outcome, i) => {
        if (outcome.outcome === 'failed') failed.push(records[i] as BatchRecord);
        else counts[outcome.outcome]++;
      });
    });
    if (failed.length > 0 && round === MAX_REDELIVERIES) {
      counts.failed += failed.length;
      break;
    }
    counts.redelivered += failed.length;
    const again: BatchRecord[][] = [];
    for (let i = 0; i < failed.length; i += options.batchSize)
      again.push(failed.slice(i, i + options.batchSize));
    pending = again;
  }
  return counts;
}

/**
 * One batch as the deployed function sees it, shared by the Lambda handler and `ecs-ops replay` so both run
 * the same code: reconcile, dead-letter what is invalid, and report what must be redelivered.
 */
import { type DeadLetterSink, settleBatch } from '../platform/dead-letters/dead-letter.js';
import {
  type BatchRecord,
  type ReconcileDependencies,
  type RecordOutcome,
  reconcileBatch,
} from './reconcile.js';

export interface BatchResult {
  outcomes: RecordOutcome[];
  /** Ids of records to leave on the queue for redelivery (SQS `batchItemFailures`). */
  redeliver: string[];
}

export type ReconcileBatchDependencies = ReconcileDependencies & { deadLetters: DeadLetterSink };

export async function processBatch(
  records: readonly BatchRecord[],
  dependencies: ReconcileBatchDependencies,
): Promise<BatchResult> {
  const outcomes = await reconcileBatch(records, dependencies);
  return { outcomes, redeliver: await settleBatch(records, outcomes, dependencies.deadLetters) };
}

/** Counts per outcome, for logs, metrics and the replay summary. */
export function countOutcomes(outcomes: readonly RecordOutcome[]): Record<RecordOutcome['outcome'], number> {
  const counts = { accepted: 0, duplicate: 0, stale: 0, invalid: 0, failed: 0, skipped: 0 };
  for (const { outcome } of outcomes) counts[outcome]++;
  return counts;
}

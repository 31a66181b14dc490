/**
 * Whether to launch a slot again after RunTask could not place its tasks (the `failures` of the response:
 * RESOURCE:MEMORY, RESOURCE:CPU, AGENT, "Capacity is unavailable at this time", …). Pure: now is a parameter.
 *
 * Attempt n (1 = the first launch) failed; attempt n+1 waits backoffSeconds × 2^(n−1). There are at most
 * `retries.attempts` retries, and none that would start after the slot's starting deadline.
 */
import type { JobConfig } from './config.js';
import { deadlineOf, journalTime } from './slot.js';

export interface LaunchFailure {
  /** The container instance (or other resource) ECS names, when it names one. */
  arn?: string;
  reason: string;
  detail?: string;
}

export interface RetryInput {
  slot: Date;
  now: Date;
  /** The attempt that just failed, 1 for the first launch. */
  attempt: number;
  failures: LaunchFailure[];
  config: Pick<JobConfig, 'retries' | 'startingDeadlineSeconds'>;
}

export type RetryDecision = { action: 'retry'; at: Date } | { action: 'give-up'; reason: string };

/** ECS's reasons, each once, with how often it was given: "RESOURCE:MEMORY (×3), AGENT". */
export function failureSummary(failures: LaunchFailure[]): string {
  if (failures.length === 0) return 'no reason given';
  const counts = new Map<string, number>();
  for (const failure of failures) {
    const reason = failure.detail ? `${failure.reason}: ${failure.detail}` : failure.reason;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => (count > 1 ? `${reason} (×${count})` : reason)).join(', ');
}

/** The wait before attempt `attempt + 1`, in milliseconds. */
export function backoffMs(attempt: number, backoffSeconds: number): number {
  return backoffSeconds * 1000 * 2 ** (attempt - 1);
}

export function decideRetry({ slot, now, attempt, failures, config }: RetryInput): RetryDecision {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new Error(`attempt: expected 1 or more, got ${attempt}`);
  const why = failureSummary(failures);
  const launches = (n: number) => (n === 1 ? '1 attempt' : `${n} attempts`);
  if (attempt > config.retries.attempts) {
    return { action: 'give-up', reason: `gave up after ${launches(attempt)}: ${why}` };
  }
  const deadline = deadlineOf(slot, config);
  const at = new Date(now.getTime() + backoffMs(attempt, config.retries.backoffSeconds));
  if (at.getTime() > deadline.getTime()) {
    return {
      action: 'give-up',
      reason:
        `gave up after ${launches(attempt)}: ${why}; a retry at ${journalTime(at)} would be past the starting ` +
        `deadline ${journalTime(deadline)}`,
    };
  }
  return { action: 'retry', at };
}

export interface PlacementInput extends RetryInput {
  /** Tasks the job runs per slot (`count`). */
  count: number;
  /** Tasks placed so far, over every attempt. */
  placed: number;
}

/**
 * What follows an attempt: `complete` when every task is placed; else a `retry` for the missing tasks only
 * (a top-up once some are placed), on the same backoff and deadline as a launch that placed none; else
 * `give-up`, and with some tasks placed the run keeps them (`N of M placed`).
 */
export type PlacementDecision =
  | { action: 'complete' }
  | { action: 'retry'; missing: number; at: Date }
  | { action: 'give-up'; missing: number; reason: string };

export function decidePlacement(input: PlacementInput): PlacementDecision {
  const { count, placed } = input;
  if (!Number.isInteger(count) || count < 1) throw new Error(`count: expected 1 or more, got ${count}`);
  if (!Number.isInteger(placed) || placed < 0 || placed > count) {
    throw new Error(`placed: expected 0 to count (${count}), got ${placed}`);
  }
  const missing = count - placed;
  if (missing === 0) return { action: 'complete' };
  const retry = decideRetry(input);
  if (retry.action === 'retry') return { action: 'retry', missing, at: retry.at };
  return {
    action: 'give-up',
    missing,
    reason: placed === 0 ? retry.reason : `${placed} of ${count} placed; ${retry.reason}`,
  };
}

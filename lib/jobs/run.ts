/**
 * A job's run: one per slot, from the launch that begins it to the STOPPED events that complete it, with what
 * was decided on the way and the page it owes when it failed.
 */
import { claimedPage, type PageState } from '../platform/notification/page-once.js';
import type { PageAttributes } from '../platform/notification/stored-page.js';
import type { RunResult } from './outcome.js';

/** The task stop resync found for a run (its ECS event never arrived): when, which task, when it stopped. */
export interface FoundByResync {
  at: string;
  taskArn: string;
  stoppedAt?: string;
}

export const RUN_STATUSES = ['launching', 'running', 'succeeded', 'failed', 'timed-out', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface JobRun {
  job: string;
  /** ISO time of the slot (a manual run's: when it was asked for). */
  slot: string;
  status: RunStatus;
  cluster: string;
  /** Task ARNs launched for this run. */
  tasks: string[];
  /** RunTask calls made so far. */
  attempts: number;
  /** What was decided, in order, in words. */
  decisions: string[];
  /** `ecs-ops jobs run`'s request id, for a manual run. */
  requestId?: string;
  /** Until when the launching invocation owns the slot (ISO); after it, a redelivery may take over. */
  leaseUntil?: string;
  launchedAt?: string;
  completedAt?: string;
  result?: RunResult;
  reason?: string;
  exitCodes?: Record<string, number | null>;
  durationSeconds?: number;
  /** When job-timeouts first stopped the run's tasks for running too long (ISO): set once, by one sweep. */
  timeoutRequestedAt?: string;
  /**
   * Set when resync completed the run: the STOPPED event of its last task never arrived, and resync read the
   * stop from the ECS API at `at`. The run was completed, and its page sent, late.
   */
  foundByResync?: FoundByResync;
  /** The slot of the run that replaced this one (concurrency Replace): its stop was intended. */
  replacedBy?: string;
  /**
   * The page of a failed (or partly launched) run, sent once (page-once.ts): claimed by the write that fails
   * the run, given back if SNS fails, re-claimed by a redelivery when its lease runs out.
   */
  alert?: PageState;
  alertLeaseUntil?: string;
  alertMessageId?: string;
}

/** Where a run keeps its page's claim. */
export const RUN_PAGE: PageAttributes = {
  state: 'alert',
  leaseUntil: 'alertLeaseUntil',
  messageId: 'alertMessageId',
};

/** The fields that claim a run's page, set by the write that decides it. */
export function runPageClaim(now: Date): Pick<JobRun, 'alert' | 'alertLeaseUntil'> {
  const { state, leaseUntil } = claimedPage(now);
  return { alert: state, alertLeaseUntil: leaseUntil };
}

/** Whether the run's page is owed and not yet sent: SNS failed, or its sender died. */
export const pageUnsent = (run: JobRun) => run.alert === 'pending' || run.alert === 'sending';

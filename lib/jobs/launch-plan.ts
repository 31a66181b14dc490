/**
 * What a launch of a slot does, as effects for the executor (launch-executor.ts): whether the slot runs at all
 * (disabled, past its starting deadline), what the concurrency policy asks of the runs still going (skip, or
 * Replace: stop their tasks), what a delivery of a slot that already has a run still owes (its launch page),
 * and how a launch that gives up fails its run and pages. RunTask attempts are attempt-plan.ts's. Pure: the
 * time, the slot's runs and the previous tasks are parameters.
 */
import type { AlertMessage } from '../platform/notification/message.js';
import type { ConcurrencyDecision } from './concurrency.js';
import type { JobConfig } from './config.js';
import type { JobStep } from './journal.js';
import { renderLaunchFailure } from './render.js';
import { type JobRun, pageUnsent, runPageClaim } from './run.js';
import type { RunChanges, RunUpdateOptions } from './run-update.js';
import { isPastDeadline, journalTime } from './slot.js';

/** The launch function's input: from the schedule (`scheduledTime`) or from `ecs-ops jobs run` (`requestId`). */
export interface LaunchEvent {
  job: string;
  /** ISO, EventBridge Scheduler's `<aws.scheduler.scheduled-time>`. */
  scheduledTime?: string;
  /** A manual run's request id. */
  requestId?: string;
}

export type LaunchOutcome =
  | 'launched'
  /** Some of `count` tasks placed by the starting deadline: the run keeps them, on-call is told. */
  | 'partial'
  | 'skipped'
  | 'replaced'
  | 'failed'
  | 'duplicate'
  | 'disabled'
  | 'past-deadline';

export interface RunSummary {
  job: string;
  /** ISO time of the slot. */
  slot: string;
  outcome: LaunchOutcome;
  tasks: string[];
  reason: string;
}

/** A change to a run of the job: the slot's own, or an earlier one's (Replace). */
export interface RunWrite {
  slot: string;
  changes: RunChanges;
  options?: RunUpdateOptions;
}

export type LaunchEffect =
  | { kind: 'record'; write: RunWrite }
  | { kind: 'stop-tasks'; cluster: string; tasks: string[]; reason: string }
  | { kind: 'journal'; step: Omit<JobStep, 'job'> }
  /**
   * A page of the slot, sent once: claimed by `claimedBy` (the write that decides it: only the caller whose
   * write went through pages) or, without it, claimed on its own (a page an earlier delivery could not send).
   * Once sent, `journal` is written with the subject and message id.
   */
  | {
      kind: 'page';
      slot: string;
      message: AlertMessage;
      claimedBy?: RunWrite;
      journal: Omit<JobStep, 'job'>;
    };

/** Effects to perform, then the launch's summary. */
export interface Finished {
  effects: LaunchEffect[];
  summary: RunSummary;
}

export interface SlotInput {
  event: LaunchEvent;
  config: JobConfig;
  slot: Date;
  /** When the delivery started. */
  now: Date;
  /** How long this delivery owns the slot once it began it. */
  leaseMs: number;
}

/**
 * `disabled`: nothing is recorded; `begin`: the run to put if the slot has none, and — for a slot past its
 * starting deadline — what to do once it is put instead of launching.
 */
export type SlotPlan =
  | { kind: 'disabled'; summary: RunSummary }
  | { kind: 'begin'; run: JobRun; instead?: Finished };

export function planSlot({ event, config, slot: slotDate, now, leaseMs }: SlotInput): SlotPlan {
  const { job } = event;
  const slot = slotDate.toISOString();
  if (!config.enabled) {
    return {
      kind: 'disabled',
      summary: { job, slot, outcome: 'disabled', tasks: [], reason: 'the job is disabled (enabled: false)' },
    };
  }
  const manual = event.requestId !== undefined;
  const run: JobRun = {
    job,
    slot,
    status: 'launching',
    cluster: config.cluster,
    tasks: [],
    attempts: 0,
    decisions: [],
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
    ...(manual ? { requestId: event.requestId } : {}),
  };
  // A manual run's slot is when it was asked for: never late.
  if (manual || !isPastDeadline(slotDate, now, config)) return { kind: 'begin', run };
  const reason = `skipped: ${journalTime(now)} is past the starting deadline (${config.startingDeadlineSeconds} s after ${journalTime(slotDate)})`;
  return {
    kind: 'begin',
    run: { ...run, status: 'skipped', reason, completedAt: now.toISOString(), decisions: [reason] },
    instead: {
      effects: [
        {
          kind: 'journal',
          step: { slot, step: 'past-deadline', fields: { outcome: 'past-deadline', reason } },
        },
      ],
      summary: { job, slot, outcome: 'past-deadline', tasks: [], reason },
    },
  };
}

export interface ConcurrencyInput {
  job: string;
  config: JobConfig;
  slot: Date;
  decision: ConcurrencyDecision;
  /** The job's earlier runs still open, whose tasks the decision looked at. */
  open: readonly JobRun[];
  now: Date;
}

/** `skip`: the slot's run is recorded skipped; `launch`: after the effects, RunTask (`replaced` says why). */
export type ConcurrencyPlan =
  | ({ kind: 'skip' } & Finished)
  | { kind: 'launch'; effects: LaunchEffect[]; replaced?: string };

export function planConcurrency({
  job,
  config,
  slot: slotDate,
  decision,
  open,
  now,
}: ConcurrencyInput): ConcurrencyPlan {
  const slot = slotDate.toISOString();
  if (decision.action === 'launch') return { kind: 'launch', effects: [] };
  if (decision.action === 'skip') {
    const { reason } = decision;
    return {
      kind: 'skip',
      effects: [
        record(slot, { status: 'skipped', reason, completedAt: now.toISOString() }, [reason], ['launching']),
        { kind: 'journal', step: { slot, step: 'skipped', fields: { outcome: 'skipped', reason } } },
      ],
      summary: { job, slot, outcome: 'skipped', tasks: [], reason },
    };
  }
  const reason = `ecs-ops: replaced by the run of ${journalTime(slotDate)}`;
  return {
    kind: 'launch',
    effects: [
      { kind: 'stop-tasks', cluster: config.cluster, tasks: decision.stop, reason },
      // The replaced runs' stops were intended: job-runs does not page for them.
      ...open.map((run) => record(run.slot, { replacedBy: slot }, [`${reason} (tasks stopped)`])),
      record(slot, {}, [decision.reason]),
    ],
    replaced: decision.reason,
  };
}

export interface GiveUpInput {
  job: string;
  config: JobConfig;
  slot: string;
  attempts: number;
  /** The tasks placed so far: with some, the run keeps them and is told about as partial. */
  placed: string[];
  reason: string;
  now: Date;
}

/**
 * A launch that stops trying. With nothing placed the run fails; with some tasks placed it keeps them and goes
 * on running. Either way on-call is paged once, claimed in the write that records it — failing a run still
 * launching, or a running run's first page.
 */
export function planGiveUp({ job, config, slot, attempts, placed, reason, now }: GiveUpInput): Finished {
  const partial = placed.length > 0;
  const claimedBy: RunWrite = partial
    ? {
        slot,
        changes: { attempts, reason, ...runPageClaim(now) },
        options: { decisions: [reason], from: ['running'], withoutAlert: true },
      }
    : {
        slot,
        changes: {
          status: 'failed',
          result: 'failed',
          reason,
          completedAt: now.toISOString(),
          attempts,
          ...runPageClaim(now),
        },
        options: { decisions: [reason], from: ['launching'] },
      };
  return {
    effects: [launchPage({ job, config, slot, attempts, reason, partial }, claimedBy)],
    summary: { job, slot, outcome: partial ? 'partial' : 'failed', tasks: placed, reason },
  };
}

/** The slot already has a run: nothing is launched; a launch page it still owes (SNS failed) is sent now. */
export function planDuplicate(run: JobRun, config: JobConfig): Finished {
  // A failed launch's page, or a partial one's (still running, with its reason): whichever was not sent.
  const owed = run.status === 'failed' ? 'failed' : run.status === 'running' ? 'partial' : undefined;
  const reason = run.reason ?? 'the launch failed';
  return {
    effects:
      owed !== undefined && pageUnsent(run)
        ? [
            launchPage({
              job: run.job,
              config,
              slot: run.slot,
              attempts: run.attempts,
              reason,
              partial: owed === 'partial',
            }),
          ]
        : [],
    summary: {
      job: run.job,
      slot: run.slot,
      outcome: 'duplicate',
      tasks: run.tasks,
      reason: `the slot already has a run (${run.status}${run.reason ? `: ${run.reason}` : ''})`,
    },
  };
}

export function record(
  slot: string,
  changes: RunChanges,
  decisions?: string[],
  from?: RunUpdateOptions['from'],
): LaunchEffect {
  return {
    kind: 'record',
    write: { slot, changes, options: { ...(decisions ? { decisions } : {}), ...(from ? { from } : {}) } },
  };
}

function launchPage(
  page: { job: string; config: JobConfig; slot: string; attempts: number; reason: string; partial: boolean },
  claimedBy?: RunWrite,
): LaunchEffect {
  const { job, config, slot, attempts, reason, partial } = page;
  const outcome = partial ? 'partial' : 'failed';
  return {
    kind: 'page',
    slot,
    message: renderLaunchFailure({
      job,
      cluster: config.cluster,
      slot,
      taskDefinition: config.taskDefinition,
      attempts,
      reason,
      partial,
    }),
    ...(claimedBy === undefined ? {} : { claimedBy }),
    journal: { slot, step: outcome, fields: { outcome, reason, attempts } },
  };
}

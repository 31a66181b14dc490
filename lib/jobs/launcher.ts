/**
 * One launch of a job's slot, shared by the `launch` Lambda handler (schedules, `ecs-ops jobs run`): the plans
 * of launch-plan.ts and attempt-plan.ts carried out by the launch executor against the state table, ECS and SNS.
 *
 * One launch per slot: the slot's run item is put only if absent, so a doubled delivery finds it and launches
 * nothing; RunTask's client token (job, slot, attempt) is the second guard, so even a launcher that retakes a
 * slot from a dead invocation gets the same tasks back. A launch that gives up marks the run failed with a
 * conditional change, and only the caller whose change went through pages.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import type { Journal } from '../platform/journal.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { StateStore } from '../platform/store/state-store.js';
import { type Attempt, attemptRequest, planAfterAttempt } from './attempt-plan.js';
import { decideConcurrency, type RunningTask } from './concurrency.js';
import type { JobsConfig } from './config.js';
import { createLaunchExecutor } from './launch-executor.js';
import {
  type LaunchEvent,
  planConcurrency,
  planDuplicate,
  planSlot,
  type RunSummary,
} from './launch-plan.js';
import type { JobRun } from './run.js';
import type { RunStore } from './run-store.js';
import { slotOf } from './slot.js';

export type { LaunchEvent, LaunchOutcome, RunSummary } from './launch-plan.js';

/** Kept back from the Lambda's remaining time when deciding whether one more retry fits. */
const DEFAULT_MARGIN_MS = 10_000;
/** How long a launcher owns its slot when it has no Lambda context to say. */
const DEFAULT_LEASE_MS = 15 * 60_000;

export interface LaunchDependencies {
  jobs: JobsConfig;
  runs: RunStore;
  store: Pick<StateStore, 'getLatest'>;
  ecs: Pick<ECSClient, 'send'>;
  publisher: AlertPublisher;
  journal: Journal;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  marginMs?: number;
}

export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
  constructor(job: string, known: string[]) {
    super(
      `unknown job ${JSON.stringify(job)}: ops.config.yml's jobs are ${known.length === 0 ? '(none)' : known.join(', ')}`,
    );
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createLauncher(dependencies: LaunchDependencies) {
  const { jobs, runs, store } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const sleep = dependencies.sleep ?? delay;
  const marginMs = dependencies.marginMs ?? DEFAULT_MARGIN_MS;
  const executor = createLaunchExecutor({ ...dependencies, now });

  /** The job's earlier runs still open, and the latest state of their tasks from the state table. */
  async function previousRuns(job: string, slot: string): Promise<{ tasks: RunningTask[]; open: JobRun[] }> {
    const open = (await runs.running(job)).filter((run) => run.slot !== slot && run.tasks.length > 0);
    const tasks = await Promise.all(
      open.flatMap((run) =>
        run.tasks.map(async (taskArn): Promise<RunningTask> => {
          const latest = await store.getLatest(taskArn);
          // Not reconciled yet: it was launched and nothing says it stopped.
          if (latest === undefined) return { taskArn, lastStatus: 'PROVISIONING' };
          const { lastStatus, startedAt } = latest.detail as { lastStatus?: string; startedAt?: string };
          return { taskArn, lastStatus: lastStatus ?? 'PROVISIONING', ...(startedAt ? { startedAt } : {}) };
        }),
      ),
    );
    return { tasks, open };
  }

  /** RunTask attempts until the slot has its tasks, or the launch gives up. */
  async function launch(first: Attempt, context: Context | undefined, replaced: string | undefined) {
    for (let attempt = first; ; ) {
      const answer = await executor.runTask(attemptRequest(attempt));
      const plan = planAfterAttempt({
        ...attempt,
        answer,
        now: now(),
        ...(context === undefined ? {} : { timeLeftMs: context.getRemainingTimeInMillis() - marginMs }),
        ...(replaced === undefined ? {} : { replaced }),
      });
      await executor.performAll(attempt.job, plan.effects);
      if (plan.kind === 'finished') return plan.summary;
      await sleep(plan.waitMs);
      attempt = plan.next;
    }
  }

  return async function launchJob(event: LaunchEvent, context?: Context): Promise<RunSummary> {
    const { job, requestId } = event;
    const config = jobs[job];
    if (config === undefined) throw new UnknownJobError(job, Object.keys(jobs));
    const started = now();
    const slot =
      requestId === undefined
        ? slotOf(event)
        : new Date(await runs.slotOfRequest(job, requestId, started.toISOString()));
    const leaseMs = context === undefined ? DEFAULT_LEASE_MS : context.getRemainingTimeInMillis();
    const plan = planSlot({ event, config, slot, now: started, leaseMs });
    if (plan.kind === 'disabled') return plan.summary;
    const begun = await runs.begin(plan.run, started);
    const finished = !begun.begun ? planDuplicate(begun.run, config) : plan.instead;
    if (finished !== undefined) {
      await executor.performAll(job, finished.effects);
      return finished.summary;
    }
    try {
      const previous = await previousRuns(job, plan.run.slot);
      const decision = decideConcurrency(config.concurrency, previous.tasks);
      const concurrency = planConcurrency({ job, config, slot, decision, open: previous.open, now: now() });
      await executor.performAll(job, concurrency.effects);
      if (concurrency.kind === 'skip') return concurrency.summary;
      const first = {
        job,
        config,
        slot,
        ...(requestId === undefined ? {} : { requestId }),
        attempt: 1,
        placed: [],
      };
      return await launch(first, context, concurrency.replaced);
    } catch (error) {
      // Let a redelivery take the slot over at once: RunTask's client token keeps it to one launch.
      await runs
        .update(job, plan.run.slot, { leaseUntil: new Date(0).toISOString() }, { from: ['launching'] })
        .catch(() => {});
      throw error;
    }
  };
}

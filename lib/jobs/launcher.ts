/**
 * One launch of a job's slot, shared by the `launch` Lambda handler (schedules, `ecs-ops jobs run`): the pure
 * decisions of lib/jobs (slot, deadline, concurrency, retry) carried out against the state table, ECS and SNS.
 *
 * Invariant 3, one launch per slot: the slot's run item is put only if absent, so a doubled delivery finds it
 * and launches nothing; RunTask's client token (job, slot, attempt) is the second guard, so even a launcher
 * that retakes a slot from a dead invocation gets the same tasks back. A launch that gives up marks the run
 * failed with a conditional change, and only the caller whose change went through pages.
 */
import { type ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { resourceId } from '../platform/arn.js';
import type { Journal } from '../platform/journal.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { StateStore } from '../platform/store/state-store.js';
import { decideConcurrency, type RunningTask } from './concurrency.js';
import type { JobConfig, JobsConfig } from './config.js';
import { clientTokenOf, manualClientTokenOf } from './identity.js';
import { renderLaunchFailure } from './render.js';
import { decidePlacement, failureSummary, type LaunchFailure } from './retry.js';
import { runRequest } from './run-request.js';
import { alertClaim, type JobRun, type RunStore } from './run-store.js';
import { isPastDeadline, journalTime, slotOf } from './slot.js';

export const JOB_JOURNAL_KIND = 'job';
/** Kept back from the Lambda's remaining time when deciding whether one more retry fits. */
export const DEFAULT_MARGIN_MS = 10_000;
/** How long a launcher owns its slot when it has no Lambda context to say. */
const DEFAULT_LEASE_MS = 15 * 60_000;

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

export interface LaunchDependencies {
  jobs: JobsConfig;
  runs: RunStore;
  store: Pick<StateStore, 'getLatest'>;
  ecs: ECSClient;
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

/** AWS errors worth another attempt: throttling, 5xx, networking. Anything else is the request's fault. */
function isTransient(error: unknown): boolean {
  const { name, $fault, $retryable } = error as { name?: string; $fault?: string; $retryable?: unknown };
  return (
    $fault === 'server' ||
    $retryable !== undefined ||
    /Throttl|TooManyRequests|RequestLimitExceeded|Timeout|Networking|ECONN/i.test(name ?? '')
  );
}

export function createLauncher(dependencies: LaunchDependencies) {
  const { jobs, runs, store, ecs, publisher, journal } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const sleep = dependencies.sleep ?? delay;
  const marginMs = dependencies.marginMs ?? DEFAULT_MARGIN_MS;

  const record = (job: string, slot: string, step: string, fields: Record<string, unknown>) =>
    journal.append({
      at: now().toISOString(),
      kind: JOB_JOURNAL_KIND,
      subject: job,
      id: `${slot}#${step}`,
      fields: { job, slot, ...fields },
    });

  /** The latest state of the tasks of earlier runs still open, from the state table. */
  async function runningTasks(job: string, slot: string): Promise<{ tasks: RunningTask[]; runs: JobRun[] }> {
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
    return { tasks, runs: open };
  }

  async function giveUp(
    job: string,
    config: JobConfig,
    slot: string,
    attempts: number,
    reason: string,
    tasks: string[],
  ): Promise<RunSummary> {
    const completedAt = now().toISOString();
    const changed = await runs.update(
      job,
      slot,
      { status: 'failed', result: 'failed', reason, completedAt, attempts, ...alertClaim(now()) },
      { decisions: [reason], from: ['launching'] },
    );
    if (changed) await sendLaunchFailure(job, config, slot, attempts, reason);
    return { job, slot, outcome: 'failed', tasks, reason };
  }

  /** Pages that the slot could not be launched, and marks the page sent; until then it stays pending. */
  async function sendLaunchFailure(
    job: string,
    config: JobConfig,
    slot: string,
    attempts: number,
    reason: string,
    outcome: 'failed' | 'partial' = 'failed',
  ) {
    const message = renderLaunchFailure({
      job,
      cluster: config.cluster,
      slot,
      taskDefinition: config.taskDefinition,
      attempts,
      reason,
      partial: outcome === 'partial',
    });
    let messageId: string;
    try {
      messageId = await publisher.publish(message);
    } catch (error) {
      await runs.alertUnsent(job, slot).catch(() => false);
      throw error;
    }
    await runs.alertSent(job, slot, messageId);
    await record(job, slot, outcome, {
      outcome,
      reason,
      attempts,
      subject: message.subject,
      messageId,
    });
  }

  /**
   * RunTask until the slot has `count` tasks: a response that places only some is topped up with RunTask for
   * the missing ones (each attempt its own client token, so a redelivery never doubles a top-up), with the
   * retry backoff, until the starting deadline. A run that places some but not all keeps them and pages once.
   */
  async function launch(
    job: string,
    config: JobConfig,
    slotDate: Date,
    requestId: string | undefined,
    context: Context | undefined,
    replaced: string | undefined,
  ): Promise<RunSummary> {
    const slot = slotDate.toISOString();
    const placed: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const clientToken =
        requestId === undefined
          ? clientTokenOf(job, slotDate, attempt)
          : manualClientTokenOf(job, attempt === 1 ? requestId : `${requestId}#${attempt}`);
      const count = config.count - placed.length;
      let failures: LaunchFailure[];
      let tasks: string[] = [];
      try {
        const response = await ecs.send(
          new RunTaskCommand(runRequest(job, { ...config, count }, slotDate, { clientToken })),
        );
        tasks = (response.tasks ?? []).flatMap((task) => (task.taskArn ? [task.taskArn] : []));
        failures = (response.failures ?? []).map((failure) => ({
          ...(failure.arn ? { arn: failure.arn } : {}),
          reason: failure.reason ?? 'unknown',
          ...(failure.detail ? { detail: failure.detail } : {}),
        }));
      } catch (error) {
        const { name, message } = error as Error;
        if (!isTransient(error)) {
          const reason = `RunTask refused the request: ${name}: ${message}`;
          if (placed.length === 0) return giveUp(job, config, slot, attempt, reason, []);
          return keepPartial(
            job,
            config,
            slot,
            attempt,
            placed,
            `${placed.length} of ${config.count} placed; ${reason}`,
          );
        }
        failures = [{ reason: name, detail: message }];
      }
      const first = placed.length === 0;
      placed.push(...tasks);
      if (tasks.length > 0) {
        // Recorded at once, so job-runs finds the run of tasks that stop while the rest are still retried.
        await runs.update(
          job,
          slot,
          {
            status: 'running',
            tasks: [...placed],
            attempts: attempt,
            ...(first ? { launchedAt: now().toISOString() } : {}),
          },
          { from: first ? ['launching'] : ['running'] },
        );
      }
      const next = decidePlacement({
        slot: slotDate,
        now: now(),
        attempt,
        failures,
        config,
        count: config.count,
        placed: placed.length,
      });
      if (next.action === 'complete') {
        const ids = placed.map(resourceId).join(', ');
        const launched = `launched ${placed.length} task${placed.length === 1 ? '' : 's'} (${ids}) ${attempt === 1 ? 'at attempt 1' : `in ${attempt} attempts`}`;
        const decision = replaced === undefined ? launched : `${replaced}; ${launched}`;
        await runs.update(job, slot, {}, { decisions: [decision] });
        const outcome = replaced === undefined ? 'launched' : 'replaced';
        await record(job, slot, 'launched', { outcome, reason: decision, tasks: placed, attempts: attempt });
        return { job, slot, outcome, tasks: placed, reason: decision };
      }
      const stopHere = (reason: string) =>
        placed.length === 0
          ? giveUp(job, config, slot, attempt, reason, [])
          : keepPartial(job, config, slot, attempt, placed, reason);
      if (next.action === 'give-up') return stopHere(next.reason);
      const waitMs = Math.max(0, next.at.getTime() - now().getTime());
      if (context !== undefined && waitMs > context.getRemainingTimeInMillis() - marginMs) {
        const tried = `${attempt === 1 ? '1 attempt' : `${attempt} attempts`}: ${failureSummary(failures)}`;
        const reason =
          `${placed.length === 0 ? '' : `${placed.length} of ${config.count} placed; `}gave up after ${tried}; ` +
          `a retry at ${journalTime(next.at)} would not fit in the launch function's remaining time`;
        return stopHere(reason);
      }
      const what =
        tasks.length === 0
          ? `could not place ${count === 1 ? 'the task' : `${count} tasks`}`
          : `placed ${tasks.length} of ${count} tasks (${tasks.map(resourceId).join(', ')})`;
      const decision = `attempt ${attempt} ${what}: ${failureSummary(failures)}; ${placed.length === 0 ? 'retrying' : `topping up ${next.missing}`} at ${journalTime(next.at)}`;
      await runs.update(job, slot, { attempts: attempt }, { decisions: [decision] });
      await record(job, slot, `attempt-${attempt}`, {
        outcome: 'retry',
        reason: decision,
        attempts: attempt,
        ...(placed.length === 0 ? {} : { tasks: [...placed] }),
      });
      await sleep(waitMs);
    }
  }

  /**
   * The deadline passed with some tasks placed: the run keeps them and goes on running; on-call is told once.
   * The page is claimed in the write that records it, only while the run has no page yet.
   */
  async function keepPartial(
    job: string,
    config: JobConfig,
    slot: string,
    attempts: number,
    tasks: string[],
    reason: string,
  ): Promise<RunSummary> {
    const claimed = await runs.update(
      job,
      slot,
      { attempts, reason, ...alertClaim(now()) },
      { decisions: [reason], from: ['running'], withoutAlert: true },
    );
    if (claimed) await sendLaunchFailure(job, config, slot, attempts, reason, 'partial');
    return { job, slot, outcome: 'partial', tasks, reason };
  }

  return async function launchJob(event: LaunchEvent, context?: Context): Promise<RunSummary> {
    const config = jobs[event.job];
    if (config === undefined) throw new UnknownJobError(event.job, Object.keys(jobs));
    const job = event.job;
    const started = now();
    const manual = event.requestId !== undefined;
    const slotDate =
      event.requestId === undefined
        ? slotOf(event)
        : new Date(await runs.slotOfRequest(job, event.requestId, started.toISOString()));
    const slot = slotDate.toISOString();
    if (!config.enabled) {
      return { job, slot, outcome: 'disabled', tasks: [], reason: 'the job is disabled (enabled: false)' };
    }
    const leaseMs = context === undefined ? DEFAULT_LEASE_MS : context.getRemainingTimeInMillis();
    const base: JobRun = {
      job,
      slot,
      status: 'launching',
      cluster: config.cluster,
      tasks: [],
      attempts: 0,
      decisions: [],
      leaseUntil: new Date(started.getTime() + leaseMs).toISOString(),
      ...(manual ? { requestId: event.requestId } : {}),
    };
    if (!manual && isPastDeadline(slotDate, started, config)) {
      const reason = `skipped: ${journalTime(started)} is past the starting deadline (${config.startingDeadlineSeconds} s after ${journalTime(slotDate)})`;
      const begun = await runs.begin(
        { ...base, status: 'skipped', reason, completedAt: started.toISOString(), decisions: [reason] },
        started,
      );
      if (!begun.begun) return await duplicate(begun.run, config);
      await record(job, slot, 'past-deadline', { outcome: 'past-deadline', reason });
      return { job, slot, outcome: 'past-deadline', tasks: [], reason };
    }
    const begun = await runs.begin(base, started);
    if (!begun.begun) return await duplicate(begun.run, config);
    try {
      const { tasks: previous, runs: open } = await runningTasks(job, slot);
      const decision = decideConcurrency(config.concurrency, previous);
      if (decision.action === 'skip') {
        await runs.update(
          job,
          slot,
          { status: 'skipped', reason: decision.reason, completedAt: now().toISOString() },
          { decisions: [decision.reason], from: ['launching'] },
        );
        await record(job, slot, 'skipped', { outcome: 'skipped', reason: decision.reason });
        return { job, slot, outcome: 'skipped', tasks: [], reason: decision.reason };
      }
      let replaced: string | undefined;
      if (decision.action === 'replace') {
        const reason = `ecs-ops: replaced by the run of ${journalTime(slotDate)}`;
        await Promise.all(
          decision.stop.map((task) =>
            ecs.send(new StopTaskCommand({ cluster: config.cluster, task, reason })),
          ),
        );
        await Promise.all(
          open.map((run) =>
            runs.update(job, run.slot, { replacedBy: slot }, { decisions: [`${reason} (tasks stopped)`] }),
          ),
        );
        replaced = decision.reason;
        await runs.update(job, slot, {}, { decisions: [decision.reason] });
      }
      return await launch(job, config, slotDate, event.requestId, context, replaced);
    } catch (error) {
      // Let a redelivery take the slot over at once: RunTask's client token keeps it to one launch.
      await runs
        .update(job, slot, { leaseUntil: new Date(0).toISOString() }, { from: ['launching'] })
        .catch(() => {});
      throw error;
    }
  };

  /** The slot already has a run. If it failed and its page is still pending (SNS failed), send it now. */
  async function duplicate(run: JobRun, config: JobConfig): Promise<RunSummary> {
    const unsent = run.alert === 'pending' || run.alert === 'sending';
    // A failed launch's page, or a partial one's (still running, with its reason): whichever was not sent.
    const launchPage = run.status === 'failed' ? 'failed' : run.status === 'running' ? 'partial' : undefined;
    if (launchPage && unsent && (await runs.claimAlert(run.job, run.slot, now()))) {
      await sendLaunchFailure(
        run.job,
        config,
        run.slot,
        run.attempts,
        run.reason ?? 'the launch failed',
        launchPage,
      );
    }
    return {
      job: run.job,
      slot: run.slot,
      outcome: 'duplicate',
      tasks: run.tasks,
      reason: `the slot already has a run (${run.status}${run.reason ? `: ${run.reason}` : ''})`,
    };
  }
}

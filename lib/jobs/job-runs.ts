/**
 * How a job's runs end: one SQS batch of STOPPED task events of job tasks (`startedBy` = ecs-ops-job/<name>).
 *
 * Per record: parse (invalid → dead-letter queue, like reconcile and alert) → the job (from startedBy) → the
 * run listing the task → when every task of the run is STOPPED (this event for this task; the state table,
 * this batch, then ECS for the others) → runOutcome → complete the run with a conditional change from
 * `running`. Only the caller whose change went through journals and pages (a failed or timed-out run that was
 * not replaced on purpose), so duplicates and concurrent deliveries page once.
 *
 * A STOPPED task may also come from resync (source `ecs-ops.resync`): it read the stop from the ECS API because
 * the stop's ECS event never arrived. It completes the run like the event would have; the run remembers it
 * (`foundByResync`), its page says it is late, and the journal records `foundBy: 'resync'`. The event, should it
 * still arrive, finds the run completed.
 */
import { DescribeTasksCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { clusterName, resourceId } from '../platform/arn.js';
import {
  type DeadLetterSink,
  failedRecord,
  invalidRecord,
  settleBatch,
} from '../platform/dead-letters/dead-letter.js';
import type { EcsOpsError, InvalidInputError } from '../platform/errors.js';
import { parseEcsEventText, type TaskDetail } from '../platform/events/ecs-event.js';
import type { BatchRecord } from '../platform/handler/sqs-batch-handler.js';
import type { Journal } from '../platform/journal.js';
import { pageOnce, sendClaimed } from '../platform/notification/page-once.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { StateStore } from '../platform/store/state-store.js';
import { essentialContainers, type TaskDefinitions } from '../platform/task-definitions.js';
import { jobOfStartedBy } from './identity.js';
import { JOB_JOURNAL_KIND } from './journal.js';
import { type RunOutcome, type RunResult, runOutcome, type StoppedTask } from './outcome.js';
import { renderRunFailure } from './render.js';
import { type FoundByResync, type JobRun, pageUnsent } from './run.js';
import type { RunStore } from './run-store.js';

export interface JobRunsDependencies {
  runs: RunStore;
  store: Pick<StateStore, 'getLatest'>;
  ecs: ECSClient;
  taskDefinitions: Pick<TaskDefinitions, 'of'>;
  publisher: AlertPublisher;
  journal: Journal;
  deadLetters: DeadLetterSink;
  now?: () => Date;
}

export type JobRunOutcome =
  | { id: string; outcome: 'invalid'; field: string; reason: string; error: InvalidInputError }
  /** Not a STOPPED task of a job: nothing to do. */
  | { id: string; outcome: 'ignored'; taskArn?: string; reason: string }
  /** A task with a job's startedBy that no run launched (started by hand): logged, not an error. */
  | { id: string; outcome: 'no-run'; job: string; taskArn: string; reason: string }
  | { id: string; outcome: 'waiting'; job: string; slot: string; taskArn: string; pending: string[] }
  | {
      id: string;
      outcome: 'completed';
      job: string;
      slot: string;
      result: RunResult;
      exitCodes: Record<string, number | null>;
      durationSeconds: number;
      reason: string;
      alerted: boolean;
      /** Resync found the stop that completed the run: its STOPPED event never arrived. */
      foundBy?: 'resync';
    }
  /** `alerted`: this delivery sent the page an earlier one could not (the run's page was still pending). */
  | { id: string; outcome: 'already-completed'; job: string; slot: string; status: string; alerted: boolean }
  | { id: string; outcome: 'failed'; taskArn?: string; reason: string; error: EcsOpsError };

export interface JobRunsBatchResult {
  outcomes: JobRunOutcome[];
  redeliver: string[];
}

const stoppedTaskOf = (detail: Record<string, unknown>): StoppedTask => detail as StoppedTask;

export function createJobRuns(dependencies: JobRunsDependencies) {
  const { runs, store, ecs, taskDefinitions, publisher, journal } = dependencies;
  const now = dependencies.now ?? (() => new Date());

  /** The other tasks' latest states: this batch's events, else the state table, else ECS itself. */
  async function statesOf(
    cluster: string,
    taskArns: string[],
    batch: ReadonlyMap<string, TaskDetail>,
  ): Promise<Map<string, Record<string, unknown>>> {
    const states = new Map<string, Record<string, unknown>>();
    await Promise.all(
      taskArns.map(async (arn) => {
        const inBatch = batch.get(arn);
        if (inBatch !== undefined) return void states.set(arn, inBatch);
        const latest = await store.getLatest(arn);
        if (latest !== undefined) states.set(arn, latest.detail);
      }),
    );
    const unknown = taskArns.filter((arn) => states.get(arn)?.lastStatus !== 'STOPPED');
    if (unknown.length > 0) {
      // The state table may lag behind the events (another queue): ECS knows for sure.
      const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: unknown }));
      for (const task of tasks) {
        if (task.taskArn) states.set(task.taskArn, task as unknown as Record<string, unknown>);
      }
    }
    return states;
  }

  /** A failed run's page, through page-once on the run's item. */
  function pageOf(run: JobRun & RunOutcome) {
    const { result, reason, exitCodes, durationSeconds } = run;
    const message = renderRunFailure({
      job: run.job,
      cluster: run.cluster,
      slot: run.slot,
      tasks: run.tasks,
      outcome: { result, reason, exitCodes, durationSeconds },
      ...(run.foundByResync === undefined ? {} : { foundByResync: run.foundByResync }),
    });
    return {
      message,
      page: { ...runs.page(run.job, run.slot, now), publish: () => publisher.publish(message) },
    };
  }

  /** Sends a failed run's page, claimed by the write that completed the run. */
  async function sendPage(run: JobRun & RunOutcome): Promise<{ subject: string; messageId: string }> {
    const { message, page } = pageOf(run);
    return { subject: message.subject, messageId: await sendClaimed(page) };
  }

  /** A run another delivery completed; if its page is still owed (SNS failed, or a crash), send it now. */
  async function alreadyCompleted(id: string, run: JobRun): Promise<JobRunOutcome> {
    const { job, slot, status } = run;
    const owed = pageUnsent(run) && run.result !== undefined && run.reason !== undefined;
    const alerted =
      owed &&
      (await pageOnce(
        pageOf({
          ...run,
          result: run.result as RunOutcome['result'],
          reason: run.reason as string,
          exitCodes: run.exitCodes ?? {},
          durationSeconds: run.durationSeconds ?? 0,
        }).page,
      )) !== undefined;
    return { id, outcome: 'already-completed', job, slot, status, alerted };
  }

  async function processRecord(
    record: BatchRecord,
    batch: ReadonlyMap<string, TaskDetail>,
  ): Promise<JobRunOutcome> {
    const parsed = parseEcsEventText(record.body);
    if (!parsed.ok) return invalidRecord(record.id, parsed.error);
    const { event } = parsed;
    if (event.kind !== 'task') {
      return { id: record.id, outcome: 'ignored', reason: 'a container instance event, not a task stop' };
    }
    const task = event.detail;
    // From resync: the stop's ECS event never arrived, and resync read it from the ECS API at the envelope's time.
    const foundByResync: FoundByResync | undefined =
      event.origin === 'resync'
        ? {
            at: event.time,
            taskArn: task.taskArn,
            ...(task.stoppedAt === undefined ? {} : { stoppedAt: task.stoppedAt }),
          }
        : undefined;
    const job = jobOfStartedBy(task.startedBy);
    if (job === undefined) {
      return {
        id: record.id,
        outcome: 'ignored',
        taskArn: task.taskArn,
        reason: 'not a job task (startedBy)',
      };
    }
    if (task.lastStatus !== 'STOPPED') {
      return {
        id: record.id,
        outcome: 'ignored',
        taskArn: task.taskArn,
        reason: `${task.lastStatus}, not STOPPED`,
      };
    }
    try {
      const run = await runs.find(job, task.taskArn);
      if (run === undefined) {
        return {
          id: record.id,
          outcome: 'no-run',
          job,
          taskArn: task.taskArn,
          reason: 'no run of the job lists this task: started by hand with the job’s startedBy?',
        };
      }
      if (run.status !== 'running') return await alreadyCompleted(record.id, run);
      const cluster = clusterName(task.clusterArn);
      const others = run.tasks.filter((arn) => arn !== task.taskArn);
      const states = others.length === 0 ? new Map() : await statesOf(cluster, others, batch);
      const pending = others.filter((arn) => states.get(arn)?.lastStatus !== 'STOPPED');
      if (pending.length > 0) {
        return { id: record.id, outcome: 'waiting', job, slot: run.slot, taskArn: task.taskArn, pending };
      }
      const stopped = run.tasks.map((arn) =>
        arn === task.taskArn ? stoppedTaskOf(task) : stoppedTaskOf(states.get(arn) ?? {}),
      );
      const definitions = new Set(
        [task, ...others.map((arn) => states.get(arn) ?? {})].flatMap((detail) => {
          const arn = (detail as { taskDefinitionArn?: string }).taskDefinitionArn;
          return arn === undefined ? [] : [arn];
        }),
      );
      const essential = new Set<string>();
      for (const definition of definitions)
        for (const name of essentialContainers(await taskDefinitions.of(definition))) essential.add(name);
      const outcome = runOutcome(stopped, essential);
      const completedAt = now().toISOString();
      const page = outcome.result !== 'succeeded' && run.replacedBy === undefined;
      const late = foundByResync === undefined ? {} : { foundByResync };
      const won = await runs.complete(
        job,
        run.slot,
        { ...outcome, completedAt, ...late },
        `${outcome.result}: ${outcome.reason}` +
          (foundByResync === undefined
            ? ''
            : `; completed late: found by resync at ${foundByResync.at}, its STOPPED event never arrived`),
        page,
      );
      if (!won) return await alreadyCompleted(record.id, (await runs.get(job, run.slot)) ?? run);
      const sent = page ? await sendPage({ ...run, cluster, ...outcome, ...late }) : undefined;
      const subject = sent?.subject;
      const messageId = sent?.messageId;
      await journal.append({
        at: completedAt,
        kind: JOB_JOURNAL_KIND,
        subject: job,
        id: `${run.slot}#completed`,
        fields: {
          job,
          slot: run.slot,
          outcome: outcome.result,
          reason: outcome.reason,
          exitCodes: outcome.exitCodes,
          durationSeconds: outcome.durationSeconds,
          tasks: run.tasks.map(resourceId),
          ...(run.replacedBy === undefined ? {} : { replacedBy: run.replacedBy }),
          ...(subject === undefined ? {} : { subject, messageId }),
          ...(foundByResync === undefined ? {} : { foundBy: 'resync', foundByResyncAt: foundByResync.at }),
        },
      });
      return {
        id: record.id,
        outcome: 'completed',
        job,
        slot: run.slot,
        result: outcome.result,
        exitCodes: outcome.exitCodes,
        durationSeconds: outcome.durationSeconds,
        reason: outcome.reason,
        alerted: page,
        ...(foundByResync === undefined ? {} : { foundBy: 'resync' as const }),
      };
    } catch (error) {
      return { ...failedRecord(record.id, error), taskArn: task.taskArn };
    }
  }

  return async function processJobRuns(records: readonly BatchRecord[]): Promise<JobRunsBatchResult> {
    // Tasks of one run stopping in the same batch know about each other without the state table.
    const batch = new Map<string, TaskDetail>();
    for (const record of records) {
      const parsed = parseEcsEventText(record.body);
      if (parsed.ok && parsed.event.kind === 'task' && parsed.event.detail.lastStatus === 'STOPPED') {
        batch.set(parsed.event.arn, parsed.event.detail);
      }
    }
    const outcomes = await Promise.all(records.map((record) => processRecord(record, batch)));
    return { outcomes, redeliver: await settleBatch(records, outcomes, dependencies.deadLetters) };
  };
}

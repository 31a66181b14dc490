/**
 * Alerting for one SQS batch of STOPPED-task events, shared by the `alert` Lambda handler and `ecs-ops replay
 * --alerts` so both run the same code.
 *
 * Per record: parse (invalid → dead-letter queue with the reason, like reconcile) → which containers are
 * essential (DescribeTaskDefinition, cached per revision) → was the container instance draining (the state
 * table; Fargate: no) → detectIncident (pure). Not an incident: journaled, never paged. An incident goes
 * through one idempotent step (Powertools idempotency over the state table, keyed by the incident's key, not
 * the event id, so every copy of the event is the same incident): mute rules → crash-loop window (an atomic
 * conditional write) → publish or not → journal. One page per incident:
 * - a duplicate delivery gets the stored outcome back and publishes nothing;
 * - a concurrent duplicate finds the step in progress and is redelivered later (then it is a duplicate);
 * - a step that throws (SNS down after the SDK's retries) deletes its in-progress record and the record is
 *   redelivered; a step whose Lambda dies leaves an INPROGRESS record that expires with the Lambda's remaining
 *   time, so the redelivery runs the step again and the page is sent exactly once. The crash-loop window
 *   remembers which incident opened it, so that rerun still pages.
 * Alerting is its own function on its own queue: a publish failure never delays state, nor the reverse.
 *
 * A STOPPED task may also come from resync (source `ecs-ops.resync`): it read the stop from the ECS API because
 * the stop's ECS event never arrived. It is the same incident (same key), so a stop already paged is not paged
 * again, and the late event that may still follow is a duplicate; the page resync causes says it is late, and
 * the journal records `foundBy: 'resync'`.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { clusterName, parseArn, resourceId } from '../platform/arn.js';
import {
  type DeadLetterSink,
  failedRecord,
  invalidRecord,
  settleBatch,
} from '../platform/dead-letters/dead-letter.js';
import {
  ConflictError,
  type EcsOpsError,
  InProgressElsewhereError,
  type InvalidInputError,
} from '../platform/errors.js';
import { parseEcsEventText, type TaskDetail } from '../platform/events/ecs-event.js';
import type { BatchRecord } from '../platform/handler/sqs-batch-handler.js';
import type { Journal } from '../platform/journal.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { StateStore } from '../platform/store/state-store.js';
import { KEY, TTL_ATTRIBUTE } from '../platform/store/table.js';
import { essentialContainers, type TaskDefinitionSource } from '../platform/task-definitions.js';
import type { AlertsConfig } from './config.js';
import type { StoredWindow, WindowVerdict } from './crash-loop.js';
import type { CrashLoopStore } from './crash-loop-store.js';
import { type DetectionFacts, detectIncident, instanceFacts } from './detect.js';
import type { AlertJournalEntry, Incident } from './model.js';
import { muteReason } from './mute.js';
import { renderAlert } from './render.js';

export const JOURNAL_KIND = 'alert';
/** The idempotency records' partition in the state table. */
export const IDEMPOTENCY_PARTITION = 'idempotency#alert';
/** How long a decided incident is remembered: longer than any message stays on the alert queue (1 day). */
export const IDEMPOTENCY_SECONDS = 2 * 86_400;

/** What the idempotent step decided; stored by Powertools and returned as is to duplicates. */
export type IncidentOutcome =
  | { outcome: 'sent'; messageId: string; subject: string; windowStartedAt: string }
  | { outcome: 'grouped'; count: number; windowStartedAt: string }
  | { outcome: 'muted'; reason: string };

export type AlertRecordOutcome =
  | { id: string; outcome: 'invalid'; field: string; reason: string; error: InvalidInputError }
  | { id: string; outcome: 'not-incident'; taskArn?: string; reason: string }
  | ({
      id: string;
      key: string;
      cluster: string;
      group: string;
      duplicate: boolean;
      /** This delivery came from resync, not from the stop's ECS event. */
      foundBy?: 'resync';
    } & IncidentOutcome)
  /** Left on the queue: a step in progress elsewhere, or a failure (SNS, DynamoDB, ECS) after retries. */
  | { id: string; outcome: 'failed'; taskArn?: string; reason: string; error: EcsOpsError };

export interface AlertDependencies {
  config: AlertsConfig;
  store: StateStore;
  taskDefinitions: TaskDefinitionSource;
  publisher: AlertPublisher;
  windows: CrashLoopStore;
  journal: Journal;
  deadLetters: DeadLetterSink;
  idempotency: AlertIdempotency;
  /** Sends the summary of a window that ended before the sweeper got to it (see summary.ts). */
  summariseEnded: (window: StoredWindow, now: Date) => Promise<void>;
  /** Appended to the ecs-ops commands a page suggests: the flags that reach this deployment's store. */
  cliFlags?: string;
  now?: () => Date;
}

export interface AlertIdempotency {
  persistenceStore: DynamoDBPersistenceLayer;
  config: IdempotencyConfig;
}

/** Powertools idempotency over the state table (one table): its records live under `idempotency#alert`. */
export function alertIdempotency(tableName: string, client: DynamoDBClient): AlertIdempotency {
  return {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName,
      awsSdkV3Client: client,
      keyAttr: KEY.partition,
      sortKeyAttr: KEY.sort,
      staticPkValue: IDEMPOTENCY_PARTITION,
      expiryAttr: TTL_ATTRIBUTE,
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      expiresAfterSeconds: IDEMPOTENCY_SECONDS,
      throwOnNoIdempotencyKey: true,
      // Marks an outcome that was stored by an earlier delivery, so logs and replay can tell.
      responseHook: (response) => ({ ...(response as object), duplicate: true }),
    }),
  };
}

export interface AlertBatchResult {
  outcomes: AlertRecordOutcome[];
  /** Ids of records to leave on the queue (SQS `batchItemFailures`). */
  redeliver: string[];
}

/** Builds the per-batch processor; `context` (the Lambda's) bounds how long an in-progress step is trusted. */
export function createAlerting(dependencies: AlertDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const decideOnce = makeIdempotent(
    async (incident: Incident): Promise<IncidentOutcome> => handleIncident(incident, dependencies, now()),
    {
      persistenceStore: dependencies.idempotency.persistenceStore,
      config: dependencies.idempotency.config,
      keyPrefix: 'alert',
    },
  );
  /** The idempotent step, its "in progress" refusal mapped into ecs-ops' error tree (the record is redelivered). */
  async function decide(incident: Incident) {
    try {
      return await decideOnce(incident);
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      throw new InProgressElsewhereError(error.message, { cause: error });
    }
  }

  async function processRecord(record: BatchRecord): Promise<AlertRecordOutcome> {
    const parsed = parseEcsEventText(record.body);
    if (!parsed.ok) return invalidRecord(record.id, parsed.error);
    const { event } = parsed;
    if (event.kind !== 'task') {
      return {
        id: record.id,
        outcome: 'not-incident',
        reason: 'a container instance event, not a task stop',
      };
    }
    const task = event.detail;
    // From resync: the stop's ECS event never arrived, and resync read it from the ECS API at the envelope's time.
    const foundByResyncAt = event.origin === 'resync' ? event.time : undefined;
    try {
      const facts = { ...(await factsOf(task, dependencies)), foundByResyncAt };
      const detection = detectIncident(task, facts, dependencies.config);
      if (detection.kind === 'not-incident') {
        // Not deduplicated (only incidents are): a duplicate delivery journals the same verdict again.
        await dependencies.journal.append<Omit<AlertJournalEntry, 'at'>>({
          at: now().toISOString(),
          kind: JOURNAL_KIND,
          subject: subjectOf(task),
          id: resourceId(task.taskArn),
          fields: {
            outcome: 'not-incident',
            cluster: clusterName(task.clusterArn),
            group: task.group ?? '',
            taskArn: task.taskArn,
            reason: detection.reason,
            ...foundByFields(foundByResyncAt),
          },
        });
        return { id: record.id, outcome: 'not-incident', taskArn: task.taskArn, reason: detection.reason };
      }
      const { incident } = detection;
      const result = (await decide(incident)) as IncidentOutcome & { duplicate?: boolean };
      const { duplicate, ...outcome } = result;
      return {
        id: record.id,
        key: incident.key,
        cluster: incident.cluster,
        group: incident.group,
        duplicate: duplicate === true,
        ...(foundByResyncAt === undefined ? {} : { foundBy: 'resync' as const }),
        ...outcome,
      };
    } catch (error) {
      return { ...failedRecord(record.id, error), taskArn: task.taskArn };
    }
  }

  return async function processAlertBatch(
    records: readonly BatchRecord[],
    context: Context,
  ): Promise<AlertBatchResult> {
    // In-progress records expire with this invocation: a crashed step is retried on redelivery.
    dependencies.idempotency.config.registerLambdaContext(context);
    // Copies of one event in a batch are decided once: run concurrently, the second would only find the
    // first's idempotency record in progress and be redelivered for nothing.
    const decided = new Map<string, Promise<AlertRecordOutcome>>();
    const outcomes = await Promise.all(
      records.map((record) => {
        const key = deliveryKey(record);
        const first = decided.get(key);
        if (first !== undefined) return first.then((outcome) => copyOf(outcome, record.id));
        const processing = processRecord(record);
        decided.set(key, processing);
        return processing;
      }),
    );
    return { outcomes, redeliver: await settleBatch(records, outcomes, dependencies.deadLetters) };
  };
}

/** Which resource version a record carries; records that do not parse are their own key. */
function deliveryKey(record: BatchRecord): string {
  const parsed = parseEcsEventText(record.body);
  return parsed.ok ? `${parsed.event.arn}#${parsed.event.version}` : `record#${record.id}`;
}

function copyOf(outcome: AlertRecordOutcome, id: string): AlertRecordOutcome {
  return 'key' in outcome ? { ...outcome, id, duplicate: true } : { ...outcome, id };
}

/** The idempotent step: decided once per incident, whatever the number of deliveries. */
async function handleIncident(
  incident: Incident,
  { config, windows, publisher, journal, summariseEnded, cliFlags }: AlertDependencies,
  now: Date,
): Promise<IncidentOutcome> {
  const base = {
    cluster: incident.cluster,
    group: incident.group,
    taskArn: incident.taskArn,
    exitClass: incident.cause.exitClass,
    severity: incident.severity,
    ...foundByFields(incident.foundByResyncAt),
  };
  const entry = (fields: Omit<AlertJournalEntry, 'at' | 'cluster' | 'group'>) =>
    journal.append<Omit<AlertJournalEntry, 'at'>>({
      at: now.toISOString(),
      kind: JOURNAL_KIND,
      subject: `${incident.cluster}/${incident.group}`,
      id: incident.key,
      fields: { ...base, ...fields },
    });

  const muted = muteReason(incident, config, now);
  if (muted !== undefined) {
    await entry({ outcome: 'muted', reason: muted });
    return { outcome: 'muted', reason: muted };
  }
  const verdict = await recordInWindow(windows, incident, now, summariseEnded);
  if (verdict.action === 'group') {
    const reason =
      verdict.late === undefined
        ? `crash loop: exit ${verdict.count} after the page of ${verdict.windowStartedAt}; summarised when the window ends`
        : `crash loop: stopped at ${incident.stoppedAt}, during the window of ${verdict.windowStartedAt} that ended at ${verdict.late.windowEndsAt}; part of the outage already paged, not paged again`;
    await entry({ outcome: 'grouped', reason });
    return { outcome: 'grouped', count: verdict.count, windowStartedAt: verdict.windowStartedAt };
  }
  const { continues } = verdict;
  const message = renderAlert(incident, {
    ...(cliFlags === undefined ? {} : { cliFlags }),
    ...(continues === undefined ? {} : { continues }),
  });
  const messageId = await publisher.publish(message);
  await entry({
    outcome: 'sent',
    subject: message.subject,
    messageId,
    ...(incident.runbook === undefined ? {} : { runbook: incident.runbook.url }),
    reason:
      `paged: ${incident.cause.exitClass} exit of essential container ${incident.cause.container}` +
      (incident.foundByResyncAt === undefined
        ? ''
        : `; late: found by resync at ${incident.foundByResyncAt}, its ECS event never arrived`) +
      (continues === undefined ? '' : `; the outage paged at ${continues.since} goes on`),
  });
  return { outcome: 'sent', messageId, subject: message.subject, windowStartedAt: verdict.windowStartedAt };
}

/**
 * Records the incident in its group's crash-loop window, sending an ended window's owed summary first when the
 * incident comes before the sweeper. A few rounds at most: each one sends a summary, and another incident of
 * the group that keeps ending windows meanwhile is contention to retry.
 */
export async function recordInWindow(
  windows: Pick<CrashLoopStore, 'record'>,
  incident: Incident,
  now: Date,
  summariseEnded: (window: StoredWindow, now: Date) => Promise<void>,
): Promise<Exclude<WindowVerdict, { action: 'summarise-first' }>> {
  for (let round = 0; round < SUMMARY_ROUNDS; round++) {
    const verdict = await windows.record(incident, now);
    if (verdict.action !== 'summarise-first') return verdict;
    await summariseEnded(verdict.window, now);
  }
  throw new ConflictError(
    `crash-loop window of ${incident.group}: still ending after ${SUMMARY_ROUNDS} summaries; will retry`,
  );
}

const SUMMARY_ROUNDS = 3;

async function factsOf(
  task: TaskDetail,
  { taskDefinitions, store }: AlertDependencies,
): Promise<DetectionFacts> {
  const { region = '', account = '' } = parseArn(task.taskArn) ?? {};
  const [taskDefinition, instance] = await Promise.all([
    task.taskDefinitionArn === undefined ? undefined : taskDefinitions.of(task.taskDefinitionArn),
    // Fargate tasks have no container instance: never draining, no EC2 instance.
    task.containerInstanceArn === undefined ? undefined : store.getLatest(task.containerInstanceArn),
  ]);
  return {
    // Without its definition (a replay that has none), every container of the task counts as essential.
    essentialContainers:
      taskDefinition === undefined
        ? new Set((task.containers ?? []).map((container) => container.name))
        : essentialContainers(taskDefinition),
    instanceDraining: instance?.detail.status === 'DRAINING',
    taskDefinition,
    ...instanceFacts(instance?.detail),
    region,
    account,
  };
}

/** The journal fields of a stop resync found; none for one its ECS event told. */
const foundByFields = (
  foundByResyncAt: string | undefined,
): Pick<AlertJournalEntry, 'foundBy' | 'foundByResyncAt'> =>
  foundByResyncAt === undefined ? {} : { foundBy: 'resync', foundByResyncAt };

const subjectOf = (task: TaskDetail) => `${clusterName(task.clusterArn)}/${task.group ?? ''}`;

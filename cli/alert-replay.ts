/**
 * `ecs-ops replay --alerts`: the replayed events through the deployed `alert` function's code, each decided as
 * of its event's time, and the every-minute `alert-summary` sweep run whenever the replay's clock passes the end
 * of a crash-loop window. The dependencies are those lib/alerts/wiring.ts gives the functions, made from the
 * CLI's context: the local store (state, idempotency records, crash-loop windows, journal), the alerts section
 * of --config, and for SNS the sandbox's mailbox (`<dir>/mailbox`, what `ecs-ops mailbox` reads). Only what the
 * alert rule routes (deploy/alerts.ts) reaches the alert code, as in AWS; a STOPPED task it does not route is
 * reported as not an incident, with why, and journaled by nobody. The sweep asks for a service's counts (is it
 * back to its desired count?): the replay answers from the state the replayed events left in the store, not
 * from ECS now.
 *
 * Task definitions (which containers are essential), in order: ECS at the local endpoint AWS_ENDPOINT_URL_ECS
 * names (a running sandbox's or a test's: the sandbox's endpoint stops with it and keeps no definitions), the
 * --task-definitions folder, else none, and then every container of a task counts as essential.
 */

import { join } from 'node:path';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { alertEventPattern, alertTopicName } from '../deploy/alerts.js';
import { type AlertRecordOutcome, alertIdempotency, createAlerting } from '../lib/alerts/alerting.js';
import { CrashLoopStore } from '../lib/alerts/crash-loop-store.js';
import { detectIncident } from '../lib/alerts/detect.js';
import type { AlertJournalEntry } from '../lib/alerts/model.js';
import type { ServiceCountsSource } from '../lib/alerts/service-counts.js';
import { type SummaryDependencies, summariseEndedWith } from '../lib/alerts/summary.js';
import { type SweepDependencies, sweepWindows } from '../lib/alerts/sweep.js';
import type { OpsConfig } from '../lib/ops-config.js';
import { clusterName } from '../lib/platform/arn.js';
import { awsClient } from '../lib/platform/aws/clients.js';
import { parseEcsEventText, type TaskDetail } from '../lib/platform/events/ecs-event.js';
import { Journal, type JournalEntry } from '../lib/platform/journal.js';
import { type AlertPublisher, publishInput } from '../lib/platform/notification/publisher.js';
import type { StateStore } from '../lib/platform/store/state-store.js';
import {
  type TaskDefinition,
  type TaskDefinitionSource,
  TaskDefinitions,
} from '../lib/platform/task-definitions.js';
import type { BatchRecord } from '../lib/reconcile/reconcile.js';
import { compilePattern } from '../local/eventbridge/event-pattern.js';
import { SnsMailbox } from '../local/sns/sns-mailbox.js';
import { localEndpoints } from './commands/resync.js';
import type { CommandContext } from './context.js';
import { requireEndpoint } from './endpoint-probe.js';
import { FileDeadLetters } from './file-dead-letters.js';
import { renderTable, text } from './format.js';
import type { Printer } from './output.js';
import { TaskDefinitionFolder } from './task-definition-folder.js';

/** Outcomes as the journal words them (`sent` is a page), and the records alerting could not judge. */
export const ALERT_OUTCOMES = ['sent', 'grouped', 'muted', 'not-incident', 'invalid', 'failed'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

export interface AlertDecision {
  /** Where the record was: `line 3`, `item 2`. */
  at: string;
  /** The event's time, when it was decided; absent for a record that is no event. */
  time?: string;
  outcome: AlertOutcome;
  cluster?: string;
  group?: string;
  taskArn?: string;
  /** An incident's key: `<task ARN>#<stoppedAt>`. */
  key?: string;
  exitClass?: string;
  severity?: string;
  /** The page's subject. */
  subject?: string;
  reason: string;
  /** The alert rule routed it to the alert code; a stop it does not route is judged here, journaled by nobody. */
  routed: boolean;
  /** Decided before (a copy of the event, or an earlier replay into this store): nothing was sent again. */
  duplicate?: boolean;
}

export interface AlertReplaySummary {
  /** The SNS topic pages went to, and the mailbox folder they landed in. */
  topic: string;
  mailbox: string;
  counts: Record<AlertOutcome, number>;
  decisions: AlertDecision[];
  /**
   * What the sweep sent: crash-loop summaries (also those an exit sent first, its window over) and resolved
   * messages.
   */
  summaries: {
    at: string;
    outcome: 'summary-sent' | 'resolved';
    cluster: string;
    group: string;
    subject: string;
    reason: string;
  }[];
  /** Windows a sweep failed on (a publish that failed, a store error): the next sweep would retry them. */
  failedSummaries: { at: string; window: string; reason: string }[];
  taskDefinitions: {
    /** Where definitions were looked up, in order; none: every container of every task counted as essential. */
    sources: { kind: 'local endpoint' | 'folder'; where: string; definitions?: number }[];
    /** Definitions no source knew: every container of their tasks counted as essential. */
    unknown: string[];
  };
}

/** As often as SQS would hand a failed record back before the replay gives up on it (replay's own rule). */
const REDELIVERIES = 3;
const MINUTE_MS = 60_000;
/** The sandbox deploys as stage `local`: its topic, whose messages `ecs-ops mailbox` lists. */
const MAILBOX_STAGE = 'local';
/** What Powertools reads of the Lambda context: the alert function's 30 s bound an in-progress step. */
const LAMBDA_CONTEXT = {
  functionName: 'ecs-ops-replay-alert',
  awsRequestId: 'ecs-ops-replay',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** What the alert code journals about one record (summaries and resolved messages are the sweep's). */
const DECISIONS: ReadonlySet<AlertJournalEntry['outcome']> = new Set([
  'sent',
  'grouped',
  'muted',
  'not-incident',
]);

/** The replay's clock: the time of the event being decided, or of the sweep being run. */
interface Clock {
  now: Date;
}

/** The journal, also kept in memory: what each decision journaled is what the replay reports. */
class RecordingJournal extends Journal {
  readonly appended: AlertJournalEntry[] = [];

  override async append<T extends object>(entry: JournalEntry<T>): Promise<void> {
    await super.append(entry);
    this.appended.push({ ...(entry.fields as unknown as Omit<AlertJournalEntry, 'at'>), at: entry.at });
  }
}

/** Each source in turn; what none of them knows is remembered for the report. */
class TaskDefinitionLookup implements TaskDefinitionSource {
  readonly unknown = new Set<string>();

  constructor(private readonly sources: readonly TaskDefinitionSource[]) {}

  async of(taskDefinitionArn: string): Promise<TaskDefinition | undefined> {
    for (const source of this.sources) {
      const definition = await source.of(taskDefinitionArn);
      if (definition !== undefined) return definition;
    }
    this.unknown.add(taskDefinitionArn);
    return undefined;
  }
}

export class AlertReplay {
  private lastSweep = Number.NEGATIVE_INFINITY;
  private readonly decisions: AlertDecision[] = [];
  private readonly failedSummaries: AlertReplaySummary['failedSummaries'] = [];

  private constructor(
    private readonly parts: {
      clock: Clock;
      config: OpsConfig;
      process: ReturnType<typeof createAlerting>;
      sweep: SweepDependencies;
      journal: RecordingJournal;
      routes: (event: unknown) => boolean;
      lookup: TaskDefinitionLookup;
      sources: AlertReplaySummary['taskDefinitions']['sources'];
      topic: string;
      mailbox: string;
      ecs?: ECSClient;
    },
  ) {}

  /**
   * Builds the alert function's dependencies from the context. The folder is read first, so a malformed file
   * refuses the replay (UsageError) before anything is written; a local endpoint that is named but does not
   * answer is a CommandFailure.
   */
  static async open(context: CommandContext, folderPath: string | undefined): Promise<AlertReplay> {
    const folder = folderPath === undefined ? undefined : await TaskDefinitionFolder.load(folderPath);
    const endpoint = localEndpoints()?.ecs;
    if (endpoint !== undefined) await answering(endpoint);
    const ecs = endpoint === undefined ? undefined : localEcs(context, endpoint);
    const lookup = new TaskDefinitionLookup([
      ...(ecs === undefined ? [] : [endpointDefinitions(ecs)]),
      ...(folder === undefined ? [] : [folder]),
    ]);
    const clock: Clock = { now: new Date(0) };
    const mailboxDir = join(context.options.dir, 'mailbox');
    const mailbox = new SnsMailbox({ dir: mailboxDir, now: () => clock.now });
    const topic = mailbox.createTopic({ Name: alertTopicName(context.config, MAILBOX_STAGE) }).TopicArn ?? '';
    const publisher: AlertPublisher = {
      publish: async (message) => (await mailbox.publish(publishInput(topic, message))).MessageId ?? '',
    };
    const { alerts } = context.config;
    const table = { tableName: context.store.tableName, client: context.store.client };
    const journal = new RecordingJournal({ ...table, retentionDays: context.config.retention.historyDays });
    const now = () => clock.now;
    const summary: SummaryDependencies = {
      config: alerts,
      windows: new CrashLoopStore({ ...table, config: alerts }),
      publisher,
      journal,
      now,
    };
    return new AlertReplay({
      clock,
      config: context.config,
      process: createAlerting({
        ...summary,
        store: context.store,
        taskDefinitions: lookup,
        deadLetters: new FileDeadLetters(context.deadLetterFile),
        idempotency: alertIdempotency(table.tableName, table.client),
        summariseEnded: summariseEndedWith(summary),
        now,
      }),
      sweep: { ...summary, services: replayedServiceCounts(context.store) },
      journal,
      routes: compilePattern(alertEventPattern(context.config)),
      lookup,
      sources: [
        ...(endpoint === undefined ? [] : [{ kind: 'local endpoint' as const, where: endpoint }]),
        ...(folder === undefined
          ? []
          : [{ kind: 'folder' as const, where: folder.dir, definitions: folder.size }]),
      ],
      topic,
      mailbox: mailboxDir,
      ...(ecs === undefined ? {} : { ecs }),
    });
  }

  /** One batch's records, after reconcile stored them: each STOPPED task decided at its event's time, in order. */
  async batch(records: readonly BatchRecord[]): Promise<void> {
    for (const record of records) {
      const decision = await this.decision(record);
      if (decision !== undefined) this.decisions.push(decision);
    }
  }

  /** After the last event: the sweeps up to the end of the last window still listed, so every summary is sent. */
  async finish(): Promise<AlertReplaySummary> {
    const ends = (await this.parts.sweep.windows.listedWindows()).map((window) => Date.parse(window.endsAt));
    if (ends.length > 0) await this.sweepsUntil(wholeMinuteAfter(Math.max(...ends)));
    const counts = Object.fromEntries(ALERT_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
      AlertOutcome,
      number
    >;
    for (const { outcome } of this.decisions) counts[outcome]++;
    return {
      topic: this.parts.topic,
      mailbox: this.parts.mailbox,
      counts,
      decisions: this.decisions,
      summaries: this.parts.journal.appended.flatMap(({ at, outcome, cluster, group, subject, reason }) =>
        outcome === 'summary-sent' || outcome === 'resolved'
          ? [{ at, outcome, cluster, group, subject: text(subject), reason }]
          : [],
      ),
      failedSummaries: this.failedSummaries,
      taskDefinitions: { sources: this.parts.sources, unknown: [...this.parts.lookup.unknown] },
    };
  }

  close(): void {
    this.parts.ecs?.destroy();
  }

  /**
   * What the every-minute alert-summary function does when it runs at `now` (lib/alerts/sweep.ts): each
   * crash-loop window's summary once it ended, its resolved message once its group recovered. Every sweep of
   * the replay goes through here.
   */
  async sweep(now: Date): Promise<void> {
    this.lastSweep = now.getTime();
    this.parts.clock.now = now;
    for (const outcome of await sweepWindows(this.parts.sweep)) {
      if (outcome.outcome === 'failed')
        this.failedSummaries.push({ at: now.toISOString(), window: outcome.window, reason: outcome.reason });
    }
  }

  /**
   * The sweeps alert-summary (every minute) would have run by `until` that found a window to sweep: each whole
   * minute from the first one after a listed window opened, while one is listed. A window stays listed until
   * it is resolved, and may close early before its end: the minutes between matter.
   */
  private async sweepsUntil(until: number): Promise<void> {
    for (;;) {
      const opened = (await this.parts.sweep.windows.listedWindows()).map((window) =>
        Date.parse(window.startedAt),
      );
      if (opened.length === 0) return;
      const next = Math.max(wholeMinuteAfter(Math.min(...opened)), this.lastSweep + MINUTE_MS);
      if (next > until) return;
      await this.sweep(new Date(next));
    }
  }

  private async decision(record: BatchRecord): Promise<AlertDecision | undefined> {
    const parsed = parseEcsEventText(record.body);
    if (!parsed.ok) {
      // Other kinds of events are not alerting's; a refused record was dead-lettered by reconcile's pass.
      if (parsed.error.other !== undefined) return undefined;
      const { field, reason } = parsed.error;
      return { at: record.id, outcome: 'invalid', reason: `${field}: ${reason}`, routed: false };
    }
    const { event } = parsed;
    if (event.kind !== 'task' || event.detail.lastStatus !== 'STOPPED') return undefined;
    if (!this.parts.routes(event.raw)) return this.notRouted(record.id, event.time, event.detail);
    await this.sweepsUntil(Date.parse(event.time));
    this.parts.clock.now = new Date(event.time);
    const journaled = this.parts.journal.appended.length;
    const outcome = await this.deliver(record);
    const entry = this.parts.journal.appended
      .slice(journaled)
      .findLast((appended) => DECISIONS.has(appended.outcome));
    return decisionOf(record.id, event.time, event.detail, outcome, entry);
  }

  /** The record as an SQS batch of its own, handed back as SQS would while the alert code leaves it there. */
  private async deliver(record: BatchRecord): Promise<AlertRecordOutcome> {
    for (let delivery = 0; ; delivery++) {
      const { outcomes, redeliver } = await this.parts.process([record], LAMBDA_CONTEXT);
      if (redeliver.length === 0 || delivery === REDELIVERIES) return outcomes[0] as AlertRecordOutcome;
    }
  }

  /** A STOPPED task the alert rule does not route: why, in the detector's words (the rule keeps it from it). */
  private notRouted(at: string, time: string, task: TaskDetail): AlertDecision {
    const { config } = this.parts;
    const cluster = clusterName(task.clusterArn);
    const paging = config.alerts.clusters ?? config.clusters;
    const detection = detectIncident(
      task,
      {
        essentialContainers: new Set((task.containers ?? []).map((container) => container.name)),
        instanceDraining: false,
        taskDefinition: undefined,
        region: '',
        account: '',
      },
      config.alerts,
    );
    const why =
      paging !== undefined && !paging.includes(cluster)
        ? `cluster ${cluster} does not page (alerts.clusters, else clusters: ${paging.join(', ')})`
        : detection.kind === 'not-incident'
          ? detection.reason
          : `its stop (${task.stopCode ?? 'no stop code'}) is not one the rule matches`;
    return {
      at,
      time,
      outcome: 'not-incident',
      cluster,
      group: task.group ?? '',
      taskArn: task.taskArn,
      reason: `not routed to alert by its rule: ${why}`,
      routed: false,
    };
  }
}

/** A decision from the alert code's outcome and what it journaled (nothing, for a duplicate or a failure). */
function decisionOf(
  at: string,
  time: string,
  task: TaskDetail,
  outcome: AlertRecordOutcome,
  journaled: AlertJournalEntry | undefined,
): AlertDecision {
  const base = {
    at,
    time,
    cluster: clusterName(task.clusterArn),
    group: task.group ?? '',
    taskArn: task.taskArn,
    routed: true,
  };
  switch (outcome.outcome) {
    case 'invalid':
      return { ...base, outcome: 'invalid', reason: `${outcome.field}: ${outcome.reason}` };
    case 'failed':
      return { ...base, outcome: 'failed', reason: outcome.reason };
    case 'not-incident':
      return { ...base, outcome: 'not-incident', reason: outcome.reason };
  }
  const decided = {
    ...base,
    outcome: outcome.outcome,
    cluster: outcome.cluster,
    group: outcome.group,
    key: outcome.key,
    ...(outcome.outcome === 'sent' ? { subject: outcome.subject } : {}),
  };
  if (outcome.duplicate) {
    return {
      ...decided,
      duplicate: true,
      reason: `${outcome.outcome} before (a copy of this event, or an earlier replay into this --dir): nothing sent again`,
    };
  }
  return {
    ...decided,
    exitClass: journaled?.exitClass,
    severity: journaled?.severity,
    reason: journaled?.reason ?? '',
  };
}

/**
 * A service's counts as the replayed events left them: its live tasks that ECS wants running, and those
 * RUNNING. The events do not carry the service's desired count, and ECS now is not the replay's time.
 */
function replayedServiceCounts(store: StateStore): ServiceCountsSource {
  return {
    async of(cluster, service) {
      const live = await store.tasksByGroup(cluster, `service:${service}`, { only: 'live' });
      const wanted = live.filter((task) => task.detail.desiredStatus === 'RUNNING');
      const running = wanted.filter((task) => task.detail.lastStatus === 'RUNNING').length;
      return { status: 'found', running, desired: wanted.length, pending: wanted.length - running };
    },
  };
}

/** ECS at the local endpoint, without the credentials and region a developer's machine may not have. */
function localEcs(context: CommandContext, endpoint: string): ECSClient {
  return awsClient(ECSClient, {
    endpoint,
    region: context.options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** ECS's definitions; one it does not know (ClientException) is left to the next source. */
function endpointDefinitions(ecs: ECSClient): TaskDefinitionSource {
  const definitions = new TaskDefinitions(ecs);
  return {
    of: (taskDefinitionArn) =>
      definitions.of(taskDefinitionArn).catch((error: unknown) => {
        if ((error as { name?: unknown }).name === 'ClientException') return undefined;
        throw error;
      }),
  };
}

const answering = (url: string) =>
  requireEndpoint(
    url,
    ', where AWS_ENDPOINT_URL_ECS sends replay --alerts for task definitions: start it, or unset the variable ' +
      'and pass --task-definitions <dir>',
  );

/** The first whole minute after `time`: when the every-minute schedule next runs (a window ends at its end). */
const wholeMinuteAfter = (time: number): number => (Math.floor(time / MINUTE_MS) + 1) * MINUTE_MS;

const OUTCOME_ROWS: readonly [AlertOutcome, string, string][] = [
  ['sent', 'paged', 'published to the topic: in the mailbox'],
  ['grouped', 'grouped', "a crash loop's later exit: counted, summarised when its window ends"],
  ['muted', 'muted', 'silenced by a mute rule or alerts.minSeverity: journaled with the reason'],
  ['not-incident', 'not an incident', 'an intended stop, a finished job, no essential exit: never paged'],
  ['invalid', 'invalid', 'refused: written to the dead-letter file'],
  ['failed', 'failed', 'errors that outlasted redelivery'],
];
const SHOWN_OUTCOME = Object.fromEntries(OUTCOME_ROWS.map(([outcome, shown]) => [outcome, shown]));

/** The alert part of replay's text output: counts, one line per decision, summaries, the definitions used. */
export function formatAlertSummary(summary: AlertReplaySummary, printer: Printer): string {
  const lines = [
    `Alerts, as the alert function decides at each event's time (pages: ${summary.mailbox}, topic ` +
      `${summary.topic.slice(summary.topic.lastIndexOf(':') + 1)}):`,
    renderTable(
      ['outcome', 'events', 'meaning'],
      OUTCOME_ROWS.map(([outcome, shown, meaning]) => [shown, String(summary.counts[outcome]), meaning]),
    ),
  ];
  if (summary.decisions.length > 0) {
    const headers = [
      'TIME',
      'RECORD',
      'CLUSTER',
      'GROUP',
      'TASK',
      'CLASS',
      'SEVERITY',
      'OUTCOME',
      'SUBJECT OR REASON',
    ];
    const rows = summary.decisions.map((decision) => [
      decision.time === undefined ? '' : printer.time(decision.time),
      decision.at,
      text(decision.cluster),
      text(decision.group),
      decision.taskArn === undefined ? '' : decision.taskArn.slice(decision.taskArn.lastIndexOf('/') + 1),
      text(decision.exitClass),
      text(decision.severity),
      `${SHOWN_OUTCOME[decision.outcome]}${decision.duplicate ? ' (before)' : ''}`,
      decision.outcome === 'sent' && !decision.duplicate ? text(decision.subject) : decision.reason,
    ]);
    const width = printer.format === 'table' ? printer.terminal?.columns : undefined;
    lines.push(
      '',
      renderTable(headers, rows, { free: [headers.length - 1], ...(width === undefined ? {} : { width }) }),
    );
  }
  lines.push('', `Summaries and resolved messages sent (${summary.summaries.length}):`);
  for (const { at, outcome, cluster, group, subject } of summary.summaries)
    lines.push(`  ${printer.time(at)}  ${outcome.padEnd(12)}  ${cluster} ${group}: ${subject}`);
  for (const { at, window, reason } of summary.failedSummaries)
    lines.push(`  ${printer.time(at)}  ${window}: not sent: ${reason}`);
  lines.push('', taskDefinitionsText(summary.taskDefinitions));
  return lines.join('\n');
}

function taskDefinitionsText({ sources, unknown }: AlertReplaySummary['taskDefinitions']): string {
  if (sources.length === 0)
    return 'No task definitions: every container counted as essential; pass --task-definitions dir';
  const used = sources
    .map((source) =>
      source.kind === 'folder'
        ? `the folder ${source.where} (${source.definitions} definitions)`
        : `ECS at the local endpoint ${source.where}`,
    )
    .join(', then ');
  const missing =
    unknown.length === 0
      ? ''
      : `; not found, every container of their tasks counted as essential: ${unknown
          .map((arn) => arn.slice(arn.lastIndexOf('/') + 1))
          .join(', ')}`;
  return `Task definitions: ${used}${missing}`;
}

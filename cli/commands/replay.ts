/**
 * `ecs-ops replay <file|->`: EventBridge envelopes from a file through the deployed function's batch code
 * (processBatch), in batches of the configured size, redelivering failed records as SQS would. The file is
 * read as a stream (see replay-input.ts) and only counts and refused records are kept, so a capture of a
 * whole bus replays in little memory. Well-formed events that are not ECS state changes (the reconcile code
 * judges them `skipped`) are counted by detail-type: a capture of a bus carries them, and they are not errors.
 *
 * With --alerts, each batch then goes through the deployed alert function's code (cli/alert-replay.ts), and a
 * batch also closes at reconcile.batchingWindowSeconds of event time, as SQS batches do live: alerting reads the
 * state as it was then (a container instance DRAINING), not as the end of a long capture left it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { processBatch } from '../../lib/reconcile/process-batch.js';
import type { BatchRecord, RecordOutcome } from '../../lib/reconcile/reconcile.js';
import { AlertReplay, type AlertReplaySummary, formatAlertSummary } from '../alert-replay.js';
import type { CommandContext } from '../context.js';
import { FileDeadLetters } from '../file-dead-letters.js';
import { renderTable, truncate } from '../format.js';
import { type CommandSpec, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { Progress, type ProgressStream } from '../progress.js';
import { readRecords, toRecords } from '../replay-input.js';
import { UsageError } from '../usage.js';

export const REPLAY: CommandSpec = {
  name: 'replay',
  args: '<file|->',
  maxArgs: 1,
  summary:
    "feed EventBridge envelopes (JSON Lines or a JSON array) through the reconcile function's code; prints " +
    'accepted / duplicate / stale / invalid (grouped by reason, with line numbers) / skipped (events that are ' +
    'not ECS state changes, by detail-type) / failed. JSON Lines are read line by line: a bad line is invalid, ' +
    'never refuses the file. A progress bar shows on a terminal. With --alerts, also what the alert function ' +
    'would page, group, mute or not count as an incident, and why. Exit 1 if any record failed, 2 if only ' +
    'invalid ones (skipped never count), else 0',
  flags: {
    alerts: {
      type: 'boolean',
      help:
        "also through the deployed alert function's code, as of each event's time: paged, grouped (crash " +
        'loop), muted, not an incident, and why; pages land in the mailbox (local store only)',
    },
    'task-definitions': {
      type: 'string',
      value: '<dir>',
      help:
        'with --alerts: a folder of task definitions (*.json, as aws ecs describe-task-definition prints them), ' +
        'which say the essential containers; without it every container counts as essential',
    },
  },
  about: `--alerts runs the code the deployed alert function runs, on the local store in --dir (idempotency
records, crash-loop windows, the journal \`ecs-ops alerts\` reads), with the alerts section of --config: test
mute rules and severities before deploying. Each event is decided as of its own time (the envelope's \`time\`),
after reconcile stored its batch. While a crash-loop window is open, the every-minute alert-summary sweep runs
at each whole minute the events' time passes, and after the last event until every window has ended: its
summaries (and resolved messages, a service's counts read from the replayed state) come when they would
have. Only the STOPPED tasks the alert rule routes reach the alert code, as in AWS; another STOPPED task is
listed as not an incident with why, and not journaled. Pages go to the alert topic of the sandbox's stage
(local) in <dir>/mailbox: \`ecs-ops mailbox\` shows them. A store that decided the same stops already gives
their stored outcome and sends nothing again: replay into a fresh --dir. A sandbox run leaves what it put on
the bus in <dir>/events.jsonl.

Task definitions, the first that knows one: ECS at the local endpoint AWS_ENDPOINT_URL_ECS names (a running
sandbox's or a test's; a stopped sandbox's is gone), then --task-definitions <dir> (found by ARN, else by
family:revision; a malformed file exits 2 naming it), else none: every container counts as essential.`,
  more: `Output: the reconcile counts, then with --alerts the alert outcomes (paged, grouped, muted, not an
incident, invalid, failed) with counts, one line per decision (time, record, cluster, group, task, class,
severity, outcome, the subject of a page or the reason), the summaries and resolved messages the sweep sent,
and where task definitions came from. With -o json (or yaml): one document, the reconcile summary with
\`alerts\`: { counts, decisions, summaries, failedSummaries, taskDefinitions, topic, mailbox }; outcomes in the
journal's words (\`sent\` is a page).

Exit codes: 0 ok; 1 a record failed (reconcile or alerting) or a summary could not be sent; 2 bad usage, a
malformed task definition, or invalid records only.`,
};

const REDELIVERIES = 3;
/** Line numbers shown per invalid reason, and failed records listed, in the text summary. */
const SHOWN_IDS = 8;
const SHOWN_FAILED = 20;

export interface ReplaySummary {
  source: string;
  events: number;
  accepted: number;
  duplicate: number;
  stale: number;
  /** Every refused record: where it was, the field and the reason. */
  invalid: { at: string; field: string; reason: string }[];
  /**
   * The same, grouped by field and reason, most frequent first. Reasons that differ only in the value they
   * quote (`expected a number, got "7"`, `got "8"`) share a group: its `reason` leaves the values out
   * (`expected a number…`) and `example` is the first record's own reason.
   */
  invalidReasons: { field: string; reason: string; count: number; at: string[]; example: string }[];
  /** Well-formed EventBridge events that are not ECS state changes: counted, not stored, not refused. */
  skipped: number;
  skippedByDetailType: { detailType: string; source: string; count: number }[];
  failed: { at: string; arn: string; version: number; reason: string }[];
  deadLetterFile: string;
}

export interface ReplayOptions {
  /** Where the progress bar goes (drawn only on a terminal); default standard error. */
  progress?: ProgressStream;
  /** --alerts: also through the alert function's code. */
  alerts?: boolean;
  /** --task-definitions: a folder of task definitions, for --alerts. */
  taskDefinitions?: string;
}

/** The command's own flags, as the command line gave them. */
export const replayFlags = (values: Values): Pick<ReplayOptions, 'alerts' | 'taskDefinitions'> => ({
  alerts: values.alerts === true,
  taskDefinitions: stringOf(values, 'task-definitions'),
});

export async function replayCommand(
  context: CommandContext,
  source: string | undefined,
  options: ReplayOptions = {},
): Promise<number> {
  if (source === undefined)
    throw new UsageError('replay needs a file of EventBridge events, or - for standard input');
  if (options.taskDefinitions !== undefined && options.alerts !== true)
    throw new UsageError('--task-definitions is for --alerts: add --alerts, or leave it out');
  if (options.alerts === true && context.options.store === 'aws') {
    throw new UsageError(
      'replay --alerts runs on the local store only: its idempotency records and journal would tell the ' +
        'deployed alert function these stops were decided; leave out --store aws',
    );
  }
  const alerts =
    options.alerts === true ? await AlertReplay.open(context, options.taskDefinitions) : undefined;
  try {
    const summary = await replay(context, source, undefined, { ...options, alerts });
    const printer = printerOf(context);
    const alerted = alerts === undefined ? undefined : await alerts.finish();
    const document = alerted === undefined ? summary : { ...summary, alerts: alerted };
    if (!printer.document(document)) {
      printer.out(formatSummary(summary));
      if (alerted !== undefined) printer.out(`\n${formatAlertSummary(alerted, printer)}`);
    }
    return exitCode(summary, alerted);
  } finally {
    alerts?.close();
  }
}

/**
 * 1 when any record failed, in reconcile or alerting, or a summary was not sent (a failure beats invalid input),
 * 2 when only invalid ones, else 0.
 */
export function exitCode(
  summary: Pick<ReplaySummary, 'failed' | 'invalid'>,
  alerts?: Pick<AlertReplaySummary, 'counts' | 'failedSummaries'>,
): number {
  if (
    summary.failed.length > 0 ||
    (alerts?.counts.failed ?? 0) > 0 ||
    (alerts?.failedSummaries.length ?? 0) > 0
  )
    return 1;
  return summary.invalid.length > 0 || (alerts?.counts.invalid ?? 0) > 0 ? 2 : 0;
}

/**
 * Replays `source` (a path, or - for standard input), or `input` when given (its text, read already); with
 * `alerts`, each batch goes on to alerting once reconcile stored it.
 */
export async function replay(
  context: CommandContext,
  source: string,
  input?: string,
  options: Pick<ReplayOptions, 'progress'> & { alerts?: AlertReplay | undefined } = {},
): Promise<ReplaySummary> {
  const tally = new Tally(source, context.deadLetterFile);
  const progress = new Progress('replay', options.progress ?? process.stderr);
  const read = { bytes: 0, totalBytes: undefined as number | undefined };
  const records: Iterable<BatchRecord> | AsyncIterable<BatchRecord> =
    input === undefined
      ? readable(
          source,
          readRecords(await openInput(source, read), source, (bytes) => {
            read.bytes = bytes;
          }),
        )
      : toRecords(input, source);
  const deadLetters = new FileDeadLetters(context.deadLetterFile);
  const { batchSize, writeConcurrency } = context.config.reconcile;
  const settle = async (records: BatchRecord[]) => {
    let batch = records;
    for (let delivery = 0; batch.length > 0; delivery++) {
      const { outcomes, redeliver } = await processBatch(batch, {
        store: context.store,
        deadLetters,
        retention: context.config.retention,
        writeConcurrency,
      });
      const again = new Set(delivery < REDELIVERIES ? redeliver : []);
      for (const outcome of outcomes) if (!again.has(outcome.id)) tally.add(outcome);
      batch = batch.filter((record) => again.has(record.id));
    }
    await options.alerts?.batch(records);
  };
  const windowMs = context.config.reconcile.batchingWindowSeconds * 1000;
  try {
    let batch: BatchRecord[] = [];
    // The event time of the batch's first record that has one.
    let startedAt: number | undefined;
    for await (const record of records) {
      tally.events++;
      const time = options.alerts === undefined ? undefined : eventTime(record.body);
      if (
        time !== undefined &&
        startedAt !== undefined &&
        (time < startedAt || time - startedAt >= windowMs)
      ) {
        await settle(batch);
        batch = [];
        startedAt = undefined;
      }
      startedAt ??= time;
      batch.push(record);
      if (batch.length >= batchSize) {
        await settle(batch);
        batch = [];
        startedAt = undefined;
      }
      progress.update({ records: tally.events, ...read });
    }
    await settle(batch);
  } finally {
    progress.done();
  }
  return tally.summary();
}

/** The envelope's `time` of a record, if it has one: what closes a batch with --alerts. */
function eventTime(body: string): number | undefined {
  try {
    const time = Date.parse((JSON.parse(body) as { time?: unknown }).time as string);
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  }
}

/** The records of the input, where a read error (not a store error) says which file it was. */
async function* readable(source: string, records: AsyncIterable<BatchRecord>): AsyncGenerator<BatchRecord> {
  try {
    yield* records;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${source}: ${(error as Error).message}`);
  }
}

async function openInput(source: string, read: { totalBytes: number | undefined }) {
  if (source === '-') return process.stdin;
  try {
    const info = await stat(source);
    if (info.isDirectory()) throw new Error('it is a folder; name a file of EventBridge events');
    read.totalBytes = info.size;
  } catch (error) {
    throw new UsageError(`cannot read ${source}: ${(error as Error).message}`);
  }
  return createReadStream(source, { highWaterMark: 256 * 1024 });
}

/** What a replay came to, kept as counts and the refused records only. */
class Tally {
  events = 0;
  private readonly counts = { accepted: 0, duplicate: 0, stale: 0 };
  private readonly invalid: ReplaySummary['invalid'] = [];
  private readonly reasons = new Map<string, ReplaySummary['invalidReasons'][number]>();
  private readonly skipped = new Map<string, ReplaySummary['skippedByDetailType'][number]>();
  private readonly failed: ReplaySummary['failed'] = [];

  constructor(
    private readonly source: string,
    private readonly deadLetterFile: string,
  ) {}

  add(outcome: RecordOutcome): void {
    switch (outcome.outcome) {
      case 'skipped':
        this.skip(outcome.detailType, outcome.source);
        return;
      case 'accepted':
      case 'duplicate':
      case 'stale':
        this.counts[outcome.outcome]++;
        return;
      case 'invalid': {
        const { id: at, field, reason } = outcome;
        this.invalid.push({ at, field, reason });
        const shape = reasonShape(reason);
        const key = `${field}\u0000${shape}`;
        const group = this.reasons.get(key);
        if (group === undefined)
          this.reasons.set(key, { field, reason, count: 1, at: [at], example: reason });
        else {
          group.count++;
          group.at.push(at);
          if (group.reason !== reason) group.reason = shape;
        }
        return;
      }
      case 'failed':
        this.failed.push({
          at: outcome.id,
          arn: outcome.arn,
          version: outcome.version,
          reason: outcome.reason,
        });
        return;
    }
  }

  private skip(detailType: string, source: string): void {
    const group = this.skipped.get(detailType);
    if (group === undefined) this.skipped.set(detailType, { detailType, source, count: 1 });
    else group.count++;
  }

  summary(): ReplaySummary {
    const byCount = <T extends { count: number }>(groups: Iterable<T>) =>
      [...groups].sort((a, b) => b.count - a.count);
    const skippedByDetailType = byCount(this.skipped.values());
    return {
      source: this.source,
      events: this.events,
      ...this.counts,
      invalid: this.invalid,
      invalidReasons: byCount(this.reasons.values()),
      skipped: skippedByDetailType.reduce((sum, { count }) => sum + count, 0),
      skippedByDetailType,
      failed: this.failed,
      deadLetterFile: this.deadLetterFile,
    };
  }
}

/**
 * A reason without the values it quotes, to group records refused for the same thing:
 * `expected a number, got "7" (a string)` → `expected a number…`;
 * `not JSON (Unexpected token 'o', "not json" is not valid JSON); send …` → `not JSON (…); send …`.
 */
export function reasonShape(reason: string): string {
  return reason
    .replace(/, got .*$/s, '…')
    .replace(/\([^()]*["'\d][^()]*\)/g, '(…)')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
}

/** "line 3, 9, 12, … (+4 more)": where the records of one reason were. */
function where(ids: readonly string[]): string {
  const [first] = ids;
  const kind = first?.split(' ')[0] ?? 'line';
  const sameKind = ids.every((id) => id.startsWith(`${kind} `));
  const shown = ids.slice(0, SHOWN_IDS).map((id) => (sameKind ? id.slice(kind.length + 1) : id));
  const more = ids.length > SHOWN_IDS ? `, … (+${ids.length - SHOWN_IDS} more)` : '';
  const label = sameKind ? `${kind}${ids.length > 1 ? 's' : ''} ` : '';
  return `${label}${shown.join(', ')}${more}`;
}

export function formatSummary(summary: ReplaySummary): string {
  const lines = [
    `Replayed ${summary.events} events from ${summary.source}`,
    renderTable(
      ['outcome', 'events', 'meaning'],
      [
        ['accepted', String(summary.accepted), 'newest version so far: stored as the latest state'],
        ['duplicate', String(summary.duplicate), 'version already stored: nothing changed'],
        ['stale', String(summary.stale), 'older than a version already seen: kept in the timeline only'],
        ['invalid', String(summary.invalid.length), 'refused: written to the dead-letter file'],
        ['skipped', String(summary.skipped), 'not an ECS task or container instance state change'],
        ['failed', String(summary.failed.length), 'store errors that outlasted redelivery'],
      ],
    ),
  ];
  if (summary.invalid.length > 0) {
    lines.push('', `invalid ${summary.invalid.length}:`);
    for (const { field, reason, count, at } of summary.invalidReasons) {
      const text = truncate(`${field}: ${reason}`, 200);
      lines.push(count === 1 ? `  ${at[0]}: ${text}` : `  ${text} ×${count} (${where(at)})`);
    }
  }
  if (summary.skipped > 0) {
    lines.push('', `skipped ${summary.skipped} (not ECS state changes; nothing stored):`);
    for (const { detailType, source, count } of summary.skippedByDetailType)
      lines.push(`  ${detailType} (${source}) ×${count}`);
  }
  if (summary.failed.length > 0) {
    lines.push('', `failed ${summary.failed.length}:`);
    for (const { at, arn, version, reason } of summary.failed.slice(0, SHOWN_FAILED))
      lines.push(`  ${at}: ${arn} v${version}: ${reason}`);
    if (summary.failed.length > SHOWN_FAILED)
      lines.push(`  … and ${summary.failed.length - SHOWN_FAILED} more (--json lists them all)`);
  }
  if (summary.invalid.length > 0) lines.push(`Dead letters: ${summary.deadLetterFile}`);
  return lines.join('\n');
}

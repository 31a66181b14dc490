/**
 * `ecs-ops replay <file|->`: EventBridge envelopes from a file through the deployed function's batch code
 * (processBatch), in batches of the configured size, redelivering failed records as SQS would. The file is
 * read as a stream (see replay-input.ts) and only counts and refused records are kept, so a capture of a
 * whole bus replays in little memory. Well-formed events that are not ECS state changes (the reconcile code
 * judges them `skipped`) are counted by detail-type: a capture of a bus carries them, and they are not errors.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { processBatch } from '../../lib/reconcile/process-batch.js';
import type { BatchRecord, RecordOutcome } from '../../lib/reconcile/reconcile.js';
import type { CommandContext } from '../context.js';
import { FileDeadLetters } from '../file-dead-letters.js';
import { renderTable, truncate } from '../format.js';
import type { CommandSpec } from '../options.js';
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
    'never refuses the file. A progress bar shows on a terminal. Exit 1 if any record failed, 2 if only invalid ' +
    'ones (skipped never count), else 0',
  flags: {},
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
}

export async function replayCommand(
  context: CommandContext,
  source: string | undefined,
  options: ReplayOptions = {},
): Promise<number> {
  if (source === undefined)
    throw new UsageError('replay needs a file of EventBridge events, or - for standard input');
  const summary = await replay(context, source, undefined, options);
  const printer = printerOf(context);
  if (!printer.document(summary)) printer.out(formatSummary(summary));
  return exitCode(summary);
}

/** 1 when any record failed (a failure beats invalid input), 2 when only invalid ones, else 0. */
export function exitCode(summary: Pick<ReplaySummary, 'failed' | 'invalid'>): number {
  if (summary.failed.length > 0) return 1;
  return summary.invalid.length > 0 ? 2 : 0;
}

/** Replays `source` (a path, or - for standard input), or `input` when given (its text, read already). */
export async function replay(
  context: CommandContext,
  source: string,
  input?: string,
  options: ReplayOptions = {},
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
  };
  try {
    let batch: BatchRecord[] = [];
    for await (const record of records) {
      tally.events++;
      batch.push(record);
      if (batch.length >= batchSize) {
        await settle(batch);
        batch = [];
      }
      progress.update({ records: tally.events, ...read });
    }
    await settle(batch);
  } finally {
    progress.done();
  }
  return tally.summary();
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

/**
 * `ecs-ops replay <file|->`: EventBridge envelopes from a file through the deployed function's batch code
 * (processBatch), in batches of the configured size, redelivering failed records as SQS would.
 */
import { readFile } from 'node:fs/promises';
import { countOutcomes, processBatch } from '../../lib/reconcile/process-batch.js';
import type { BatchRecord, RecordOutcome } from '../../lib/reconcile/reconcile.js';
import type { CommandContext } from '../context.js';
import { FileDeadLetters } from '../file-dead-letters.js';
import { renderTable } from '../format.js';
import { UsageError } from '../usage.js';

const REDELIVERIES = 3;

export interface ReplaySummary {
  source: string;
  events: number;
  accepted: number;
  duplicate: number;
  stale: number;
  invalid: { at: string; field: string; reason: string }[];
  failed: { at: string; arn: string; version: number; reason: string }[];
  deadLetterFile: string;
}

export async function replayCommand(context: CommandContext, source: string | undefined): Promise<number> {
  if (source === undefined)
    throw new UsageError('replay needs a file of EventBridge events, or - for standard input');
  const summary = await replay(context, source, await readInput(source));
  if (context.options.json) context.out(JSON.stringify(summary, null, 2));
  else context.out(formatSummary(summary));
  if (summary.invalid.length > 0) return 2;
  return summary.failed.length > 0 ? 1 : 0;
}

export async function replay(context: CommandContext, source: string, input: string): Promise<ReplaySummary> {
  const records = toRecords(input, source);
  const deadLetters = new FileDeadLetters(context.deadLetterFile);
  const { batchSize, writeConcurrency } = context.config.reconcile;
  const final: RecordOutcome[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    let batch = records.slice(i, i + batchSize);
    for (let delivery = 0; batch.length > 0; delivery++) {
      const { outcomes, redeliver } = await processBatch(batch, {
        store: context.store,
        deadLetters,
        retention: context.config.retention,
        writeConcurrency,
      });
      const again = new Set(delivery < REDELIVERIES ? redeliver : []);
      final.push(...outcomes.filter((outcome) => !again.has(outcome.id)));
      batch = batch.filter((record) => again.has(record.id));
    }
  }
  const counts = countOutcomes(final);
  return {
    source,
    events: records.length,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    stale: counts.stale,
    invalid: final.flatMap((o) =>
      o.outcome === 'invalid' ? [{ at: o.id, field: o.field, reason: o.reason }] : [],
    ),
    failed: final.flatMap((o) =>
      o.outcome === 'failed' ? [{ at: o.id, arn: o.arn, version: o.version, reason: o.reason }] : [],
    ),
    deadLetterFile: context.deadLetterFile,
  };
}

async function readInput(source: string): Promise<string> {
  try {
    if (source !== '-') return await readFile(source, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${source}: ${(error as Error).message}`);
  }
}

/**
 * JSON Lines (one envelope per line; ids are line numbers), one JSON array (ids are item numbers), or a file
 * holding one pretty-printed envelope (such as those in events/).
 */
export function toRecords(input: string, source: string): BatchRecord[] {
  if (input.trimStart().startsWith('{') && input.trim().split('\n').length > 1) {
    try {
      return [{ id: 'item 1', body: JSON.stringify(JSON.parse(input)) }];
    } catch {
      // Not one document: JSON Lines, judged line by line below.
    }
  }
  if (input.trimStart().startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(input);
    } catch (error) {
      throw new UsageError(
        `${source} starts like a JSON array but is not valid JSON: ${(error as Error).message}`,
      );
    }
    return (items as unknown[]).map((item, index) => ({
      id: `item ${index + 1}`,
      body: JSON.stringify(item),
    }));
  }
  return input
    .split('\n')
    .flatMap((line, index) => (line.trim() === '' ? [] : [{ id: `line ${index + 1}`, body: line }]));
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
        ['failed', String(summary.failed.length), 'store errors that outlasted redelivery'],
      ],
    ),
  ];
  for (const { at, field, reason } of summary.invalid) lines.push(`  ${at}: ${field}: ${reason}`);
  for (const { at, arn, version, reason } of summary.failed)
    lines.push(`  ${at}: ${arn} v${version}: ${reason}`);
  if (summary.invalid.length > 0) lines.push(`Dead letters: ${summary.deadLetterFile}`);
  return lines.join('\n');
}

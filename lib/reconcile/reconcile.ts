/**
 * Reconciles one batch of ECS events into the state store: parse, coalesce, then one conditional write per
 * resource for the latest state and one batched write per distinct version for the timeline.
 *
 * Every input record gets exactly one outcome. `invalid` records can never succeed and belong in the
 * dead-letter queue; `failed` records hit a transient store error and must be redelivered; the rest are done.
 */

import { mapConcurrent } from '../platform/concurrency.js';
import { failedRecord, invalidRecord } from '../platform/dead-letters/dead-letter.js';
import { asEcsOpsError, EcsOpsError, type InvalidInputError } from '../platform/errors.js';
import {
  type EcsEvent,
  type EcsResourceKind,
  type InvalidEvent,
  parseEcsEventText,
} from '../platform/events/ecs-event.js';
import type { BatchRecord } from '../platform/handler/sqs-batch-handler.js';
import {
  DetailTooLargeError,
  historyItem,
  type Item,
  latestItem,
  type Retention,
} from '../platform/store/items.js';
import type { StateStore } from '../platform/store/state-store.js';
import { coalesce } from '../platform/version-rule.js';

// One message of a batch: an SQS message id (or a line number, for replay) and its body.
export type { BatchRecord };

export type RecordOutcome =
  | {
      id: string;
      outcome: 'accepted' | 'duplicate' | 'stale';
      kind: EcsResourceKind;
      arn: string;
      version: number;
    }
  | { id: string; outcome: 'invalid'; field: string; reason: string; error: InvalidInputError }
  | {
      id: string;
      outcome: 'failed';
      kind: EcsResourceKind;
      arn: string;
      version: number;
      reason: string;
      error: EcsOpsError;
    };

export interface ReconcileDependencies {
  store: Pick<StateStore, 'putLatest' | 'putHistory'>;
  retention: Retention;
  /** Conditional writes in flight at once per batch. */
  writeConcurrency: number;
}

interface ParsedRecord {
  id: string;
  event: EcsEvent;
  arn: string;
  version: number;
  latest: Item;
  history: Item;
}

export async function reconcileBatch(
  records: readonly BatchRecord[],
  { store, retention, writeConcurrency }: ReconcileDependencies,
): Promise<RecordOutcome[]> {
  const outcomes = new Map<string, RecordOutcome>();
  const parsed: ParsedRecord[] = [];
  for (const { id, body } of records) {
    const result = parseEcsEventText(body);
    if (!result.ok) {
      outcomes.set(id, invalidRecord(id, result.error));
      continue;
    }
    const { event } = result;
    // Built before coalescing: a record too large to store must not supersede the valid versions of its batch.
    const items = buildItems(event, retention);
    if ('field' in items) outcomes.set(id, invalidRecord(id, items));
    else parsed.push({ id, event, arn: event.arn, version: event.version, ...items });
  }

  const { newest, distinct, superseded } = coalesce(parsed);
  const historyItems = new Map(distinct.map((record) => [record.history, versionKey(record)]));
  const latest = newest.map((record) => ({ record, item: record.latest }));

  const failedVersions = new Map<string, EcsOpsError>();
  const [unwritten, verdicts] = await Promise.all([
    store.putHistory([...historyItems.keys()]).catch((error: unknown) => {
      for (const key of historyItems.values()) failedVersions.set(key, asEcsOpsError(error));
      return [];
    }),
    mapConcurrent(latest, writeConcurrency, ({ item }) =>
      store.putLatest(item).catch((error: unknown) => ({ error })),
    ),
  ]);
  // The store says why each item stayed unwritten, in words; its redelivery is what retries it.
  for (const { item, reason } of unwritten)
    failedVersions.set(historyItems.get(item) ?? '', new EcsOpsError(reason, { retryable: true }));

  latest.forEach(({ record }, index) => {
    const verdict = verdicts[index];
    if (verdict === undefined) return;
    if (typeof verdict === 'object') outcomes.set(record.id, failed(record, verdict.error));
    else outcomes.set(record.id, settled(record, verdict, failedVersions.get(versionKey(record))));
  });
  for (const { item: record, verdict } of superseded) {
    if (outcomes.has(record.id)) continue;
    outcomes.set(record.id, settled(record, verdict, failedVersions.get(versionKey(record))));
  }
  return records.map(({ id }) => outcomes.get(id) as RecordOutcome);
}

const versionKey = (record: { arn: string; version: number }) => `${record.arn}\u0000${record.version}`;

/** A record's outcome, unless its version's timeline write failed: then it must be redelivered. */
function settled(
  record: ParsedRecord,
  verdict: 'accepted' | 'duplicate' | 'stale',
  failure: EcsOpsError | undefined,
): RecordOutcome {
  if (failure !== undefined) return failed(record, failure);
  const { id, event, arn, version } = record;
  return { id, outcome: verdict, kind: event.kind, arn, version };
}

const failed = ({ id, event, arn, version }: ParsedRecord, error: unknown): RecordOutcome => ({
  ...failedRecord(id, error),
  kind: event.kind,
  arn,
  version,
});

/** Builds a record's items; an event too large to store even trimmed is bad input, not a store failure. */
function buildItems(event: EcsEvent, retention: Retention): { latest: Item; history: Item } | InvalidEvent {
  try {
    return { latest: latestItem(event, retention), history: historyItem(event, retention) };
  } catch (error) {
    if (!(error instanceof DetailTooLargeError)) throw error;
    return { field: error.field, reason: error.reason };
  }
}

/**
 * Reconciles one batch of ECS events into the state store: parse, coalesce, then one conditional write per
 * resource for the latest state and one batched write per distinct version for the timeline.
 *
 * Every input record gets exactly one outcome. `invalid` records can never succeed and belong in the
 * dead-letter queue; `failed` records hit a transient store error and must be redelivered; the rest are done.
 */

import { mapConcurrent } from '../platform/concurrency.js';
import { failedRecord, invalidRecord } from '../platform/dead-letters/dead-letter.js';
import { asEcsOpsError, EcsOpsError, InvalidInputError } from '../platform/errors.js';
import { type EcsEvent, type EcsResourceKind, parseEcsEventText } from '../platform/events/ecs-event.js';
import type { BatchRecord } from '../platform/handler/sqs-batch-handler.js';
import { historyItem, type Item, latestItem, type Retention } from '../platform/store/items.js';
import type { StateStore } from '../platform/store/state-store.js';
import { KEY } from '../platform/store/table.js';
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
      /** The envelope's time: when ECS sent the state change (how late it arrived is a metric). */
      time: string;
    }
  | { id: string; outcome: 'invalid'; field: string; reason: string; error: InvalidInputError }
  /**
   * A well-formed EventBridge event that is not an ECS task or container-instance state change (a service
   * action, a deployment state change, an Auto Scaling lifecycle action, a Spot warning): acknowledged, not
   * stored and not dead-lettered. The deployed rule never sends one; a capture of a whole bus has them.
   */
  | { id: string; outcome: 'skipped'; source: string; detailType: string; reason: string }
  | {
      id: string;
      outcome: 'failed';
      kind: EcsResourceKind;
      arn: string;
      version: number;
      time: string;
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
  /** The resource's key (`task/<id>`): both ARN formats of one task are one resource. */
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
    const read = readRecord(id, body, retention);
    if ('outcome' in read) outcomes.set(id, read);
    else parsed.push(read);
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
  // The store says why each item stayed unwritten, in words; its redelivery is what retries it — unless
  // DynamoDB refused the item for its content, which no redelivery can change: that record is invalid.
  for (const { item, reason, refused } of unwritten)
    failedVersions.set(historyItems.get(item) ?? '', refused ?? new EcsOpsError(reason, { retryable: true }));

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

/**
 * One record, parsed and made into its items, or its outcome when it cannot be stored. Never throws: parsing
 * and building items are pure, so whatever a record makes them throw it would make them throw on every
 * delivery — it is refused with the reason, and the rest of the batch goes on.
 */
function readRecord(id: string, body: string, retention: Retention): ParsedRecord | RecordOutcome {
  try {
    const result = parseEcsEventText(body);
    if (!result.ok) {
      const { other } = result.error;
      if (other === undefined) return invalidRecord(id, result.error);
      const { source, detailType } = other;
      return { id, outcome: 'skipped', source, detailType, reason: result.error.reason };
    }
    const { event } = result;
    // Built before coalescing: a record too large to store must not supersede the valid versions of its batch.
    const items = buildItems(event, retention);
    const key = items.latest[KEY.partition]?.S as string;
    return { id, event, arn: key, version: event.version, ...items };
  } catch (error) {
    if (error instanceof InvalidInputError) return invalidRecord(id, error);
    const { message } = asEcsOpsError(error);
    return invalidRecord(id, {
      field: '(body)',
      reason: `could not be read (${message.slice(0, 200)}); check what produced this record`,
    });
  }
}

const versionKey = (record: { arn: string; version: number }) => `${record.arn}\u0000${record.version}`;

/** A record's outcome, unless its version's timeline write failed: then it must be redelivered. */
function settled(
  record: ParsedRecord,
  verdict: 'accepted' | 'duplicate' | 'stale',
  failure: EcsOpsError | undefined,
): RecordOutcome {
  if (failure !== undefined) return failed(record, failure);
  const { id, event, version } = record;
  return { id, outcome: verdict, kind: event.kind, arn: event.arn, version, time: event.time };
}

/** A record whose write failed: redelivered, unless DynamoDB refused its item for its content (invalid). */
const failed = ({ id, event, version }: ParsedRecord, error: unknown): RecordOutcome =>
  error instanceof InvalidInputError
    ? invalidRecord(id, error)
    : { ...failedRecord(id, error), kind: event.kind, arn: event.arn, version, time: event.time };

/** Builds a record's items; an event too large to store, or with keys DynamoDB refuses, is bad input. */
function buildItems(event: EcsEvent, retention: Retention): { latest: Item; history: Item } {
  return { latest: latestItem(event, retention), history: historyItem(event, retention) };
}

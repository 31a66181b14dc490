/**
 * Pure mapping from a validated ECS event to the DynamoDB items that store it (no I/O).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidInputError } from '../errors.js';
import type { EcsEvent } from '../events/ecs-event.js';
import { encodeDetail } from './detail-codec.js';
import {
  clusterName,
  ec2HostKey,
  groupKey,
  HISTORY_ENTRY_PREFIX,
  INDEX,
  KEY,
  LATEST_ENTRY,
  resourceKey,
  statusKey,
  TASK_STATUS_SHARDS,
  taskStatusBucket,
} from './table.js';
import { expiryAttribute } from './ttl.js';

export type Item = Record<string, AttributeValue>;

/** How long finished resources and timelines are kept; 0 keeps them forever. */
export interface Retention {
  /** Latest state of a STOPPED task or an INACTIVE (deregistered) container instance. */
  stoppedDays: number;
  /** Each version in a timeline, counted from the event's time. */
  historyDays: number;
}

/** DynamoDB's item size limit; the detail is trimmed to stay under it with room for the other attributes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** Dropped first when a detail would not fit: bulky and least useful to an operator. */
const TRIM_ORDER = [
  'attributes',
  'attachments',
  'registeredResources',
  'remainingResources',
  'overrides',
  'inferenceAccelerators',
  'containers',
];
/** Never dropped: the keys, the version and the status that every reader relies on. */
const PROTECTED = new Set([
  'taskArn',
  'containerInstanceArn',
  'clusterArn',
  'version',
  'lastStatus',
  'desiredStatus',
  'status',
  'group',
  'startedBy',
  'ec2InstanceId',
  'stopCode',
  'stoppedReason',
  'createdAt',
  'startedAt',
  'stoppedAt',
  'updatedAt',
]);

export const historyEntry = (version: number) =>
  `${HISTORY_ENTRY_PREFIX}${String(version).padStart(16, '0')}`;

export function historyItem(event: EcsEvent, retention: Retention): Item {
  const item: Item = {
    [KEY.partition]: { S: resourceKey(event.arn) },
    [KEY.sort]: { S: historyEntry(event.version) },
    version: { N: String(event.version) },
    eventId: { S: event.id },
    eventTime: { S: event.time },
  };
  addDetail(item, event.raw);
  return { ...item, ...expiryAttribute(event.time, retention.historyDays) };
}

export function latestItem(event: EcsEvent, retention: Retention): Item {
  const item: Item = {
    [KEY.partition]: { S: resourceKey(event.arn) },
    [KEY.sort]: { S: LATEST_ENTRY },
    version: { N: String(event.version) },
    eventTime: { S: event.time },
  };
  const set = (name: string, value: string) => {
    item[name] = { S: value };
  };
  const cluster = clusterName(event.detail.clusterArn);
  if (event.kind === 'task') {
    const task = event.detail;
    const stopped = task.lastStatus === 'STOPPED';
    set('lastStatus', task.lastStatus);
    set(
      INDEX.byStatus.partition,
      statusKey(cluster, 'task', taskStatusBucket(task.lastStatus), shardOf(event.arn)),
    );
    set(
      INDEX.byStatus.sort,
      isoTime((stopped ? task.stoppedAt : task.createdAt) ?? task.updatedAt ?? event.time),
    );
    if (task.group !== undefined) {
      set(INDEX.byGroup.partition, groupKey(cluster, task.group));
      set(INDEX.byGroup.sort, isoTime(task.createdAt ?? event.time));
    }
    if (task.containerInstanceArn !== undefined) {
      set(INDEX.byHost.partition, resourceKey(task.containerInstanceArn));
      set(INDEX.byHost.sort, isoTime(task.createdAt ?? event.time));
    }
    if (stopped) Object.assign(item, expiryAttribute(task.stoppedAt ?? event.time, retention.stoppedDays));
  } else {
    const instance = event.detail;
    set('status', instance.status);
    set(INDEX.byStatus.partition, statusKey(cluster, 'instance', instance.status, 0));
    set(INDEX.byStatus.sort, isoTime(instance.registeredAt ?? event.time));
    if (instance.ec2InstanceId !== undefined) {
      set(INDEX.byHost.partition, ec2HostKey(instance.ec2InstanceId));
      set(INDEX.byHost.sort, isoTime(instance.registeredAt ?? event.time));
    }
    if (instance.status === 'INACTIVE')
      Object.assign(item, expiryAttribute(event.time, retention.stoppedDays));
  }
  addDetail(item, event.raw);
  return item;
}

/** The task's status partition; spreads a busy cluster's writes to the byStatus index over several partitions. */
export function shardOf(arn: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < arn.length; i++) hash = Math.imul(hash ^ arn.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % TASK_STATUS_SHARDS;
}

/** Index sort keys compare as strings, so every time is written in one format ("2016-12-06T16:41:06.800Z"). */
const isoTime = (time: string) => new Date(time).toISOString();

/** Stores the envelope's `detail` compressed; trims bulky fields (and says which) if it would not fit. */
/** A record's latest and timeline items carry the same detail: deflate it once per envelope. */
const encodedDetails = new WeakMap<object, Uint8Array>();

function addDetail(item: Item, envelope: object): void {
  const detail = { ...((envelope as { detail: Record<string, unknown> }).detail ?? {}) };
  const trimmed: string[] = [];
  let encoded = encodedDetails.get(envelope) ?? encodeDetail(detail);
  encodedDetails.set(envelope, encoded);
  // 64 bytes cover the "detail" name and the TTL attribute; the list of trimmed fields is counted as it grows.
  const reserved = itemSize(item) + 64;
  const budget = () =>
    MAX_ITEM_BYTES - reserved - (trimmed.length === 0 ? 0 : itemSize({ trimmedFields: { SS: trimmed } }));
  while (encoded.length > budget()) {
    const field = nextFieldToTrim(detail);
    if (field === undefined) throw new DetailTooLargeError(encoded.length, budget());
    delete detail[field];
    trimmed.push(field);
    encoded = encodeDetail(detail);
  }
  item.detail = { B: encoded };
  if (trimmed.length > 0) item.trimmedFields = { SS: trimmed };
}

/** The protected fields alone exceed the item limit: no ECS event is this large, so the input is bad. */
export class DetailTooLargeError extends InvalidInputError {
  override name = 'DetailTooLargeError';

  constructor(encodedBytes: number, budgetBytes: number) {
    super(
      'detail',
      `detail is ${encodedBytes} bytes compressed even without its optional fields; the limit is ${budgetBytes}. ` +
        'ECS events are at most 256 KB: check what produced this one',
    );
  }
}

function nextFieldToTrim(detail: Record<string, unknown>): string | undefined {
  const listed = TRIM_ORDER.find((field) => field in detail);
  if (listed !== undefined) return listed;
  const candidates = Object.keys(detail).filter((field) => !PROTECTED.has(field));
  candidates.sort((a, b) => JSON.stringify(detail[b]).length - JSON.stringify(detail[a]).length);
  return candidates[0];
}

/** Item size as DynamoDB counts it for the 400 KB limit and for capacity units (names plus values). */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + itemSize(value.M as Item) + Object.keys(value.M).length;
  return 0;
}

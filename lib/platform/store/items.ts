/**
 * Pure mapping from a validated ECS event to the DynamoDB items that store it (no I/O).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { clusterName, resourceKey } from '../arn.js';
import { InvalidInputError } from '../errors.js';
import { type EcsEvent, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES } from '../events/ecs-event.js';
import { encodeDetail } from './detail-codec.js';
import {
  ec2HostKey,
  groupKey,
  HISTORY_ENTRY_PREFIX,
  INDEX,
  instanceStatusBucket,
  KEY,
  LATEST_ENTRY,
  shortIdKeyOf,
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
    source: { S: event.origin },
  };
  checkKeys(item, event);
  addDetail(item, event.raw);
  return { ...item, ...expiryAttribute(event.time, retention.historyDays) };
}

export function latestItem(event: EcsEvent, retention: Retention): Item {
  const item: Item = {
    [KEY.partition]: { S: resourceKey(event.arn) },
    [KEY.sort]: { S: LATEST_ENTRY },
    version: { N: String(event.version) },
    eventTime: { S: event.time },
    source: { S: event.origin },
  };
  const set = (name: string, value: string) => {
    item[name] = { S: value };
  };
  const cluster = clusterName(event.detail.clusterArn);
  // byShortId sorts by the table key; one too long for an index sort key is found by its whole id only.
  const shortId = shortIdKeyOf(item[KEY.partition]?.S ?? '');
  if (shortId !== undefined) set(INDEX.byShortId.partition, shortId);
  if (event.kind === 'task') {
    const task = event.detail;
    const stopped = task.lastStatus === 'STOPPED';
    const bucket = taskStatusBucket(task.lastStatus);
    // Live tasks by creation, stopped ones by their stop: the time each bucket's windows ask about.
    const time = isoTime((stopped ? task.stoppedAt : task.createdAt) ?? task.updatedAt ?? event.time);
    set('lastStatus', task.lastStatus);
    set(INDEX.byStatus.partition, statusKey(cluster, 'task', bucket, shardOf(event.arn)));
    set(INDEX.byStatus.sort, time);
    if (task.group !== undefined) {
      set(INDEX.byGroup.partition, groupKey(cluster, task.group, bucket));
      set(INDEX.byGroup.sort, time);
    }
    if (task.containerInstanceArn !== undefined) {
      set(INDEX.byHost.partition, resourceKey(task.containerInstanceArn));
      set(INDEX.byHost.sort, isoTime(task.createdAt ?? event.time));
    }
    if (stopped) Object.assign(item, expiryAttribute(task.stoppedAt ?? event.time, retention.stoppedDays));
  } else {
    const instance = event.detail;
    set('status', instance.status);
    set(INDEX.byStatus.partition, statusKey(cluster, 'instance', instanceStatusBucket(instance.status), 0));
    set(INDEX.byStatus.sort, isoTime(instance.registeredAt ?? event.time));
    if (instance.ec2InstanceId !== undefined) {
      set(INDEX.byHost.partition, ec2HostKey(instance.ec2InstanceId));
      set(INDEX.byHost.sort, isoTime(instance.registeredAt ?? event.time));
    }
    if (instance.status === 'INACTIVE')
      Object.assign(item, expiryAttribute(event.time, retention.stoppedDays));
  }
  checkKeys(item, event);
  addDetail(item, event.raw);
  return item;
}

/** Key attributes (the table's and the indexes') and the detail field each is made of. */
const KEY_ATTRIBUTES: { name: string; partition: boolean; field: (event: EcsEvent) => string }[] = [
  {
    name: KEY.partition,
    partition: true,
    field: (e) => `detail.${e.kind === 'task' ? 'taskArn' : 'containerInstanceArn'}`,
  },
  { name: KEY.sort, partition: false, field: () => 'detail.version' },
  { name: INDEX.byStatus.partition, partition: true, field: () => 'detail.clusterArn' },
  { name: INDEX.byStatus.sort, partition: false, field: () => 'time' },
  { name: INDEX.byGroup.partition, partition: true, field: () => 'detail.group' },
  {
    name: INDEX.byGroup.sort,
    partition: false,
    field: (e) =>
      e.kind === 'task' && e.detail.lastStatus === 'STOPPED' ? 'detail.stoppedAt' : 'detail.createdAt',
  },
  {
    name: INDEX.byHost.partition,
    partition: true,
    field: (e) => `detail.${e.kind === 'task' ? 'containerInstanceArn' : 'ec2InstanceId'}`,
  },
  { name: INDEX.byHost.sort, partition: false, field: () => 'detail.createdAt' },
  {
    name: INDEX.byShortId.partition,
    partition: true,
    field: (e) => `detail.${e.kind === 'task' ? 'taskArn' : 'containerInstanceArn'}`,
  },
];

/**
 * Refuses, as bad input, an item DynamoDB would refuse for its keys: a key attribute that is empty or longer than
 * DynamoDB allows (2048 bytes for a partition key, 1024 for a sort key, on the table and on every index).
 */
function checkKeys(item: Item, event: EcsEvent): void {
  for (const { name, partition, field } of KEY_ATTRIBUTES) {
    const value = item[name]?.S;
    if (value === undefined) continue;
    const limit = partition ? MAX_PARTITION_KEY_BYTES : MAX_SORT_KEY_BYTES;
    if (value === '')
      throw new InvalidInputError(field(event), `is empty; DynamoDB refuses an empty key (${name})`);
    // A UTF-8 character is at most 3 bytes per UTF-16 unit: most values need no count.
    if (value.length * 3 <= limit) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > limit) {
      throw new InvalidInputError(
        field(event),
        `makes a DynamoDB key (${name}, ${JSON.stringify(`${value.slice(0, 40)}…`)}) of ${bytes} bytes; ` +
          `the limit is ${limit} bytes: shorten it (ECS names and ids are far shorter)`,
      );
    }
  }
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
  if (encoded.length <= budget()) {
    item.detail = { B: encoded };
    return;
  }
  const order = trimOrder(detail);
  let next = 0;
  while (encoded.length > budget()) {
    if (next >= order.length) throw new DetailTooLargeError(encoded.length, budget());
    // One field at a time at first (the fewest fields dropped); a detail of thousands of small fields then drops
    // at least as many JSON bytes as it is over, so the number of re-encodings stays small.
    let excess = trimmed.length < ONE_BY_ONE ? 1 : encoded.length - budget();
    do {
      const field = order[next++] as { name: string; size: number };
      delete detail[field.name];
      trimmed.push(field.name);
      excess -= field.size;
    } while (excess > 0 && next < order.length);
    encoded = encodeDetail(detail);
  }
  item.detail = { B: encoded };
  if (trimmed.length > 0) item.trimmedFields = { SS: trimmed };
}

/** Fields trimmed one by one before trimming in bulk. */
const ONE_BY_ONE = 16;

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

/**
 * The order fields are dropped in: the listed bulky ones, then unknown fields largest first (each measured once,
 * so a detail of many fields costs one pass).
 */
function trimOrder(detail: Record<string, unknown>): { name: string; size: number }[] {
  const size = (name: string) => (JSON.stringify(detail[name]) ?? '').length + name.length + 4;
  const listed = TRIM_ORDER.filter((field) => Object.hasOwn(detail, field)).map((name) => ({
    name,
    size: size(name),
  }));
  const others = Object.keys(detail)
    .filter((field) => !PROTECTED.has(field) && !TRIM_ORDER.includes(field))
    .map((name) => ({ name, size: size(name) }));
  others.sort((a, b) => b.size - a.size);
  return [...listed, ...others];
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

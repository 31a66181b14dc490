/**
 * The DynamoDB adapter for ECS state: version-guarded latest state, idempotent timelines, and the queries of
 * the access patterns the README's data model lists (every one a GetItem, a Query, or a BatchGetItem of what a Query listed).
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { resourceKey } from '../arn.js';
import { dynamoDbClient } from '../aws/dynamodb-client.js';
import { type InvalidInputError, itemRefusal } from '../errors.js';
import { INSTANCE_STATUSES, isLiveStatus, type StateOrigin } from '../events/statuses.js';
import type { VersionVerdict } from '../version-rule.js';
import { decodeDetail } from './detail-codec.js';
import type { Item } from './items.js';
import {
  ec2HostKey,
  FINAL_BUCKET,
  groupKey,
  HISTORY_ENTRY_PREFIX,
  INDEX,
  type IndexName,
  KEY,
  kindOfKey,
  LATEST_ENTRY,
  LIVE_TASKS,
  OTHER_INSTANCE_STATUSES,
  statusKey,
  TASK_STATUS_SHARDS,
  taskStatusBucket,
} from './table.js';
import { backoff, batchGetAll, conditionalWrite, queryAll, UNPROCESSED_RETRIES } from './table-io.js';
import { expiryAttribute } from './ttl.js';

export interface StateStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

/** One stored version of a task or container instance, its detail decoded. */
export interface StoredResource {
  arn: string;
  kind: 'task' | 'instance';
  version: number;
  /** The EventBridge event id (timeline entries only). */
  eventId?: string;
  /** When the event was sent, or when resync read the state from the ECS API. */
  eventTime: string;
  /** Who reported this version: ECS's event, or resync reading the ECS API. */
  source: StateOrigin;
  /** Set when resync found that ECS no longer knows the resource: when it noticed (latest state only). */
  missingSince?: string;
  detail: Record<string, unknown>;
  /** Detail fields dropped to fit DynamoDB's 400 KB item limit (normally empty). */
  trimmedFields: string[];
}

export interface ListOptions {
  /** Only resources whose index time is at or after this ISO time. */
  since?: string;
  /** Only resources whose index time is at or before this ISO time. */
  until?: string;
  limit?: number;
}

/** What resync compares with ECS: a resource's latest version and whether the store holds it as live. */
export interface CurrentState {
  version: number;
  /** A task not STOPPED, a container instance not INACTIVE, and not marked missing. */
  live: boolean;
  missing: boolean;
  statusKey?: string;
}

/** A timeline item DynamoDB did not store, and why. */
export interface UnwrittenItem {
  item: Item;
  reason: string;
  /** Set when DynamoDB refused the item itself for its content: writing it again cannot succeed. */
  refused?: InvalidInputError;
}

const BATCH_WRITE_LIMIT = 25;

export class StateStore {
  readonly tableName: string;
  readonly client: DynamoDBClient;

  constructor({ tableName, client }: StateStoreOptions) {
    this.tableName = tableName;
    this.client = client ?? dynamoDbClient();
  }

  /**
   * Stores `item` as the latest state unless the stored version is equal or higher: one conditional write
   * decides, so concurrent writers cannot lose the newest version. An item DynamoDB refuses for its content
   * throws an InvalidInputError (see `itemRefusal`); any other error is thrown as it is.
   */
  async putLatest(item: Item): Promise<VersionVerdict> {
    const put = await conditionalWrite(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key) OR #version < :version',
          ExpressionAttributeNames: { '#key': KEY.partition, '#version': 'version' },
          ExpressionAttributeValues: { ':version': item.version as AttributeValue },
          // The refusing item comes back with the error, so telling duplicate from stale costs no read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    ).catch((error: unknown) => {
      throw itemRefusal(error) ?? error;
    });
    if (put.written) return 'accepted';
    return put.refusing?.version?.N === item.version?.N ? 'duplicate' : 'stale';
  }

  /**
   * Writes timeline items (distinct keys) in batches; returns the ones that are not stored — still unprocessed
   * after retries, or in a request that failed — so the caller can have exactly their events redelivered.
   */
  async putHistory(items: readonly Item[]): Promise<UnwrittenItem[]> {
    const chunks: Item[][] = [];
    for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT)
      chunks.push(items.slice(i, i + BATCH_WRITE_LIMIT));
    const unwritten = await Promise.all(
      chunks.map((chunk) =>
        this.writeChunk(chunk).catch((error: Error) => chunk.map((item) => unwrittenBecause(item, error))),
      ),
    );
    return unwritten.flat();
  }

  /**
   * Writes a timeline item unless its version is already in the timeline: a version resync read never replaces
   * the one its event stored. True when written.
   */
  async putHistoryIfAbsent(item: Item): Promise<boolean> {
    const put = await conditionalWrite(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': KEY.partition },
        }),
      ),
    ).catch((error: unknown) => {
      throw itemRefusal(error) ?? error;
    });
    return put.written;
  }

  /**
   * Marks a live resource that ECS no longer knows: it keeps its last status, detail and timeline, gains
   * `resync: missing` and the time it was noticed, and moves to its kind's final bucket (a task lists as
   * STOPPED, a container instance as INACTIVE) with the retention of finished resources. Only if it is still
   * at `version` and unmarked: an event that arrived since wins. True when marked.
   */
  async markMissing(
    key: string,
    state: Pick<CurrentState, 'version' | 'statusKey'>,
    noticedAt: string,
    stoppedDays: number,
  ): Promise<boolean> {
    const kind = kindOfKey(key);
    const values: Record<string, AttributeValue> = {
      ':version': { N: String(state.version) },
      ':missing': { S: 'missing' },
      ':at': { S: new Date(noticedAt).toISOString() },
    };
    const sets = ['#resync = :missing', '#missingSince = :at'];
    const names: Record<string, string> = {
      '#version': 'version',
      '#resync': 'resync',
      '#missingSince': 'missingSince',
    };
    if (state.statusKey !== undefined) {
      values[':statusKey'] = { S: finalStatusKey(state.statusKey, FINAL_BUCKET[kind]) };
      names['#statusKey'] = INDEX.byStatus.partition;
      names['#statusTime'] = INDEX.byStatus.sort;
      sets.push('#statusKey = :statusKey', '#statusTime = :at');
    }
    const expiry = expiryAttribute(noticedAt, stoppedDays);
    for (const [name, value] of Object.entries(expiry)) {
      names['#expiry'] = name;
      values[':expiry'] = value;
      sets.push('#expiry = :expiry');
    }
    const update = await conditionalWrite(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: latestKey(key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :version AND attribute_not_exists(#resync)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return update.written;
  }

  /**
   * The keys (`task/<id>`, `container-instance/<id>`) of a cluster's live resources as the indexes list them:
   * tasks not STOPPED, container instances in any status but INACTIVE.
   */
  async liveKeys(cluster: string, kind: 'task' | 'instance'): Promise<string[]> {
    const partitions =
      kind === 'task'
        ? Array.from({ length: TASK_STATUS_SHARDS }, (_, shard) =>
            statusKey(cluster, 'task', LIVE_TASKS, shard),
          )
        : [...INSTANCE_STATUSES.filter((status) => status !== 'INACTIVE'), OTHER_INSTANCE_STATUSES].map(
            (status) => statusKey(cluster, 'instance', status, 0),
          );
    const perPartition = await Promise.all(
      partitions.map((partition) =>
        this.queryAll({
          IndexName: 'byStatus',
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': INDEX.byStatus.partition },
          ExpressionAttributeValues: { ':p': { S: partition } },
        }),
      ),
    );
    return perPartition.flat().map((item) => item[KEY.partition]?.S as string);
  }

  /** The latest version of each key that has one, without its detail: what resync compares with ECS. */
  async currentStates(keys: readonly string[]): Promise<Map<string, CurrentState>> {
    const items = await batchGetAll(this.client, this.tableName, keys.map(latestKey), [
      'version',
      'lastStatus',
      'status',
      'resync',
      INDEX.byStatus.partition,
    ]);
    return new Map(
      items.map((item) => {
        const key = item[KEY.partition]?.S as string;
        const missing = item.resync?.S === 'missing';
        const status = item.lastStatus?.S ?? item.status?.S;
        const statusKeyValue = item[INDEX.byStatus.partition]?.S;
        return [
          key,
          {
            version: Number(item.version?.N),
            live: isLiveStatus(kindOfKey(key), status) && !missing,
            missing,
            ...(statusKeyValue === undefined ? {} : { statusKey: statusKeyValue }),
          },
        ];
      }),
    );
  }

  async getLatest(arn: string): Promise<StoredResource | undefined> {
    return this.latestByKey(resourceKey(arn));
  }

  /** The task or container instance with this id (the last part of its ARN), if one is stored. */
  async findById(id: string): Promise<StoredResource[]> {
    const found = await Promise.all(
      ['task', 'container-instance'].map((type) => this.latestByKey(`${type}/${id}`)),
    );
    return found.filter((resource) => resource !== undefined);
  }

  private async latestByKey(key: string): Promise<StoredResource | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: latestKey(key), ConsistentRead: true }),
    );
    return item === undefined ? undefined : toStoredResource(item);
  }

  /** Every version received for one resource, oldest first. */
  async history(arn: string): Promise<StoredResource[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#key = :key AND begins_with(#entry, :prefix)',
      ExpressionAttributeNames: { '#key': KEY.partition, '#entry': KEY.sort },
      ExpressionAttributeValues: { ':key': { S: resourceKey(arn) }, ':prefix': { S: HISTORY_ENTRY_PREFIX } },
      ConsistentRead: true,
    });
    return items.map(toStoredResource);
  }

  /**
   * Tasks of a cluster in one last status: STOPPED ones by stop time, the others by creation time, newest first.
   */
  async tasksByStatus(cluster: string, status: string, options: ListOptions = {}): Promise<StoredResource[]> {
    const bucket = taskStatusBucket(status);
    const shards = Array.from({ length: TASK_STATUS_SHARDS }, (_, shard) =>
      statusKey(cluster, 'task', bucket, shard),
    );
    const keep = bucket === status ? undefined : (task: StoredResource) => task.detail.lastStatus === status;
    return this.listNewestFirst('byStatus', shards, options, keep);
  }

  /**
   * Tasks of a cluster whose last status is none of `known` (a status ECS added after this code was written),
   * newest created first: the live bucket holds every status but STOPPED, so they are stored and listed there.
   */
  async tasksInOtherStatuses(
    cluster: string,
    known: readonly string[],
    options: ListOptions = {},
  ): Promise<StoredResource[]> {
    const shards = Array.from({ length: TASK_STATUS_SHARDS }, (_, shard) =>
      statusKey(cluster, 'task', taskStatusBucket(''), shard),
    );
    const other = (task: StoredResource) => !known.includes(String(task.detail.lastStatus));
    return this.listNewestFirst('byStatus', shards, options, other);
  }

  /**
   * Container instances of a cluster in one status, most recently registered first. `other` lists those in a
   * status ECS added after this code was written.
   */
  async instancesByStatus(
    cluster: string,
    status: string,
    options: ListOptions = {},
  ): Promise<StoredResource[]> {
    return this.listNewestFirst('byStatus', [statusKey(cluster, 'instance', status, 0)], options);
  }

  /** Tasks of one group (service:web, family:report) of a cluster, newest created first. */
  async tasksByGroup(cluster: string, group: string, options: ListOptions = {}): Promise<StoredResource[]> {
    return this.listNewestFirst('byGroup', [groupKey(cluster, group)], options);
  }

  /** Tasks placed on one container instance, newest created first. */
  async tasksOnContainerInstance(
    containerInstanceArn: string,
    options: ListOptions = {},
  ): Promise<StoredResource[]> {
    return this.listNewestFirst('byHost', [resourceKey(containerInstanceArn)], options);
  }

  /** The container instance(s) registered for one EC2 instance id (normally one). */
  async instancesOnEc2(ec2InstanceId: string): Promise<StoredResource[]> {
    return this.listNewestFirst('byHost', [ec2HostKey(ec2InstanceId)], {});
  }

  private async listNewestFirst(
    index: IndexName,
    partitions: string[],
    options: ListOptions,
    keep?: (resource: StoredResource) => boolean,
  ) {
    const keys = INDEX[index];
    const perPartition = await Promise.all(
      partitions.map((partition) => {
        const names: Record<string, string> = { '#p': keys.partition };
        const values: Record<string, AttributeValue> = { ':p': { S: partition } };
        let condition = '#p = :p';
        const window = keys.sort === undefined ? '' : timeWindow(options, values);
        if (window !== '') {
          names['#t'] = keys.sort as string;
          condition += ` AND ${window}`;
        }
        return this.queryAll(
          {
            IndexName: index,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
          },
          keep === undefined ? options.limit : undefined,
        );
      }),
    );
    const sortAttribute = keys.sort;
    const merged = perPartition.flat();
    if (sortAttribute !== undefined && partitions.length > 1) {
      merged.sort((a, b) => (b[sortAttribute]?.S ?? '').localeCompare(a[sortAttribute]?.S ?? ''));
    }
    const resources = await this.getLatestMany(merged.map((item) => item[KEY.partition]?.S as string));
    const kept = keep === undefined ? resources : resources.filter(keep);
    return options.limit === undefined ? kept : kept.slice(0, options.limit);
  }

  /** Latest items for keys listed by a KEYS_ONLY index, in the order given. */
  private async getLatestMany(keys: string[]): Promise<StoredResource[]> {
    const items = await batchGetAll(this.client, this.tableName, keys.map(latestKey));
    return items.map(toStoredResource);
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit?: number): Promise<Item[]> {
    return queryAll(this.client, { ...input, TableName: this.tableName }, limit);
  }

  /**
   * One BatchWriteItem of up to 25 items, unprocessed items retried with backoff. If DynamoDB refuses the whole
   * request (one item it will not take fails them all), each item is written on its own, so only the item at
   * fault stays unwritten.
   */
  private async writeChunk(chunk: Item[]): Promise<UnwrittenItem[]> {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) {
        return pending.map((item) => ({ item, reason: 'still unprocessed by DynamoDB after retries' }));
      }
      if (attempt > 0) await backoff(attempt);
      let response: BatchWriteItemCommandOutput;
      try {
        response = await this.client.send(
          new BatchWriteItemCommand({
            RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
      } catch (error) {
        if (pending.length === 1) throw error;
        return this.writeEach(pending);
      }
      pending = (response.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [request.PutRequest.Item] : [],
      );
    }
    return [];
  }

  /** Timeline items one PutItem each (idempotent: a version's item is the same whoever writes it). */
  private async writeEach(items: readonly Item[]): Promise<UnwrittenItem[]> {
    const results = await Promise.all(
      items.map((item) =>
        this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })).then(
          () => undefined,
          (error: Error) => unwrittenBecause(item, error),
        ),
      ),
    );
    return results.filter((result) => result !== undefined);
  }
}

/**
 * The key condition on an index's time for `since`/`until`. Index times are written with toISOString(), so the
 * bounds are too: "12:00:00Z" and "12:00:00.000Z" are the same time, but not the same string.
 */
function timeWindow({ since, until }: ListOptions, values: Record<string, AttributeValue>): string {
  if (since !== undefined) values[':since'] = { S: new Date(since).toISOString() };
  if (until !== undefined) values[':until'] = { S: new Date(until).toISOString() };
  if (since !== undefined && until !== undefined) return '#t BETWEEN :since AND :until';
  if (since !== undefined) return '#t >= :since';
  return until === undefined ? '' : '#t <= :until';
}

/** Why an item is unwritten; `refused` when the error was DynamoDB refusing that one item's content. */
function unwrittenBecause(item: Item, error: Error): UnwrittenItem {
  const refused = itemRefusal(error);
  return { item, reason: `${error.name}: ${error.message}`, ...(refused === undefined ? {} : { refused }) };
}

/** `<cluster>|<kind>|<bucket>|<shard>` with its bucket replaced. */
function finalStatusKey(current: string, bucket: string): string {
  const parts = current.split('|');
  parts[parts.length - 2] = bucket;
  return parts.join('|');
}

const latestKey = (key: string) => ({ [KEY.partition]: { S: key }, [KEY.sort]: { S: LATEST_ENTRY } });

function toStoredResource(item: Item): StoredResource {
  const detailBytes = item.detail?.B;
  const detail = detailBytes === undefined ? {} : decodeDetail(detailBytes);
  const kind = kindOfKey(item[KEY.partition]?.S ?? '');
  return {
    arn: String(kind === 'task' ? detail.taskArn : detail.containerInstanceArn),
    kind,
    version: Number(item.version?.N),
    // The latest item leaves the event id to the timeline entry of its version.
    ...(item.eventId?.S === undefined ? {} : { eventId: item.eventId.S }),
    eventTime: item.eventTime?.S ?? '',
    // Items written before sources were recorded came from events.
    source: item.source?.S === 'resync' ? 'resync' : 'event',
    ...(item.missingSince?.S === undefined ? {} : { missingSince: item.missingSince.S }),
    detail,
    trimmedFields: item.trimmedFields?.SS ?? [],
  };
}

/**
 * The DynamoDB adapter for ECS state: version-guarded latest state, idempotent timelines, and the queries of
 * DESIGN.md's access patterns (every one a GetItem, a Query, or a BatchGetItem of what a Query listed).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { VersionVerdict } from '../reconcile/version-rule.js';
import { decodeDetail } from './detail-codec.js';
import type { Item } from './items.js';
import {
  ec2HostKey,
  groupKey,
  HISTORY_ENTRY_PREFIX,
  INDEX,
  type IndexName,
  KEY,
  LATEST_ENTRY,
  statusKey,
  TASK_STATUS_SHARDS,
} from './table.js';

export interface StateStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

/** One stored version of a task or container instance, its detail decoded. */
export interface StoredResource {
  arn: string;
  kind: 'task' | 'instance';
  version: number;
  eventId: string;
  eventTime: string;
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

/** A timeline item DynamoDB did not store, and why. */
export interface UnwrittenItem {
  item: Item;
  reason: string;
}

const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 6;

export class StateStore {
  readonly tableName: string;
  readonly client: DynamoDBClient;

  constructor({ tableName, client }: StateStoreOptions) {
    this.tableName = tableName;
    this.client = client ?? new DynamoDBClient({ maxAttempts: 5 });
  }

  /**
   * Stores `item` as the latest state unless the stored version is equal or higher: one conditional write
   * decides, so concurrent writers cannot lose the newest version.
   */
  async putLatest(item: Item): Promise<VersionVerdict> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#arn) OR #version < :version',
          ExpressionAttributeNames: { '#arn': KEY.partition, '#version': 'version' },
          ExpressionAttributeValues: { ':version': item.version as AttributeValue },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'accepted';
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const incoming = Number(item.version?.N);
      const returned = (error as { Item?: Item }).Item?.version?.N;
      const stored = returned === undefined ? await this.storedVersion(item) : Number(returned);
      return stored === incoming ? 'duplicate' : 'stale';
    }
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
        this.writeChunk(chunk).catch((error: Error) =>
          chunk.map((item) => ({ item, reason: `${error.name}: ${error.message}` })),
        ),
      ),
    );
    return unwritten.flat();
  }

  async getLatest(arn: string): Promise<StoredResource | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: latestKey(arn), ConsistentRead: true }),
    );
    return item === undefined ? undefined : toStoredResource(item);
  }

  /** ARNs whose last path segment is `id` (a task id or container instance id). */
  async arnsForId(id: string): Promise<string[]> {
    const items = await this.queryAll({
      IndexName: 'byId',
      KeyConditionExpression: '#id = :id',
      ExpressionAttributeNames: { '#id': INDEX.byId.partition },
      ExpressionAttributeValues: { ':id': { S: id } },
    });
    return items.map((item) => item[KEY.partition]?.S as string);
  }

  /** Every version received for one resource, oldest first. */
  async history(arn: string): Promise<StoredResource[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#arn = :arn AND begins_with(#entry, :prefix)',
      ExpressionAttributeNames: { '#arn': KEY.partition, '#entry': KEY.sort },
      ExpressionAttributeValues: { ':arn': { S: arn }, ':prefix': { S: HISTORY_ENTRY_PREFIX } },
      ConsistentRead: true,
    });
    return items.map(toStoredResource);
  }

  /** Tasks of a cluster in one last status, newest in that status first. */
  async tasksByStatus(cluster: string, status: string, options: ListOptions = {}): Promise<StoredResource[]> {
    const shards = Array.from({ length: TASK_STATUS_SHARDS }, (_, shard) =>
      statusKey(cluster, 'task', status, shard),
    );
    return this.listNewestFirst('byStatus', shards, options);
  }

  /** Container instances of a cluster in one status, most recently registered first. */
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
    return this.listNewestFirst('byHost', [containerInstanceArn], options);
  }

  /** The container instance(s) registered for one EC2 instance id (normally one). */
  async instancesOnEc2(ec2InstanceId: string): Promise<StoredResource[]> {
    return this.listNewestFirst('byHost', [ec2HostKey(ec2InstanceId)], {});
  }

  private async listNewestFirst(index: IndexName, partitions: string[], options: ListOptions) {
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
          options.limit,
        );
      }),
    );
    const sortAttribute = keys.sort;
    const merged = perPartition.flat();
    if (sortAttribute !== undefined && partitions.length > 1) {
      merged.sort((a, b) => (b[sortAttribute]?.S ?? '').localeCompare(a[sortAttribute]?.S ?? ''));
    }
    const listed = options.limit === undefined ? merged : merged.slice(0, options.limit);
    return this.getLatestMany(listed.map((item) => item[KEY.partition]?.S as string));
  }

  /** Latest items for ARNs listed by a KEYS_ONLY index, in the order given. */
  private async getLatestMany(arns: string[]): Promise<StoredResource[]> {
    const found = new Map<string, StoredResource>();
    for (let i = 0; i < arns.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, AttributeValue>[] | undefined = arns
        .slice(i, i + BATCH_GET_LIMIT)
        .map(latestKey);
      for (let attempt = 0; keys !== undefined && keys.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES)
          throw new Error('DynamoDB kept returning unprocessed keys; try again');
        if (attempt > 0) await backoff(attempt);
        const response: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          found.set(item[KEY.partition]?.S as string, toStoredResource(item));
        }
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return arns.flatMap((arn) => found.get(arn) ?? []);
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit?: number): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined && (limit === undefined || items.length < limit));
    return items;
  }

  private async storedVersion(item: Item): Promise<number | undefined> {
    // Engines without ReturnValuesOnConditionCheckFailure (dynalite) need a read to tell duplicate from stale.
    // The write has already decided; this read only labels the outcome.
    const { Item: stored } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [KEY.partition]: item[KEY.partition] as AttributeValue, [KEY.sort]: { S: LATEST_ENTRY } },
        ProjectionExpression: '#version',
        ExpressionAttributeNames: { '#version': 'version' },
        ConsistentRead: true,
      }),
    );
    return stored?.version?.N === undefined ? undefined : Number(stored.version.N);
  }

  private async writeChunk(chunk: Item[]): Promise<UnwrittenItem[]> {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) {
        return pending.map((item) => ({ item, reason: 'still unprocessed by DynamoDB after retries' }));
      }
      if (attempt > 0) await backoff(attempt);
      const response = await this.client.send(
        new BatchWriteItemCommand({
          RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      pending = (response.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [request.PutRequest.Item] : [],
      );
    }
    return [];
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

const latestKey = (arn: string) => ({ [KEY.partition]: { S: arn }, [KEY.sort]: { S: LATEST_ENTRY } });

function toStoredResource(item: Item): StoredResource {
  const detailBytes = item.detail?.B;
  return {
    arn: item[KEY.partition]?.S as string,
    kind: (item.kind?.S as 'task' | 'instance' | undefined) ?? kindOfArn(item[KEY.partition]?.S ?? ''),
    version: Number(item.version?.N),
    eventId: item.eventId?.S ?? '',
    eventTime: item.eventTime?.S ?? '',
    detail: detailBytes === undefined ? {} : decodeDetail(detailBytes),
    trimmedFields: item.trimmedFields?.SS ?? [],
  };
}

const kindOfArn = (arn: string) => (arn.includes(':container-instance/') ? 'instance' : 'task');

/** Exponential backoff with full jitter, as AWS recommends for unprocessed batch items. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2_000, 50 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * Drains in the state table, one item per EC2 instance: resource = `drain#<ec2 instance id>`, entry = `drain`.
 * EC2 instance ids are never reused, so an instance's drain is found by the id every trigger carries; a second
 * drain of the same instance (re-activated, then drained again) replaces the released first one, whose story
 * stays in the journal.
 *
 * Every write is conditional on the item's `revision`, so concurrent invocations (an instance event and a task
 * event of the same drain, a sweep) never overwrite each other's observations: the loser re-reads and merges
 * again. Drains are listed through the byStatus index (`drains|open`, `drains|released`, by start time).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { INDEX, KEY, TTL_ATTRIBUTE } from '../store/table.js';
import type { Drain } from './model.js';

export const DRAIN_PARTITION_PREFIX = 'drain#';
const DRAIN_ENTRY = 'drain';

export const drainPartition = (ec2InstanceId: string) => `${DRAIN_PARTITION_PREFIX}${ec2InstanceId}`;
const statusPartition = (drain: Pick<Drain, 'state'>) =>
  `drains|${drain.state === 'released' ? 'released' : 'open'}`;

export interface StoredDrain {
  drain: Drain;
  /** The item's revision: pass it back to `save`. */
  revision: number;
}

/** Another invocation changed the drain since it was read: read it again and redo the step. */
export class DrainChangedError extends Error {
  constructor(readonly ec2InstanceId: string) {
    super(`the drain of ${ec2InstanceId} changed while it was being updated`);
    this.name = 'DrainChangedError';
  }
}

export interface DrainStoreOptions {
  tableName: string;
  client: DynamoDBClient;
  /** Days to keep a released drain; 0 keeps it forever. */
  retentionDays: number;
}

export class DrainStore {
  constructor(private readonly options: DrainStoreOptions) {}

  private key(ec2InstanceId: string) {
    return { [KEY.partition]: { S: drainPartition(ec2InstanceId) }, [KEY.sort]: { S: DRAIN_ENTRY } };
  }

  async get(ec2InstanceId: string): Promise<StoredDrain | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(ec2InstanceId),
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  /**
   * Writes the drain as revision `expected + 1`; `expected` undefined means "only if there is none".
   * Throws DrainChangedError when the stored revision is not `expected`.
   */
  async save(drain: Drain, expected: number | undefined): Promise<StoredDrain> {
    const revision = (expected ?? 0) + 1;
    const item: Record<string, AttributeValue> = {
      ...this.key(drain.ec2InstanceId),
      revision: { N: String(revision) },
      drain: { M: marshall(drain, { removeUndefinedValues: true }) },
      [INDEX.byStatus.partition]: { S: statusPartition(drain) },
      [INDEX.byStatus.sort]: { S: drain.startedAt },
    };
    const releasedAt = drain.release?.at;
    if (releasedAt !== undefined && this.options.retentionDays > 0) {
      item[TTL_ATTRIBUTE] = {
        N: String(Math.floor(Date.parse(releasedAt) / 1000) + this.options.retentionDays * 86_400),
      };
    }
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: item,
          ...(expected === undefined
            ? {
                ConditionExpression: 'attribute_not_exists(#key)',
                ExpressionAttributeNames: { '#key': KEY.partition },
              }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new DrainChangedError(drain.ec2InstanceId);
      throw error;
    }
    return { drain, revision };
  }

  /** Drains under way (draining or releasing), oldest first. */
  async open(): Promise<StoredDrain[]> {
    return this.listing('open');
  }

  /** Drains, newest first: those under way, then (unless `openOnly`) released ones, up to `limit`. */
  async list({ openOnly = false, limit }: { openOnly?: boolean; limit?: number } = {}): Promise<Drain[]> {
    const open = (await this.listing('open')).reverse();
    const released = openOnly ? [] : await this.listing('released', limit, false);
    const drains = [...open, ...released].map((stored) => stored.drain);
    return limit === undefined ? drains : drains.slice(0, limit);
  }

  private async listing(
    bucket: 'open' | 'released',
    limit?: number,
    oldestFirst = true,
  ): Promise<StoredDrain[]> {
    const keys: Record<string, AttributeValue>[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: 'byStatus',
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': INDEX.byStatus.partition },
          ExpressionAttributeValues: { ':status': { S: `drains|${bucket}` } },
          ScanIndexForward: oldestFirst,
          ExclusiveStartKey,
          ...(limit === undefined ? {} : { Limit: limit }),
        }),
      );
      keys.push(
        ...(page.Items ?? []).map((item) => ({
          [KEY.partition]: item[KEY.partition] as AttributeValue,
          [KEY.sort]: item[KEY.sort] as AttributeValue,
        })),
      );
      ExclusiveStartKey = limit !== undefined && keys.length >= limit ? undefined : page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined);
    return this.getMany(keys);
  }

  /** BatchGetItem in chunks of 100, retrying what DynamoDB leaves unprocessed; the keys' order is kept. */
  private async getMany(keys: Record<string, AttributeValue>[]): Promise<StoredDrain[]> {
    const found = new Map<string, StoredDrain>();
    for (let start = 0; start < keys.length; start += 100) {
      let pending: Record<string, AttributeValue>[] = keys.slice(start, start + 100);
      while (pending.length > 0) {
        const response = await this.options.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.options.tableName]: { Keys: pending } } }),
        );
        for (const item of response.Responses?.[this.options.tableName] ?? []) {
          found.set(String(item[KEY.partition]?.S), fromItem(item));
        }
        pending = response.UnprocessedKeys?.[this.options.tableName]?.Keys ?? [];
      }
    }
    return keys.flatMap((key) => {
      const stored = found.get(String(key[KEY.partition]?.S));
      // An item that moved between index and table read (released meanwhile) is listed where it is now.
      return stored === undefined ? [] : [stored];
    });
  }
}

function fromItem(item: Record<string, AttributeValue>): StoredDrain {
  const { drain, revision } = unmarshall(item) as { drain: Drain; revision: number };
  return {
    drain: { ...drain, tasks: drain.tasks ?? {}, notes: drain.notes ?? [] },
    revision: Number(revision),
  };
}

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
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../platform/errors.js';
import type { Item } from '../platform/store/items.js';
import { INDEX, KEY } from '../platform/store/table.js';
import { batchGetAll, putAtRevision, queryAll } from '../platform/store/table-io.js';
import { expiryAttribute } from '../platform/store/ttl.js';
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
export class DrainChangedError extends ConflictError {
  override name = 'DrainChangedError';

  constructor(readonly ec2InstanceId: string) {
    super(`the drain of ${ec2InstanceId} changed while it was being updated`);
  }
}

/** Conditional-write races one step retries before giving up (the record is then redelivered). */
const MAX_RACES = 8;

/** Runs `step` again while it loses a race on the drain's revision; `race` counts the tries before. */
export async function withRaces<T>(ec2InstanceId: string, step: (race: number) => Promise<T>): Promise<T> {
  for (let race = 0; race < MAX_RACES; race++) {
    try {
      return await step(race);
    } catch (error) {
      if (!(error instanceof DrainChangedError)) throw error;
    }
  }
  throw new DrainChangedError(ec2InstanceId);
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
    const item: Item = {
      ...this.key(drain.ec2InstanceId),
      drain: { M: marshall(drain, { removeUndefinedValues: true }) },
      [INDEX.byStatus.partition]: { S: statusPartition(drain) },
      [INDEX.byStatus.sort]: { S: drain.startedAt },
    };
    const releasedAt = drain.release?.at;
    if (releasedAt !== undefined)
      Object.assign(item, expiryAttribute(releasedAt, this.options.retentionDays));
    const { client, tableName } = this.options;
    if (!(await putAtRevision(client, tableName, item, expected)))
      throw new DrainChangedError(drain.ec2InstanceId);
    return { drain, revision: (expected ?? 0) + 1 };
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
    const { client, tableName } = this.options;
    const listed = await queryAll(
      client,
      {
        TableName: tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': INDEX.byStatus.partition },
        ExpressionAttributeValues: { ':status': { S: `drains|${bucket}` } },
        ScanIndexForward: oldestFirst,
        ...(limit === undefined ? {} : { Limit: limit }),
      },
      limit,
    );
    const keys = listed.map((item) => ({
      [KEY.partition]: item[KEY.partition] as AttributeValue,
      [KEY.sort]: item[KEY.sort] as AttributeValue,
    }));
    // A drain released between the index read and the table read is listed where it is now.
    return (await batchGetAll(client, tableName, keys)).map(fromItem);
  }
}

function fromItem(item: Record<string, AttributeValue>): StoredDrain {
  const { drain, revision } = unmarshall(item) as { drain: Drain; revision: number };
  return {
    drain: { ...drain, tasks: drain.tasks ?? {}, notes: drain.notes ?? [] },
    revision: Number(revision),
  };
}

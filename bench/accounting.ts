/**
 * Capacity units as DynamoDB bills them, for the second (untimed) pass. dynalite's ConsumedCapacity leaves out
 * index writes and failed conditional writes, so the units are computed here from the item before and after
 * each write; an unmetered client fetches the old item right before the write, under a per-key lock so no
 * concurrent write of the same key slips in between.
 *
 * Rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html and
 * .../GSI.html#GSI.ThroughputConsiderations):
 * - a put costs ceil(max(old, new) / 1 KB), also when its condition fails;
 * - for each GSI of a successful write: key added or removed → 1 index write, key changed → 2 (delete + put),
 *   key unchanged with a KEYS_ONLY projection → 0; each index write costs ceil(entry / 1 KB), the entry being
 *   the table key plus the index key attributes;
 * - a read costs ceil(size / 4 KB), half when eventually consistent, at least one unit (or half) even when the
 *   item does not exist.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  type GetItemCommandOutput,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { type Item, itemSize } from '../lib/platform/store/items.js';
import type { Interceptor } from './engine.js';

interface TableShape {
  keys: string[];
  indexes: { name: string; keys: string[]; keysOnly: boolean }[];
}

/** Names the kind of item a write is for, so units can be broken down (e.g. "latest", "history"). */
export type ItemClassifier = (table: string, item: Item) => string;

const KB = 1024;
const READ_UNIT_BYTES = 4 * KB;
const BATCH_GET_LIMIT = 100;

export class CapacityAccountant {
  /** Write units by what was written: "<class>", "<class> (condition failed)", "index <name>". */
  readonly writeUnits: Record<string, number> = {};
  readUnits = 0;
  private readonly tables = new Map<string, TableShape>();
  private readonly locks = new KeyLocks();

  constructor(
    private readonly shadow: DynamoDBClient,
    definitions: readonly CreateTableCommandInput[],
    private readonly classify: ItemClassifier,
  ) {
    for (const definition of definitions) {
      this.tables.set(definition.TableName as string, {
        keys: (definition.KeySchema ?? []).map((k) => k.AttributeName as string),
        indexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
          name: index.IndexName as string,
          keys: (index.KeySchema ?? []).map((k) => k.AttributeName as string),
          keysOnly: index.Projection?.ProjectionType === 'KEYS_ONLY',
        })),
      });
    }
  }

  totalWriteUnits(): number {
    return Object.values(this.writeUnits).reduce((sum, units) => sum + units, 0);
  }

  readonly interceptor: Interceptor = async (command, input, send) => {
    switch (command) {
      case 'GetItemCommand':
        return this.getItem(input as unknown as GetItemCommandInput, send);
      case 'PutItemCommand':
        return this.putItem(input as unknown as PutItemCommandInput, send);
      case 'BatchWriteItemCommand':
        return this.batchWrite(input as unknown as BatchWriteItemCommandInput, send);
      default:
        throw new Error(
          `capacity accounting does not cover ${command}; add it before benchmarking a path using it`,
        );
    }
  };

  private async getItem<T extends { output: unknown }>(
    input: GetItemCommandInput,
    send: () => Promise<T>,
  ): Promise<T> {
    // A projection does not lower the cost (DynamoDB reads and bills the whole item), so then the whole item
    // is fetched to size it; otherwise the response has it.
    const projected = input.ProjectionExpression !== undefined || input.AttributesToGet !== undefined;
    const [stored] = projected ? await this.fetch(input.TableName as string, [input.Key as Item]) : [];
    const result = await send();
    const item = projected ? stored : (result.output as GetItemCommandOutput).Item;
    const units = Math.max(1, Math.ceil(itemSize(item ?? {}) / READ_UNIT_BYTES));
    this.readUnits += input.ConsistentRead ? units : units / 2;
    return result;
  }

  private async putItem<T>(input: PutItemCommandInput, send: () => Promise<T>): Promise<T> {
    const table = input.TableName as string;
    const item = input.Item as Item;
    return this.locks.run([this.lockKey(table, item)], async () => {
      const [old] = await this.fetch(table, [this.keyOf(table, item)]);
      try {
        const result = await send();
        this.chargePut(table, old, item, true);
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException')
          this.chargePut(table, old, item, false);
        throw error;
      }
    });
  }

  private async batchWrite<T extends { output: unknown }>(
    input: BatchWriteItemCommandInput,
    send: () => Promise<T>,
  ): Promise<T> {
    const puts = Object.entries(input.RequestItems ?? {}).flatMap(([table, requests]) =>
      requests.map((request) => {
        if (request.PutRequest?.Item === undefined)
          throw new Error('capacity accounting covers batch puts only');
        return { table, item: request.PutRequest.Item as Item };
      }),
    );
    return this.locks.run(
      puts.map(({ table, item }) => this.lockKey(table, item)),
      async () => {
        const olds = new Map<string, Item | undefined>();
        for (const table of new Set(puts.map((p) => p.table))) {
          const items = puts.filter((p) => p.table === table).map((p) => p.item);
          const found = await this.fetch(
            table,
            items.map((item) => this.keyOf(table, item)),
          );
          for (const [i, item] of items.entries()) olds.set(this.lockKey(table, item), found[i]);
        }
        const result = await send();
        const unprocessed = new Set(
          Object.entries((result.output as BatchWriteItemCommandOutput).UnprocessedItems ?? {}).flatMap(
            ([table, requests]) => requests.map((r) => this.lockKey(table, r.PutRequest?.Item as Item)),
          ),
        );
        for (const { table, item } of puts) {
          const key = this.lockKey(table, item);
          if (!unprocessed.has(key)) this.chargePut(table, olds.get(key), item, true);
        }
        return result;
      },
    );
  }

  private chargePut(table: string, old: Item | undefined, item: Item, written: boolean): void {
    const label = this.classify(table, item);
    const units = Math.max(1, Math.ceil(Math.max(itemSize(old ?? {}), itemSize(item)) / KB));
    this.add(written ? label : `${label} (condition failed)`, units);
    if (!written) return;
    const shape = this.shape(table);
    for (const index of shape.indexes) {
      const before = old === undefined ? undefined : this.indexEntry(shape, index.keys, old);
      const after = this.indexEntry(shape, index.keys, item);
      const entryUnits = (entry: Item) => Math.max(1, Math.ceil(itemSize(entry) / KB));
      const unchanged = before !== undefined && after !== undefined && sameKey(index.keys, before, after);
      // A KEYS_ONLY entry cannot change unless its key does; other projections are rewritten on every write.
      if (unchanged && index.keysOnly) continue;
      if (unchanged) {
        this.add(`index ${index.name}`, entryUnits(after));
        continue;
      }
      if (before !== undefined) this.add(`index ${index.name}`, entryUnits(before));
      if (after !== undefined) this.add(`index ${index.name}`, entryUnits(after));
    }
  }

  /** The index entry of `item` (table key + index key), or undefined when the sparse index does not hold it. */
  private indexEntry(shape: TableShape, indexKeys: string[], item: Item): Item | undefined {
    if (!indexKeys.every((name) => item[name] !== undefined)) return undefined;
    return Object.fromEntries(
      [...shape.keys, ...indexKeys].map((name) => [name, item[name] as AttributeValue]),
    );
  }

  private add(label: string, units: number): void {
    this.writeUnits[label] = (this.writeUnits[label] ?? 0) + units;
  }

  private shape(table: string): TableShape {
    const shape = this.tables.get(table);
    if (shape === undefined) throw new Error(`no table definition for ${table}`);
    return shape;
  }

  private keyOf(table: string, item: Item): Item {
    return Object.fromEntries(this.shape(table).keys.map((name) => [name, item[name] as AttributeValue]));
  }

  private lockKey(table: string, item: Item): string {
    return JSON.stringify([table, ...this.shape(table).keys.map((name) => item[name])]);
  }

  /** The stored items for `keys` (undefined where none), read with the unmetered client. */
  private async fetch(table: string, keys: Item[]): Promise<(Item | undefined)[]> {
    if (keys.length === 1) {
      const { Item: item } = await this.shadow.send(
        new GetItemCommand({ TableName: table, Key: keys[0], ConsistentRead: true }),
      );
      return [item];
    }
    const found = new Map<string, Item>();
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Item[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
      while (pending !== undefined && pending.length > 0) {
        const response: BatchGetItemCommandOutput = await this.shadow.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of response.Responses?.[table] ?? []) found.set(this.lockKey(table, item), item);
        pending = response.UnprocessedKeys?.[table]?.Keys;
      }
    }
    return keys.map((key) => found.get(this.lockKey(table, key)));
  }
}

const sameKey = (names: string[], a: Item, b: Item) =>
  names.every((name) => JSON.stringify(a[name]) === JSON.stringify(b[name]));

/** Per-key mutexes; several keys are taken in sorted order, so two writers can never wait on each other. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key));
    try {
      return await fn();
    } finally {
      for (const release of releases) release();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

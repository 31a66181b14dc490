/**
 * The DynamoDB calls every store of the state table makes the same way: a Query read to the end (or a limit),
 * BatchGetItem of what a KEYS_ONLY index listed (unprocessed keys retried with backoff), and a put conditional
 * on an item's revision (optimistic concurrency: the loser of a race re-reads).
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { pages } from '../aws/pages.js';
import type { Item } from './items.js';
import { KEY } from './table.js';

type Client = Pick<DynamoDBClient, 'send'>;

const BATCH_GET_LIMIT = 100;
export const UNPROCESSED_RETRIES = 6;

/** Exponential backoff with full jitter, as AWS recommends for unprocessed batch items. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2_000, 50 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** The items of a Query, page after page, for as long as the caller reads: every Query pages through here. */
export async function* queryItems(client: Client, input: QueryCommandInput): AsyncGenerator<Item> {
  const query = (ExclusiveStartKey: Item | undefined): Promise<QueryCommandOutput> =>
    client.send(new QueryCommand({ ...input, ExclusiveStartKey }));
  for await (const page of pages(query, (page) => page.LastEvaluatedKey)) yield* page.Items ?? [];
}

/** Every item of a Query, or the first `limit` of them (whole pages: the caller trims). */
export async function queryAll(client: Client, input: QueryCommandInput, limit?: number): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of queryItems(client, input)) {
    items.push(item);
    if (limit !== undefined && items.length >= limit) break;
  }
  return items;
}

/**
 * Runs a conditional write. Resolves to `{ written: true, output }`, or, when its condition refused it, to
 * `{ written: false, refusing }` with the item that refused it (when the write asked for it with
 * ReturnValuesOnConditionCheckFailure). Any other error is thrown.
 */
export async function conditionalWrite<T>(
  write: Promise<T>,
): Promise<{ written: true; output: T } | { written: false; refusing?: Item }> {
  try {
    return { written: true, output: await write };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { written: false, ...(error.Item === undefined ? {} : { refusing: error.Item }) };
  }
}

/**
 * The items of `keys` (table keys), in the keys' order; keys with no item are left out. `attributes` reads only
 * those (a ProjectionExpression), for callers that need no detail.
 */
export async function batchGetAll(
  client: Client,
  tableName: string,
  keys: readonly Item[],
  attributes?: readonly string[],
): Promise<Item[]> {
  // The keys are always read: they pair each item with its key.
  const projected = attributes === undefined ? [] : [...new Set([KEY.partition, KEY.sort, ...attributes])];
  const projection =
    attributes === undefined
      ? {}
      : {
          ProjectionExpression: projected.map((_, i) => `#a${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(projected.map((name, i) => [`#a${i}`, name])),
        };
  const id = (key: Item) => `${key[KEY.partition]?.S}\u0000${key[KEY.sort]?.S}`;
  const found = new Map<string, Item>();
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let pending: Item[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; pending !== undefined && pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES)
        throw new Error('DynamoDB kept returning unprocessed keys; try again');
      if (attempt > 0) await backoff(attempt);
      const response: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ...projection } } }),
      );
      for (const item of response.Responses?.[tableName] ?? []) found.set(id(item), item);
      pending = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return keys.flatMap((key) => {
    const item = found.get(id(key));
    return item === undefined ? [] : [item];
  });
}

/**
 * Writes `item` with `revision` = `expected + 1`, only if the stored item is at `expected` (undefined: only if
 * there is none). Returns false when another writer got there first.
 */
export async function putAtRevision(
  client: Client,
  tableName: string,
  item: Item,
  expected: number | undefined,
): Promise<boolean> {
  const put = await conditionalWrite(
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...item, revision: { N: String((expected ?? 0) + 1) } },
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
    ),
  );
  return put.written;
}

/**
 * After deploying new index keys: gives the latest items stored before them the keys they are written with
 * today. A latest item gets its keys when it is written, and a stopped task is never written again, so without
 * this its group's STOPPED bucket and byShortId would miss it until it expired. A maintenance step (the CLI, a
 * one-off run), not an access pattern: it lives apart from StateStore, so the Lambda bundles do not carry it.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mapConcurrent } from '../concurrency.js';
import { INSTANCE_STATUSES } from '../events/statuses.js';
import type { Item } from './items.js';
import {
  INDEX,
  KEY,
  kindOfKey,
  LIVE_TASKS,
  latestKey,
  OTHER_INSTANCE_STATUSES,
  STOPPED_TASKS,
  shortIdKeyOf,
  statusKey,
  stoppedGroupKey,
  taskStatusKeys,
} from './table.js';
import { batchGetAll, conditionalWrite, queryAll } from './table-io.js';

/**
 * Rewrites the index keys of a cluster's latest items stored before the keys they have now: a task that is over
 * (STOPPED, or marked missing) moves to its group's STOPPED bucket at its stop time, and every resource gets its
 * byShortId key. It lists the cluster's items through byStatus (Queries, never a Scan), reads only their keys and
 * version, and updates an item only at the version it read: a newer version carries its own keys. Idempotent:
 * a second run rewrites nothing. Returns how many items it examined and rewrote.
 */
export async function reindexLatest(
  store: { client: Pick<DynamoDBClient, 'send'>; tableName: string },
  cluster: string,
  concurrency = 8,
): Promise<{ examined: number; rewritten: number }> {
  const { client, tableName } = store;
  const partitions = [
    ...[LIVE_TASKS, STOPPED_TASKS].flatMap((bucket) => taskStatusKeys(cluster, bucket)),
    ...[...INSTANCE_STATUSES, OTHER_INSTANCE_STATUSES].map((status) =>
      statusKey(cluster, 'instance', status, 0),
    ),
  ];
  const listed = await Promise.all(
    partitions.map((partition) =>
      queryAll(client, {
        TableName: tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': INDEX.byStatus.partition },
        ExpressionAttributeValues: { ':p': { S: partition } },
      }),
    ),
  );
  const items = await batchGetAll(
    client,
    tableName,
    listed.flat().map((item) => latestKey(item[KEY.partition]?.S as string)),
    [
      'version',
      INDEX.byStatus.partition,
      INDEX.byStatus.sort,
      INDEX.byGroup.partition,
      INDEX.byShortId.partition,
    ],
  );
  const updates = items.flatMap((item) => {
    const keys = missingIndexKeys(item);
    return keys === undefined ? [] : [{ item, keys }];
  });
  const written = await mapConcurrent(updates, concurrency, async ({ item, keys }) => {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, AttributeValue> = { ':version': item.version as AttributeValue };
    const sets = Object.entries(keys).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      return `#a${i} = :a${i}`;
    });
    const update = await conditionalWrite(
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: latestKey(item[KEY.partition]?.S as string),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return update.written;
  });
  return { examined: items.length, rewritten: written.filter(Boolean).length };
}

/** The index keys a latest item lacks that it would be written with today (undefined: none). */
function missingIndexKeys(item: Item): Record<string, AttributeValue> | undefined {
  const key = item[KEY.partition]?.S ?? '';
  const keys: Record<string, AttributeValue> = {};
  const shortId = shortIdKeyOf(key);
  if (item[INDEX.byShortId.partition] === undefined && shortId !== undefined)
    keys[INDEX.byShortId.partition] = { S: shortId };
  const bucket = item[INDEX.byStatus.partition]?.S?.split('|').at(-2);
  const group = item[INDEX.byGroup.partition]?.S;
  const stoppedAt = item[INDEX.byStatus.sort]?.S;
  if (
    kindOfKey(key) === 'task' &&
    bucket === STOPPED_TASKS &&
    group !== undefined &&
    stoppedAt !== undefined
  ) {
    const stoppedGroup = stoppedGroupKey(group);
    if (stoppedGroup !== group) {
      keys[INDEX.byGroup.partition] = { S: stoppedGroup };
      keys[INDEX.byGroup.sort] = { S: stoppedAt };
    }
  }
  return Object.keys(keys).length === 0 ? undefined : keys;
}

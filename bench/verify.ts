/**
 * End-state checks against what the generator knows: the highest version and the number of distinct versions
 * of every resource. Read with an unmetered client; a Scan is fine here (it is the benchmark checking, not an
 * access pattern of the application). The state table is keyed by resourceKey(arn), not by the ARN.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { resourceKey } from '../lib/platform/arn.js';
import { HISTORY_ENTRY_PREFIX, KEY, LATEST_ENTRY } from '../lib/platform/store/table.js';
import type { ReferenceTables } from './reference.js';
import type { Stream } from './stream.js';

export interface EcsOpsVerdict {
  correct: boolean;
  latestWrong: number;
  historyWrong: number;
  historyItems: number;
}

export async function verifyEcsOps(
  client: DynamoDBClient,
  table: string,
  stream: Stream,
): Promise<EcsOpsVerdict> {
  const latest = new Map<string, number>();
  const history = new Map<string, number>();
  let historyItems = 0;
  for await (const item of scan(client, table, [KEY.partition, KEY.sort, 'version'])) {
    const key = item[KEY.partition]?.S as string;
    const entry = item[KEY.sort]?.S ?? '';
    if (entry === LATEST_ENTRY) latest.set(key, Number(item.version?.N));
    else if (entry.startsWith(HISTORY_ENTRY_PREFIX)) {
      history.set(key, (history.get(key) ?? 0) + 1);
      historyItems++;
    }
  }
  let latestWrong = 0;
  let historyWrong = 0;
  const expectedKeys = new Set<string>();
  for (const [arn, expected] of stream.resources) {
    const key = resourceKey(arn);
    expectedKeys.add(key);
    if (latest.get(key) !== expected.highest) latestWrong++;
    if (history.get(key) !== expected.versions) historyWrong++;
  }
  const extra = [...latest.keys(), ...history.keys()].filter((key) => !expectedKeys.has(key)).length;
  return {
    correct: latestWrong === 0 && historyWrong === 0 && extra === 0,
    latestWrong,
    historyWrong,
    historyItems,
  };
}

/** Resources the reference left below their highest version (lost to its read-then-write race). */
export async function referenceLostUpdates(
  client: DynamoDBClient,
  tables: ReferenceTables,
  stream: Stream,
): Promise<number> {
  const stored = new Map<string, number>();
  for (const [table, key] of [
    [tables.task, 'taskArn'],
    [tables.instance, 'containerInstanceArn'],
  ] as const) {
    for await (const item of scan(client, table, [key, 'version'])) {
      stored.set(item[key]?.S as string, Number(item.version?.N));
    }
  }
  let lost = 0;
  for (const [arn, expected] of stream.resources) if ((stored.get(arn) ?? -1) < expected.highest) lost++;
  return lost;
}

async function* scan(client: DynamoDBClient, table: string, attributes: string[]) {
  const names = Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name]));
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
        ExclusiveStartKey,
      }),
    );
    yield* page.Items ?? [];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
}

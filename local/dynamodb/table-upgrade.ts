/**
 * A local store folder written by an older ecs-ops lacks the indexes its table has today, and the embedded
 * engine accepts an UpdateTable that adds one without building it. So the table is rebuilt: every item read
 * (a Scan: a local maintenance step, not an access pattern), the table made again from today's definition, the
 * items written back, and each cluster's latest items given today's index keys (reindexLatest).
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  ScanCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { pages } from '../../lib/platform/aws/pages.js';
import type { Item } from '../../lib/platform/store/items.js';
import { reindexLatest } from '../../lib/platform/store/reindex.js';
import { INDEX, stateTableDefinition } from '../../lib/platform/store/table.js';

/** The indexes today's definition has that the table lacks. */
export function missingIndexes(table: TableDescription | undefined): string[] {
  const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  return Object.keys(INDEX).filter((name) => !present.has(name));
}

export async function rebuildStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const items: Item[] = [];
  const scan = (ExclusiveStartKey: Item | undefined) =>
    client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
  for await (const page of pages(scan, (page) => page.LastEvaluatedKey)) items.push(...(page.Items ?? []));
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await client.send(new CreateTableCommand(stateTableDefinition(tableName)));
  for (let at = 0; at < items.length; at += 25) {
    const requests = items.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } }));
    await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
  }
  const clusters = new Set(
    items.flatMap((item) => {
      const statusKey = item[INDEX.byStatus.partition]?.S;
      return statusKey === undefined ? [] : [statusKey.slice(0, statusKey.indexOf('|'))];
    }),
  );
  for (const cluster of clusters) await reindexLatest({ client, tableName }, cluster);
}

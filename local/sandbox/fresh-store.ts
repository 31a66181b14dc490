/**
 * Every run starts clean. What an earlier run left in `--dir` would otherwise pass for this run's work: in the
 * summary (its drains, its messages) and in the CLI afterwards (its tasks, runs and decisions), and a replayed
 * seed's ids would collide with the stored versions. Only what the sandbox writes goes: the state table is
 * emptied (deleted and created again from its definition), the functions' `logs/` and the `mailbox/` removed;
 * anything else in the folder stays.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteTableCommand,
  type DynamoDBClient,
  ScanCommand,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { ensureStateTable } from '../dynamodb/local-engine.js';

const FOLDERS = ['logs', 'mailbox'];

/** Empties what an earlier run left in `dir`; returns what it removed, in words (nothing when it was clean). */
export async function startClean(
  dir: string,
  store: { client: DynamoDBClient; tableName: string },
): Promise<string[]> {
  const removed: string[] = [];
  const { Count = 0 } = await store.client.send(
    new ScanCommand({ TableName: store.tableName, Select: 'COUNT', Limit: 1 }),
  );
  if (Count > 0) {
    await recreateTable(store.client, store.tableName);
    removed.push(`the items of ${store.tableName}`);
  }
  for (const folder of FOLDERS) {
    if (!existsSync(join(dir, folder))) continue;
    rmSync(join(dir, folder), { recursive: true, force: true });
    removed.push(`${folder}/`);
  }
  return removed;
}

async function recreateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  // The engine drops the table's entry just after it answers.
  await waitUntilTableNotExists({ client, minDelay: 1, maxWaitTime: 30 }, { TableName: tableName });
  await ensureStateTable(client, tableName);
}

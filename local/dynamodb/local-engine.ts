/**
 * The embedded DynamoDB-compatible engine (dynalite: pure JavaScript, LevelDB on disk) that the CLI and
 * `npm start` use when there is no AWS account. The SDK reaches it over loopback HTTP exactly as it reaches
 * DynamoDB, so the code under it is the deployed code. The CLI shares one engine process per store folder
 * (shared-engine.ts); startLocalEngine runs one in the caller's process, for tests and the benchmark.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '../../lib/platform/aws/dynamodb-client.js';
import { stateTableDefinition } from '../../lib/platform/store/table.js';
import { listenDynalite } from './dynalite-server.js';
import { leaseRunningEngine } from './shared-engine.js';
import { missingIndexes, rebuildStateTable } from './table-upgrade.js';

export const LOCAL_STATE_TABLE = 'ecs-ops-state';

export interface LocalEngine {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * Starts the engine in this process on a free loopback port; `directory` persists it, undefined keeps it in
 * memory. A folder that a shared engine process already serves is used through that engine instead (LevelDB
 * opens a folder in one process at a time); close() then releases it.
 */
export async function startLocalEngine(directory?: string): Promise<LocalEngine> {
  const shared = directory === undefined ? undefined : await leaseRunningEngine(directory);
  if (shared !== undefined) {
    return {
      endpoint: shared.endpoint,
      client: localClient(shared.endpoint),
      close: async () => shared.release(),
    };
  }
  const engine = await listenDynalite(directory);
  const endpoint = `http://127.0.0.1:${engine.port}`;
  return { endpoint, client: localClient(endpoint), close: engine.close };
}

/** An SDK client for a local endpoint; such engines accept any credentials. */
export function localClient(endpoint: string): DynamoDBClient {
  return dynamoDbClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Creates the state table from its one definition unless it exists, and waits until it and its indexes are
 * ACTIVE. Another process sharing the engine may create it at the same moment: that is as good.
 */
export async function ensureStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (missingIndexes(Table).length > 0) await rebuildStateTable(client, tableName);
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    try {
      await client.send(new CreateTableCommand(stateTableDefinition(tableName)));
    } catch (creating) {
      if ((creating as Error).name !== 'ResourceInUseException') throw creating;
    }
  }
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (attempt > 1_000) throw new Error(`table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

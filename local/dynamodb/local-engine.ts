/**
 * The embedded DynamoDB-compatible engine (dynalite: pure JavaScript, LevelDB on disk) that the CLI and
 * `npm start` use when there is no AWS account. The SDK reaches it over loopback HTTP exactly as it reaches
 * DynamoDB, so the code under it is the deployed code.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { dynamoDbClient } from '../../lib/platform/aws/dynamodb-client.js';
import { stateTableDefinition } from '../../lib/platform/store/table.js';

export const LOCAL_STATE_TABLE = 'ecs-ops-state';

returnItemsThatFailConditions();

export interface LocalEngine {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Starts the engine on a free loopback port; `directory` persists it, undefined keeps it in memory. */
export async function startLocalEngine(directory?: string): Promise<LocalEngine> {
  const server = dynalite({
    ...(directory === undefined ? {} : { path: join(directory, 'dynamodb') }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: localClient(endpoint),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * DynamoDB returns the item that failed a write's condition when asked (ReturnValuesOnConditionCheckFailure:
 * ALL_OLD); dynalite drops the parameter. This teaches it the parameter for its put, update and delete actions
 * and wraps the one function they all evaluate conditions with, so the store needs no engine-specific branch.
 */
function returnItemsThatFailConditions(): void {
  const load = createRequire(import.meta.url);
  for (const action of ['putItem', 'updateItem', 'deleteItem']) {
    const { types } = load(`dynalite/validations/${action}`) as { types: Record<string, unknown> };
    types.ReturnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
  type Conditional = (
    request: Record<string, unknown>,
    existing?: unknown,
  ) => { body: Record<string, unknown> } | null;
  const db = load('dynalite/db') as { checkConditional: Conditional };
  const evaluate = db.checkConditional;
  db.checkConditional = (request, existing) => {
    const failure = evaluate(request, existing);
    if (failure && existing !== undefined && request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') {
      failure.body.Item = existing;
    }
    return failure;
  };
}

/** An SDK client for a local endpoint; such engines accept any credentials. */
export function localClient(endpoint: string): DynamoDBClient {
  return dynamoDbClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates the state table from its one definition unless it exists, and waits until it and its indexes are ACTIVE. */
export async function ensureStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await client.send(new CreateTableCommand(stateTableDefinition(tableName)));
  }
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (attempt > 1_000) throw new Error(`table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

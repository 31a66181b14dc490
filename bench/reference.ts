/**
 * The reference algorithm: the Python Lambda from the ECS Developer Guide ("Handling events"), ported line for
 * line to the AWS SDK v3. Per event: GetItem by ARN, then PutItem({cw_version, ...detail}) if nothing is stored
 * or the stored version is lower. Read-then-write, so concurrent deliveries of one resource can lose the newest
 * version: that is the design being compared against, not a bug of the port.
 */

import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mapConcurrent } from '../lib/platform/concurrency.js';

export interface ReferenceTables {
  task: string;
  instance: string;
}

export const referenceTables = (suffix: string): ReferenceTables => ({
  task: `ECSTaskState-${suffix}`,
  instance: `ECSCtrInstanceState-${suffix}`,
});

export function referenceTableDefinitions(tables: ReferenceTables): CreateTableCommandInput[] {
  const table = (TableName: string, key: string): CreateTableCommandInput => ({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
  });
  return [table(tables.task, 'taskArn'), table(tables.instance, 'containerInstanceArn')];
}

/** lambda_handler(event): returns whether it wrote. */
export async function referenceHandler(
  event: Record<string, unknown>,
  client: DynamoDBClient,
  tables: ReferenceTables,
): Promise<boolean> {
  if (event.source !== 'aws.ecs')
    throw new Error('Function only supports input from events with a source type of: aws.ecs');
  const detail = event.detail as Record<string, unknown>;
  let tableName: string;
  let idName: string;
  if (event['detail-type'] === 'ECS Task State Change') {
    tableName = tables.task;
    idName = 'taskArn';
  } else if (event['detail-type'] === 'ECS Container Instance State Change') {
    tableName = tables.instance;
    idName = 'containerInstanceArn';
  } else {
    throw new Error('detail-type for event is not a supported type. Exiting without saving event.');
  }
  const eventId = detail[idName];

  const newRecord: Record<string, unknown> = { cw_version: event.version, ...detail };
  // "status" is a reserved word in DDB, but it appears in containerPort state change messages.
  if ('status' in event) {
    newRecord.current_status = event.status;
    delete newRecord.status;
  }

  // boto3's Table.get_item: eventually consistent unless asked otherwise.
  const saved = await client.send(
    new GetItemCommand({ TableName: tableName, Key: marshall({ [idName]: eventId }) }),
  );
  const put = () => client.send(new PutItemCommand({ TableName: tableName, Item: marshall(newRecord) }));
  if (saved.Item !== undefined) {
    if (Number(saved.Item.version?.N) < (detail.version as number)) {
      await put();
      return true;
    }
    return false;
  }
  await put();
  return true;
}

/**
 * JSON value → DynamoDB attribute map, as boto3's TypeSerializer and @aws-sdk/util-dynamodb's marshall (with
 * removeUndefinedValues) do for JSON input; that package is not a dependency of the project.
 */
export function marshall(record: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(record)) {
    const attribute = toAttribute(value);
    if (attribute !== undefined) out[name] = attribute;
  }
  return out;
}

function toAttribute(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.flatMap((v) => toAttribute(v) ?? []) };
  if (typeof value === 'object') return { M: marshall(value as Record<string, unknown>) };
  throw new TypeError(`cannot marshall a ${typeof value}`);
}

/** Delivers each event to its own handler invocation, `concurrency` at a time, in queue order. */
export async function runReference(
  bodies: readonly string[],
  client: DynamoDBClient,
  tables: ReferenceTables,
  concurrency: number,
): Promise<{ writes: number }> {
  let writes = 0;
  await mapConcurrent(bodies, concurrency, async (body) => {
    if (await referenceHandler(JSON.parse(body) as Record<string, unknown>, client, tables)) writes++;
  });
  return { writes };
}

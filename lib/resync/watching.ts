/**
 * When ecs-ops started watching: the time of the first resync (the one deploying runs), kept once in the state
 * table. Stops from before it are history a backfill records, not incidents to page late.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KEY, LATEST_ENTRY } from '../platform/store/table.js';
import { conditionalWrite } from '../platform/store/table-io.js';

const WATCHING_KEY = { [KEY.partition]: { S: 'resync#watching' }, [KEY.sort]: { S: LATEST_ENTRY } };

export class WatchingSince {
  constructor(private readonly table: { tableName: string; client: Pick<DynamoDBClient, 'send'> }) {}

  /** The recorded start, recording `now` first if there is none (only the first caller's write lands). */
  async start(now: Date): Promise<string> {
    await conditionalWrite(
      this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: { ...WATCHING_KEY, since: { S: now.toISOString() } },
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': KEY.partition },
        }),
      ),
    );
    return (await this.read()) ?? now.toISOString();
  }

  /** The recorded start, if a resync has run. */
  async read(): Promise<string | undefined> {
    const { Item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.tableName, Key: WATCHING_KEY, ConsistentRead: true }),
    );
    return Item?.since?.S;
  }
}

/**
 * A local store written before today's indexes is rebuilt when it is opened: its items kept, every index of
 * today's definition built, and the latest items given today's index keys (so a short id finds a task stored
 * before the short-id index existed).
 */
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../../../lib/platform/events/ecs-event.js';
import { historyItem, latestItem } from '../../../../lib/platform/store/items.js';
import { StateStore } from '../../../../lib/platform/store/state-store.js';
import { stateTableDefinition } from '../../../../lib/platform/store/table.js';
import {
  ensureStateTable,
  type LocalEngine,
  startLocalEngine,
} from '../../../../local/dynamodb/local-engine.js';
import { taskEvent } from '../../../support/fixtures.js';

const RETENTION = { stoppedDays: 0, historyDays: 0 };
let engine: LocalEngine | undefined;
afterEach(async () => {
  engine?.client.destroy();
  await engine?.close();
});

describe('opening a local store written before today’s indexes', () => {
  it('rebuilds the table with every index, keeps every item, and finds a task by its short id', async () => {
    engine = await startLocalEngine();
    const tableName = 'ecs-ops-state';
    const today = stateTableDefinition(tableName);
    // The table as an older ecs-ops made it: without the short-id index.
    await engine.client.send(
      new CreateTableCommand({
        ...today,
        GlobalSecondaryIndexes: today.GlobalSecondaryIndexes?.filter(
          (index) => index.IndexName !== 'byShortId',
        ),
      }),
    );
    const store = new StateStore({ tableName, client: engine.client });
    const parsed = parseEcsEvent(taskEvent({ id: 'b8309449aaaaaaaaaaaaaaaaaaaaaaaa', version: 3 }));
    if (!parsed.ok) throw new Error(parsed.error.reason);
    await store.putLatest(latestItem(parsed.event, RETENTION));
    await store.putHistory([historyItem(parsed.event, RETENTION)]);

    await ensureStateTable(engine.client, tableName);

    const { Table } = await engine.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      today.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort(),
    );
    expect((await store.findByIdPrefix('b8309449')).map((task) => task.arn)).toEqual([parsed.event.arn]);
    expect(await store.history(parsed.event.arn)).toHaveLength(1);
  });
});

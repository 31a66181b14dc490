/**
 * Latest items stored before the STOPPED group bucket and byShortId existed, on each DynamoDB engine: listed
 * under today's keys once reindexLatest rewrote them, and never rewritten twice.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../../../../lib/platform/events/ecs-event.js';
import { type Item, latestItem } from '../../../../../lib/platform/store/items.js';
import { reindexLatest } from '../../../../../lib/platform/store/reindex.js';
import type { StateStore } from '../../../../../lib/platform/store/state-store.js';
import { INDEX } from '../../../../../lib/platform/store/table.js';
import { engines, freshStore, requireEngine } from '../../../../support/engines.js';
import { type Envelope, instanceEvent, taskEvent } from '../../../../support/fixtures.js';

const RETENTION = { stoppedDays: 30, historyDays: 90 };

function latestOf(envelope: Envelope): Item {
  const result = parseEcsEvent(envelope);
  if (!result.ok) throw new Error(`invalid test event: ${result.error.field}: ${result.error.reason}`);
  return latestItem(result.event, RETENTION);
}
const arnOf = (envelope: Envelope) =>
  (envelope.detail.taskArn ?? envelope.detail.containerInstanceArn) as string;

/** The item as the previous version of items.ts wrote it: one group key for every status, no byShortId key. */
function asWrittenBefore(envelope: Envelope): Item {
  const item = latestOf(envelope);
  delete item[INDEX.byShortId.partition];
  const group = item[INDEX.byGroup.partition]?.S;
  if (group !== undefined) {
    item[INDEX.byGroup.partition] = { S: group.replace(/\|STOPPED$/, '') };
    item[INDEX.byGroup.sort] = { S: new Date(envelope.detail.createdAt as string).toISOString() };
  }
  return item;
}

async function putRaw(store: StateStore, item: Item) {
  await store.client.send(new PutItemCommand({ TableName: store.tableName, Item: item }));
}

describe.each(engines())('reindexLatest on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  it('moves stopped tasks stored before the STOPPED group bucket, and gives every resource its short id', async () => {
    // Prepare
    const store = await freshStore(target);
    const stopped = taskEvent({
      fixture: 'ecs/task/fargate-stopped.json',
      id: 'old-stopped',
      createdAt: '2024-05-01T10:00:00.000Z',
      stoppedAt: '2024-05-01T12:30:00.000Z',
    });
    const running = taskEvent({ id: 'old-running', createdAt: '2024-05-01T11:00:00.000Z' });
    const host = instanceEvent({ id: 'old-host' });
    const current = taskEvent({ id: 'written-today', createdAt: '2024-05-01T11:30:00.000Z' });
    for (const envelope of [stopped, running, host]) await putRaw(store, asWrittenBefore(envelope));
    await store.putLatest(latestOf(current));
    const window = { group: 'service:web', since: '2024-05-01T12:00:00Z', until: '2024-05-01T13:00:00Z' };
    const idOf = (envelope: Envelope) => arnOf(envelope).slice(arnOf(envelope).lastIndexOf('/') + 1);
    expect((await store.stoppedTasks('prod', window)).resources).toEqual([]);
    expect(await store.findByIdPrefix(idOf(stopped).slice(0, 8))).toEqual([]);

    // Act
    const first = await reindexLatest(store, 'prod');
    const second = await reindexLatest(store, 'prod');

    // Assess
    expect(first).toEqual({ examined: 4, rewritten: 3 });
    expect(second).toEqual({ examined: 4, rewritten: 0 });
    expect((await store.stoppedTasks('prod', window)).resources.map((task) => task.arn)).toEqual([
      arnOf(stopped),
    ]);
    expect(
      (await store.tasksByGroup('prod', 'service:web', { only: 'live' })).map((task) => task.arn),
    ).toEqual([arnOf(current), arnOf(running)]);
    for (const envelope of [stopped, running, host, current])
      expect((await store.findByIdPrefix(idOf(envelope).slice(0, 8))).map((found) => found.arn)).toEqual([
        arnOf(envelope),
      ]);
  });
});

/**
 * The StateStore adapter against each DynamoDB engine: the conditional write that decides the latest state,
 * the idempotent timeline, and the queries of every access pattern the README's data model lists.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceKey } from '../../../../../lib/platform/arn.js';
import { type Item, shardOf } from '../../../../../lib/platform/store/items.js';
import type { CurrentState, StateStore } from '../../../../../lib/platform/store/state-store.js';
import { KEY } from '../../../../../lib/platform/store/table.js';
import { engines, freshStore, requireEngine } from '../../../../support/engines.js';
import { type Envelope, incompressible, instanceEvent, taskEvent } from '../../../../support/fixtures.js';
import { arnOf, historyOf, latestOf } from '../../../../support/store-items.js';

/** A minute after 12:00 on 2024-05-01, with milliseconds, as index times are written. */
const at = (minute: number, second = 0) =>
  new Date(Date.parse('2024-05-01T12:00:00.000Z') + minute * 60_000 + second * 1000).toISOString();

async function inChunks<T>(items: readonly T[], size: number, write: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(write));
}

describe.each(engines())('StateStore on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  describe('putLatest', () => {
    it('accepts the first version, then calls an equal version duplicate and a lower one stale', async () => {
      // Prepare
      const store = await freshStore(target);
      const version = (n: number) => latestOf(taskEvent({ id: 'cw', version: n }));

      // Act
      const first = await store.putLatest(version(3));
      const same = await store.putLatest(version(3));
      const lower = await store.putLatest(version(2));

      // Assess
      expect([first, same, lower]).toEqual(['accepted', 'duplicate', 'stale']);
      expect((await store.getLatest(arnOf(taskEvent({ id: 'cw' }))))?.version).toBe(3);
    });

    it('accepts a version after a gap, and calls the skipped versions stale when they arrive late', async () => {
      // Prepare
      const store = await freshStore(target);
      const version = (n: number) => latestOf(taskEvent({ id: 'gap', version: n }));
      await store.putLatest(version(2));

      // Act
      const jump = await store.putLatest(version(9));
      const late = [await store.putLatest(version(5)), await store.putLatest(version(8))];
      const again = await store.putLatest(version(9));
      const next = await store.putLatest(version(10));

      // Assess
      expect(jump).toBe('accepted');
      expect(late).toEqual(['stale', 'stale']);
      expect(again).toBe('duplicate');
      expect(next).toBe('accepted');
      expect((await store.getLatest(arnOf(taskEvent({ id: 'gap' }))))?.version).toBe(10);
    });

    it('accepts version 0 when nothing is stored, and then calls it duplicate', async () => {
      // Prepare
      const store = await freshStore(target);
      const zero = latestOf(taskEvent({ id: 'zero', version: 0 }));

      // Act
      const verdicts = [await store.putLatest(zero), await store.putLatest(zero)];

      // Assess
      expect(verdicts).toEqual(['accepted', 'duplicate']);
    });

    it('compares versions as numbers, not strings (10 is newer than 9)', async () => {
      // Prepare
      const store = await freshStore(target);
      await store.putLatest(latestOf(taskEvent({ id: 'numeric', version: 10 })));

      // Act
      const nine = await store.putLatest(latestOf(taskEvent({ id: 'numeric', version: 9 })));

      // Assess
      expect(nine).toBe('stale');
    });

    it('keeps the highest version when many writers race on one resource', async () => {
      // Prepare
      const store = await freshStore(target);
      const versions = [7, 3, 12, 1, 12, 9, 5, 11, 2, 8, 4, 10, 6];

      // Act
      const verdicts = await Promise.all(
        versions.map((n) => store.putLatest(latestOf(taskEvent({ id: 'race', version: n })))),
      );

      // Assess
      expect((await store.getLatest(arnOf(taskEvent({ id: 'race' }))))?.version).toBe(12);
      expect(verdicts.filter((verdict) => verdict === 'accepted').length).toBeGreaterThanOrEqual(1);
      const twelves = verdicts.filter((_, index) => versions[index] === 12);
      expect(twelves.sort()).toEqual(['accepted', 'duplicate']);
    });

    it('works with attributes named by reserved words (status, version)', async () => {
      // Prepare: instance items carry both `status` and `version`.
      const store = await freshStore(target);
      const active = latestOf(instanceEvent({ id: 'reserved', version: 4, status: 'ACTIVE' }));
      const draining = latestOf(instanceEvent({ id: 'reserved', version: 5, status: 'DRAINING' }));

      // Act
      const verdicts = [
        await store.putLatest(active),
        await store.putLatest(draining),
        await store.putLatest(active),
      ];
      const raw = await store.client.send(
        new GetItemCommand({
          TableName: store.tableName,
          Key: {
            [KEY.partition]: { S: resourceKey(arnOf(instanceEvent({ id: 'reserved' }))) },
            [KEY.sort]: { S: 'latest' },
          },
          ProjectionExpression: '#status, #version',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        }),
      );

      // Assess
      expect(verdicts).toEqual(['accepted', 'accepted', 'stale']);
      expect(raw.Item).toEqual({ status: { S: 'DRAINING' }, version: { N: '5' } });
      const listed = await store.instancesByStatus('prod', 'DRAINING');
      expect(listed.map((resource) => resource.arn)).toEqual([arnOf(instanceEvent({ id: 'reserved' }))]);
    });
  });

  describe('getLatest', () => {
    it('returns undefined for an ARN it has never seen', async () => {
      // Prepare
      const store = await freshStore(target);

      // Act
      const found = await store.getLatest(arnOf(taskEvent({ id: 'never-seen' })));

      // Assess
      expect(found).toBeUndefined();
    });

    it('returns the decoded detail, kind and event time (the event id stays with the timeline)', async () => {
      // Prepare
      const store = await freshStore(target);
      const envelope = instanceEvent({ id: 'decoded', version: 3 });
      await store.putLatest(latestOf(envelope));

      // Act
      const found = await store.getLatest(arnOf(envelope));

      // Assess
      expect(found).toEqual({
        arn: arnOf(envelope),
        kind: 'instance',
        version: 3,
        eventTime: envelope.time,
        source: 'event',
        detail: envelope.detail,
        trimmedFields: [],
      });
    });
  });

  describe('what resync reads and writes', () => {
    it('lists a cluster’s live keys (tasks not STOPPED, instances not INACTIVE) and their versions without details', async () => {
      // Prepare
      const store = await freshStore(target);
      await store.putLatest(latestOf(taskEvent({ id: 'running', version: 4 })));
      await store.putLatest(latestOf(taskEvent({ id: 'stopped', version: 9, lastStatus: 'STOPPED' })));
      await store.putLatest(latestOf(taskEvent({ id: 'elsewhere', cluster: 'batch', version: 2 })));
      await store.putLatest(latestOf(instanceEvent({ id: 'active', version: 20 })));
      await store.putLatest(
        latestOf(instanceEvent({ id: 'new-status', version: 21, status: 'HIBERNATING' })),
      );
      await store.putLatest(latestOf(instanceEvent({ id: 'gone', version: 25, status: 'INACTIVE' })));
      const key = (envelope: Envelope) => resourceKey(arnOf(envelope));

      // Act
      const tasks = await store.liveKeys('prod', 'task');
      const instances = await store.liveKeys('prod', 'instance');
      const states = await store.currentStates([
        key(taskEvent({ id: 'running' })),
        key(taskEvent({ id: 'stopped' })),
        key(instanceEvent({ id: 'gone' })),
        'task/never-stored',
      ]);

      // Assess
      expect(tasks).toEqual([key(taskEvent({ id: 'running' }))]);
      expect(instances.sort()).toEqual(
        [key(instanceEvent({ id: 'active' })), key(instanceEvent({ id: 'new-status' }))].sort(),
      );
      expect(Object.fromEntries(states)).toEqual({
        [key(taskEvent({ id: 'running' }))]: expect.objectContaining({
          version: 4,
          live: true,
          missing: false,
        }),
        [key(taskEvent({ id: 'stopped' }))]: expect.objectContaining({
          version: 9,
          live: false,
          missing: false,
        }),
        [key(instanceEvent({ id: 'gone' }))]: expect.objectContaining({ version: 25, live: false }),
      });
      expect(await store.instancesByStatus('prod', 'other')).toMatchObject([
        { detail: { status: 'HIBERNATING' } },
      ]);
    });

    it('marks a live task missing only at the version it read: kept, listed as STOPPED, never marked twice', async () => {
      // Prepare
      const store = await freshStore(target);
      const running = taskEvent({ id: 'ghost', version: 4 });
      await store.putLatest(latestOf(running));
      await store.putHistory([historyOf(running)]);
      const key = resourceKey(arnOf(running));
      const state = (await store.currentStates([key])).get(key) as CurrentState;

      // Act
      const stale = await store.markMissing(key, { ...state, version: 3 }, at(5), 30);
      const marked = await store.markMissing(key, state, at(5), 30);
      const again = await store.markMissing(key, state, at(6), 30);

      // Assess
      expect([stale, marked, again]).toEqual([false, true, false]);
      expect(await store.getLatest(arnOf(running))).toMatchObject({
        version: 4,
        missingSince: at(5),
        detail: { lastStatus: 'RUNNING' },
      });
      expect(await store.history(arnOf(running))).toHaveLength(1);
      expect(await store.tasksByStatus('prod', 'RUNNING')).toEqual([]);
      expect((await store.tasksByStatus('prod', 'STOPPED')).map((task) => task.arn)).toEqual([
        arnOf(running),
      ]);
      expect((await store.currentStates([key])).get(key)).toMatchObject({ live: false, missing: true });
      // Its group lists it as stopped too, at the time it was noticed.
      expect(state.groupKey).toBe('prod|service:web');
      expect(await store.tasksByGroup('prod', 'service:web', { only: 'live' })).toEqual([]);
      const stoppedInGroup = await store.stoppedTasks('prod', {
        group: 'service:web',
        since: at(5),
        until: at(6),
      });
      expect(stoppedInGroup.resources.map((task) => task.arn)).toEqual([arnOf(running)]);
      // A newer event replaces the marked item whole: the task is what its event says again.
      await store.putLatest(latestOf(taskEvent({ id: 'ghost', version: 5, lastStatus: 'STOPPED' })));
      expect((await store.getLatest(arnOf(running)))?.missingSince).toBeUndefined();
    });

    it('never lets a timeline entry written later replace the one already there', async () => {
      // Prepare
      const store = await freshStore(target);
      const fromEvent = taskEvent({ id: 'kept', version: 4 });
      await store.putHistory([historyOf(fromEvent)]);
      const fromResync = { ...fromEvent, id: 'resync-copy', source: 'ecs-ops.resync' };

      // Act
      const replaced = await store.putHistoryIfAbsent(historyOf(fromResync));
      const added = await store.putHistoryIfAbsent(historyOf(taskEvent({ id: 'kept', version: 5 })));

      // Assess
      expect([replaced, added]).toEqual([false, true]);
      expect((await store.history(arnOf(fromEvent))).map((entry) => [entry.version, entry.source])).toEqual([
        [4, 'event'],
        [5, 'event'],
      ]);
    });
  });

  describe('putHistory', () => {
    it('writes the other items of a batch one by one when DynamoDB refuses one of them, and names only that one', async () => {
      // Prepare: an item whose key DynamoDB refuses (over 2048 bytes), among valid versions of another task.
      const store = await freshStore(target);
      const good = [1, 2, 3].map((n) => historyOf(taskEvent({ id: 'refused-neighbour', version: n })));
      const bad = {
        ...historyOf(taskEvent({ id: 'refused', version: 1 })),
        [KEY.partition]: { S: `task/${'x'.repeat(2100)}` },
      };

      // Act
      const unwritten = await store.putHistory([good[0] as Item, bad, good[1] as Item, good[2] as Item]);

      // Assess
      expect(unwritten.map((entry) => entry.item)).toEqual([bad]);
      expect(unwritten[0]?.reason).toMatch(/ValidationException|key/i);
      const timeline = await store.history(arnOf(taskEvent({ id: 'refused-neighbour' })));
      expect(timeline.map((entry) => entry.version)).toEqual([1, 2, 3]);
    });

    it('writes two items with one key once, whatever BatchWriteItem says of duplicate keys', async () => {
      // Prepare
      const store = await freshStore(target);
      const item = historyOf(taskEvent({ id: 'twice', version: 4 }));

      // Act
      const unwritten = await store.putHistory([item, { ...item }]);

      // Assess
      expect(unwritten).toEqual([]);
      expect((await store.history(arnOf(taskEvent({ id: 'twice' })))).map((entry) => entry.version)).toEqual([
        4,
      ]);
    });

    it('is idempotent on (arn, version): writing the same item twice keeps one entry', async () => {
      // Prepare
      const store = await freshStore(target);
      const item = historyOf(taskEvent({ id: 'idem', version: 3 }));

      // Act
      const first = await store.putHistory([item]);
      const second = await store.putHistory([item]);

      // Assess
      expect(first).toEqual([]);
      expect(second).toEqual([]);
      const history = await store.history(arnOf(taskEvent({ id: 'idem' })));
      expect(history.map((entry) => entry.version)).toEqual([3]);
    });

    it('returns the timeline oldest first, whatever the order of writing', async () => {
      // Prepare
      const store = await freshStore(target);
      const versions = [5, 1, 10, 3, 2];

      // Act
      await store.putHistory(versions.map((n) => historyOf(taskEvent({ id: 'order', version: n }))));

      // Assess
      const history = await store.history(arnOf(taskEvent({ id: 'order' })));
      expect(history.map((entry) => entry.version)).toEqual([1, 2, 3, 5, 10]);
      expect(history.every((entry) => entry.kind === 'task')).toBe(true);
    });

    it('writes more than 25 items (several BatchWriteItem calls)', async () => {
      // Prepare
      const store = await freshStore(target);
      const items = Array.from({ length: 61 }, (_, index) =>
        historyOf(taskEvent({ id: 'many', version: index + 1 })),
      );

      // Act
      const unwritten = await store.putHistory(items);

      // Assess
      expect(unwritten).toEqual([]);
      const history = await store.history(arnOf(taskEvent({ id: 'many' })));
      expect(history.map((entry) => entry.version)).toEqual(
        Array.from({ length: 61 }, (_, index) => index + 1),
      );
    });

    it('keeps the timelines of different resources apart and out of the latest entry', async () => {
      // Prepare
      const store = await freshStore(target);

      // Act
      await store.putHistory([
        historyOf(taskEvent({ id: 'apart-a', version: 1 })),
        historyOf(instanceEvent({ id: 'apart-b', version: 1 })),
        historyOf(taskEvent({ id: 'apart-a', version: 2 })),
      ]);
      await store.putLatest(latestOf(taskEvent({ id: 'apart-a', version: 2 })));

      // Assess
      const a = await store.history(arnOf(taskEvent({ id: 'apart-a' })));
      const b = await store.history(arnOf(instanceEvent({ id: 'apart-b' })));
      expect(a.map((entry) => entry.version)).toEqual([1, 2]);
      expect(b.map((entry) => [entry.kind, entry.version])).toEqual([['instance', 1]]);
    });

    it('reads a timeline larger than one 1 MB query page', async () => {
      // Prepare: 6 versions of about 260 KB each.
      const store = await freshStore(target);
      const items = Array.from({ length: 6 }, (_, index) =>
        historyOf(
          taskEvent({
            id: 'paged',
            version: index + 1,
            detail: { blob: incompressible(`p${index}`, 340_000) },
          }),
        ),
      );
      for (const item of items) await store.putHistory([item]);

      // Act
      const history = await store.history(arnOf(taskEvent({ id: 'paged' })));

      // Assess
      expect(history.map((entry) => entry.version)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(history[5]?.detail.blob).toBe(incompressible('p5', 340_000));
    });
  });

  describe('listing', () => {
    // Twelve RUNNING tasks created a minute apart (live tasks are listed by creation time), over the shards.
    const running = Array.from({ length: 12 }, (_, minute) =>
      taskEvent({
        id: `running-${minute}`,
        version: 4,
        createdAt: at(minute),
        startedAt: at(minute, 20),
        group: minute % 2 === 0 ? 'service:even' : 'service:odd',
      }),
    );
    const stopped = taskEvent({ fixture: 'ecs/task/fargate-stopped.json', id: 'stopped-0', version: 9 });
    const elsewhere = taskEvent({
      id: 'other-cluster',
      cluster: 'staging',
      version: 4,
      startedAt: at(5, 30),
    });
    let store: StateStore;

    beforeAll(async () => {
      store = await freshStore(target);
      await inChunks([...running, stopped, elsewhere], 8, (envelope) => store.putLatest(latestOf(envelope)));
    });

    it('spreads the tasks of one status over more than one shard', () => {
      expect(new Set(running.map((envelope) => shardOf(arnOf(envelope)))).size).toBeGreaterThan(1);
    });

    it('lists the tasks of a status newest first across all shards', async () => {
      // Act
      const listed = await store.tasksByStatus('prod', 'RUNNING');

      // Assess
      expect(listed.map((resource) => resource.arn)).toEqual([...running].reverse().map(arnOf));
      expect(listed.every((resource) => resource.detail.lastStatus === 'RUNNING')).toBe(true);
    });

    it('lists only the given cluster and status', async () => {
      // Act
      const staging = await store.tasksByStatus('staging', 'RUNNING');
      const stoppedInProd = await store.tasksByStatus('prod', 'STOPPED');
      const none = await store.tasksByStatus('prod', 'PENDING');

      // Assess
      expect(staging.map((resource) => resource.arn)).toEqual([arnOf(elsewhere)]);
      expect(stoppedInProd.map((resource) => resource.arn)).toEqual([arnOf(stopped)]);
      expect(none).toEqual([]);
    });

    it('returns the newest ones first when limited', async () => {
      // Act
      const listed = await store.tasksByStatus('prod', 'RUNNING', { limit: 3 });

      // Assess
      expect(listed.map((resource) => resource.arn)).toEqual(
        [11, 10, 9].map((n) => arnOf(running[n] as Envelope)),
      );
    });

    it('lists a time window: since is inclusive, until excludes later times', async () => {
      // Act
      const window = await store.tasksByStatus('prod', 'RUNNING', { since: at(3), until: at(7, 30) });

      // Assess
      expect(window.map((resource) => resource.arn)).toEqual(
        [7, 6, 5, 4, 3].map((n) => arnOf(running[n] as Envelope)),
      );
    });

    it('lists everything since a time', async () => {
      // Act
      const since = await store.tasksByStatus('prod', 'RUNNING', { since: at(9, 30) });

      // Assess
      expect(since.map((resource) => resource.arn)).toEqual(
        [11, 10].map((n) => arnOf(running[n] as Envelope)),
      );
    });

    it('lists everything until a time, that time included', async () => {
      // Act
      const until = await store.tasksByStatus('prod', 'RUNNING', { until: at(1, 30) });
      const inclusive = await store.tasksByStatus('prod', 'RUNNING', { until: at(1) });

      // Assess
      expect(until.map((resource) => resource.arn)).toEqual([1, 0].map((n) => arnOf(running[n] as Envelope)));
      expect(inclusive.map((resource) => resource.arn)).toEqual(
        [1, 0].map((n) => arnOf(running[n] as Envelope)),
      );
    });

    it('compares window bounds as times, whatever their ISO format', async () => {
      // Act: "12:03:00Z" without milliseconds must still include the task created at 12:03:00.000Z
      const since = await store.tasksByStatus('prod', 'RUNNING', {
        since: '2024-05-01T12:03:00Z',
        until: at(3),
      });

      // Assess
      expect(since.map((resource) => resource.arn)).toEqual([arnOf(running[3] as Envelope)]);
    });

    it('lists a service group newest created first, within a window', async () => {
      // Act
      const even = await store.tasksByGroup('prod', 'service:even');
      const recent = await store.tasksByGroup('prod', 'service:odd', { since: at(5) });

      // Assess
      expect(even.map((resource) => resource.arn)).toEqual(
        [10, 8, 6, 4, 2, 0].map((n) => arnOf(running[n] as Envelope)),
      );
      expect(recent.map((resource) => resource.arn)).toEqual(
        [11, 9, 7, 5].map((n) => arnOf(running[n] as Envelope)),
      );
    });

    it('finds a task by its id', async () => {
      // Prepare
      const arn = arnOf(running[4] as Envelope);

      // Act
      const found = await store.findById(arn.slice(arn.lastIndexOf('/') + 1));
      const missing = await store.findById('0123456789abcdef0123456789abcdef');

      // Assess
      expect(found.map((resource) => resource.arn)).toEqual([arn]);
      expect(missing).toEqual([]);
    });
  });

  describe('hosts', () => {
    it('lists the tasks on a container instance and the instance on an EC2 instance', async () => {
      // Prepare
      const store = await freshStore(target);
      const host = instanceEvent({ id: 'host', version: 2, ec2InstanceId: 'i-0123456789abcdef0' });
      const onHost = [0, 1, 2].map((n) =>
        taskEvent({
          fixture: 'ecs/task/ec2-running.json',
          id: `on-host-${n}`,
          containerInstanceArn: arnOf(host),
          createdAt: at(n),
        }),
      );
      const fargate = taskEvent({ id: 'not-on-host' });
      await inChunks([host, ...onHost, fargate], 8, (envelope) => store.putLatest(latestOf(envelope)));

      // Act
      const tasks = await store.tasksOnContainerInstance(arnOf(host));
      const instances = await store.instancesOnEc2('i-0123456789abcdef0');

      // Assess
      expect(tasks.map((resource) => resource.arn)).toEqual(
        [2, 1, 0].map((n) => arnOf(onHost[n] as Envelope)),
      );
      expect(instances.map((resource) => resource.arn)).toEqual([arnOf(host)]);
    });
  });

  describe('at scale', () => {
    it('lists more than 100 resources (several BatchGetItem calls), in order', async () => {
      // Prepare
      const store = await freshStore(target);
      const tasks = Array.from({ length: 130 }, (_, index) =>
        taskEvent({
          id: `big-${index}`,
          version: 4,
          group: 'service:big',
          createdAt: new Date(Date.parse('2024-05-01T00:00:00.000Z') + index * 1000).toISOString(),
        }),
      );
      await inChunks(tasks, 16, (envelope) => store.putLatest(latestOf(envelope)));

      // Act
      const listed = await store.tasksByGroup('prod', 'service:big');

      // Assess
      expect(listed).toHaveLength(130);
      expect(listed.map((resource) => resource.arn)).toEqual([...tasks].reverse().map(arnOf));
      expect(new Set(listed.map((resource) => resource.version))).toEqual(new Set([4]));
    });
  });
});

/**
 * The DrainStore against each DynamoDB engine: one item per EC2 instance, every write conditional on the
 * revision read, drains listed through the byStatus index (open ones and released ones), released ones expiring.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DrainChangedError, DrainStore, drainPartition } from '../../../../lib/drain/drain-store.js';
import type { Drain } from '../../../../lib/drain/model.js';
import { KEY, TTL_ATTRIBUTE } from '../../../../lib/platform/store/table.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const at = (minute: number) =>
  new Date(Date.parse('2024-05-02T10:00:00.000Z') + minute * 60_000).toISOString();

function drain(ec2InstanceId: string, startedMinute: number, overrides: Partial<Drain> = {}): Drain {
  return {
    ec2InstanceId,
    cluster: 'prod',
    containerInstanceArn: `arn:aws:ecs:us-east-1:123456789012:container-instance/prod/${ec2InstanceId.slice(2)}`,
    trigger: 'lifecycle',
    lifecycle: {
      autoScalingGroup: 'ecs-prod',
      hook: 'ecs-ops-drain',
      token: `token-${ec2InstanceId}`,
      startedAt: at(startedMinute),
    },
    startedAt: at(startedMinute),
    deadline: at(startedMinute + 60),
    state: 'draining',
    tasks: {},
    heartbeats: 0,
    apiCalls: 2,
    notes: [`lifecycle drain of ${ec2InstanceId} (prod): set DRAINING`],
    ...overrides,
  };
}

const released = (base: Drain, minute: number): Drain => ({
  ...base,
  state: 'released',
  release: { at: at(minute), reason: 'empty', lifecycleResult: 'CONTINUE', remaining: [] },
});

describe.each(engines())('DrainStore on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  async function drainStore(retentionDays = 30) {
    const state = await freshStore(target);
    const store = new DrainStore({ tableName: state.tableName, client: state.client, retentionDays });
    const rawItem = async (ec2InstanceId: string) =>
      (
        await state.client.send(
          new GetItemCommand({
            TableName: state.tableName,
            Key: { [KEY.partition]: { S: drainPartition(ec2InstanceId) }, [KEY.sort]: { S: 'drain' } },
          }),
        )
      ).Item;
    return { store, rawItem };
  }

  it('saves without a revision only when the instance has no drain yet', async () => {
    // Prepare
    const { store } = await drainStore();
    const first = drain('i-0000000000000a001', 0);

    // Act
    const saved = await store.save(first, undefined);
    const second = await store.save({ ...first, trigger: 'manual' }, undefined).catch((error) => error);

    // Assess
    expect(saved.revision).toBe(1);
    expect(second).toBeInstanceOf(DrainChangedError);
    expect(await store.get(first.ec2InstanceId)).toEqual({ drain: first, revision: 1 });
  });

  it('refuses a save on a stale revision, and takes the current one', async () => {
    // Prepare
    const { store } = await drainStore();
    const base = drain('i-0000000000000a001', 0);
    const { revision } = await store.save(base, undefined);
    const withHeartbeat = { ...base, heartbeats: 1, lastHeartbeatAt: at(5) };
    await store.save(withHeartbeat, revision);

    // Act
    const stale = await store.save({ ...base, apiCalls: 3 }, revision).catch((error) => error);
    const current = await store.save({ ...withHeartbeat, apiCalls: 3 }, revision + 1);

    // Assess
    expect(stale).toBeInstanceOf(DrainChangedError);
    expect(stale).toMatchObject({ name: 'DrainChangedError', ec2InstanceId: base.ec2InstanceId });
    expect(current.revision).toBe(3);
    expect(await store.get(base.ec2InstanceId)).toEqual({
      drain: { ...withHeartbeat, apiCalls: 3 },
      revision: 3,
    });
  });

  it('lists open drains oldest first, and all drains newest first, through the byStatus index', async () => {
    // Prepare: two open drains and two released ones, saved out of order.
    const { store } = await drainStore();
    const a = drain('i-0000000000000a001', 10);
    const b = drain('i-0000000000000a002', 0);
    const c = drain('i-0000000000000a003', 5);
    const d = drain('i-0000000000000a004', 20);
    for (const item of [a, b, c, d]) await store.save(item, undefined);
    await store.save(released(c, 30), 1);
    await store.save(released(d, 40), 1);

    // Act
    const open = await store.open();
    const openOnly = await store.list({ openOnly: true });
    const all = await store.list();
    const firstThree = await store.list({ limit: 3 });

    // Assess
    expect(open.map((stored) => [stored.drain.ec2InstanceId, stored.revision])).toEqual([
      [b.ec2InstanceId, 1],
      [a.ec2InstanceId, 1],
    ]);
    expect(openOnly.map((item) => item.ec2InstanceId)).toEqual([a.ec2InstanceId, b.ec2InstanceId]);
    expect(all.map((item) => [item.ec2InstanceId, item.state])).toEqual([
      [a.ec2InstanceId, 'draining'],
      [b.ec2InstanceId, 'draining'],
      [d.ec2InstanceId, 'released'],
      [c.ec2InstanceId, 'released'],
    ]);
    expect(firstThree.map((item) => item.ec2InstanceId)).toEqual([
      a.ec2InstanceId,
      b.ec2InstanceId,
      d.ec2InstanceId,
    ]);
  });

  it('counts a releasing drain as open', async () => {
    // Prepare
    const { store } = await drainStore();
    const base = drain('i-0000000000000a001', 0);
    await store.save(base, undefined);

    // Act
    await store.save({ ...base, state: 'releasing', leaseUntil: at(1) }, 1);

    // Assess
    expect((await store.open()).map((stored) => stored.drain.state)).toEqual(['releasing']);
  });

  it('gives a released drain the TTL attribute, after the retention from its release', async () => {
    // Prepare
    const { store, rawItem } = await drainStore(30);
    const base = drain('i-0000000000000a001', 0);
    await store.save(base, undefined);
    const openItem = await rawItem(base.ec2InstanceId);

    // Act
    await store.save(released(base, 12), 1);

    // Assess
    expect(openItem?.[TTL_ATTRIBUTE]).toBeUndefined();
    const item = await rawItem(base.ec2InstanceId);
    expect(item?.[TTL_ATTRIBUTE]).toEqual({ N: String(Date.parse(at(12)) / 1000 + 30 * 86_400) });
  });

  it('keeps a released drain forever with a retention of 0 days', async () => {
    // Prepare
    const { store, rawItem } = await drainStore(0);
    const base = drain('i-0000000000000a001', 0);
    await store.save(base, undefined);

    // Act
    await store.save(released(base, 12), 1);

    // Assess
    expect((await rawItem(base.ec2InstanceId))?.[TTL_ATTRIBUTE]).toBeUndefined();
  });

  it('round-trips a drain with its tasks, instance, notes and release', async () => {
    // Prepare
    const { store } = await drainStore();
    const full: Drain = released(
      drain('i-0000000000000a001', 0, {
        instance: { status: 'DRAINING', version: 7, runningTasksCount: 0, pendingTasksCount: 0 },
        tasks: {
          'arn:aws:ecs:us-east-1:123456789012:task/prod/aaa': {
            lastStatus: 'STOPPED',
            version: 5,
            group: 'service:web',
            stoppedAt: at(3),
          },
          'arn:aws:ecs:us-east-1:123456789012:task/prod/bbb': { lastStatus: 'RUNNING', version: 2 },
        },
        heartbeats: 2,
        lastHeartbeatAt: at(10),
        standaloneStoppedAt: at(10),
        lastTaskStoppedAt: at(3),
        notes: ['lifecycle drain of i-0000000000000a001 (prod): set DRAINING', 'heartbeat 1', 'heartbeat 2'],
      }),
      12,
    );
    await store.save(full, undefined);

    // Act
    const read = await store.get(full.ec2InstanceId);
    const listed = await store.list();

    // Assess
    expect(read).toEqual({ drain: full, revision: 1 });
    expect(listed).toEqual([full]);
    expect(await store.get('i-0000000000000ffff')).toBeUndefined();
  });
});

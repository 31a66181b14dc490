/**
 * Resync on each engine, against a simulated cluster read through the real ECS client: the store ends equal to
 * what ECS knows whatever events were lost, through the one version rule; nothing is deleted or resurrected;
 * what ECS no longer knows is marked; stops nobody heard of are published once; every run is journaled.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TASK_STATE_CHANGE } from '../../../../lib/platform/events/ecs-event.js';
import { INDEX, KEY, LATEST_ENTRY } from '../../../../lib/platform/store/table.js';
import { RESYNC_JOURNAL_KIND } from '../../../../lib/resync/model.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { resyncWorld, startWebTasks } from '../../../support/resync-harness.js';

const MINUTE = 60_000;

describe.each(engines())('resync on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const live = engine;
  const world = async (seed?: number) => resyncWorld(await freshStore(live), seed);

  it('backfills an empty store on day one: every task and instance ECS knows, from the API', async () => {
    const w = await world();
    w.instance('i-0000000000000000a');
    const tasks = startWebTasks(w, 120);

    const { reports, cursor } = await w.resync({ trigger: 'deploy' });

    expect(cursor).toBeUndefined();
    expect(reports).toMatchObject([
      { cluster: 'prod', added: 121, advanced: 0, markedMissing: 0, failed: 0 },
    ]);
    expect(reports[0]?.invalid).toEqual([]);
    expect((await w.groundTruth()).mismatches).toEqual([]);
    const stored = await w.store.getLatest(tasks[0] as string);
    expect(stored).toMatchObject({ source: 'resync', detail: { lastStatus: 'RUNNING' } });
    const [entry] = await w.store.history(tasks[0] as string);
    expect(entry).toMatchObject({ source: 'resync' });
    // A day-one backfill pages nothing: those stops are history, not incidents missed.
    expect(w.published).toEqual([]);
  });

  it('gives items stored before today’s index keys theirs when a deploy triggers it', async () => {
    const w = await world();
    const [task] = startWebTasks(w, 1);
    await w.deliver();
    const id = String(task).slice(-32);
    // As stored before the short-id index existed: no key for it.
    await w.store.client.send(
      new UpdateItemCommand({
        TableName: w.store.tableName,
        Key: { [KEY.partition]: { S: `task/${id}` }, [KEY.sort]: { S: LATEST_ENTRY } },
        UpdateExpression: 'REMOVE #shortId',
        ExpressionAttributeNames: { '#shortId': INDEX.byShortId.partition },
      }),
    );
    expect(await w.store.findByIdPrefix(id.slice(0, 8))).toEqual([]);

    const { reports } = await w.resync({ trigger: 'deploy' });

    expect(reports[0]).toMatchObject({ reindexed: 1, inSync: 1 });
    expect((await w.store.findByIdPrefix(id.slice(0, 8))).map((found) => found.arn)).toEqual([task]);
  });

  it('heals lost events: advances what is behind, pages each stop nobody heard of once, journals it', async () => {
    const w = await world();
    await w.resync({ trigger: 'deploy' });
    const tasks = startWebTasks(w, 30);
    await w.deliver();
    w.advance(MINUTE);
    for (const task of tasks.slice(0, 10)) w.sim.stopTask({ cluster: 'prod', task, reason: 'crashed' });
    w.settle();
    // Every STOPPED event is lost; the other states arrive.
    const lost = await w.deliver((event) => event.detail.lastStatus === 'STOPPED');
    expect(lost).toBe(10);

    const { reports } = await w.resync();

    expect(reports[0]).toMatchObject({ added: 0, advanced: 10, inSync: 20, markedMissing: 0, lateStops: 10 });
    expect((await w.groundTruth()).mismatches).toEqual([]);
    expect(w.published.map((event) => event.resources[0]).sort()).toEqual(tasks.slice(0, 10).sort());
    expect(w.published.every((event) => event.source === 'ecs-ops.resync')).toBe(true);
    expect(w.published[0]?.['detail-type']).toBe(TASK_STATE_CHANGE);

    // A second run, a minute later, finds nothing to correct, and pages nothing again.
    w.advance(MINUTE);
    const again = await w.resync();
    expect(again.reports[0]).toMatchObject({ added: 0, advanced: 0, lateStops: 0, inSync: 30 });
    expect(w.published).toHaveLength(10);

    const journaled = await w.journal.list({
      kind: RESYNC_JOURNAL_KIND,
      since: '2024-01-01T00:00:00Z',
      until: '2025-01-01T00:00:00Z',
    });
    // Newest first.
    expect(journaled.map((entry) => entry.fields.advanced)).toEqual([0, 10, 0]);
    expect(journaled[1]?.fields.corrections).toHaveLength(10);
  });

  it('advances an instance ECS no longer lists (deregistered, event lost) with its cluster’s ARN', async () => {
    const w = await world();
    w.instance('i-0000000000000000a');
    w.settle();
    await w.deliver();
    const [registered] = w.sim.snapshot().containerInstances;
    // The instance leaves the Auto Scaling group's hands at once (no hook on this group in the test).
    w.sim.terminateInstance('i-0000000000000000a');
    w.settle();
    await w.deliver((event) => event['detail-type'] === 'ECS Container Instance State Change');

    const { reports } = await w.resync();

    expect(reports[0]).toMatchObject({ advanced: 1, failed: 0, invalid: [] });
    const stored = await w.store.getLatest(String(registered?.containerInstanceArn));
    expect(stored?.detail).toMatchObject({ status: 'INACTIVE', clusterArn: registered?.clusterArn });
    expect((await w.groundTruth()).mismatches).toEqual([]);
  });

  it('never lets a snapshot overwrite a newer event, and fills the timeline gap it knows', async () => {
    const w = await world();
    const [task] = startWebTasks(w, 1);
    await w.deliver((event) => event.detail.lastStatus === 'RUNNING');
    const versionsBefore = (await w.store.history(task as string)).map((entry) => entry.version);

    await w.resync();

    const timeline = await w.store.history(task as string);
    expect(timeline.map((entry) => entry.version)).toEqual([
      ...versionsBefore,
      (await w.store.getLatest(task as string))?.version,
    ]);
    expect(timeline.at(-1)?.source).toBe('resync');
    expect(timeline.slice(0, -1).every((entry) => entry.source === 'event')).toBe(true);
  });

  it('marks what ECS no longer knows as missing: kept with its history, listed as stopped, never resurrected', async () => {
    const w = await world();
    const [task] = startWebTasks(w, 1);
    await w.deliver();
    const stored = await w.store.getLatest(task as string);
    // A task the simulator no longer knows: ECS answers MISSING for it.
    const ghost = { ...JSON.parse(JSON.stringify(w.events.at(-1))) };
    ghost.detail.taskArn = String(ghost.detail.taskArn).replace(/[0-9a-f]{32}$/, 'f'.repeat(32));
    ghost.resources = [ghost.detail.taskArn];
    ghost.id = 'ghost';
    w.events.push(ghost);
    await w.deliver();

    const { reports } = await w.resync();

    expect(reports[0]).toMatchObject({ markedMissing: 1, advanced: 0 });
    const marked = await w.store.getLatest(ghost.detail.taskArn);
    expect(marked).toMatchObject({ version: ghost.detail.version, detail: { lastStatus: 'RUNNING' } });
    expect(marked?.missingSince).toBe(new Date(w.clock.now).toISOString());
    expect(await w.store.history(ghost.detail.taskArn)).toHaveLength(1);
    const running = await w.store.tasksByStatus('prod', 'RUNNING');
    expect(running.map((t) => t.arn)).toEqual([stored?.arn]);
    const stopped = await w.store.tasksByStatus('prod', 'STOPPED');
    expect(stopped.map((t) => t.arn)).toEqual([ghost.detail.taskArn]);

    const again = await w.resync();
    expect(again.reports[0]).toMatchObject({ markedMissing: 0, added: 0, advanced: 0 });
    expect(await w.store.getLatest(ghost.detail.taskArn)).toMatchObject({
      missingSince: marked?.missingSince,
    });
  });

  it('backs off when ECS throttles and still reads every page', async () => {
    const w = await world();
    startWebTasks(w, 150);
    w.endpoint.faults = [{ service: 'ecs', operation: 'DescribeTasks', throttle: 1, times: 3 }];

    const { reports } = await w.resync();

    expect(reports[0]).toMatchObject({ added: 150, failed: 0, apiCalls: { DescribeTasks: 2 } });
    expect((await w.groundTruth()).mismatches).toEqual([]);
  });

  it('refuses an API answer without a version with the reason, and corrects the rest', async () => {
    const w = await world();
    const [broken, ...rest] = startWebTasks(w, 3);
    await w.deliver();
    w.advance(MINUTE);
    for (const task of [broken, ...rest]) w.sim.stopTask({ cluster: 'prod', task: task as string });
    w.settle();
    const reader = w.dependencies.ecsApi;
    w.dependencies.ecsApi = () => {
      const api = reader();
      const describeTasks = api.describeTasks.bind(api);
      api.describeTasks = async (cluster, arns) => {
        const answer = await describeTasks(cluster, arns);
        for (const task of answer.found) if (task.taskArn === broken) delete task.version;
        return answer;
      };
      return api;
    };

    const { reports } = await w.resync();

    expect(reports[0]).toMatchObject({ advanced: 2, failed: 0 });
    expect(reports[0]?.invalid).toEqual([
      expect.objectContaining({
        arn: broken,
        field: 'detail.version',
        reason: expect.stringContaining('whole version'),
      }),
    ]);
    expect(await w.store.getLatest(broken as string)).toMatchObject({ detail: { lastStatus: 'RUNNING' } });
  });

  it('prints the drift of a dry run without writing anything', async () => {
    const w = await world();
    startWebTasks(w, 5);

    const { reports } = await w.resync({ dryRun: true });

    expect(reports[0]).toMatchObject({ dryRun: true, added: 5 });
    expect(reports[0]?.corrections.map((c) => c.action)).toEqual(['add', 'add', 'add', 'add', 'add']);
    expect((await w.groundTruth()).mismatches).toHaveLength(5);
    expect(
      await w.journal.list({
        kind: RESYNC_JOURNAL_KIND,
        since: '2024-01-01T00:00:00Z',
        until: '2025-01-01T00:00:00Z',
      }),
    ).toEqual([]);
  });

  it('stops between pages when time runs short and resumes from its cursor to the same end', async () => {
    const w = await world();
    w.instance('i-0000000000000000a');
    startWebTasks(w, 250);
    let budget = 2;
    const first = await w.resync({ remainingMs: () => (budget-- > 0 ? 600_000 : 0) });

    expect(first.cursor).toMatchObject({ clusters: ['prod'], phase: 'running-tasks' });
    expect(first.cursor?.nextToken).toBeDefined();
    expect(first.reports[0]).toMatchObject({ complete: false, added: 200 });

    const rest = await w.resync({
      trigger: 'continuation',
      ...(first.cursor ? { cursor: first.cursor } : {}),
    });

    expect(rest.cursor).toBeUndefined();
    expect(rest.runId).toBe(first.runId);
    expect((await w.groundTruth()).mismatches).toEqual([]);
  });
});

/**
 * The drain function and the drain sweeper through the real SDK against the local endpoint: an instance
 * leaving its Auto Scaling group is set DRAINING, its service tasks move elsewhere, and its lifecycle action is
 * completed once, on the event that shows it empty — or, with tasks that never stop, heartbeated until the
 * deadline releases it and tells on-call, once, which tasks were cut off.
 */
import { describe, expect, it } from 'vitest';
import type { Drain } from '../../../../lib/drain/model.js';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import {
  CLUSTER,
  GROUP,
  HOOK,
  HOST,
  MINUTE,
  STRANGER,
  setup,
  spotWarning,
} from '../../../support/drain-harness.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const isInstanceEvent = (event: EventEnvelope | undefined) =>
  event?.['detail-type'] === 'ECS Container Instance State Change';

describe.each(engines())('drainer on $name', (engine) => {
  if (!requireEngine(engine)) return;

  describe('scale-in of an instance running 3 service tasks', () => {
    it('sets it DRAINING, and completes the lifecycle action once, on the event that shows it empty', async () => {
      // Prepare
      const h = await setup(await freshStore(engine));
      await h.flush();
      expect(h.tasksOn(h.containerInstanceArn)).toHaveLength(3);

      // Act: EC2 Auto Scaling scales in HOST; the drain function gets its lifecycle action.
      h.scaleIn(HOST);
      const [started] = await h.flush();

      // Assess: a drain, the instance DRAINING, its 3 tasks followed.
      expect(started?.outcome).toMatchObject({ outcome: 'done', step: 'started', ec2InstanceId: HOST });
      expect(h.instanceOf(HOST)?.status).toBe('DRAINING');
      expect(h.requests()['ecs.UpdateContainerInstancesState']).toBe(1);
      const open = (await h.drains.get(HOST))?.drain;
      expect(open).toMatchObject({
        state: 'draining',
        trigger: 'lifecycle',
        cluster: CLUSTER,
        containerInstanceArn: h.containerInstanceArn,
        lifecycle: { autoScalingGroup: GROUP, hook: HOOK },
        deadline: new Date(h.clock.now + 60 * MINUTE).toISOString(),
      });
      expect(Object.keys(open?.tasks ?? {})).toHaveLength(3);

      // Act: the service scheduler starts replacements elsewhere, then stops the tasks on HOST.
      const deliveries = [];
      for (let second = 0; second < 60 && h.sim.autoScaling.nextDueAt() !== undefined; second++) {
        h.advance(1_000);
        deliveries.push(...(await h.flush()));
      }

      // Assess: CompleteLifecycleAction CONTINUE exactly once, on the instance event showing DRAINING and
      // no task, delivered after the last task's STOPPED event.
      const completions = h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction');
      expect(completions).toHaveLength(1);
      expect(h.requests()['autoScaling.CompleteLifecycleAction']).toBe(1);
      const [completion] = completions;
      expect(completion?.input).toMatchObject({
        AutoScalingGroupName: GROUP,
        LifecycleHookName: HOOK,
        InstanceId: HOST,
        LifecycleActionResult: 'CONTINUE',
      });
      expect(isInstanceEvent(completion?.during)).toBe(true);
      expect(completion?.during?.detail).toMatchObject({
        status: 'DRAINING',
        runningTasksCount: 0,
        pendingTasksCount: 0,
      });
      const releasedAt = deliveries.findIndex((d) => d.event === completion?.during);
      const stops = deliveries.filter(
        (d) =>
          d.event.detail.lastStatus === 'STOPPED' &&
          d.event.detail.containerInstanceArn === h.containerInstanceArn,
      );
      expect(stops).toHaveLength(3);
      const lastStop = deliveries.indexOf(stops[2] as (typeof deliveries)[number]);
      expect(lastStop).toBeLessThan(releasedAt);
      // Released in the same second's flush as the last stop (the target is ≤ 5 s), with no polling.
      const lastStoppedAt = Date.parse(String(stops[2]?.event.detail.stoppedAt));
      expect((completion?.at ?? Number.NaN) - lastStoppedAt).toBeLessThanOrEqual(1_000);
      expect(deliveries[releasedAt]?.outcome).toMatchObject({ step: 'released' });
      // Later deliveries (the instance deregistering) change nothing and call nothing.
      expect(deliveries.slice(releasedAt + 1).map((d) => d.outcome?.outcome)).not.toContain('failed');

      // The instance left, the service kept its 3 tasks elsewhere.
      expect(h.instanceOf(HOST)?.status).toBe('INACTIVE');
      expect(h.sim.snapshot().tasks.filter((task) => task.lastStatus === 'RUNNING')).toHaveLength(3);

      const released = (await h.drains.get(HOST))?.drain;
      expect(released).toMatchObject({
        state: 'released',
        release: { reason: 'empty', lifecycleResult: 'CONTINUE', remaining: [] },
        lastTaskStoppedAt: stops[2]?.event.detail.stoppedAt,
      });
      expect(released?.apiCalls).toBeGreaterThanOrEqual(2);
      expect(released?.apiCalls).toBeLessThanOrEqual(4);
      expect(Object.values(released?.tasks ?? {}).map((task) => task.lastStatus)).toEqual([
        'STOPPED',
        'STOPPED',
        'STOPPED',
      ]);
      expect(h.requests()['autoScaling.RecordLifecycleActionHeartbeat']).toBeUndefined();
      expect(h.publisher.messages).toEqual([]);
      const journaled = (await h.drainEntries()).map((entry) => entry.fields.outcome).reverse();
      expect(journaled).toEqual(['started', 'released']);
    });
  });

  it('releases an EC2 instance unknown to ECS at once, journaled as not registered', async () => {
    // Prepare: an instance of the group that never registered as a container instance.
    const h = await setup(await freshStore(engine));
    h.sim.autoScaling.addInstance(GROUP, STRANGER, 'us-east-1a');
    h.skipDrainEvents();

    // Act
    h.sim.autoScaling.beginTermination(STRANGER);
    const [delivery] = await h.flush();

    // Assess
    expect(delivery?.outcome).toMatchObject({
      outcome: 'done',
      step: 'released',
      release: { reason: 'not-registered', lifecycleResult: 'CONTINUE', remaining: [] },
    });
    expect(h.lifecycleCalls.map((call) => [call.operation, call.input.InstanceId])).toEqual([
      ['CompleteLifecycleAction', STRANGER],
    ]);
    expect(h.requests()['ecs.UpdateContainerInstancesState']).toBeUndefined();
    expect(await h.sim.autoScaling.describeAutoScalingInstances({ InstanceIds: [STRANGER] })).toMatchObject({
      AutoScalingInstances: [],
    });
    const drain = (await h.drains.get(STRANGER))?.drain;
    expect(drain).toMatchObject({ state: 'released', release: { reason: 'not-registered' } });
    expect(drain?.containerInstanceArn).toBeUndefined();
    const entries = await h.drainEntries();
    expect(entries.find((entry) => entry.fields.outcome === 'released')?.fields).toMatchObject({
      ec2InstanceId: STRANGER,
      reason: 'not-registered',
      lifecycleResult: 'CONTINUE',
    });
  });

  describe('a standalone task that never stops', () => {
    it('heartbeats the lifecycle action while waiting, then releases at the deadline and names the task', async () => {
      // Prepare: HOST also runs a standalone task, which DRAINING does not move.
      const h = await setup(await freshStore(engine), { standalone: true });
      await h.flush();
      const task = h.standaloneTaskArn as string;
      const startedAt = h.clock.now;
      h.scaleIn(HOST);
      await h.flush();

      // Act: the sweeper runs every minute for an hour.
      const reports = await h.sweepMinutes(60);

      // Assess: heartbeats kept the action alive past its 600 s timeout until the deadline released it.
      const heartbeats = h.lifecycleCalls.filter(
        (call) => call.operation === 'RecordLifecycleActionHeartbeat',
      );
      expect(heartbeats.length).toBeGreaterThanOrEqual(6);
      let held = startedAt;
      for (const heartbeat of heartbeats) {
        expect(heartbeat.at - held).toBeLessThan(h.settings.heartbeatTimeoutSeconds * 1000);
        held = heartbeat.at;
      }
      const completions = h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction');
      expect(completions).toHaveLength(1);
      expect(completions[0]?.at).toBe(startedAt + 60 * MINUTE);
      expect(completions[0]?.at ?? 0).toBeGreaterThan(held);
      expect(completions[0]?.input).toMatchObject({ InstanceId: HOST, LifecycleActionResult: 'CONTINUE' });
      expect(reports.filter((report) => report.step === 'released')).toHaveLength(1);

      const drain = (await h.drains.get(HOST))?.drain;
      expect(drain).toMatchObject({
        state: 'released',
        heartbeats: heartbeats.length,
        release: { reason: 'deadline', lifecycleResult: 'CONTINUE', remaining: [task] },
      });
      // One page, naming the task still running.
      expect(h.publisher.messages).toHaveLength(1);
      const [page] = h.publisher.messages;
      expect(page?.subject).toContain(HOST);
      expect(page?.text).toContain(task);
      expect(page?.json).toMatchObject({
        kind: 'drain-cut-short',
        reason: 'deadline',
        remaining: [{ arn: task, lastStatus: 'RUNNING' }],
      });
      // Later sweeps find nothing open and page no more.
      expect(await h.sweepMinutes(3)).toEqual([]);
      expect(h.publisher.messages).toHaveLength(1);
    });

    it('with standaloneTasks stop, stops it after the grace period and completes the drain as empty', async () => {
      // Prepare
      const h = await setup(await freshStore(engine), {
        standalone: true,
        settings: { standaloneTasks: 'stop', standaloneGraceMinutes: 10 },
      });
      await h.flush();
      const task = h.standaloneTaskArn as string;
      h.scaleIn(HOST);
      await h.flush();

      // Act
      const reports = await h.sweepMinutes(12);

      // Assess: stopped once, after the grace; released on the events that followed, no page.
      expect(h.requests()['ecs.StopTask']).toBe(1);
      const stopped = reports.find((report) => report.step === 'stopped-standalone');
      expect(stopped?.explanation).toContain(task);
      const drain = (await h.drains.get(HOST))?.drain;
      expect(drain).toMatchObject({
        state: 'released',
        release: { reason: 'empty', lifecycleResult: 'CONTINUE', remaining: [] },
        tasks: { [task]: { lastStatus: 'STOPPED' } },
      });
      expect(Date.parse(drain?.standaloneStoppedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(drain?.startedAt ?? '') + 10 * MINUTE,
      );
      expect(drain?.notes.join('\n')).toMatch(/stopped 1 standalone task/);
      expect(h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction')).toHaveLength(1);
      expect(h.publisher.messages).toEqual([]);
    });
  });

  describe('duplicate lifecycle events', () => {
    it('start one drain when the same action is delivered twice', async () => {
      // Prepare
      const h = await setup(await freshStore(engine));
      await h.flush();
      const action = h.scaleIn(HOST);
      h.skipDrainEvents();
      await h.reconcile();

      // Act
      const first = await h.deliver(action);
      const again = await h.deliver(action);

      // Assess
      expect([first?.outcome, again?.outcome]).toEqual(['done', 'done']);
      expect(first).toMatchObject({ step: 'started' });
      expect(again).toMatchObject({ step: 'duplicate' });
      expect(h.requests()['ecs.UpdateContainerInstancesState']).toBe(1);
      expect((await h.drains.list()).map((drain) => drain.ec2InstanceId)).toEqual([HOST]);
    });

    it('start one drain and complete the action once when delivered concurrently', async () => {
      // Prepare
      const h = await setup(await freshStore(engine));
      await h.flush();
      const action = h.scaleIn(HOST);
      h.skipDrainEvents();
      await h.reconcile();

      // Act: two drain function instances get the same action at once, then the drain runs its course.
      const outcomes = await Promise.all([h.deliver(action, h.batch()), h.deliver(action, h.batch())]);
      for (let second = 0; second < 60 && h.sim.autoScaling.nextDueAt() !== undefined; second++) {
        h.advance(1_000);
        await h.flush();
      }
      await h.deliver(action);

      // Assess
      expect(outcomes.map((outcome) => outcome?.outcome)).toEqual(['done', 'done']);
      expect(outcomes.map((outcome) => (outcome as { step: string }).step).sort()).toEqual([
        'duplicate',
        'started',
      ]);
      // Both may have set it DRAINING before one recorded the drain: an idempotent repeat, never more.
      expect(h.requests()['ecs.UpdateContainerInstancesState']).toBeLessThanOrEqual(2);
      expect(h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction')).toHaveLength(1);
      expect((await h.drains.list()).map((drain) => drain.ec2InstanceId)).toEqual([HOST]);
      expect((await h.drains.get(HOST))?.drain).toMatchObject({
        state: 'released',
        release: { reason: 'empty' },
      });
      const started = (await h.drainEntries()).filter((entry) => entry.fields.outcome === 'started');
      expect(started).toHaveLength(1);
    });
  });

  it('changes nothing for a stale instance event delivered after a newer one', async () => {
    // Prepare: the instance's last event before the drain: ACTIVE, 3 running.
    const h = await setup(await freshStore(engine));
    await h.flush();
    const active = h.emitted.findLast(
      (event) => isInstanceEvent(event) && event.detail.ec2InstanceId === HOST,
    ) as EventEnvelope;
    expect(active.detail).toMatchObject({ status: 'ACTIVE', runningTasksCount: 3 });
    h.scaleIn(HOST);
    await h.flush();

    // Act: the drain runs; the stale event is delivered right after the newer ones and again after the end.
    let staleBeforeRelease: unknown;
    let releasedBy: EventEnvelope | undefined;
    for (let second = 0; second < 60 && releasedBy === undefined; second++) {
      h.advance(1_000);
      await h.reconcile();
      const fresh = h.emitted.filter(
        (event) => isInstanceEvent(event) || event.detail.lastStatus === 'STOPPED',
      );
      for (const event of fresh.slice(-10)) {
        if (!isInstanceEvent(event) || event.detail.ec2InstanceId !== HOST) continue;
        if ((await h.drains.get(HOST))?.drain.state !== 'draining') continue;
        await h.deliver(event);
        const before = await h.drains.get(HOST);
        const stale = await h.deliver(active);
        const after = await h.drains.get(HOST);
        staleBeforeRelease ??= stale;
        // The stale event neither rewrote the drain nor took its newer instance view back.
        expect(after).toEqual(before);
        if (after?.drain.state === 'released') releasedBy = event;
      }
      h.skipDrainEvents();
    }
    const released = await h.drains.get(HOST);
    const late = await h.deliver(active);

    // Assess
    expect(staleBeforeRelease).toMatchObject({ outcome: 'done' });
    expect(releasedBy?.detail).toMatchObject({ status: 'DRAINING', runningTasksCount: 0 });
    expect(late).toMatchObject({ outcome: 'done', step: 'ignored' });
    expect(await h.drains.get(HOST)).toEqual(released);
    expect(released?.drain.instance).toMatchObject({ status: 'DRAINING', runningTasksCount: 0 });
    expect(h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction')).toHaveLength(1);
  });

  it('drains on a Spot interruption warning with a 2-minute deadline and no lifecycle action', async () => {
    // Prepare
    const h = await setup(await freshStore(engine));
    await h.flush();
    const warning = spotWarning(HOST, h.clock.now);

    // Act
    const started = await h.deliver(warning);
    const open = (await h.drains.get(HOST))?.drain;
    for (let second = 0; second < 60 && h.instanceOf(HOST)?.runningTasksCount !== 0; second++) {
      h.advance(1_000);
      await h.flush();
    }
    h.advance(1_000);
    await h.flush();

    // Assess
    expect(started).toMatchObject({ outcome: 'done', step: 'started', ec2InstanceId: HOST });
    expect(open).toMatchObject({
      trigger: 'spot',
      state: 'draining',
      deadline: new Date(Date.parse(warning.time) + 2 * MINUTE).toISOString(),
    });
    expect(open?.lifecycle).toBeUndefined();
    const drain = (await h.drains.get(HOST))?.drain;
    expect(drain).toMatchObject({ state: 'released', release: { reason: 'empty', remaining: [] } });
    expect(drain?.release?.lifecycleResult).toBeUndefined();
    expect(Date.parse(drain?.release?.at ?? '')).toBeLessThan(Date.parse(drain?.deadline ?? ''));
    expect(h.lifecycleCalls).toEqual([]);
    expect(h.requests()['ecs.UpdateContainerInstancesState']).toBe(1);
    expect(h.publisher.messages).toEqual([]);
  });

  it('dead-letters malformed records with their field and reason and processes the rest of the batch', async () => {
    // Prepare
    const h = await setup(await freshStore(engine));
    await h.flush();
    const action = h.scaleIn(HOST);
    h.skipDrainEvents();
    await h.reconcile();
    const { EC2InstanceId: _, ...withoutInstance } = action.detail;
    const records = [
      { id: 'not-json', body: '{"detail-type": "EC2 Instance-terminate' },
      { id: 'no-instance', body: JSON.stringify({ ...action, id: 'x-1', detail: withoutInstance }) },
      {
        id: 'unknown-type',
        body: JSON.stringify({
          ...action,
          id: 'x-2',
          source: 'aws.ec2',
          'detail-type': 'EC2 Instance State-change Notification',
        }),
      },
      { id: 'valid', body: JSON.stringify(action) },
    ];

    // Act
    const { outcomes, redeliver } = await h.processDrainBatch(records);

    // Assess
    expect(redeliver).toEqual([]);
    expect(outcomes.find((outcome) => outcome.id === 'valid')).toMatchObject({
      outcome: 'done',
      step: 'started',
    });
    expect(h.deadLetters.letters.map(({ id, field }) => [id, field])).toEqual([
      ['not-json', '(body)'],
      ['no-instance', 'detail.EC2InstanceId'],
      ['unknown-type', 'detail-type'],
    ]);
    for (const letter of h.deadLetters.letters) expect(letter.reason).not.toBe('');
    expect(h.deadLetters.letters[0]?.reason).toMatch(/not JSON/);
    expect(h.deadLetters.letters[1]?.reason).toMatch(/EC2 instance id/);
    expect(h.deadLetters.letters[2]?.reason).toMatch(/not a drain event/);
    expect((await h.drains.get(HOST))?.drain.state).toBe('draining');
  });

  it('does not release on an empty count while the reconciled state shows a task still deactivating', async () => {
    // Prepare: the drain is under way; a task it has not seen (its events reached the reconciler only) is
    // DEACTIVATING on HOST — ECS already counts it out of runningTasksCount (aws/aws-cdk#13506).
    const h = await setup(await freshStore(engine));
    await h.flush();
    h.scaleIn(HOST);
    await h.flush();
    const template = h.emitted.find(
      (event) =>
        event['detail-type'] === 'ECS Task State Change' &&
        event.detail.containerInstanceArn === h.containerInstanceArn,
    ) as EventEnvelope;
    const hidden = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef';
    const hiddenTask = (id: string, lastStatus: string, version: number): EventEnvelope => {
      const { startedBy: _, ...detail } = structuredClone(template.detail);
      return {
        ...template,
        id,
        time: new Date(h.clock.now).toISOString(),
        resources: [hidden],
        detail: {
          ...detail,
          taskArn: hidden,
          group: 'family:backfill',
          lastStatus,
          desiredStatus: 'STOPPED',
          version,
          updatedAt: new Date(h.clock.now).toISOString(),
          ...(lastStatus === 'STOPPED' ? { stoppedAt: new Date(h.clock.now).toISOString() } : {}),
        },
      };
    };
    h.emitted.push(hiddenTask('hidden-deactivating', 'DEACTIVATING', 6));
    await h.flush();

    // Act: the service tasks move away; ECS reports the instance DRAINING with no task.
    let empty: EventEnvelope | undefined;
    for (let second = 0; second < 60 && empty === undefined; second++) {
      h.advance(1_000);
      const deliveries = await h.flush();
      empty = deliveries.find(
        (d) =>
          isInstanceEvent(d.event) &&
          d.event.detail.status === 'DRAINING' &&
          d.event.detail.runningTasksCount === 0,
      )?.event;
    }
    const afterEmpty = (await h.drains.get(HOST))?.drain;
    h.emitted.push(hiddenTask('hidden-stopped', 'STOPPED', 7));
    h.advance(1_000);
    await h.flush();

    // Assess: held on the empty count while the task deactivated; released on its STOPPED event.
    expect(empty).toBeDefined();
    expect(afterEmpty?.state).toBe('draining');
    expect(afterEmpty?.tasks[hidden]).toMatchObject({ lastStatus: 'DEACTIVATING', version: 6 });
    const completions = h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction');
    expect(completions).toHaveLength(1);
    expect(completions[0]?.during?.id).toBe('hidden-stopped');
    expect((await h.drains.get(HOST))?.drain).toMatchObject({
      state: 'released',
      release: { reason: 'empty' },
    });
  });

  it('records the release when the lifecycle action ran out while nobody heartbeated it', async () => {
    // Prepare: a drain that cannot empty (a standalone task), and no sweeper for longer than the 600 s timeout.
    const h = await setup(await freshStore(engine), { standalone: true });
    await h.flush();
    h.scaleIn(HOST);
    await h.flush();

    // Act: EC2 Auto Scaling applies the hook's default result and terminates; ECS deregisters the instance.
    h.advance(11 * MINUTE);
    const deliveries = await h.flush();
    const sweep = await h.drainer().sweep();

    // Assess: the first event found the heartbeat due and the action gone: released as action-ended (no error,
    // no redelivery, no completion attempted), nothing left open.
    expect(deliveries.map((d) => d.outcome?.outcome)).not.toContain('failed');
    const drain = (await h.drains.get(HOST))?.drain;
    expect(drain).toMatchObject({ state: 'released', release: { reason: 'action-ended' } });
    expect(drain?.release?.lifecycleResult).toBeUndefined();
    expect(drain?.notes.join('\n')).toMatch(/had already ended/);
    expect(h.lifecycleCalls.map((call) => call.operation)).toEqual(['RecordLifecycleActionHeartbeat']);
    expect(sweep).toEqual([]);
  });

  describe('release claims and pages', () => {
    /** HOST with a standalone task that never stops, scaled in, its drain's deadline 5 minutes away. */
    const cutShort = async () => {
      const h = await setup(await freshStore(engine), { standalone: true, settings: { deadlineMinutes: 5 } });
      await h.flush();
      h.scaleIn(HOST);
      await h.flush();
      return h;
    };
    const completions = (h: Awaited<ReturnType<typeof setup>>) =>
      h.lifecycleCalls.filter((call) => call.operation === 'CompleteLifecycleAction');

    it('pages once, on a later delivery, when SNS failed as the deadline released the instance', async () => {
      // Prepare
      const h = await cutShort();
      const task = h.standaloneTaskArn as string;
      h.publisher.failures = 1;

      // Act: the sweep at the deadline completes the action, then SNS fails; the sweeps and events go on.
      const failed = await h.sweepMinutes(5);
      const givenBack = (await h.drains.get(HOST))?.drain;
      await h.sweepMinutes(3);

      // Assess: the page given back, then sent once by what came next, naming the task cut off.
      expect(failed.at(-1)).toMatchObject({
        step: 'waiting',
        explanation: expect.stringMatching(/SNS is unavailable/),
      });
      expect(givenBack).toMatchObject({ state: 'releasing', page: { state: 'pending', reason: 'deadline' } });
      expect(h.publisher.messages).toHaveLength(1);
      expect(h.publisher.messages[0]?.json).toMatchObject({ reason: 'deadline', remaining: [{ arn: task }] });
      expect((await h.drains.get(HOST))?.drain).toMatchObject({
        state: 'released',
        page: { state: 'sent', messageId: 'message-1', remaining: [task] },
      });
      // The action was completed once; the second release found it gone, which counts as done.
      expect(completions(h).map((call) => call.input.InstanceId)).toEqual([HOST, HOST]);
      expect(h.requests()['autoScaling.CompleteLifecycleAction']).toBe(2);
    });

    it('releases and pages once when two sweeps reach the deadline together', async () => {
      // Prepare
      const h = await cutShort();
      await h.sweepMinutes(4);
      h.advance(MINUTE);

      // Act
      const sweeps = await Promise.all([h.drainer().sweep(), h.drainer().sweep()]);

      // Assess
      expect(sweeps.flat().map((report) => report.step)).toContain('released');
      expect(completions(h)).toHaveLength(1);
      expect(h.publisher.messages).toHaveLength(1);
      expect((await h.drains.get(HOST))?.drain).toMatchObject({ state: 'released', page: { state: 'sent' } });
    });

    it('finishes a release whose caller died after claiming it, once its lease ran out', async () => {
      // Prepare: a caller claims the release and dies before completing the lifecycle action.
      const h = await setup(await freshStore(engine));
      await h.flush();
      h.scaleIn(HOST);
      await h.flush();
      const stored = await h.drains.get(HOST);
      const leaseUntil = new Date(h.clock.now + MINUTE).toISOString();
      await h.drains.save({ ...(stored?.drain as Drain), state: 'releasing', leaseUntil }, stored?.revision);

      // Act: the service tasks move away while the claim holds; the sweeps go on.
      const deliveries = [];
      for (let second = 0; second < 50 && h.sim.autoScaling.nextDueAt() !== undefined; second++) {
        h.advance(1_000);
        deliveries.push(...(await h.flush()));
      }
      const held = (await h.drains.get(HOST))?.drain;
      await h.sweepMinutes(2);

      // Assess: nothing completed while the claim held; then released once, as empty.
      expect(deliveries.map((d) => d.outcome)).toContainEqual(
        expect.objectContaining({ step: 'releasing-elsewhere' }),
      );
      expect(held?.state).toBe('releasing');
      expect(completions(h)).toHaveLength(1);
      expect((await h.drains.get(HOST))?.drain).toMatchObject({
        state: 'released',
        release: { reason: 'empty', lifecycleResult: 'CONTINUE' },
      });
      expect(h.publisher.messages).toEqual([]);
    });
  });
});

/**
 * The drain state machine under random observations: merging is a function of what was seen, not of the order
 * or the number of deliveries, and no decision releases an instance that still runs something before its
 * deadline, nor keeps one past it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, liveTasks, type Observation, observe } from '../../../../lib/drain/machine.js';
import type { Drain, DrainSettings, InstanceView, TaskView } from '../../../../lib/drain/model.js';
import { TASK_STATUSES } from '../../../../lib/platform/events/statuses.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const MINUTE = 60_000;

const TASK_ARNS = ['a', 'b', 'c', 'd'].map((id) => `arn:aws:ecs:us-east-1:111122223333:task/prod/${id}`);
const INSTANCE_STATUSES = ['REGISTERING', 'ACTIVE', 'DRAINING', 'INACTIVE'];

/**
 * One task at one version: the same content every time it is delivered, its status moving forward with the
 * version as ECS's does, its stoppedAt fixed once it has stopped.
 */
function taskAt(index: number, version: number): TaskView {
  const lastStatus = TASK_STATUSES[Math.min(version, TASK_STATUSES.length - 1)] as string;
  return {
    lastStatus,
    version,
    group: index % 2 === 0 ? 'service:web' : 'family:etl',
    ...(lastStatus === 'STOPPED' ? { stoppedAt: iso((index + 1) * 7 * MINUTE) } : {}),
  };
}
const instanceAt = (version: number): InstanceView => ({
  status: INSTANCE_STATUSES[version % INSTANCE_STATUSES.length] as string,
  version,
  runningTasksCount: (version * 5) % 4,
  pendingTasksCount: version % 3 === 0 ? 0 : 1,
});

const baseDrain: Drain = {
  ec2InstanceId: 'i-0abc1234def567890',
  cluster: 'prod',
  containerInstanceArn: 'arn:aws:ecs:us-east-1:111122223333:container-instance/prod/0f1e2d3c',
  trigger: 'lifecycle',
  lifecycle: { autoScalingGroup: 'prod-asg', hook: 'ecs-ops-drain', token: 'token-1', startedAt: iso(0) },
  startedAt: iso(0),
  deadline: iso(60 * MINUTE),
  state: 'draining',
  tasks: {},
  heartbeats: 0,
  apiCalls: 0,
  notes: ['lifecycle drain: set DRAINING'],
};

/** The versions seen of the instance and of each task, each observed 1–3 times, alone or with others. */
const deliveriesArbitrary = fc
  .record({
    instanceVersions: fc.uniqueArray(fc.nat({ max: 20 }), { maxLength: 6 }),
    taskVersions: fc.array(fc.uniqueArray(fc.nat({ max: 10 }), { maxLength: 6 }), {
      minLength: TASK_ARNS.length,
      maxLength: TASK_ARNS.length,
    }),
  })
  .chain(({ instanceVersions, taskVersions }) => {
    const single: Observation[] = [
      ...instanceVersions.map((version) => ({ instance: instanceAt(version) })),
      ...taskVersions.flatMap((versions, index) =>
        versions.map((version) => ({ tasks: { [TASK_ARNS[index] as string]: taskAt(index, version) } })),
      ),
    ];
    return fc.record({
      instanceVersions: fc.constant(instanceVersions),
      taskVersions: fc.constant(taskVersions),
      observations: fc.constant(single),
      copies: fc.array(fc.integer({ min: 1, max: 3 }), {
        minLength: single.length,
        maxLength: single.length,
      }),
    });
  });

/** The observations as delivered: each as many times as its copies say. */
function delivered(observations: Observation[], copies: number[]): Observation[] {
  return observations.flatMap((observation, i) => Array.from({ length: copies[i] ?? 1 }, () => observation));
}

const observeAll = (drain: Drain, observations: Observation[]) => observations.reduce(observe, drain);

describe('observe under random delivery', () => {
  it('gives the same drain — tasks, instance and last stop — whatever the order of the observations', () => {
    fc.assert(
      fc.property(
        deliveriesArbitrary.chain((scenario) =>
          fc.record({
            scenario: fc.constant(scenario),
            permuted: fc.shuffledSubarray(scenario.observations, {
              minLength: scenario.observations.length,
              maxLength: scenario.observations.length,
            }),
          }),
        ),
        ({ scenario, permuted }) => {
          expect(observeAll(baseDrain, permuted)).toEqual(observeAll(baseDrain, scenario.observations));
        },
      ),
    );
  });

  it('keeps the highest version seen of every task and of the instance, however often each was delivered', () => {
    fc.assert(
      fc.property(deliveriesArbitrary, ({ instanceVersions, taskVersions, observations, copies }) => {
        const drain = observeAll(baseDrain, delivered(observations, copies));

        const expectedTasks: Record<string, TaskView> = Object.fromEntries(
          taskVersions.flatMap((versions, index) =>
            versions.length === 0 ? [] : [[TASK_ARNS[index], taskAt(index, Math.max(...versions))]],
          ),
        );
        expect(drain.tasks).toEqual(expectedTasks);
        expect(drain.instance).toEqual(
          instanceVersions.length === 0 ? undefined : instanceAt(Math.max(...instanceVersions)),
        );
        const stops = Object.values(expectedTasks)
          .map((task) => task.stoppedAt)
          .filter((stoppedAt) => stoppedAt !== undefined)
          .sort();
        expect(drain.lastTaskStoppedAt).toBe(stops.at(-1));
      }),
    );
  });

  it('is idempotent: observing the same things again changes nothing', () => {
    fc.assert(
      fc.property(deliveriesArbitrary, ({ observations }) => {
        const once = observeAll(baseDrain, observations);
        expect(observeAll(once, observations)).toEqual(once);
        for (const observation of observations) expect(observe(once, observation)).toEqual(once);
      }),
    );
  });
});

const taskViewArbitrary = fc.record({
  lastStatus: fc.constantFrom(...TASK_STATUSES),
  version: fc.nat({ max: 20 }),
  group: fc.constantFrom('service:web', 'family:etl'),
});

/** Any drain under way, at any moment from its start to well past its deadline, with any settings. */
const momentArbitrary = fc.record({
  registered: fc.boolean(),
  lifecycle: fc.boolean(),
  instance: fc.option(
    fc.record({
      status: fc.constantFrom(...INSTANCE_STATUSES),
      version: fc.nat({ max: 20 }),
      runningTasksCount: fc.nat({ max: 3 }),
      pendingTasksCount: fc.nat({ max: 2 }),
    }),
    { nil: undefined },
  ),
  tasks: fc.dictionary(fc.constantFrom(...TASK_ARNS), taskViewArbitrary, { maxKeys: TASK_ARNS.length }),
  deadlineMinutes: fc.integer({ min: 1, max: 180 }),
  nowSeconds: fc.integer({ min: 0, max: 240 * 60 }),
  lastHeartbeatSeconds: fc.option(fc.integer({ min: 0, max: 180 * 60 }), { nil: undefined }),
  standaloneStopped: fc.boolean(),
  settings: fc.record<DrainSettings>({
    deadlineMinutes: fc.integer({ min: 1, max: 180 }),
    heartbeatTimeoutSeconds: fc.integer({ min: 180, max: 7200 }),
    standaloneTasks: fc.constantFrom('wait', 'stop'),
    standaloneGraceMinutes: fc.integer({ min: 0, max: 120 }),
  }),
});
type Moment = typeof momentArbitrary extends fc.Arbitrary<infer M> ? M : never;

function drainAt(moment: Moment): { drain: Drain; now: Date } {
  const { containerInstanceArn, cluster, lifecycle, ...rest } = baseDrain;
  const drain: Drain = {
    ...rest,
    ...(moment.registered ? { containerInstanceArn, cluster } : {}),
    ...(moment.lifecycle && lifecycle !== undefined ? { lifecycle } : {}),
    ...(moment.instance === undefined ? {} : { instance: moment.instance }),
    tasks: moment.tasks,
    deadline: iso(moment.deadlineMinutes * MINUTE),
    ...(moment.lastHeartbeatSeconds === undefined
      ? {}
      : { lastHeartbeatAt: iso(moment.lastHeartbeatSeconds * 1000) }),
    ...(moment.standaloneStopped ? { standaloneStoppedAt: iso(0) } : {}),
  };
  return { drain, now: new Date(T0 + moment.nowSeconds * 1000) };
}

describe('decide on any drain at any moment', () => {
  it('never releases an instance as empty while a task in the view is not STOPPED or ECS counts a task', () => {
    fc.assert(
      fc.property(momentArbitrary, (moment) => {
        const { drain, now } = drainAt(moment);
        const decision = decide(drain, now, moment.settings);
        if (decision.kind !== 'release' || decision.reason !== 'empty') return;
        expect(Object.values(drain.tasks).every((task) => task.lastStatus === 'STOPPED')).toBe(true);
        expect(drain.instance).toMatchObject({
          status: 'DRAINING',
          runningTasksCount: 0,
          pendingTasksCount: 0,
        });
      }),
    );
  });

  it('before the deadline, releases a drain with live tasks only when the instance is INACTIVE or unregistered', () => {
    fc.assert(
      fc.property(momentArbitrary, (moment) => {
        const { drain, now } = drainAt(moment);
        fc.pre(now.getTime() < Date.parse(drain.deadline) && liveTasks(drain).length > 0);
        const decision = decide(drain, now, moment.settings);
        if (decision.kind !== 'release') return;
        expect(drain.containerInstanceArn === undefined || drain.instance?.status === 'INACTIVE').toBe(true);
        expect(['not-registered', 'instance-gone']).toContain(decision.reason);
      }),
    );
  });

  it('always releases a draining drain once its deadline has passed', () => {
    fc.assert(
      fc.property(momentArbitrary, (moment) => {
        const { drain, now } = drainAt(moment);
        fc.pre(now.getTime() >= Date.parse(drain.deadline));
        expect(decide(drain, now, moment.settings).kind).toBe('release');
      }),
    );
  });

  it('never stops a service task, nor a task already STOPPED, nor anything under the wait policy', () => {
    fc.assert(
      fc.property(momentArbitrary, (moment) => {
        const { drain, now } = drainAt(moment);
        const decision = decide(drain, now, moment.settings);
        if (decision.kind !== 'wait') return;
        for (const arn of decision.stopStandalone) {
          expect(drain.tasks[arn]).toMatchObject({ group: 'family:etl' });
          expect(drain.tasks[arn]?.lastStatus).not.toBe('STOPPED');
        }
        if (moment.settings.standaloneTasks === 'wait' || moment.standaloneStopped) {
          expect(decision.stopStandalone).toEqual([]);
        }
      }),
    );
  });

  it('never asks for a heartbeat without a lifecycle action, and has nothing to do once released', () => {
    fc.assert(
      fc.property(momentArbitrary, fc.constantFrom('releasing', 'released'), (moment, state) => {
        const { drain, now } = drainAt(moment);
        const decision = decide(drain, now, moment.settings);
        if (decision.kind === 'wait' && drain.lifecycle === undefined) expect(decision.heartbeat).toBe(false);
        expect(decide({ ...drain, state }, now, moment.settings)).toEqual({ kind: 'done' });
      }),
    );
  });
});

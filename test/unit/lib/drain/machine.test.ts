/**
 * The drain state machine (lib/drain/machine.ts) as a specification: how a trigger opens or joins a drain, how
 * observations merge by version, and what a drain needs at a given moment — release, heartbeat, stop standalone
 * tasks, or wait.
 */
import { describe, expect, it } from 'vitest';
import {
  decide,
  heartbeatDue,
  isStandalone,
  liveTasks,
  observe,
  openDrain,
  planStart,
  type StartRequest,
} from '../../../../lib/drain/machine.js';
import type { Drain, DrainSettings, InstanceView, TaskView } from '../../../../lib/drain/model.js';
import { TASK_STATUSES } from '../../../../lib/platform/events/statuses.js';
import {
  A,
  ACTION,
  at,
  atDate,
  B,
  C,
  CONTAINER_INSTANCE,
  drainOf,
  INSTANCE_ID,
  instance,
  J,
  type Overrides,
  SETTINGS,
  STOP,
  service,
  standalone,
  task,
} from '../../../support/drains.js';

const manualDrain = (overrides: Overrides = {}) =>
  drainOf({ trigger: 'manual', lifecycle: undefined, ...overrides });
const spotDrain = () => manualDrain({ trigger: 'spot', deadline: at(2) });

const lifecycleRequest = (token = 'token-1', minutes = 0): StartRequest => ({
  ec2InstanceId: INSTANCE_ID,
  trigger: 'lifecycle',
  at: at(minutes),
  lifecycle: { ...ACTION, token, startedAt: at(minutes) },
});
const spotRequest = (minutes: number): StartRequest => ({
  ec2InstanceId: INSTANCE_ID,
  trigger: 'spot',
  at: at(minutes),
});
const manualRequest = (minutes: number): StartRequest => ({
  ec2InstanceId: INSTANCE_ID,
  trigger: 'manual',
  at: at(minutes),
});
const released = (overrides: Overrides = {}) =>
  drainOf({
    state: 'released',
    release: { at: at(20), reason: 'empty', lifecycleResult: 'CONTINUE', remaining: [] },
    ...overrides,
  });

describe('planStart: how a trigger opens, joins or repeats a drain', () => {
  it.each<[string, Drain | undefined, StartRequest, object]>([
    ['opens a drain when none is under way', undefined, lifecycleRequest(), { kind: 'open' }],
    [
      'treats the same lifecycle token delivered again as a duplicate',
      drainOf(),
      lifecycleRequest('token-1', 1),
      { kind: 'duplicate' },
    ],
    [
      'attaches a lifecycle action to a manual drain under way, keeping its trigger and deadline',
      manualDrain(),
      lifecycleRequest('token-2', 5),
      {
        kind: 'join',
        drain: { trigger: 'manual', deadline: at(60), lifecycle: { token: 'token-2', startedAt: at(5) } },
      },
    ],
    [
      'attaches a lifecycle action to a Spot drain under way, keeping the Spot deadline',
      spotDrain(),
      lifecycleRequest('token-2', 1),
      { kind: 'join', drain: { trigger: 'spot', deadline: at(2), lifecycle: { token: 'token-2' } } },
    ],
    [
      'brings the deadline forward to 2 minutes after a Spot warning on a drain with a later deadline',
      drainOf(),
      spotRequest(5),
      { kind: 'join', drain: { trigger: 'lifecycle', deadline: at(7), lifecycle: ACTION } },
    ],
    [
      'treats a Spot warning that would not bring the deadline forward as a duplicate',
      drainOf({ deadline: at(6) }),
      spotRequest(5),
      { kind: 'duplicate' },
    ],
    ['treats a redelivered Spot warning as a duplicate', spotDrain(), spotRequest(0), { kind: 'duplicate' }],
    [
      'treats a repeated manual trigger as a duplicate',
      manualDrain(),
      manualRequest(3),
      { kind: 'duplicate' },
    ],
    [
      'treats a manual trigger on a lifecycle drain as a duplicate',
      drainOf(),
      manualRequest(3),
      { kind: 'duplicate' },
    ],
    [
      'treats a second lifecycle action on a drain already holding one as a duplicate',
      drainOf(),
      lifecycleRequest('token-2', 3),
      { kind: 'duplicate' },
    ],
    [
      'treats the same token on a drain being released as a duplicate',
      drainOf({ state: 'releasing', leaseUntil: at(21) }),
      lifecycleRequest('token-1', 0),
      { kind: 'duplicate' },
    ],
    [
      'opens a new drain for a new lifecycle token after the previous drain was released',
      released(),
      lifecycleRequest('token-2', 90),
      { kind: 'open' },
    ],
    [
      'treats a redelivered lifecycle token of a released drain as a duplicate',
      released(),
      lifecycleRequest('token-1', 0),
      { kind: 'duplicate' },
    ],
    [
      'treats a redelivered Spot warning that had joined a released drain as a duplicate',
      released({ deadline: at(7), release: { at: at(7), reason: 'deadline', remaining: [] } }),
      spotRequest(5),
      { kind: 'duplicate' },
    ],
    [
      'opens a new drain for a manual trigger after the previous drain was released',
      released(),
      manualRequest(30),
      { kind: 'open' },
    ],
  ])('%s', (_, existing, request, expected) => {
    expect(planStart(existing, request)).toMatchObject(expected);
  });

  it('notes the joining lifecycle action on the drain', () => {
    const plan = planStart(manualDrain({ notes: ['manual drain'] }), lifecycleRequest('token-2', 5));
    expect(plan.kind === 'join' && plan.drain.notes).toEqual([
      'manual drain',
      'lifecycle action of prod-asg (hook ecs-ops-drain) joins the drain',
    ]);
  });
});

describe('openDrain: a new drain', () => {
  const found = { cluster: 'prod', containerInstanceArn: CONTAINER_INSTANCE };

  it.each<[string, StartRequest, string]>([
    ['a lifecycle action gets deadlineMinutes after its time', lifecycleRequest('token-1', 0), at(60)],
    ['a manual drain gets deadlineMinutes after its time', manualRequest(0), at(60)],
    [
      'a Spot warning gets the 120 seconds EC2 gives it, whatever deadlineMinutes says',
      spotRequest(0),
      at(2),
    ],
  ])('%s', (_, request, deadline) => {
    expect(openDrain(request, SETTINGS, found).deadline).toBe(deadline);
  });

  it('starts draining the found container instance with nothing observed yet', () => {
    expect(openDrain(lifecycleRequest(), SETTINGS, found)).toEqual(
      drainOf({ notes: [`lifecycle drain of ${INSTANCE_ID} (prod): set DRAINING`] }),
    );
  });

  it('records an EC2 instance that is no registered container instance, and notes it', () => {
    const drain = openDrain(spotRequest(0), SETTINGS, undefined);
    expect(drain).not.toHaveProperty('containerInstanceArn');
    expect(drain).not.toHaveProperty('lifecycle');
    expect(drain.notes).toEqual([
      `spot drain of ${INSTANCE_ID}: no registered container instance runs there`,
    ]);
  });
});

describe('observe: merging what was seen, newest version winning', () => {
  it.each<[string, TaskView[], TaskView]>([
    [
      'a newer version replaces an older one',
      [service('RUNNING', 3), service('STOPPING', 4)],
      service('STOPPING', 4),
    ],
    [
      'an older version arriving late changes nothing',
      [service('STOPPED', 6), service('RUNNING', 3)],
      service('STOPPED', 6),
    ],
    [
      'the same version again changes nothing',
      [service('RUNNING', 3), standalone('PENDING', 3)],
      service('RUNNING', 3),
    ],
  ])('per task: %s', (_, seen, expected) => {
    const drain = seen.reduce((merged, view) => observe(merged, { tasks: { [A]: view } }), drainOf());
    expect(drain.tasks).toEqual({ [A]: expected });
  });

  it.each<[string, InstanceView[], InstanceView]>([
    [
      'a newer version replaces an older one',
      [instance('ACTIVE', 4, 3), instance('DRAINING', 5, 3)],
      instance('DRAINING', 5, 3),
    ],
    [
      'an older version arriving late changes nothing',
      [instance('DRAINING', 7, 0), instance('ACTIVE', 5, 3)],
      instance('DRAINING', 7, 0),
    ],
    [
      'the same version again changes nothing',
      [instance('DRAINING', 7, 0), instance('ACTIVE', 7, 3)],
      instance('DRAINING', 7, 0),
    ],
  ])('for the instance: %s', (_, seen, expected) => {
    const drain = seen.reduce((merged, view) => observe(merged, { instance: view }), drainOf());
    expect(drain.instance).toEqual(expected);
  });

  it('ignores a stale "ACTIVE, 3 running" arriving after "DRAINING, 0 running": the drain is still released empty', () => {
    const empty = observe(drainOf({ tasks: { [A]: service('STOPPED', 5) } }), {
      instance: instance('DRAINING', 7, 0),
    });
    const afterStale = observe(empty, { instance: instance('ACTIVE', 5, 3) });
    expect(afterStale).toEqual(empty);
    expect(decide(afterStale, atDate(10), SETTINGS)).toMatchObject({ kind: 'release', reason: 'empty' });
  });

  it('keeps tasks it was not told about, and adds new ones', () => {
    const drain = observe(drainOf({ tasks: { [A]: service('RUNNING', 2) } }), {
      tasks: { [B]: standalone('RUNNING', 1) },
    });
    expect(drain.tasks).toEqual({ [A]: service('RUNNING', 2), [B]: standalone('RUNNING', 1) });
  });

  it('sets lastTaskStoppedAt to the newest stoppedAt, whatever order the tasks stopped in', () => {
    const first = observe(drainOf(), { tasks: { [A]: service('STOPPED', 4, at(12)) } });
    const second = observe(first, { tasks: { [B]: service('STOPPED', 4, at(9)) } });
    const third = observe(second, { tasks: { [C]: service('STOPPED', 3, at(15)) } });
    expect([first, second, third].map((drain) => drain.lastTaskStoppedAt)).toEqual([at(12), at(12), at(15)]);
  });

  it('leaves lastTaskStoppedAt out while no task has stopped', () => {
    expect(observe(drainOf(), { tasks: { [A]: service('STOPPING', 4) } })).not.toHaveProperty(
      'lastTaskStoppedAt',
    );
  });

  it('does not change the drain it was given', () => {
    const drain = drainOf({ tasks: { [A]: service('RUNNING', 1) } });
    const before = structuredClone(drain);
    observe(drain, { instance: instance('DRAINING', 2, 0), tasks: { [A]: service('STOPPED', 2, at(1)) } });
    expect(drain).toEqual(before);
  });
});

describe('which tasks hold the instance', () => {
  it.each<[string | undefined, boolean]>([
    ['service:web', false],
    ['family:etl', true],
    ['etl-nightly', true],
    [undefined, true],
  ])('a task of group %s is standalone: %s', (group, expected) => {
    expect(
      isStandalone({ lastStatus: 'RUNNING', version: 1, ...(group === undefined ? {} : { group }) }),
    ).toBe(expected);
  });

  it('counts every task not yet STOPPED as live, sorted by ARN', () => {
    const statuses = TASK_STATUSES.filter((status) => status !== 'STOPPED');
    const tasks = Object.fromEntries([
      ...statuses.map((status, i) => [task(`${9 - i}`), service(status)]),
      [task('z'), service('STOPPED')],
    ]);
    expect(liveTasks(drainOf({ tasks }))).toEqual(statuses.map((_, i) => task(`${9 - i}`)).sort());
  });
});

describe('decide: the drain state machine', () => {
  const running3 = { [A]: service('RUNNING', 2), [B]: service('RUNNING', 2), [C]: service('RUNNING', 2) };

  it.each<[string, Overrides, number, object]>([
    [
      'waits for the service tasks of an instance that has just started DRAINING',
      { instance: instance('DRAINING', 2, 3), tasks: running3 },
      1,
      { kind: 'wait', heartbeat: false, stopStandalone: [], waitingFor: [A, B, C] },
    ],
    [
      'waits for the tasks still running while the counts go down',
      {
        instance: instance('DRAINING', 4, 1),
        tasks: { ...running3, [A]: service('STOPPED', 4, at(2)), [B]: service('STOPPED', 4, at(3)) },
      },
      3,
      { kind: 'wait', waitingFor: [C] },
    ],
    [
      'releases an instance DRAINING with 0 running, 0 pending and every task STOPPED as empty',
      {
        instance: instance('DRAINING', 6, 0),
        tasks: { [A]: service('STOPPED', 4), [B]: service('STOPPED', 4), [C]: service('STOPPED', 5) },
      },
      4,
      { kind: 'release', reason: 'empty', remaining: [] },
    ],
    [
      'releases an instance DRAINING with nothing counted and no task seen as empty',
      { instance: instance('DRAINING', 2, 0) },
      0,
      { kind: 'release', reason: 'empty', remaining: [] },
    ],
    [
      'waits while ECS counts 0 but a task is still DEACTIVATING (aws/aws-cdk#13506)',
      {
        instance: instance('DRAINING', 6, 0),
        tasks: { [A]: service('STOPPED', 4), [B]: service('DEACTIVATING', 4) },
      },
      4,
      { kind: 'wait', waitingFor: [B] },
    ],
    [
      'waits while ECS counts 0 but a task is still STOPPING',
      { instance: instance('DRAINING', 6, 0), tasks: { [A]: service('STOPPING', 5) } },
      4,
      { kind: 'wait', waitingFor: [A] },
    ],
    [
      'waits while ECS still counts a pending task that the view does not have',
      { instance: instance('DRAINING', 6, 0, 1), tasks: { [A]: service('STOPPED', 5) } },
      4,
      { kind: 'wait', waitingFor: [] },
    ],
    [
      'waits while the instance is not (yet) seen DRAINING, even with nothing on it',
      { instance: instance('ACTIVE', 3, 0) },
      1,
      { kind: 'wait', waitingFor: [] },
    ],
    ['waits while the instance has not been observed at all', {}, 1, { kind: 'wait', waitingFor: [] }],
    [
      'releases an instance that went INACTIVE as instance-gone, naming what the view still holds',
      { instance: instance('INACTIVE', 9, 0), tasks: running3 },
      5,
      { kind: 'release', reason: 'instance-gone', remaining: [A, B, C].sort() },
    ],
    [
      'releases an EC2 instance with no container instance as not-registered, at once',
      { containerInstanceArn: undefined, cluster: undefined },
      0,
      { kind: 'release', reason: 'not-registered', remaining: [] },
    ],
    [
      'releases at the deadline, naming the tasks still live',
      { instance: instance('DRAINING', 4, 2), tasks: { ...running3, [B]: service('STOPPED', 3) } },
      60,
      { kind: 'release', reason: 'deadline', remaining: [A, C] },
    ],
    [
      'releases after the deadline even when only ECS counts tasks the view does not have',
      { instance: instance('DRAINING', 4, 1) },
      75,
      { kind: 'release', reason: 'deadline', remaining: [] },
    ],
    [
      'still waits one second before the deadline',
      { instance: instance('DRAINING', 4, 3), tasks: running3 },
      60 - 1 / 60,
      { kind: 'wait', waitingFor: [A, B, C] },
    ],
    ['is done with a drain being released', { state: 'releasing', leaseUntil: at(61) }, 70, { kind: 'done' }],
    ['is done with a released drain', { state: 'released' }, 70, { kind: 'done' }],
  ])('%s', (_, overrides, minutes, expected) => {
    expect(decide(drainOf(overrides), atDate(minutes), SETTINGS)).toMatchObject(expected);
  });

  it('names the tasks and the deadline in the release explanation', () => {
    const decision = decide(
      drainOf({ tasks: running3, instance: instance('DRAINING', 4, 3) }),
      atDate(61),
      SETTINGS,
    );
    expect(decision).toMatchObject({
      explanation: `the deadline (${at(60)}) passed with 3 tasks still there`,
    });
  });
});

describe('heartbeats: half-way through the hook timeout, while they still matter', () => {
  // Hook timeout 600 s: due 5 minutes after the action started or after the last heartbeat.
  it.each<[string, Overrides, DrainSettings, number, boolean]>([
    ['not before half the timeout has passed', {}, SETTINGS, 5 - 1 / 60, false],
    ['at half the timeout after the action started', {}, SETTINGS, 5, true],
    [
      'not before half the timeout after the last heartbeat',
      { lastHeartbeatAt: at(5) },
      SETTINGS,
      9.9,
      false,
    ],
    ['at half the timeout after the last heartbeat', { lastHeartbeatAt: at(5) }, SETTINGS, 10, true],
    [
      'never for a drain without a lifecycle action (Spot, manual)',
      { lifecycle: undefined },
      SETTINGS,
      30,
      false,
    ],
    [
      'when the action would expire at the deadline, before the sweeper releases it',
      { lastHeartbeatAt: at(50) },
      SETTINGS,
      55,
      true,
    ],
    [
      'not when the deadline releases the instance before the action expires',
      { lastHeartbeatAt: at(52) },
      SETTINGS,
      57,
      false,
    ],
    [
      'up to the 100 × timeout cap (100 × 180 s = 5 h)',
      { deadline: at(400), lastHeartbeatAt: at(297) },
      { ...SETTINGS, heartbeatTimeoutSeconds: 180 },
      298.5,
      true,
    ],
    [
      'not past the 100 × timeout cap',
      { deadline: at(400), lastHeartbeatAt: at(299) },
      { ...SETTINGS, heartbeatTimeoutSeconds: 180 },
      300.5,
      false,
    ],
    [
      'up to the 48-hour cap when it is shorter (100 × 7200 s = 200 h)',
      { deadline: at(50 * 60), lastHeartbeatAt: at(46 * 60) },
      { ...SETTINGS, heartbeatTimeoutSeconds: 7200 },
      47 * 60,
      true,
    ],
    [
      'not past the 48-hour cap',
      { deadline: at(50 * 60), lastHeartbeatAt: at(47 * 60) },
      { ...SETTINGS, heartbeatTimeoutSeconds: 7200 },
      48 * 60,
      false,
    ],
  ])('is due %s', (_, overrides, settings, minutes, due) => {
    const drain = drainOf({
      instance: instance('DRAINING', 3, 1),
      tasks: { [A]: service('RUNNING') },
      ...overrides,
    });
    expect(heartbeatDue(drain, atDate(minutes).getTime(), settings)).toBe(due);
    expect(decide(drain, atDate(minutes), settings)).toMatchObject({ kind: 'wait', heartbeat: due });
  });

  it('is not asked for once the deadline releases the instance', () => {
    const drain = drainOf({ deadline: at(5), tasks: { [A]: service('RUNNING') } });
    expect(decide(drain, atDate(5), SETTINGS)).toMatchObject({ kind: 'release', reason: 'deadline' });
  });
});

describe('standalone tasks', () => {
  const mixed = { [A]: service('RUNNING'), [J]: standalone('RUNNING'), [B]: standalone('STOPPED', 2) };

  it.each<[string, DrainSettings, Overrides, number, string[], string[]]>([
    ['with stop, are not stopped before the grace period is over', STOP, {}, 10 - 1 / 60, [], [A, J]],
    ['with stop, are stopped once the grace period is over — service tasks never', STOP, {}, 10, [J], [A]],
    ['with stop, are stopped only once', STOP, { standaloneStoppedAt: at(10) }, 11, [], [A, J]],
    ['with wait, are never stopped', SETTINGS, {}, 59, [], [A, J]],
  ])('%s', (_, settings, overrides, minutes, stopStandalone, waitingFor) => {
    const drain = drainOf({ instance: instance('DRAINING', 3, 2), tasks: mixed, ...overrides });
    expect(decide(drain, atDate(minutes), settings)).toMatchObject({
      kind: 'wait',
      stopStandalone,
      waitingFor,
    });
  });

  it('says how many of the tasks waited for are standalone', () => {
    const drain = drainOf({ instance: instance('DRAINING', 3, 2), tasks: mixed });
    expect(decide(drain, atDate(20), SETTINGS)).toMatchObject({
      explanation: `waiting for 2 tasks (1 standalone) until ${at(60)}, 40 min from now`,
    });
  });
});

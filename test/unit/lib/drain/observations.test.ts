/**
 * What events, ECS's answers and the reconciled state tell a drain (lib/drain/observations.ts): which events a
 * drain follows, what an empty count makes it read again, and when a merge is worth a write.
 */
import { describe, expect, it } from 'vitest';
import {
  countsEmpty,
  drainingView,
  notFollowing,
  observationOf,
  reconciledTaskViews,
  sameObservations,
} from '../../../../lib/drain/observations.js';
import type { ContainerInstanceDetail, TaskDetail } from '../../../../lib/platform/events/ecs-event.js';
import {
  A,
  at,
  B,
  C,
  CONTAINER_INSTANCE,
  drainOf,
  INSTANCE_ID,
  instance,
  service,
} from '../../../support/drains.js';

const taskDetail = (lastStatus: string, extra: Partial<TaskDetail> = {}) =>
  ({
    taskArn: A,
    clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
    containerInstanceArn: CONTAINER_INSTANCE,
    lastStatus,
    version: 5,
    group: 'service:web',
    updatedAt: at(3),
    ...extra,
  }) as TaskDetail;
const instanceDetail = (extra: Partial<ContainerInstanceDetail> = {}) =>
  ({
    containerInstanceArn: CONTAINER_INSTANCE,
    clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
    ec2InstanceId: INSTANCE_ID,
    status: 'DRAINING',
    version: 7,
    runningTasksCount: 1,
    pendingTasksCount: 0,
    ...extra,
  }) as ContainerInstanceDetail;

describe('observationOf: what an ECS event tells the drain of its instance', () => {
  it.each([
    {
      event: 'a Fargate task',
      given: { kind: 'task' as const, detail: taskDetail('STOPPED', { containerInstanceArn: undefined }) },
      seen: { kind: 'ignored', explanation: 'the task runs on no container instance (Fargate)' },
    },
    {
      event: 'a task that did not stop',
      given: { kind: 'task' as const, detail: taskDetail('RUNNING') },
      seen: { kind: 'ignored', explanation: 'a task change to RUNNING ends nothing' },
    },
    {
      event: 'a task that stopped (stoppedAt, else updatedAt)',
      given: { kind: 'task' as const, detail: taskDetail('STOPPED') },
      seen: {
        kind: 'observed',
        containerInstanceArn: CONTAINER_INSTANCE,
        observation: { tasks: { [A]: service('STOPPED', 5, at(3)) } },
      },
    },
    {
      event: 'an instance change, naming its EC2 instance',
      given: { kind: 'instance' as const, detail: instanceDetail() },
      seen: {
        kind: 'observed',
        containerInstanceArn: CONTAINER_INSTANCE,
        ec2InstanceId: INSTANCE_ID,
        observation: { instance: instance('DRAINING', 7, 1) },
      },
    },
  ])('$event', ({ given, seen }) => {
    expect(observationOf(given)).toEqual(seen);
  });
});

describe('notFollowing: whether the stored drain takes an observation of this container instance', () => {
  it.each([
    { drain: undefined, why: 'no drain under way on the instance' },
    { drain: drainOf({ state: 'released' }), why: 'no drain under way on the instance' },
    {
      drain: drainOf({ containerInstanceArn: `${CONTAINER_INSTANCE}-2` }),
      why: 'the drain is of another container instance',
    },
    { drain: drainOf(), why: undefined },
    { drain: drainOf({ state: 'releasing', leaseUntil: at(1) }), why: undefined },
  ])('$drain.state → $why', ({ drain, why }) => {
    expect(notFollowing(drain, CONTAINER_INSTANCE)).toBe(why);
  });
});

describe('countsEmpty: ECS counts nothing on the instance, so the reconciled tasks are read again', () => {
  it.each([
    { seen: undefined, empty: false },
    { seen: instance('DRAINING', 3, 1), empty: false },
    { seen: instance('DRAINING', 3, 0, 1), empty: false },
    { seen: instance('DRAINING', 3, 0), empty: true },
    { seen: instance('ACTIVE', 3, 0), empty: true },
  ])('$seen → $empty', ({ seen, empty }) => {
    expect(countsEmpty(drainOf({ instance: seen }))).toBe(empty);
  });
});

describe('drainingView: the instance as UpdateContainerInstancesState answered', () => {
  it.each([
    {
      answer: { status: 'DRAINING', version: 4, runningTasksCount: 3, pendingTasksCount: 1 },
      view: instance('DRAINING', 4, 3, 1),
    },
    { answer: {}, view: instance('DRAINING', 0, 0) },
    { answer: undefined, view: instance('INACTIVE', 0, 0) },
  ])('$answer → $view', ({ answer, view }) => {
    expect(drainingView(answer)).toEqual(view);
  });
});

describe('reconciledTaskViews', () => {
  it('keeps the tasks not stopped and the stopped ones the drain follows, leaving out old stopped ones', () => {
    const drain = drainOf({ tasks: { [B]: service('RUNNING', 2) } });

    const views = reconciledTaskViews(drain, [
      { arn: A, version: 3, detail: taskDetail('RUNNING') },
      { arn: B, version: 4, detail: taskDetail('STOPPED', { stoppedAt: at(4) }) },
      { arn: C, version: 9, detail: taskDetail('STOPPED') },
    ]);

    expect(views).toEqual({ [A]: service('RUNNING', 3), [B]: service('STOPPED', 4, at(4)) });
  });
});

describe('sameObservations: a merge is written only when it changed the instance or the tasks', () => {
  it.each([
    { other: drainOf(), same: true },
    { other: drainOf({ notes: ['a note'], apiCalls: 4 }), same: true },
    { other: drainOf({ instance: instance('DRAINING', 2, 0) }), same: false },
    { other: drainOf({ tasks: { [A]: service('RUNNING') } }), same: false },
  ])('$other.instance, $other.tasks → $same', ({ other, same }) => {
    expect(sameObservations(drainOf(), other)).toBe(same);
  });
});

/**
 * What ECS events, ECS's answers and the reconciled state tell a drain, as the views the state machine merges
 * (machine.ts `observe`), and when one is worth a closer look or a write. Pure.
 */
import type { ContainerInstanceDetail, TaskDetail } from '../platform/events/ecs-event.js';
import type { Observation } from './machine.js';
import { type Drain, type InstanceView, TASK_STOPPED, type TaskView } from './model.js';

export function taskView(detail: TaskDetail, version: number): TaskView {
  const stoppedAt = detail.lastStatus === TASK_STOPPED ? (detail.stoppedAt ?? detail.updatedAt) : undefined;
  return {
    lastStatus: detail.lastStatus,
    version,
    ...(detail.group === undefined ? {} : { group: detail.group }),
    ...(stoppedAt === undefined ? {} : { stoppedAt }),
  };
}

export function instanceView(detail: ContainerInstanceDetail): InstanceView {
  return {
    status: detail.status,
    version: detail.version,
    runningTasksCount: detail.runningTasksCount ?? 0,
    pendingTasksCount: detail.pendingTasksCount ?? 0,
  };
}

/** The instance as UpdateContainerInstancesState answered for it (undefined: MISSING or INACTIVE). */
export function drainingView(
  described:
    | { status?: string; version?: number; runningTasksCount?: number; pendingTasksCount?: number }
    | undefined,
): InstanceView {
  // The instance deregistered; version 0 never outranks a state actually seen.
  if (described === undefined)
    return { status: 'INACTIVE', version: 0, runningTasksCount: 0, pendingTasksCount: 0 };
  return {
    status: described.status ?? 'DRAINING',
    version: described.version ?? 0,
    runningTasksCount: described.runningTasksCount ?? 0,
    pendingTasksCount: described.pendingTasksCount ?? 0,
  };
}

/** The reconciled tasks of the instance that matter: those not yet stopped, and those the drain follows. */
export function reconciledTaskViews(
  drain: Drain,
  reconciled: readonly { arn: string; version: number; detail: TaskDetail }[],
): Record<string, TaskView> {
  const tasks: Record<string, TaskView> = {};
  for (const { arn, version, detail } of reconciled) {
    if (detail.lastStatus === TASK_STOPPED && drain.tasks[arn] === undefined) continue;
    tasks[arn] = taskView(detail, version);
  }
  return tasks;
}

/** An ECS event a drain may follow: its container instance's changes, and the tasks on it. */
export type EcsDrainEvent =
  | { kind: 'instance'; detail: ContainerInstanceDetail }
  | { kind: 'task'; detail: TaskDetail };

export type EventObservation =
  | { kind: 'ignored'; explanation: string }
  | {
      kind: 'observed';
      containerInstanceArn: string;
      /** Instance events name it; a task's is looked up from its container instance. */
      ec2InstanceId?: string;
      observation: Observation;
    };

/** What an event tells the drain of its instance: a change of the instance, or a task that stopped on it. */
export function observationOf(event: EcsDrainEvent): EventObservation {
  const { containerInstanceArn } = event.detail;
  if (containerInstanceArn === undefined) {
    return { kind: 'ignored', explanation: 'the task runs on no container instance (Fargate)' };
  }
  if (event.kind === 'instance') {
    const { ec2InstanceId } = event.detail;
    return {
      kind: 'observed',
      containerInstanceArn,
      ...(ec2InstanceId === undefined ? {} : { ec2InstanceId }),
      observation: { instance: instanceView(event.detail) },
    };
  }
  if (event.detail.lastStatus !== TASK_STOPPED) {
    return { kind: 'ignored', explanation: `a task change to ${event.detail.lastStatus} ends nothing` };
  }
  return {
    kind: 'observed',
    containerInstanceArn,
    observation: { tasks: { [event.detail.taskArn]: taskView(event.detail, event.detail.version) } },
  };
}

/** Why the stored drain does not take an observation of this container instance; undefined when it does. */
export function notFollowing(drain: Drain | undefined, containerInstanceArn: string): string | undefined {
  if (drain === undefined || drain.state === 'released') return 'no drain under way on the instance';
  if (drain.containerInstanceArn !== containerInstanceArn)
    return 'the drain is of another container instance';
  return undefined;
}

/**
 * ECS counts the instance empty: before anything is released, the reconciled tasks on it are read again. The
 * drain's live tasks may have STOPPED versions reconciled already (their events went to another queue first),
 * and tasks the drain never saw may still be DEACTIVATING or STOPPING, which ECS no longer counts (releasing
 * then caused 502s in a known drainer, aws/aws-cdk#13506).
 */
export function countsEmpty(drain: Drain): boolean {
  const { instance } = drain;
  return instance !== undefined && instance.runningTasksCount + instance.pendingTasksCount === 0;
}

/** Whether a merge changed nothing worth a write. */
export function sameObservations(a: Drain, b: Drain): boolean {
  return JSON.stringify([a.instance, a.tasks]) === JSON.stringify([b.instance, b.tasks]);
}

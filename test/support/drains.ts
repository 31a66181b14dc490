/**
 * Drains as the drain tests build them: a lifecycle drain of a registered container instance, started at T0
 * with a 60-minute deadline, its tasks and instance as views at given versions.
 */
import type { Drain, DrainSettings, InstanceView, LifecycleAction, TaskView } from '../../lib/drain/model.js';

export const T0 = Date.parse('2025-03-01T10:00:00.000Z');
/** The time `minutes` after the drain started, as ISO. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
export const atDate = (minutes: number) => new Date(T0 + minutes * 60_000);

export const INSTANCE_ID = 'i-0abc1234def567890';
export const CONTAINER_INSTANCE = 'arn:aws:ecs:us-east-1:111122223333:container-instance/prod/0f1e2d3c';
export const task = (id: string) => `arn:aws:ecs:us-east-1:111122223333:task/prod/${id}`;
export const [A, B, C, J] = [task('a'), task('b'), task('c'), task('job')];

export const ACTION: LifecycleAction = {
  autoScalingGroup: 'prod-asg',
  hook: 'ecs-ops-drain',
  token: 'token-1',
  startedAt: at(0),
};

export const SETTINGS: DrainSettings = {
  deadlineMinutes: 60,
  heartbeatTimeoutSeconds: 600,
  standaloneTasks: 'wait',
  standaloneGraceMinutes: 10,
};
export const STOP: DrainSettings = { ...SETTINGS, standaloneTasks: 'stop' };

export const service = (lastStatus: string, version = 1, stoppedAt?: string): TaskView => ({
  lastStatus,
  version,
  group: 'service:web',
  ...(stoppedAt === undefined ? {} : { stoppedAt }),
});
export const standalone = (lastStatus: string, version = 1): TaskView => ({
  lastStatus,
  version,
  group: 'family:etl',
});
export const instance = (status: string, version: number, running: number, pending = 0): InstanceView => ({
  status,
  version,
  runningTasksCount: running,
  pendingTasksCount: pending,
});

/** Settings to change in a drain; a setting given as undefined is left out (no lifecycle action, say). */
export type Overrides = { [K in keyof Drain]?: Drain[K] | undefined };

/** A lifecycle drain of a registered container instance, started at T0 with a 60-minute deadline. */
export function drainOf(overrides: Overrides = {}): Drain {
  const drain: Overrides = {
    ec2InstanceId: INSTANCE_ID,
    cluster: 'prod',
    containerInstanceArn: CONTAINER_INSTANCE,
    trigger: 'lifecycle',
    lifecycle: ACTION,
    startedAt: at(0),
    deadline: at(60),
    state: 'draining',
    tasks: {},
    heartbeats: 0,
    apiCalls: 0,
    notes: [],
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(drain).filter(([, value]) => value !== undefined),
  ) as unknown as Drain;
}

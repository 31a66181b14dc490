/**
 * The task lifecycle as pure rules (ECS Developer Guide, "Task lifecycle"). Tasks with their own network
 * interface (Fargate, or awsvpc on EC2) pass through every state; bridge/host tasks on EC2 only know
 * PENDING → RUNNING → STOPPED, because there is nothing to provision, activate or deprovision.
 */
import { TASK_STATUSES, type TaskStatus } from '../../lib/platform/events/statuses.js';

export type { TaskStatus };

export type LifecyclePath = 'full' | 'short';

/** How long each step takes, in ms. */
export interface LifecycleTimings {
  provisioningMs: number;
  /** PENDING: the image pull. */
  pullMs: number;
  activatingMs: number;
  /** From the stop request (desiredStatus STOPPED) to the first stop state. */
  stopRequestMs: number;
  deactivatingMs: number;
  /** STOPPING: SIGTERM, then the containers' stop timeout. */
  stoppingMs: number;
  deprovisioningMs: number;
  /** How long RunTask remembers a clientToken. */
  clientTokenWindowMs: number;
}

export const DEFAULT_TIMINGS: LifecycleTimings = {
  provisioningMs: 1_000,
  pullMs: 3_000,
  activatingMs: 500,
  stopRequestMs: 100,
  deactivatingMs: 500,
  stoppingMs: 2_000,
  deprovisioningMs: 1_000,
  clientTokenWindowMs: 8 * 3_600_000,
};

const ORDER: readonly TaskStatus[] = TASK_STATUSES;

const SHORT: readonly TaskStatus[] = ['PENDING', 'RUNNING', 'STOPPED'];

export function pathFor(launchType: 'FARGATE' | 'EC2', networkMode: string): LifecyclePath {
  return launchType === 'FARGATE' || networkMode === 'awsvpc' ? 'full' : 'short';
}

export function statesOf(path: LifecyclePath): readonly TaskStatus[] {
  return path === 'full' ? ORDER : SHORT;
}

export function initialStatus(path: LifecyclePath): TaskStatus {
  return path === 'full' ? 'PROVISIONING' : 'PENDING';
}

/** The next state while the task moves towards RUNNING, or undefined once it is RUNNING. */
export function nextStartStatus(path: LifecyclePath, status: TaskStatus): TaskStatus | undefined {
  if (rank(status) >= rank('RUNNING')) return undefined;
  const states = statesOf(path);
  return states[states.indexOf(status) + 1];
}

/**
 * The next state once the task is meant to stop. A task that never ran has nothing to deactivate: it goes
 * straight to deprovisioning its network interface (full path) or to STOPPED (short path).
 */
export function nextStopStatus(path: LifecyclePath, status: TaskStatus): TaskStatus | undefined {
  if (status === 'STOPPED') return undefined;
  if (path === 'short') return 'STOPPED';
  if (rank(status) < rank('RUNNING')) return 'DEPROVISIONING';
  return ORDER[rank(status) + 1];
}

/** How long a task stays in `status` before its next start or stop transition. */
export function dwellMs(status: TaskStatus, timings: LifecycleTimings): number {
  const timing = DWELL_TIMING[status];
  return timing === undefined ? 0 : timings[timing];
}

/** The timing each transient state lasts; RUNNING and STOPPED stay until something moves them. */
const DWELL_TIMING: Partial<Record<TaskStatus, keyof LifecycleTimings>> = {
  PROVISIONING: 'provisioningMs',
  PENDING: 'pullMs',
  ACTIVATING: 'activatingMs',
  DEACTIVATING: 'deactivatingMs',
  STOPPING: 'stoppingMs',
  DEPROVISIONING: 'deprovisioningMs',
};

/**
 * How long after a stop request the first stop transition comes. A RUNNING bridge task has no STOPPING
 * state to wait in, so its containers' stop timeout is spent here.
 */
export function stopDelayMs(path: LifecyclePath, status: TaskStatus, timings: LifecycleTimings): number {
  return path === 'short' && status === 'RUNNING'
    ? timings.stopRequestMs + timings.stoppingMs
    : timings.stopRequestMs;
}

/** Whether ECS counts the task as pending (not yet RUNNING) on its container instance. */
export function isPending(status: TaskStatus): boolean {
  return rank(status) < rank('RUNNING');
}

/** Whether the containers have stopped: from DEPROVISIONING on (full path), or STOPPED. */
export function containersStopped(status: TaskStatus): boolean {
  return rank(status) >= rank('DEPROVISIONING');
}

export function rank(status: TaskStatus): number {
  return ORDER.indexOf(status);
}

import type { PageClaim } from '../platform/notification/page-once.js';

/**
 * A drain: one container instance taken out of service before its EC2 instance leaves. What started it, what
 * ecs-ops knows of the instance and the tasks on it (each at the newest version seen, from the reconciled state
 * and from events), the lifecycle action holding the instance, and how and when it was released.
 */

export const DRAIN_TRIGGERS = ['lifecycle', 'spot', 'manual'] as const;
/** An Auto Scaling terminate lifecycle action, a Spot interruption warning, or `ecs-ops drain`. */
export type DrainTrigger = (typeof DRAIN_TRIGGERS)[number];

export const DRAIN_STATES = ['draining', 'releasing', 'released'] as const;
/**
 * `releasing`: one invocation has claimed the release (with a lease) and is completing the lifecycle action;
 * if it dies, the lease runs out and the sweeper (or a redelivery) finishes it.
 */
export type DrainState = (typeof DRAIN_STATES)[number];

export const RELEASE_REASONS = [
  'empty',
  'deadline',
  'not-registered',
  'instance-gone',
  'action-ended',
] as const;
/**
 * - empty: the instance is DRAINING and runs nothing (the normal end);
 * - deadline: the deadline passed with tasks still on it (on-call is told which);
 * - not-registered: the EC2 instance is no container instance of a watched cluster (nothing to drain);
 * - instance-gone: the container instance deregistered meanwhile;
 * - action-ended: the lifecycle action was no longer there to complete (its timeout ran out, or someone else
 *   completed it).
 */
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

export interface LifecycleAction {
  autoScalingGroup: string;
  hook: string;
  token: string;
  /** When EC2 Auto Scaling started holding the instance (the event's time). */
  startedAt: string;
}

/** The container instance as of its newest version seen. */
export interface InstanceView {
  status: string;
  version: number;
  runningTasksCount: number;
  pendingTasksCount: number;
}

/** A task on the instance as of its newest version seen. */
export interface TaskView {
  lastStatus: string;
  version: number;
  /** `service:<name>` for a service's task; anything else (or nothing) is a standalone task. */
  group?: string;
  /** When it stopped (the STOPPED version's time), once it has. */
  stoppedAt?: string;
}

export interface Release {
  at: string;
  reason: ReleaseReason;
  /** `CONTINUE` when a lifecycle action was completed; absent when there was none to complete. */
  lifecycleResult?: 'CONTINUE';
  /** Tasks still on the instance when it was released (the deadline's), by ARN. */
  remaining: string[];
}

/**
 * The page of a release that left tasks on the instance (or ran into its deadline): claimed with the release,
 * given back if SNS fails, and sent once whatever a later release of the drain decides.
 */
export interface DrainPage extends PageClaim {
  reason: ReleaseReason;
  remaining: string[];
}

export interface Drain {
  ec2InstanceId: string;
  cluster?: string;
  containerInstanceArn?: string;
  /** What started the drain; a later trigger (a lifecycle action after a manual drain) joins it. */
  trigger: DrainTrigger;
  lifecycle?: LifecycleAction;
  startedAt: string;
  /** After this the instance is released whatever still runs on it. */
  deadline: string;
  state: DrainState;
  /** Until when a `releasing` claim is held (ISO). */
  leaseUntil?: string;
  instance?: InstanceView;
  tasks: Record<string, TaskView>;
  heartbeats: number;
  lastHeartbeatAt?: string;
  /** When standalone tasks were asked to stop (drain.standaloneTasks: stop), once. */
  standaloneStoppedAt?: string;
  /** The newest `stoppedAt` among the tasks that stopped during the drain. */
  lastTaskStoppedAt?: string;
  release?: Release;
  page?: DrainPage;
  /** ECS and EC2 Auto Scaling calls made for this drain. */
  apiCalls: number;
  /** What was decided, in order, in words. */
  notes: string[];
}

/** The settings a drain is decided by (ops.config.yml `drain`). */
export interface DrainSettings {
  deadlineMinutes: number;
  heartbeatTimeoutSeconds: number;
  standaloneTasks: 'wait' | 'stop';
  standaloneGraceMinutes: number;
}

export const TASK_STOPPED = 'STOPPED';
export const SERVICE_GROUP_PREFIX = 'service:';
/** EC2 gives two minutes between a Spot interruption warning and the interruption. */
export const SPOT_NOTICE_MS = 120_000;

/**
 * ECS's words for why a task stopped, spelled once: the alert rule's EventBridge pattern (deploy/alerts.ts)
 * must let through what the detector (lib/alerts/detect.ts) pages on, so both take them from here.
 * Current events say it in `detail.stopCode`; older events carry only `detail.stoppedReason`.
 */

/** `detail.stopCode` values ecs-ops tells apart. */
export const StopCode = {
  /** An essential container exited. */
  EssentialContainerExited: 'EssentialContainerExited',
  /** The task never ran (image pull, secrets, a container that could not be created). */
  TaskFailedToStart: 'TaskFailedToStart',
  /** The service scheduler stopped it: a deployment or a scale-in. */
  ServiceSchedulerInitiated: 'ServiceSchedulerInitiated',
  /** StopTask, or a container instance deregistered by force. */
  UserInitiated: 'UserInitiated',
  /** The host went away: not the application's fault. */
  SpotInterruption: 'SpotInterruption',
  TerminationNotice: 'TerminationNotice',
} as const;

/** How older events, without a stop code, begin `detail.stoppedReason` for the same causes. */
export const StoppedReasonPrefix = {
  essentialContainerExited: 'Essential container in task exited',
  serviceScheduler: 'Scaling activity initiated by',
  userStop: 'Task stopped by user',
  userDeregistration: 'Container instance deregistration forced by user',
} as const;

/** The stopped reason of a task whose EC2 host was stopped or terminated. */
export const HOST_GONE_REASON = /^Host EC2 \(instance [^)]*\) (stopped|terminated)/;

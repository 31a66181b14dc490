/**
 * The vocabulary of ECS states and of where a state comes from, without the event schemas: the store, the
 * capabilities and the CLI read it without loading zod's schemas (built at module load, paid at cold start).
 */

/** Where a state comes from: ECS's own event, or ecs-ops' resync reading the ECS API (lib/resync). */
export const EVENT_SOURCE = 'aws.ecs';
export const RESYNC_SOURCE = 'ecs-ops.resync';
export type StateOrigin = 'event' | 'resync';

/** Every task lifecycle state, in lifecycle order (ECS Developer Guide, "Task lifecycle"). */
export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Every container instance status. */
export const INSTANCE_STATUSES = [
  'REGISTERING',
  'REGISTRATION_FAILED',
  'ACTIVE',
  'DRAINING',
  'DEREGISTERING',
  'INACTIVE',
] as const;

/** A task not yet STOPPED, a container instance not yet INACTIVE: a resource whose story is not over. */
export const isLiveStatus = (kind: 'task' | 'instance', status: string | undefined) =>
  kind === 'task' ? status !== 'STOPPED' : status !== 'INACTIVE';

/**
 * Schemas for the two ECS events ecs-ops consumes, as EventBridge delivers them.
 *
 * They validate only what the code relies on and keep every other field: ECS adds fields over time and
 * "applications must be prepared to handle unknown properties" (ECS Developer Guide, "Amazon ECS events").
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_cwe_events.html
 */
import * as z from 'zod/mini';

export const TASK_STATE_CHANGE = 'ECS Task State Change';
export const CONTAINER_INSTANCE_STATE_CHANGE = 'ECS Container Instance State Change';
export const ECS_DETAIL_TYPES = [TASK_STATE_CHANGE, CONTAINER_INSTANCE_STATE_CHANGE] as const;

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

/** `detail.version` orders events of one resource: higher is newer, equal is a duplicate. */
const ResourceVersion = z.number('expected a number').check(
  z.refine(Number.isInteger, 'expected a whole number (ECS versions are integers)'),
  z.refine(
    (value) => Math.abs(value) <= Number.MAX_SAFE_INTEGER,
    `expected at most ${Number.MAX_SAFE_INTEGER}; larger versions cannot be compared exactly`,
  ),
  z.minimum(0, 'expected a non-negative integer'),
);

const IsoTime = z
  .string('expected an ISO 8601 time string')
  .check(
    z.refine(
      (value) => !Number.isNaN(Date.parse(value)),
      'expected an ISO 8601 time such as 2024-05-01T12:00:00.000Z',
    ),
  );

const Arn = (resource: string) =>
  z
    .string('expected an ARN string')
    .check(
      z.regex(
        new RegExp(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:${resource}/\\S+$`),
        `expected an ECS ${resource} ARN (arn:aws:ecs:<region>:<account>:${resource}/…)`,
      ),
    );

const Status = z
  .string('expected a status string')
  .check(z.regex(/^[A-Z_]+$/, 'expected an upper-case status'));

export const Container = z.looseObject(
  {
    name: z.string('expected the container name'),
    exitCode: z.optional(z.nullable(z.number('expected a number'))),
    reason: z.optional(z.string('expected a string')),
    lastStatus: z.optional(z.string('expected a string')),
  },
  'expected a container object with a name',
);
export type Container = z.infer<typeof Container>;

/** The `detail` of an "ECS Task State Change": the Task object of DescribeTasks, plus unknown fields. */
export const TaskDetail = z.looseObject({
  taskArn: Arn('task'),
  clusterArn: Arn('cluster'),
  lastStatus: Status,
  desiredStatus: z.optional(Status),
  version: ResourceVersion,
  group: z.optional(z.string('expected a string')),
  startedBy: z.optional(z.string('expected a string')),
  launchType: z.optional(z.string('expected a string')),
  taskDefinitionArn: z.optional(z.string('expected a string')),
  containerInstanceArn: z.optional(Arn('container-instance')),
  createdAt: z.optional(IsoTime),
  startedAt: z.optional(IsoTime),
  stoppingAt: z.optional(IsoTime),
  stoppedAt: z.optional(IsoTime),
  updatedAt: z.optional(IsoTime),
  stopCode: z.optional(z.string('expected a string')),
  stoppedReason: z.optional(z.string('expected a string')),
  containers: z.optional(z.array(Container, 'expected an array of containers')),
});
export type TaskDetail = z.infer<typeof TaskDetail>;

/** The `detail` of an "ECS Container Instance State Change": the ContainerInstance object, plus unknown fields. */
export const ContainerInstanceDetail = z.looseObject({
  containerInstanceArn: Arn('container-instance'),
  clusterArn: Arn('cluster'),
  status: Status,
  version: ResourceVersion,
  ec2InstanceId: z.optional(z.string('expected a string')),
  agentConnected: z.optional(z.boolean('expected true or false')),
  runningTasksCount: z.optional(z.number('expected a number')),
  pendingTasksCount: z.optional(z.number('expected a number')),
  registeredAt: z.optional(IsoTime),
  updatedAt: z.optional(IsoTime),
});
export type ContainerInstanceDetail = z.infer<typeof ContainerInstanceDetail>;

const Envelope = z.looseObject({
  id: z.string('expected the EventBridge event id'),
  source: z.literal('aws.ecs', 'expected "aws.ecs"; only ECS events belong on this queue'),
  'detail-type': z.enum(
    ECS_DETAIL_TYPES,
    `expected "${TASK_STATE_CHANGE}" or "${CONTAINER_INSTANCE_STATE_CHANGE}"`,
  ),
  time: IsoTime,
  detail: z.looseObject({}, 'expected the event detail object (the ECS task or container instance)'),
});

/** A validated ECS event; `raw` is the envelope exactly as received (every field kept). */
export type EcsEvent =
  | { kind: 'task'; arn: string; version: number; detail: TaskDetail; id: string; time: string; raw: object }
  | {
      kind: 'instance';
      arn: string;
      version: number;
      detail: ContainerInstanceDetail;
      id: string;
      time: string;
      raw: object;
    };
export type EcsResourceKind = EcsEvent['kind'];

/** Why an input is not an ECS event we can store: the field at fault and what to do about it. */
export interface InvalidEvent {
  field: string;
  reason: string;
}

export type ParseResult = { ok: true; event: EcsEvent } | { ok: false; error: InvalidEvent };

/** Parses one EventBridge envelope given as text (an SQS message body or a line of a file). */
export function parseEcsEventText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid('(body)', `not JSON (${(error as Error).message}); send the EventBridge event as JSON`);
  }
  return parseEcsEvent(value);
}

/** Parses one EventBridge envelope already decoded from JSON. */
export function parseEcsEvent(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('(body)', 'expected an EventBridge event object with source, detail-type and detail');
  }
  const envelope = z.safeParse(Envelope, value);
  if (!envelope.success) return fromIssues(envelope.error.issues, '', value);
  const { id, time, detail } = envelope.data;
  if (envelope.data['detail-type'] === TASK_STATE_CHANGE) {
    const task = z.safeParse(TaskDetail, detail);
    if (!task.success) return fromIssues(task.error.issues, 'detail.', detail);
    const { taskArn: arn, version } = task.data;
    return { ok: true, event: { kind: 'task', arn, version, detail: task.data, id, time, raw: value } };
  }
  const instance = z.safeParse(ContainerInstanceDetail, detail);
  if (!instance.success) return fromIssues(instance.error.issues, 'detail.', detail);
  const { containerInstanceArn: arn, version } = instance.data;
  return { ok: true, event: { kind: 'instance', arn, version, detail: instance.data, id, time, raw: value } };
}

function fromIssues(issues: readonly z.core.$ZodIssue[], prefix: string, input: unknown): ParseResult {
  const [first] = issues;
  if (!first) return invalid('(body)', 'rejected by the event schema');
  const field = prefix + (first.path.length > 0 ? first.path.join('.') : '(object)');
  if (first.code !== 'invalid_type') return invalid(field, first.message);
  const value = valueAt(input, first.path);
  return invalid(
    field,
    value === undefined ? `missing; ${first.message}` : `${first.message}, got ${describe(value)}`,
  );
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return `${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} (${type})`;
}

function invalid(field: string, reason: string): ParseResult {
  return { ok: false, error: { field, reason } };
}

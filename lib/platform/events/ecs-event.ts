/**
 * Schemas for the two ECS events ecs-ops consumes, as EventBridge delivers them.
 *
 * They validate only what the code relies on and keep every other field: ECS adds fields over time and
 * "applications must be prepared to handle unknown properties" (ECS Developer Guide, "Amazon ECS events").
 */
import * as z from 'zod/mini';
import { parseArn } from '../arn.js';
import { EVENT_SOURCE, RESYNC_SOURCE, type StateOrigin } from './statuses.js';

export const TASK_STATE_CHANGE = 'ECS Task State Change';
export const CONTAINER_INSTANCE_STATE_CHANGE = 'ECS Container Instance State Change';
export const ECS_DETAIL_TYPES = [TASK_STATE_CHANGE, CONTAINER_INSTANCE_STATE_CHANGE] as const;

/** `detail.version` orders events of one resource: higher is newer, equal is a duplicate. */
const ResourceVersion = z
  .number({
    error: (issue) =>
      issue.input === Infinity || issue.input === -Infinity
        ? 'expected a number, got one beyond the range of numbers (such as 1e999, read as Infinity); ' +
          'ECS versions are whole numbers below 2^53'
        : 'expected a number',
  })
  .check(
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

/** DynamoDB's limit on a partition key value (table and index keys alike), in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
/** DynamoDB's limit on a sort key value, in UTF-8 bytes. */
export const MAX_SORT_KEY_BYTES = 1024;

/** The partitions AWS has; an ARN of another partition is not an AWS ARN. */
export const AWS_PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
];

const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * What is wrong with an ECS ARN of `type` (task, container-instance, cluster), in words that name the value and
 * the fix; undefined when it is well formed and its key fits DynamoDB.
 */
export function arnProblem(text: string, type: string): string | undefined {
  const arn = parseArn(text);
  const expected = `expected an ECS ${type} ARN (arn:aws:ecs:<region>:<account>:${type}/…), got ${shown(text)}`;
  if (arn === undefined || arn.service !== 'ecs') return expected;
  if (!AWS_PARTITIONS.includes(arn.partition))
    return `partition ${shown(arn.partition)} is not an AWS partition (${AWS_PARTITIONS.join(', ')})`;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(arn.region))
    return `region ${shown(arn.region)} is not an AWS region such as us-east-1`;
  if (!/^\d{12}$/.test(arn.account))
    return `account ${shown(arn.account)} is not 12 digits; an AWS account id is 12 digits, leading zeros kept (111122223333)`;
  const parts = arn.resource.split('/');
  if (parts[0] !== type) return expected;
  const segments = type === 'cluster' ? 2 : 3;
  if (parts.length < 2 || parts.length > segments)
    return `expected ${type}/<id>${type === 'cluster' ? '' : ` or ${type}/<cluster>/<id>`}, got ${shown(arn.resource)}`;
  const empty = parts.indexOf('');
  if (empty >= 0) {
    const what =
      empty === parts.length - 1
        ? `the ${type === 'cluster' ? 'cluster name' : `${type} id`}`
        : 'the cluster name';
    return `${what} is empty in ${shown(text)}; the ARN must name it`;
  }
  if (/[\s\p{Cc}]/u.test(arn.resource))
    return `${shown(arn.resource)} holds white space or control characters; ECS ids and names have none`;
  // The stored key, `<type>/<id>` (resourceKey), from the parts in hand; a UTF-8 character is at most 3 bytes
  // per UTF-16 unit, so a key of ECS's size needs no count.
  const key = `${type}/${parts[parts.length - 1]}`;
  if (key.length * 3 <= MAX_PARTITION_KEY_BYTES) return undefined;
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_PARTITION_KEY_BYTES)
    return (
      `the ${type === 'cluster' ? 'cluster name' : `${type} id`} is ${bytes - type.length - 1} bytes; ` +
      `it is stored in a DynamoDB key (${type}/<id>), which holds at most ${MAX_PARTITION_KEY_BYTES} bytes: ` +
      'ECS ids are 32–36 characters, so check what produced this ARN'
    );
  return undefined;
}

const Arn = (resource: string) =>
  z.string('expected an ARN string').check(
    z.superRefine((value, context) => {
      const problem = arnProblem(value, resource);
      if (problem !== undefined) context.issues.push({ code: 'custom', message: problem, input: value });
    }),
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
  source: z.enum(
    [EVENT_SOURCE, RESYNC_SOURCE],
    `expected "${EVENT_SOURCE}" (or "${RESYNC_SOURCE}", a state read by resync); only ECS events belong on this queue`,
  ),
  'detail-type': z.enum(
    ECS_DETAIL_TYPES,
    `expected "${TASK_STATE_CHANGE}" or "${CONTAINER_INSTANCE_STATE_CHANGE}"`,
  ),
  time: IsoTime,
  account: z.optional(
    z.string('expected the AWS account id').check(
      z.superRefine((value, context) => {
        if (/^\d{12}$/.test(value)) return;
        const message = `account ${shown(value)} is not 12 digits; an AWS account id is 12 digits, leading zeros kept (111122223333)`;
        context.issues.push({ code: 'custom', message, input: value });
      }),
    ),
  ),
  region: z.optional(z.string('expected the AWS region')),
  detail: z.looseObject({}, 'expected the event detail object (the ECS task or container instance)'),
});

/**
 * A validated ECS event; `raw` is the envelope exactly as received (every field kept). `origin` says whether ECS
 * sent it or resync read it from the API (then `time` is when resync read it).
 */
export type EcsEvent = (
  | { kind: 'task'; detail: TaskDetail }
  | { kind: 'instance'; detail: ContainerInstanceDetail }
) & { arn: string; version: number; id: string; time: string; origin: StateOrigin; raw: object };
export type EcsResourceKind = EcsEvent['kind'];

/** A well-formed EventBridge event that is not an ECS task or container-instance state change. */
export interface OtherEvent {
  source: string;
  detailType: string;
}

/** Why an input is not an ECS event we can store: the field at fault and what to do about it. */
export interface InvalidEvent {
  field: string;
  reason: string;
  /**
   * Set when the input is a well-formed EventBridge event of another kind (an ECS service action, a deployment
   * state change, an Auto Scaling lifecycle action, a Spot warning…): a consumer of ECS state may skip it.
   */
  other?: OtherEvent;
}

export type ParseResult = { ok: true; event: EcsEvent } | { ok: false; error: InvalidEvent };

/** Deeper nesting than any ECS event has (they nest fewer than 10 levels); deeper input is refused, not walked. */
export const MAX_NESTING = 64;

const BYTE_ORDER_MARK = '\uFEFF';

/** Parses one EventBridge envelope given as text (an SQS message body or a line of a file). */
export function parseEcsEventText(text: string): ParseResult {
  // A leading byte order mark (an editor's UTF-8 BOM) is not part of the JSON: skip it and read the rest.
  const bom = text.startsWith(BYTE_ORDER_MARK);
  const json = bom ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    const at = json.indexOf(BYTE_ORDER_MARK);
    const mark =
      at >= 0
        ? `; it holds a byte order mark (U+FEFF) at character ${at + (bom ? 1 : 0)}: save it as UTF-8 without BOM`
        : bom
          ? ' (after skipping its leading byte order mark)'
          : '';
    return invalid(
      '(body)',
      `not JSON (${(error as Error).message})${mark}; send the EventBridge event as JSON`,
    );
  }
  const deep = tooDeep(json);
  if (deep !== undefined) {
    return invalid(
      deep.path === '' ? '(body)' : deep.path,
      `nested more than ${MAX_NESTING} levels deep; ECS events nest fewer than 10: check what produced this record`,
    );
  }
  return parseEcsEvent(value);
}

/**
 * Where JSON text nests deeper than MAX_NESTING, as the path of object keys down to the third level (arrays as
 * their index); undefined when it does not. One pass over the text, no recursion: deep input is refused before
 * anything (a schema, JSON.stringify, deflate) walks it recursively.
 */
function tooDeep(text: string): { path: string } | undefined {
  // Cheap bound first: the depth cannot exceed the number of opening brackets.
  let opening = 0;
  for (let at = text.indexOf('{'); at >= 0 && opening <= MAX_NESTING; at = text.indexOf('{', at + 1))
    opening++;
  for (let at = text.indexOf('['); at >= 0 && opening <= MAX_NESTING; at = text.indexOf('[', at + 1))
    opening++;
  if (opening <= MAX_NESTING) return undefined;
  const PATH_LEVELS = 3;
  const path: string[] = [];
  const inArray: boolean[] = [];
  let depth = 0;
  let lastString = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, over escapes.
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      if (depth <= PATH_LEVELS) lastString = text.slice(start + 1, Math.min(i, start + 81));
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > MAX_NESTING) return { path: path.slice(0, PATH_LEVELS).join('.') };
      if (depth <= PATH_LEVELS + 1) {
        inArray[depth] = c === 0x5b;
        if (c === 0x5b) path[depth - 1] = '0';
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth < PATH_LEVELS) path.length = depth;
    } else if (c === 0x3a && depth <= PATH_LEVELS) path[depth - 1] = lastString;
    else if (c === 0x2c && depth <= PATH_LEVELS && inArray[depth])
      path[depth - 1] = String(Number(path[depth - 1] ?? '0') + 1);
  }
  return undefined;
}

/** Parses one EventBridge envelope already decoded from JSON. */
export function parseEcsEvent(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('(body)', 'expected an EventBridge event object with source, detail-type and detail');
  }
  const envelope = z.safeParse(Envelope, value);
  if (!envelope.success) return fromEnvelopeIssues(envelope.error.issues, value as Record<string, unknown>);
  const { id, time, detail } = envelope.data;
  const origin: StateOrigin = envelope.data.source === RESYNC_SOURCE ? 'resync' : 'event';
  if (envelope.data['detail-type'] === TASK_STATE_CHANGE) {
    const task = z.safeParse(TaskDetail, detail);
    if (!task.success) return fromIssues(task.error.issues, 'detail.', detail);
    const { taskArn: arn, version } = task.data;
    const disagreement = disagreements(envelope.data, 'taskArn', task.data);
    if (disagreement !== undefined) return { ok: false, error: disagreement };
    return {
      ok: true,
      event: { kind: 'task', arn, version, detail: task.data, id, time, origin, raw: value },
    };
  }
  const instance = z.safeParse(ContainerInstanceDetail, detail);
  if (!instance.success) return fromIssues(instance.error.issues, 'detail.', detail);
  const { containerInstanceArn: arn, version } = instance.data;
  const disagreement = disagreements(envelope.data, 'containerInstanceArn', instance.data);
  if (disagreement !== undefined) return { ok: false, error: disagreement };
  return {
    ok: true,
    event: { kind: 'instance', arn, version, detail: instance.data, id, time, origin, raw: value },
  };
}

/**
 * A refused envelope. A well-formed EventBridge event of another kind (its source and detail-type are strings
 * and its detail an object, and it does not claim to be an ECS state change) says so in `other`.
 */
function fromEnvelopeIssues(
  issues: readonly z.core.$ZodIssue[],
  envelope: Record<string, unknown>,
): ParseResult {
  const source = envelope.source;
  const detailType = envelope['detail-type'];
  const detail = envelope.detail;
  const stateChange = (ECS_DETAIL_TYPES as readonly unknown[]).includes(detailType);
  if (
    !stateChange &&
    typeof source === 'string' &&
    typeof detailType === 'string' &&
    typeof envelope.id === 'string' &&
    typeof envelope.time === 'string' &&
    typeof detail === 'object' &&
    detail !== null &&
    !Array.isArray(detail)
  ) {
    return {
      ok: false,
      error: {
        field: 'detail-type',
        reason:
          `${shown(detailType)} from ${shown(source)} is not an ECS state event ` +
          `(only "${TASK_STATE_CHANGE}" and "${CONTAINER_INSTANCE_STATE_CHANGE}" from "${EVENT_SOURCE}" are stored)`,
        other: { source, detailType },
      },
    };
  }
  const result = fromIssues(issues, '', envelope);
  if (result.ok) return result;
  const { field } = result.error;
  // Name the event it is when it is not an ECS one: the source and the detail-type say what sent it.
  if (
    (field === 'source' || field === 'detail-type') &&
    (typeof source === 'string' || typeof detailType === 'string')
  ) {
    const what = `source ${typeof source === 'string' ? shown(source) : '(none)'}, detail-type ${
      typeof detailType === 'string' ? shown(detailType) : '(none)'
    }`;
    return invalid(field, `${result.error.reason}; this event (${what}) is not an ECS state event`);
  }
  return result;
}

/** The resource ARN fields of a detail that must agree with its cluster and the envelope, in this order. */
type ArnFields = Partial<Record<'taskArn' | 'containerInstanceArn' | 'clusterArn', string>>;

/**
 * A task or container instance ARN (and a task's container instance) that disagrees with its `clusterArn` or with
 * the envelope's `region` and `account`: which fields disagree and their values. Undefined when all agree.
 */
function disagreements(
  envelope: { region?: string | undefined; account?: string | undefined },
  own: 'taskArn' | 'containerInstanceArn',
  detail: ArnFields,
): InvalidEvent | undefined {
  const cluster = parseArn(detail.clusterArn ?? '');
  if (cluster === undefined) return undefined;
  const clusterName = cluster.resource.slice(cluster.resource.indexOf('/') + 1);
  const fields: ('taskArn' | 'containerInstanceArn')[] =
    own === 'taskArn' ? ['taskArn', 'containerInstanceArn'] : ['containerInstanceArn'];
  for (const name of fields) {
    const text = detail[name];
    if (text === undefined) continue;
    const arn = parseArn(text);
    if (arn === undefined) continue;
    const found: string[] = [];
    for (const part of ['partition', 'region', 'account'] as const) {
      if (arn[part] !== cluster[part])
        found.push(`${part} ${shown(arn[part])} ≠ ${shown(cluster[part])} of detail.clusterArn`);
    }
    const segments = arn.resource.split('/');
    if (segments.length === 3 && segments[1] !== clusterName)
      found.push(`cluster ${shown(segments[1] ?? '')} ≠ ${shown(clusterName)} of detail.clusterArn`);
    if (envelope.region !== undefined && arn.region !== envelope.region)
      found.push(`region ${shown(arn.region)} ≠ ${shown(envelope.region)} of the envelope's region`);
    if (envelope.account !== undefined && arn.account !== envelope.account)
      found.push(`account ${shown(arn.account)} ≠ ${shown(envelope.account)} of the envelope's account`);
    if (found.length > 0) {
      return {
        field: `detail.${name}`,
        reason: `disagrees: ${found.join('; ')}; an ECS event names one cluster, region and account: check what produced it`,
      };
    }
  }
  if (envelope.region !== undefined && cluster.region !== envelope.region)
    return {
      field: 'detail.clusterArn',
      reason: `disagrees: region ${shown(cluster.region)} ≠ ${shown(envelope.region)} of the envelope's region`,
    };
  if (envelope.account !== undefined && cluster.account !== envelope.account)
    return {
      field: 'detail.clusterArn',
      reason: `disagrees: account ${shown(cluster.account)} ≠ ${shown(envelope.account)} of the envelope's account`,
    };
  return undefined;
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
  let shown: string;
  try {
    shown =
      typeof value === 'number' && !Number.isFinite(value)
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = Array.isArray(value) ? '[…]' : '{…}';
  }
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return `${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} (${type})`;
}

function invalid(field: string, reason: string): ParseResult {
  return { ok: false, error: { field, reason } };
}

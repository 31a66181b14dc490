/**
 * What reaches the drain queue, validated: the triggers that start a drain (an EC2 Auto Scaling terminate
 * lifecycle action, an EC2 Spot interruption warning) and the ECS events that show one progressing (a container
 * instance's state change, a task on an instance stopping). Bad input names its field; every field not read
 * here is kept in the raw envelope.
 */
import * as z from 'zod/mini';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  type ContainerInstanceDetail,
  type InvalidEvent,
  parseEcsEvent,
  TASK_STATE_CHANGE,
  type TaskDetail,
} from '../platform/events/ecs-event.js';

export const LIFECYCLE_ACTION = 'EC2 Instance-terminate Lifecycle Action';
export const SPOT_INTERRUPTION_WARNING = 'EC2 Spot Instance Interruption Warning';
export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';

const InstanceId = z
  .string('expected an EC2 instance id such as i-0123456789abcdef0')
  .check(z.regex(/^i-[0-9a-f]{8,17}$/, 'expected an EC2 instance id such as i-0123456789abcdef0'));
const Text = (what: string) => z.string(`expected ${what}`).check(z.minLength(1, `expected ${what}`));
const IsoTime = z
  .string('expected an ISO 8601 time')
  .check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 time'));

const LifecycleDetail = z.looseObject({
  EC2InstanceId: InstanceId,
  AutoScalingGroupName: Text('the Auto Scaling group name'),
  LifecycleHookName: Text('the lifecycle hook name'),
  LifecycleActionToken: Text('the lifecycle action token'),
  LifecycleTransition: z.literal(
    TERMINATING_TRANSITION,
    `expected "${TERMINATING_TRANSITION}"; only terminations are drained`,
  ),
});

const SpotDetail = z.looseObject({
  'instance-id': InstanceId,
  'instance-action': z.optional(z.string('expected a string')),
});

const Envelope = z.looseObject({
  id: Text('the EventBridge event id'),
  source: Text('the event source'),
  'detail-type': Text('the detail type'),
  time: IsoTime,
  detail: z.looseObject({}, 'expected the event detail object'),
});

export type DrainEvent =
  | {
      kind: 'lifecycle';
      id: string;
      time: string;
      ec2InstanceId: string;
      autoScalingGroup: string;
      hook: string;
      token: string;
    }
  | { kind: 'spot'; id: string; time: string; ec2InstanceId: string }
  | { kind: 'instance'; id: string; time: string; detail: ContainerInstanceDetail }
  | { kind: 'task'; id: string; time: string; detail: TaskDetail };

export type DrainEventParse = { ok: true; event: DrainEvent } | { ok: false; error: InvalidEvent };

const invalid = (field: string, reason: string): DrainEventParse => ({ ok: false, error: { field, reason } });

function firstIssue(issues: readonly z.core.$ZodIssue[], prefix: string): DrainEventParse {
  const [first] = issues;
  return invalid(
    `${prefix}${first?.path.join('.') || '(object)'}`,
    first?.message ?? 'rejected by the schema',
  );
}

/** Parses one SQS message body of the drain queue. */
export function parseDrainEvent(text: string): DrainEventParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid('(body)', `not JSON (${(error as Error).message}); send the EventBridge event as JSON`);
  }
  const envelope = z.safeParse(Envelope, value);
  if (!envelope.success) return firstIssue(envelope.error.issues, '');
  const { id, time, source, detail } = envelope.data;
  const detailType = envelope.data['detail-type'];
  if (source === 'aws.autoscaling' && detailType === LIFECYCLE_ACTION) {
    const parsed = z.safeParse(LifecycleDetail, detail);
    if (!parsed.success) return firstIssue(parsed.error.issues, 'detail.');
    const { EC2InstanceId, AutoScalingGroupName, LifecycleHookName, LifecycleActionToken } = parsed.data;
    return {
      ok: true,
      event: {
        kind: 'lifecycle',
        id,
        time,
        ec2InstanceId: EC2InstanceId,
        autoScalingGroup: AutoScalingGroupName,
        hook: LifecycleHookName,
        token: LifecycleActionToken,
      },
    };
  }
  if (source === 'aws.ec2' && detailType === SPOT_INTERRUPTION_WARNING) {
    const parsed = z.safeParse(SpotDetail, detail);
    if (!parsed.success) return firstIssue(parsed.error.issues, 'detail.');
    return { ok: true, event: { kind: 'spot', id, time, ec2InstanceId: parsed.data['instance-id'] } };
  }
  if (
    source === 'aws.ecs' &&
    (detailType === TASK_STATE_CHANGE || detailType === CONTAINER_INSTANCE_STATE_CHANGE)
  ) {
    const parsed = parseEcsEvent(value);
    if (!parsed.ok) return parsed;
    const { event } = parsed;
    return event.kind === 'task'
      ? { ok: true, event: { kind: 'task', id, time, detail: event.detail } }
      : { ok: true, event: { kind: 'instance', id, time, detail: event.detail } };
  }
  return invalid(
    'detail-type',
    `"${source}" / "${detailType}" is not a drain event; the drain rule sends ${LIFECYCLE_ACTION}, ` +
      `${SPOT_INTERRUPTION_WARNING} and ECS state changes only`,
  );
}

/**
 * ECS API objects (AWS SDK v3, DescribeTasks and DescribeContainerInstances) as the `detail` of the EventBridge
 * event that carries the same resource, so resync stores what it reads through the same code as events.
 *
 * The API object and the event detail are the same resource in two encodings (ECS Developer Guide, "Amazon ECS
 * task state change events": the detail "resembles" the Task of DescribeTasks; aws/containers-roadmap#1515).
 * What differs, and what is done about it here:
 *
 * - times: the SDK gives `Date`s, events ISO-8601 strings with milliseconds → `toISOString()`, at any depth
 *   (a container's managed agents, an instance's health checks);
 * - `undefined`: the SDK's "absent" → the field is left out, as in the event's JSON;
 * - `tags` (DescribeTasks/DescribeContainerInstances with `include: ['TAGS']`): events never carry tags
 *   (aws/containers-roadmap#1515, #2329) → dropped, so the stored state is the same whichever path wrote it;
 * - `clusterArn`: DescribeContainerInstances leaves it out of each instance, the event has it → taken from the
 *   request, which names the cluster;
 * - `updatedAt`: events carry it, the API has no such field → left absent, never invented.
 *
 * Every other field is kept as the API gives it, known or not (ecs-ops keeps unknown fields; see ecs-event.ts),
 * including values the event spells otherwise (an ENI attachment's `type` is `ElasticNetworkInterface` in the API,
 * `eni` in events) and fields only the API has (`healthStatus`, `fargateEphemeralStorage`, a resource's unused
 * `doubleValue`/`longValue`/`integerValue`). A missing `version` or ARN stays missing: these functions never
 * throw, and the event parser refuses such a detail with the field and the reason.
 */
import type { ContainerInstance, Task } from '@aws-sdk/client-ecs';
import { MAX_NESTING } from '../platform/events/ecs-event.js';

/** Fields an event's detail carries that no API answer has: a state resync stored lacks them. */
export const EVENT_ONLY_FIELDS: readonly string[] = ['updatedAt'];

/** A DescribeTasks task as a Task State Change event's detail. */
export function taskDetailOf(task: Task): Record<string, unknown> {
  const { tags: _tags, ...rest } = task;
  return eventJsonOf(rest);
}

/**
 * A DescribeContainerInstances instance as a Container Instance State Change event's detail. `clusterArn` is the
 * ARN of the cluster the request named (the response's instances do not carry it).
 */
export function containerInstanceDetailOf(
  instance: ContainerInstance,
  clusterArn: string,
): Record<string, unknown> {
  const { tags: _tags, ...rest } = instance;
  return { ...eventJsonOf(rest), clusterArn };
}

type JsonContainer = Record<string, unknown> | unknown[];

/**
 * A copy of `root` as event JSON: `Date`s as ISO strings (an invalid `Date` as `null`, as JSON.stringify writes
 * it), `undefined`, functions and symbols left out of objects (`null` in arrays, keeping positions). Walked with
 * an explicit stack, never recursively; what nests deeper than MAX_NESTING levels is left out (ECS objects nest
 * fewer than 10, so only a cyclic object reaches it, and it ends there rather than looping).
 */
function eventJsonOf(root: object): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  const pending: { from: object; to: JsonContainer; depth: number }[] = [{ from: root, to: copy, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { from, to, depth } = next;
    const entries: Iterable<[string | number, unknown]> = Array.isArray(from)
      ? from.entries()
      : Object.entries(from);
    for (const [key, value] of entries) {
      let converted: unknown;
      if (value instanceof Date) converted = Number.isNaN(value.getTime()) ? null : value.toISOString();
      else if (typeof value === 'object' && value !== null) {
        if (depth >= MAX_NESTING) converted = undefined;
        else {
          converted = Array.isArray(value) ? [] : {};
          pending.push({ from: value, to: converted as JsonContainer, depth: depth + 1 });
        }
      } else if (value === undefined || typeof value === 'function' || typeof value === 'symbol')
        converted = undefined;
      else converted = value;
      if (Array.isArray(to)) to.push(converted === undefined ? null : converted);
      // An own "__proto__" (JSON.parse makes one) stays a field; `to[key] =` would set the prototype instead.
      else if (converted !== undefined)
        Object.defineProperty(to, key, {
          value: converted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
  }
  return copy;
}

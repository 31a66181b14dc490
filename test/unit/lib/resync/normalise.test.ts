/**
 * Resync's normaliser, read as a specification. The ECS API's answers (events/api/ecs/, as the service writes
 * them on the wire) go through the real SDK client, whose own deserialiser makes the Task and ContainerInstance
 * objects resync holds (epoch seconds → Date); the normaliser must turn each into the `detail` of the EventBridge
 * event of the same resource. The task and the instance that also exist as event fixtures, at the same version,
 * are compared with the real event field by field; every difference is listed here, with its source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  type ContainerInstance,
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { HttpResponse } from '@smithy/core/transport';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  MAX_NESTING,
  parseEcsEvent,
  TASK_STATE_CHANGE,
} from '../../../../lib/platform/events/ecs-event.js';
import { containerInstanceDetailOf, taskDetailOf } from '../../../../lib/resync/normalise.js';
import {
  ACCOUNT,
  clusterArn,
  containerInstanceArn,
  EVENTS_DIR,
  loadEvent,
  REGION,
  taskArn,
  uuidFrom,
} from '../../../support/fixtures.js';

const PROD = clusterArn('prod');
const WEB_TASK = taskArn('prod', '3f0b2e9c71d84a5b9c06e1f27a4d8b53');
/** The task of events/ecs/task/ec2-stopped.json. */
const REPORT_TASK = taskArn('prod', 'b48024b1269478ab623a10e102c8a888');
/** The container instance of events/ecs/container-instance/ec2-active.json. */
const INSTANCE = containerInstanceArn('prod', '1c462d635d829a53fd63170b903eab65');

/** An ISO-8601 UTC time with milliseconds, as ECS events write every time in `detail`. */
const ISO_WITH_MILLISECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/*
 * The documented differences between the API object and the event detail.
 *
 * - updatedAt: events carry the time of the change; the Task and ContainerInstance of the API have no such field
 *   (API Reference, "Task" and "ContainerInstance"), so resync leaves it absent rather than invent it.
 * - healthStatus: the API reports a task's and its containers' health; "the health status of the task isn't
 *   provided in the task state change event" (Developer Guide, "Amazon ECS task state change events"). An
 *   instance's healthStatus comes with `include: ['CONTAINER_INSTANCE_HEALTH']` and is not in the event schema
 *   (EventBridge schema aws.ecs@ECSContainerInstanceStateChange). Kept: unknown fields are never dropped.
 * - fargateEphemeralStorage: DescribeTasks reports it beside ephemeralStorage for Fargate tasks; the event
 *   samples (docs and fixtures) have only ephemeralStorage. Kept.
 * - attachments[].type: DescribeTasks says "ElasticNetworkInterface" (API Reference and CLI examples), events say
 *   "eni" (Developer Guide event sample). Kept as the API says it: a value, not a shape, and nothing reads it.
 * - registeredResources/remainingResources: the API writes all of doubleValue, longValue and integerValue on
 *   every resource, zero for those its type does not use (DescribeContainerInstances examples); events write only
 *   the value of the resource's type (Developer Guide, "Amazon ECS container instance state change events"). Kept.
 * - tags (with `include: ['TAGS']`): never in events (aws/containers-roadmap#1515, #2329); dropped.
 * - clusterArn of an instance: absent from DescribeContainerInstances, present in the event; from the request.
 */
const TASK_EVENT_ONLY = ['updatedAt'];
const TASK_API_ONLY = ['healthStatus'];
const FARGATE_TASK_API_ONLY = ['healthStatus', 'fargateEphemeralStorage'];
const CONTAINER_API_ONLY = ['healthStatus'];
const INSTANCE_EVENT_ONLY = ['updatedAt'];
const INSTANCE_API_ONLY = ['healthStatus'];
/** The value field each resource type uses; the API writes the others as zero. */
const VALUE_OF_TYPE: Record<string, string> = {
  INTEGER: 'integerValue',
  LONG: 'longValue',
  DOUBLE: 'doubleValue',
  STRINGSET: 'stringSetValue',
};

type Json = Record<string, unknown>;

const wire = (file: string) => readFileSync(join(EVENTS_DIR, 'api/ecs', file), 'utf8');

/**
 * An ECS client whose every call the "service" answers with `body`, through the SDK's whole response path
 * (status, headers, the JSON protocol's deserialiser). `sent` collects the requests' operation names.
 */
function ecsAnswering(body: string, sent: string[] = []): ECSClient {
  return new ECSClient({
    region: REGION,
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        sent.push(request.headers['x-amz-target'] ?? '(none)');
        return {
          response: new HttpResponse({
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: Readable.from([Buffer.from(body)]),
          }),
        };
      },
    },
  });
}

async function describeTasks(body = wire('describe-tasks.json')) {
  const request = { cluster: 'prod', tasks: [WEB_TASK, REPORT_TASK], include: ['TAGS' as const] };
  return ecsAnswering(body).send(new DescribeTasksCommand(request));
}

async function describeContainerInstances(body = wire('describe-container-instances.json')) {
  const include = ['TAGS' as const, 'CONTAINER_INSTANCE_HEALTH' as const];
  const request = { cluster: 'prod', containerInstances: [INSTANCE], include };
  return ecsAnswering(body).send(new DescribeContainerInstancesCommand(request));
}

/** The EventBridge envelope ECS would wrap `detail` in. */
function envelopeOf(detailType: string, detail: Json): Json {
  const arn = detail.taskArn ?? detail.containerInstanceArn;
  return {
    version: '0',
    id: uuidFrom(`resync#${String(arn)}#${String(detail.version)}`),
    'detail-type': detailType,
    source: 'aws.ecs',
    account: ACCOUNT,
    time: '2024-05-01T02:07:30Z',
    region: REGION,
    resources: typeof arn === 'string' ? [arn] : [],
    detail,
  };
}

const parsedTask = (detail: Json) => parseEcsEvent(envelopeOf(TASK_STATE_CHANGE, detail));
const parsedInstance = (detail: Json) => parseEcsEvent(envelopeOf(CONTAINER_INSTANCE_STATE_CHANGE, detail));

const fieldsOf = (value: unknown) => Object.keys(value as Json).sort();
const without = (value: unknown, fields: readonly string[]) =>
  Object.fromEntries(Object.entries(value as Json).filter(([field]) => !fields.includes(field)));

let tasks: Task[];
let instances: ContainerInstance[];

beforeAll(async () => {
  tasks = (await describeTasks()).tasks ?? [];
  instances = (await describeContainerInstances()).containerInstances ?? [];
});

const task = (arn: string) => {
  const found = tasks.find((candidate) => candidate.taskArn === arn);
  if (found === undefined) throw new Error(`the DescribeTasks sample has no task ${arn}`);
  return found;
};

describe('the API samples, through the SDK', () => {
  it('describe two tasks and one missing task, with epoch seconds read as Dates', async () => {
    const sent: string[] = [];
    const response = await ecsAnswering(wire('describe-tasks.json'), sent).send(
      new DescribeTasksCommand({ cluster: 'prod', tasks: [WEB_TASK] }),
    );
    expect(sent).toEqual(['AmazonEC2ContainerServiceV20141113.DescribeTasks']);
    expect(response.tasks?.map((described) => described.taskArn)).toEqual([WEB_TASK, REPORT_TASK]);
    expect(response.failures).toEqual([{ arn: expect.stringContaining(':task/prod/'), reason: 'MISSING' }]);
    expect(task(REPORT_TASK).stoppedAt).toEqual(new Date('2024-05-01T02:06:59.487Z'));
  });

  it('describe one container instance and one missing instance, with its registration time a Date', async () => {
    const response = await describeContainerInstances();
    expect(response.containerInstances?.map((described) => described.containerInstanceArn)).toEqual([
      INSTANCE,
    ]);
    expect(response.failures).toEqual([
      { arn: expect.stringContaining(':container-instance/prod/'), reason: 'MISSING' },
    ]);
    expect(instances[0]?.registeredAt).toEqual(new Date('2024-04-30T18:22:47.193Z'));
    expect(instances[0]).not.toHaveProperty('clusterArn');
  });

  it('lose the fields the SDK does not model: resync cannot see what only newer ECS fields say', async () => {
    const body = JSON.parse(wire('describe-tasks.json')) as { tasks: Json[] };
    for (const described of body.tasks) described.someFieldEcsAddsLater = 'x';
    const response = await describeTasks(JSON.stringify(body));
    for (const described of response.tasks ?? [])
      expect(described).not.toHaveProperty('someFieldEcsAddsLater');
  });
});

describe('taskDetailOf', () => {
  it('makes every task of the sample a detail that parseEcsEvent accepts, with its ARN and version', () => {
    for (const described of tasks) {
      const result = parsedTask(taskDetailOf(described));
      if (!result.ok) throw new Error(`${result.error.field}: ${result.error.reason}`);
      expect(result.event).toMatchObject({
        kind: 'task',
        arn: described.taskArn,
        version: described.version,
      });
    }
  });

  it('writes every time as an ISO-8601 string with milliseconds, nested ones too', () => {
    const web = taskDetailOf(task(WEB_TASK));
    for (const field of ['createdAt', 'connectivityAt', 'pullStartedAt', 'pullStoppedAt', 'startedAt'])
      expect(web[field], field).toMatch(ISO_WITH_MILLISECONDS);
    expect(web.pullStoppedAt).toBe('2024-05-01T01:41:33.650Z');
    const [container] = web.containers as Json[];
    const [agent] = (container?.managedAgents ?? []) as Json[];
    expect(agent?.lastStartedAt).toBe('2024-05-01T01:41:47.062Z');

    const report = taskDetailOf(task(REPORT_TASK));
    for (const field of ['executionStoppedAt', 'stoppingAt', 'stoppedAt'])
      expect(report[field], field).toMatch(ISO_WITH_MILLISECONDS);
  });

  it('returns plain JSON: no Date and no undefined anywhere', () => {
    for (const described of tasks) {
      const detail = taskDetailOf(described);
      expect(JSON.parse(JSON.stringify(detail))).toStrictEqual(detail);
    }
  });

  it('drops the tags DescribeTasks returns with include TAGS, which events never carry', () => {
    for (const described of tasks) {
      expect(described.tags?.length).toBeGreaterThan(0);
      expect(taskDetailOf(described)).not.toHaveProperty('tags');
    }
  });

  it('leaves the SDK object as it was', () => {
    const described = task(REPORT_TASK);
    const before = structuredClone(described);
    taskDetailOf(described);
    expect(described).toStrictEqual(before);
    expect(described.createdAt).toBeInstanceOf(Date);
  });

  it('gives the STOPPED EC2 task the detail of its event (ec2-stopped.json, version 3), but for the listed differences', () => {
    const event = loadEvent('ecs/task/ec2-stopped.json').detail;
    const detail = taskDetailOf(task(REPORT_TASK));

    for (const field of Object.keys(event)) {
      if (TASK_EVENT_ONLY.includes(field)) expect(detail, field).not.toHaveProperty(field);
      else if (field === 'containers') {
        const containers = (detail.containers as Json[]).map((container) =>
          without(container, CONTAINER_API_ONLY),
        );
        expect(containers, field).toEqual(event.containers);
      } else expect(detail[field], field).toEqual(event[field]);
    }
    expect(fieldsOf(without(detail, Object.keys(event)))).toEqual(TASK_API_ONLY);
    for (const container of detail.containers as Json[])
      expect(Object.keys(container)).toEqual(expect.arrayContaining(CONTAINER_API_ONLY));
  });

  it('gives the RUNNING Fargate task the fields of a RUNNING Fargate event (fargate-running.json), but for the listed differences', () => {
    const event = loadEvent('ecs/task/fargate-running.json').detail;
    const detail = taskDetailOf(task(WEB_TASK));

    expect(fieldsOf(without(detail, FARGATE_TASK_API_ONLY))).toEqual(
      fieldsOf(without(event, TASK_EVENT_ONLY)),
    );
    const [attachment] = detail.attachments as Json[];
    const [eventAttachment] = event.attachments as Json[];
    expect(fieldsOf(attachment)).toEqual(fieldsOf(eventAttachment));
    expect(attachment?.type).toBe('ElasticNetworkInterface');
    expect(eventAttachment?.type).toBe('eni');
    const names = (value: unknown) => ((value as Json).details as Json[]).map((pair) => pair.name);
    expect(names(attachment)).toEqual(names(eventAttachment));
  });

  it('keeps unknown fields, at any depth, and leaves out what is undefined', () => {
    // A literal of the SDK's Task with what the SDK's type does not know: typed as plain JSON, then as a Task.
    const described: Task = {
      taskArn: REPORT_TASK,
      clusterArn: PROD,
      lastStatus: 'RUNNING',
      version: 2,
      stopCode: undefined,
      containers: [
        {
          name: 'report',
          exitCode: undefined,
          someNewField: { since: new Date('2024-05-01T02:00:11.204Z') },
        },
      ],
      someFieldEcsAddsLater: { enabled: true, at: [new Date('2024-05-01T02:00:01.318Z')], none: null },
    } as Json;

    expect(taskDetailOf(described)).toStrictEqual({
      taskArn: REPORT_TASK,
      clusterArn: PROD,
      lastStatus: 'RUNNING',
      version: 2,
      containers: [{ name: 'report', someNewField: { since: '2024-05-01T02:00:11.204Z' } }],
      someFieldEcsAddsLater: { enabled: true, at: ['2024-05-01T02:00:01.318Z'], none: null },
    });
  });

  it('keeps a field named "__proto__" as a field, not as the prototype', () => {
    const odd = JSON.parse('{"__proto__": {"polluted": true}}') as Json;
    const detail = taskDetailOf({ ...task(REPORT_TASK), someFieldEcsAddsLater: odd } as Task);
    const copied = detail.someFieldEcsAddsLater as Json;
    expect(Object.keys(copied)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(({} as Json).polluted).toBeUndefined();
  });

  it('leaves out a missing version or ARN without throwing; the event parser refuses it, naming the field', () => {
    const { version: _version, ...noVersion } = task(REPORT_TASK);
    const unversioned = taskDetailOf(noVersion);
    expect(unversioned).not.toHaveProperty('version');
    expect(parsedTask(unversioned)).toMatchObject({ ok: false, error: { field: 'detail.version' } });

    const { taskArn: _arn, ...noArn } = task(REPORT_TASK);
    const anonymous = taskDetailOf(noArn);
    expect(anonymous).not.toHaveProperty('taskArn');
    expect(parsedTask(anonymous)).toMatchObject({ ok: false, error: { field: 'detail.taskArn' } });
  });

  it('writes an invalid Date as null, as JSON does, so the parser refuses the field rather than the normaliser throwing', () => {
    const detail = taskDetailOf({ ...task(REPORT_TASK), stoppedAt: new Date(Number.NaN) });
    expect(detail.stoppedAt).toBeNull();
    expect(parsedTask(detail)).toMatchObject({ ok: false, error: { field: 'detail.stoppedAt' } });
  });

  it(`ends on a cyclic object, cutting it at ${MAX_NESTING} levels`, () => {
    const loop: Json = { name: 'loop' };
    loop.self = loop;
    const detail = taskDetailOf({ ...task(REPORT_TASK), someFieldEcsAddsLater: loop } as Task);
    let depth = 1;
    for (let at = detail.someFieldEcsAddsLater as Json | undefined; at !== undefined; at = at.self as Json)
      depth++;
    expect(depth).toBe(MAX_NESTING);
  });
});

describe('containerInstanceDetailOf', () => {
  const instance = () => {
    const [found] = instances;
    if (found === undefined) throw new Error('the DescribeContainerInstances sample has no instance');
    return found;
  };

  it('makes the instance a detail that parseEcsEvent accepts, with the cluster of the request', () => {
    const detail = containerInstanceDetailOf(instance(), PROD);
    expect(detail.clusterArn).toBe(PROD);
    const result = parsedInstance(detail);
    if (!result.ok) throw new Error(`${result.error.field}: ${result.error.reason}`);
    expect(result.event).toMatchObject({ kind: 'instance', arn: INSTANCE, version: 20 });
  });

  it('writes its times as ISO-8601 strings with milliseconds, the health checks’ too, and drops its tags', () => {
    const detail = containerInstanceDetailOf(instance(), PROD);
    expect(detail.registeredAt).toBe('2024-04-30T18:22:47.193Z');
    const [check] = (detail.healthStatus as { details: Json[] }).details;
    expect(check?.lastUpdated).toMatch(ISO_WITH_MILLISECONDS);
    expect(check?.lastStatusChange).toMatch(ISO_WITH_MILLISECONDS);
    expect(instance().tags?.length).toBeGreaterThan(0);
    expect(detail).not.toHaveProperty('tags');
    expect(JSON.parse(JSON.stringify(detail))).toStrictEqual(detail);
  });

  it('gives the instance the detail of its event (ec2-active.json, version 20), but for the listed differences', () => {
    const event = loadEvent('ecs/container-instance/ec2-active.json').detail;
    const detail = containerInstanceDetailOf(instance(), PROD);
    /** A resource without the zero values of the fields its type does not use. */
    const asInEvents = (resource: Json) => {
      const used = VALUE_OF_TYPE[String(resource.type)];
      const unused = Object.values(VALUE_OF_TYPE).filter((field) => field !== used && field in resource);
      for (const field of unused) expect(resource[field], `${String(resource.name)}.${field}`).toBe(0);
      return without(resource, unused);
    };

    for (const field of Object.keys(event)) {
      if (INSTANCE_EVENT_ONLY.includes(field)) expect(detail, field).not.toHaveProperty(field);
      else if (field === 'registeredResources' || field === 'remainingResources')
        expect((detail[field] as Json[]).map(asInEvents), field).toEqual(event[field]);
      else expect(detail[field], field).toEqual(event[field]);
    }
    expect(fieldsOf(without(detail, Object.keys(event)))).toEqual(INSTANCE_API_ONLY);
  });

  it('leaves out a missing ARN without throwing; the event parser refuses it, naming the field', () => {
    const { containerInstanceArn: _arn, ...noArn } = instance();
    const detail = containerInstanceDetailOf(noArn, PROD);
    expect(detail).not.toHaveProperty('containerInstanceArn');
    expect(parsedInstance(detail)).toMatchObject({
      ok: false,
      error: { field: 'detail.containerInstanceArn' },
    });
  });
});

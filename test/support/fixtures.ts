/**
 * Fixture helpers: the EventBridge envelopes under events/, and deterministic variations of them.
 *
 *   loadEvent('ecs/task/fargate-running.json')           a fresh copy of one fixture
 *   taskEvent({ id: 'a', version: 7, lastStatus: 'STOPPED' })   the same task shape, another task and version
 *   sqsEvent([JSON.stringify(envelope)])                  what Lambda hands the reconcile function
 *
 * Every value a builder derives (ARNs, event ids, message ids) is a hash of its inputs, so a test that builds
 * the same event twice gets the same bytes: exactly what a duplicate delivery looks like.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';

/** The repository's root folder, wherever a test file sits below test/. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EVENTS_DIR = join(PROJECT_ROOT, 'events');
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

/** An EventBridge envelope as the fixtures hold it; unknown fields allowed. */
export type Envelope = Omit<EventEnvelope, 'version'> & { version: string; [field: string]: unknown };

const cache = new Map<string, Envelope>();

/** A deep copy of one fixture envelope; `relativePath` is under events/ (a leading "events/" is accepted). */
export function loadEvent(relativePath: string): Envelope {
  const path = relativePath.replace(/^events\//, '');
  let envelope = cache.get(path);
  if (envelope === undefined) {
    envelope = JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8')) as Envelope;
    cache.set(path, envelope);
  }
  return structuredClone(envelope);
}

/** Every fixture file under events/<folder> (recursively), as paths relative to events/, sorted. */
export function fixtureFiles(folder = 'ecs'): string[] {
  const root = join(EVENTS_DIR, folder);
  return (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.json'))
    .map((file) => relative(EVENTS_DIR, join(root, file)).split('\\').join('/'))
    .sort();
}

/** The lines of events/demo/stream.jsonl. */
export function demoStream(): string[] {
  return readFileSync(join(EVENTS_DIR, 'demo', 'stream.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}

/** 32 lower-case hex characters derived from `seed`: a long-format ECS resource id. */
export function hexId(seed: string | number): string {
  return createHash('sha256').update(String(seed)).digest('hex').slice(0, 32);
}

/** `length` characters of base64 that deflate cannot shrink below ~6 bits a character, derived from `seed`. */
export function incompressible(seed: string, length: number): string {
  const blocks: Buffer[] = [];
  let size = 0;
  for (let counter = 0; size * 4 < length * 3 + 4; counter++) {
    const block = createHash('sha512').update(`${seed}#${counter}`).digest();
    blocks.push(block);
    size += block.length;
  }
  return Buffer.concat(blocks).toString('base64').slice(0, length);
}

/** A UUID-shaped string derived from `seed` (EventBridge event ids, SQS message ids). */
export function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const ecsArn = (resource: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${resource}`;
export const clusterArn = (cluster: string) => ecsArn(`cluster/${cluster}`);
export const taskArn = (cluster: string, id: string) => ecsArn(`task/${cluster}/${id}`);
export const containerInstanceArn = (cluster: string, id: string) =>
  ecsArn(`container-instance/${cluster}/${id}`);

export interface TaskOverrides {
  /** Fixture to start from, under events/; default a RUNNING Fargate task of service:web. */
  fixture?: string;
  /** Task id (last ARN segment) or any seed for one: not 32 hex characters → hashed into one. */
  id?: string;
  cluster?: string;
  version?: number;
  lastStatus?: string;
  desiredStatus?: string;
  group?: string;
  /** Places the task on a container instance (EC2); null removes the field. */
  containerInstanceArn?: string | null;
  /** Envelope time. */
  time?: string;
  createdAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  /** Fields merged into the detail last (unknown fields welcome). */
  detail?: Record<string, unknown>;
}

/** An "ECS Task State Change" envelope built from a fixture, with ARN, version and status varied. */
export function taskEvent(overrides: TaskOverrides = {}): Envelope {
  const envelope = loadEvent(overrides.fixture ?? 'ecs/task/fargate-running.json');
  const detail = envelope.detail;
  const oldArn = detail.taskArn as string;
  const oldCluster = (detail.clusterArn as string).slice((detail.clusterArn as string).lastIndexOf('/') + 1);
  const cluster = overrides.cluster ?? oldCluster;
  const id = resourceId(overrides.id, oldArn);
  const arn = taskArn(cluster, id);
  detail.taskArn = arn;
  detail.clusterArn = clusterArn(cluster);
  const containers = Array.isArray(detail.containers) ? (detail.containers as Record<string, unknown>[]) : [];
  for (const container of containers) {
    container.taskArn = arn;
    if (typeof container.containerArn === 'string') {
      const uuid = container.containerArn.slice(container.containerArn.lastIndexOf('/') + 1);
      container.containerArn = ecsArn(`container/${cluster}/${id}/${uuid}`);
    }
  }
  assign(detail, {
    version: overrides.version,
    lastStatus: overrides.lastStatus,
    desiredStatus: overrides.desiredStatus,
    group: overrides.group,
    createdAt: overrides.createdAt,
    startedAt: overrides.startedAt,
    stoppedAt: overrides.stoppedAt,
  });
  if (overrides.containerInstanceArn === null) delete detail.containerInstanceArn;
  else if (overrides.containerInstanceArn !== undefined)
    detail.containerInstanceArn = overrides.containerInstanceArn;
  Object.assign(detail, overrides.detail);
  if (overrides.time !== undefined) envelope.time = overrides.time;
  envelope.resources = [arn];
  envelope.id = uuidFrom(`${arn}#${String(detail.version)}`);
  return envelope;
}

export interface InstanceOverrides {
  /** Fixture to start from, under events/; default an ACTIVE EC2 container instance. */
  fixture?: string;
  /** Container instance id (last ARN segment) or a seed for one. */
  id?: string;
  cluster?: string;
  version?: number;
  status?: string;
  ec2InstanceId?: string;
  runningTasksCount?: number;
  agentConnected?: boolean;
  time?: string;
  registeredAt?: string;
  detail?: Record<string, unknown>;
}

/** An "ECS Container Instance State Change" envelope built from a fixture, with ARN, version and status varied. */
export function instanceEvent(overrides: InstanceOverrides = {}): Envelope {
  const envelope = loadEvent(overrides.fixture ?? 'ecs/container-instance/ec2-active.json');
  const detail = envelope.detail;
  const oldArn = detail.containerInstanceArn as string;
  const oldCluster = (detail.clusterArn as string).slice((detail.clusterArn as string).lastIndexOf('/') + 1);
  const cluster = overrides.cluster ?? oldCluster;
  const id = resourceId(overrides.id, oldArn);
  const arn = containerInstanceArn(cluster, id);
  detail.containerInstanceArn = arn;
  detail.clusterArn = clusterArn(cluster);
  assign(detail, {
    version: overrides.version,
    status: overrides.status,
    ec2InstanceId:
      overrides.ec2InstanceId ?? (overrides.id === undefined ? undefined : `i-${hexId(id).slice(0, 17)}`),
    runningTasksCount: overrides.runningTasksCount,
    agentConnected: overrides.agentConnected,
    registeredAt: overrides.registeredAt,
  });
  Object.assign(detail, overrides.detail);
  if (overrides.time !== undefined) envelope.time = overrides.time;
  envelope.resources = [arn];
  envelope.id = uuidFrom(`${arn}#${String(detail.version)}`);
  return envelope;
}

function resourceId(seed: string | undefined, fixtureArn: string): string {
  if (seed === undefined) return fixtureArn.slice(fixtureArn.lastIndexOf('/') + 1);
  return /^[0-9a-f]{32}$/.test(seed) ? seed : hexId(seed);
}

function assign(target: Record<string, unknown>, values: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(values)) if (value !== undefined) target[field] = value;
}

/** The message body EventBridge puts on the queue: the envelope as compact JSON. */
export const body = (envelope: object) => JSON.stringify(envelope);

export const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:ecs-ops-test-ecs-events`;
const SENT_AT = Date.parse('2024-05-01T12:00:00.000Z');

/** One SQS record as Lambda's event source mapping delivers it; `position` makes ids unique in a batch. */
export function sqsRecord(messageBody: string, position: number, receiveCount = 1): SQSRecord {
  const messageId = uuidFrom(`message#${position}#${messageBody}`);
  const sentTimestamp = SENT_AT + position;
  return {
    messageId,
    receiptHandle: Buffer.from(`${messageId}#${receiveCount}`).toString('base64'),
    body: messageBody,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sentTimestamp),
      SenderId: 'AIDAJHIPRHEMV73VRJEBU',
      ApproximateFirstReceiveTimestamp: String(sentTimestamp + 20),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(messageBody, 'utf8').digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: REGION,
  };
}

/** A Lambda SQS event whose records carry `bodies`, in order. */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return { Records: bodies.map((messageBody, position) => sqsRecord(messageBody, position)) };
}

/** The same messages delivered again (SQS redelivery: same message ids, new receipt handles). */
export function redeliver(event: SQSEvent, messageIds: readonly string[]): SQSEvent {
  const wanted = new Set(messageIds);
  return {
    Records: event.Records.filter((record) => wanted.has(record.messageId)).map((record) => {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) + 1;
      return {
        ...record,
        receiptHandle: Buffer.from(`${record.messageId}#${receiveCount}`).toString('base64'),
        attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) },
      };
    }),
  };
}

/** JSON text of `depth` nested arrays around `inner`: deeper than any recursive walk survives at 5,000 levels. */
export const nestedJson = (depth: number, inner = '0') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

/**
 * Well-formed EventBridge events a capture of a whole bus holds besides ECS state changes (shapes from the
 * ECS, EC2 Auto Scaling and EC2 documentation); none of them is an ECS task or container-instance state change.
 */
export function otherBusEvents(): Envelope[] {
  const envelope = (source: string, detailType: string, detail: Record<string, unknown>): Envelope => ({
    version: '0',
    id: uuidFrom(`${source}#${detailType}`),
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: '2024-05-01T12:00:00Z',
    region: REGION,
    resources: [],
    detail,
  });
  return [
    envelope('aws.ecs', 'ECS Service Action', {
      eventType: 'INFO',
      eventName: 'SERVICE_STEADY_STATE',
      clusterArn: clusterArn('prod'),
      createdAt: '2024-05-01T12:00:00.000Z',
    }),
    envelope('aws.ecs', 'ECS Deployment State Change', {
      eventType: 'INFO',
      eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
      deploymentId: 'ecs-svc/1234567890123456789',
      updatedAt: '2024-05-01T12:00:00.000Z',
      reason: 'ECS deployment ecs-svc/1234567890123456789 completed.',
    }),
    envelope('aws.autoscaling', 'EC2 Instance-terminate Lifecycle Action', {
      LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
      AutoScalingGroupName: 'prod-ec2',
      LifecycleHookName: 'ecs-ops-drain',
      EC2InstanceId: 'i-1234567890abcdef0',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    }),
    envelope('aws.ec2', 'EC2 Spot Instance Interruption Warning', {
      'instance-id': 'i-1234567890abcdef0',
      'instance-action': 'terminate',
    }),
  ];
}

/**
 * The reconcile Lambda handler end to end: SQS records in, DynamoDB state and dead letters out, on each engine.
 * Nothing of AWS is mocked: the store is the real StateStore on a real engine; the dead-letter sink records what
 * it is given (it stands in for the queue, not for an AWS client).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../../../functions/reconcile.js';
import { resourceKey } from '../../../../lib/platform/arn.js';
import type { DeadLetter, DeadLetterSink } from '../../../../lib/platform/dead-letters/dead-letter.js';
import { TASK_STATUSES } from '../../../../lib/platform/events/statuses.js';
import type { Item } from '../../../../lib/platform/store/items.js';
import { StateStore, type UnwrittenItem } from '../../../../lib/platform/store/state-store.js';
import { KEY } from '../../../../lib/platform/store/table.js';
import type { VersionVerdict } from '../../../../lib/platform/version-rule.js';
import { countOutcomes, processBatch } from '../../../../lib/reconcile/process-batch.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import {
  body,
  clusterArn,
  containerInstanceArn,
  demoStream,
  type Envelope,
  hexId,
  incompressible,
  instanceEvent,
  nestedJson,
  otherBusEvents,
  redeliver,
  sqsEvent,
  taskArn,
  taskEvent,
} from '../../../support/fixtures.js';
import { lambdaContext } from '../../../support/lambda-context.js';
import { handlerEnvironment } from '../../../support/metrics.js';

const RETENTION = { stoppedDays: 30, historyDays: 90 };

/** Whether a stored item belongs to one of these ARNs (items are keyed by resourceKey, not by ARN). */
const isFor = (arns: ReadonlySet<string>, item: Item) =>
  [...arns].some((arn) => resourceKey(arn) === item[KEY.partition]?.S);

/** The dead-letter queue as the handler sees it: keeps every letter; can be told to refuse some or all. */
class RecordingDeadLetters implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];

  constructor(private readonly refuse: (letter: DeadLetter) => boolean = () => false) {}

  async send(letters: readonly DeadLetter[]): Promise<string[]> {
    const unsent: string[] = [];
    for (const letter of letters) {
      if (this.refuse(letter)) unsent.push(letter.id);
      else this.letters.push(letter);
    }
    return unsent;
  }
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

/** The real store, except that writes for chosen ARNs fail as DynamoDB does when throttled. */
class ThrottledStore extends StateStore {
  readonly throttledArns = new Set<string>();
  failLatest = true;
  failHistory = false;

  constructor(store: StateStore) {
    super({ tableName: store.tableName, client: store.client });
  }

  override async putLatest(item: Item): Promise<VersionVerdict> {
    if (this.failLatest && isFor(this.throttledArns, item)) throw throttled();
    return super.putLatest(item);
  }

  override async putHistory(items: readonly Item[]): Promise<UnwrittenItem[]> {
    if (this.failHistory && items.some((item) => isFor(this.throttledArns, item))) throw throttled();
    return super.putHistory(items);
  }
}

/** The real store, except that history items of chosen ARNs stay unprocessed (BatchWriteItem gave up on them). */
class UnprocessedHistoryStore extends StateStore {
  readonly unprocessedArns = new Set<string>();

  constructor(store: StateStore) {
    super({ tableName: store.tableName, client: store.client });
  }

  override async putHistory(items: readonly Item[]): Promise<UnwrittenItem[]> {
    const stuck = items.filter((item) => isFor(this.unprocessedArns, item));
    await super.putHistory(items.filter((item) => !stuck.includes(item)));
    return stuck.map((item) => ({ item, reason: 'still unprocessed by DynamoDB after retries' }));
  }
}

interface Harness {
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  deadLetters: RecordingDeadLetters;
}

function harness(
  store: Pick<StateStore, 'putLatest' | 'putHistory'>,
  deadLetters = new RecordingDeadLetters(),
): Harness {
  handlerEnvironment();
  const handler = createHandler(
    () => ({ store, deadLetters, retention: RETENTION, writeConcurrency: 4 }),
    new Logger({ serviceName: 'ecs-ops-test', logLevel: 'SILENT' }),
  );
  return { handler: (event) => handler(event, lambdaContext()), deadLetters };
}

const failures = (response: SQSBatchResponse) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);
const idsOf = (event: SQSEvent, predicate: (body: string) => boolean) =>
  event.Records.filter((record) => predicate(record.body)).map((record) => record.messageId);

/** A web task through its lifecycle: version n has the status at position n - 1. */
const LIFECYCLE = TASK_STATUSES.filter((status) => status !== 'STOPPED');
const webTask = (name: string, version: number) =>
  taskEvent({
    id: name,
    version,
    lastStatus: LIFECYCLE[version - 1] ?? 'STOPPED',
  });

/** Every variant must fail on exactly one field; the reason must say what is expected there. */
interface Malformed {
  name: string;
  body: () => string;
  field: string;
  reason: RegExp;
}

const task = () => taskEvent({ id: 'malformed-task', version: 3 });
const instance = () => instanceEvent({ id: 'malformed-instance', version: 3 });
const change = (envelope: Envelope, edit: (envelope: Envelope) => void) => {
  edit(envelope);
  return body(envelope);
};
const withDetail = (fields: Record<string, unknown>, base: () => Envelope = task) =>
  change(base(), (envelope) => {
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) delete envelope.detail[field];
      else envelope.detail[field] = value;
    }
  });
const without = (field: string) => change(task(), (envelope) => delete envelope[field]);

const MALFORMED: Malformed[] = [
  { name: 'the body is not JSON', body: () => '{"version":"0","id":', field: '(body)', reason: /not JSON/ },
  { name: 'the body is empty', body: () => '', field: '(body)', reason: /not JSON/ },
  {
    name: 'the body is a JSON array',
    body: () => `[${body(task())}]`,
    field: '(body)',
    reason: /event object/,
  },
  { name: 'the body is null', body: () => 'null', field: '(body)', reason: /event object/ },
  { name: 'the body is a number', body: () => '42', field: '(body)', reason: /event object/ },
  {
    name: 'the body is a JSON string',
    body: () => '"ECS Task State Change"',
    field: '(body)',
    reason: /event object/,
  },
  {
    name: 'the source is another service',
    body: () => change(task(), (envelope) => Object.assign(envelope, { source: 'aws.ec2' })),
    field: 'source',
    reason: /expected "aws\.ecs"/,
  },
  {
    name: 'the source is missing',
    body: () => without('source'),
    field: 'source',
    reason: /expected "aws\.ecs"/,
  },
  {
    name: 'the detail-type is missing',
    body: () => without('detail-type'),
    field: 'detail-type',
    reason: /"ECS Task State Change" or "ECS Container Instance State Change"/,
  },
  { name: 'the detail is missing', body: () => without('detail'), field: 'detail', reason: /missing/ },
  {
    name: 'the detail is a string',
    body: () => change(task(), (envelope) => Object.assign(envelope, { detail: '{"taskArn":"x"}' })),
    field: 'detail',
    reason: /expected the event detail object.*, got "\{\\"taskArn/,
  },
  {
    name: 'the detail is null',
    body: () => change(task(), (envelope) => Object.assign(envelope, { detail: null })),
    field: 'detail',
    reason: /expected the event detail object.*, got null/,
  },
  {
    name: 'the id is missing',
    body: () => without('id'),
    field: 'id',
    reason: /missing; expected the EventBridge event id/,
  },
  { name: 'the time is missing', body: () => without('time'), field: 'time', reason: /missing/ },
  {
    name: 'the time is not a time',
    body: () => change(task(), (envelope) => Object.assign(envelope, { time: 'yesterday' })),
    field: 'time',
    reason: /ISO 8601/,
  },
  {
    name: 'detail.taskArn is missing',
    body: () => withDetail({ taskArn: undefined }),
    field: 'detail.taskArn',
    reason: /missing; expected an ARN string/,
  },
  {
    name: 'detail.taskArn is not an ECS task ARN',
    body: () => withDetail({ taskArn: 'arn:aws:ecs:us-east-1:111122223333:service/prod/web' }),
    field: 'detail.taskArn',
    reason: /expected an ECS task ARN/,
  },
  {
    name: 'detail.taskArn is a number',
    body: () => withDetail({ taskArn: 12345 }),
    field: 'detail.taskArn',
    reason: /expected an ARN string/,
  },
  {
    name: 'detail.containerInstanceArn of an instance is missing',
    body: () => withDetail({ containerInstanceArn: undefined }, instance),
    field: 'detail.containerInstanceArn',
    reason: /missing/,
  },
  {
    name: 'detail.containerInstanceArn of an instance is a task ARN',
    body: () => withDetail({ containerInstanceArn: taskArn('prod', hexId('not-an-instance')) }, instance),
    field: 'detail.containerInstanceArn',
    reason: /expected an ECS container-instance ARN/,
  },
  {
    name: 'detail.containerInstanceArn of a task is not an ARN',
    body: () => withDetail({ containerInstanceArn: 'i-0abc123def4567890' }),
    field: 'detail.containerInstanceArn',
    reason: /container-instance ARN/,
  },
  {
    name: 'detail.clusterArn is missing',
    body: () => withDetail({ clusterArn: undefined }),
    field: 'detail.clusterArn',
    reason: /missing/,
  },
  {
    name: 'detail.version is missing',
    body: () => withDetail({ version: undefined }),
    field: 'detail.version',
    reason: /missing; expected a number/,
  },
  {
    name: 'detail.version is a string',
    body: () => withDetail({ version: '4' }),
    field: 'detail.version',
    reason: /expected a number/,
  },
  {
    name: 'detail.version is null',
    body: () => withDetail({ version: null }),
    field: 'detail.version',
    reason: /expected a number/,
  },
  {
    name: 'detail.version is negative',
    body: () => withDetail({ version: -1 }),
    field: 'detail.version',
    reason: /non-negative/,
  },
  {
    name: 'detail.version is fractional',
    body: () => withDetail({ version: 1.5 }),
    field: 'detail.version',
    reason: /whole number/,
  },
  {
    name: 'detail.version is beyond the safe integers (2^60)',
    body: () => withDetail({ version: 2 ** 60 }),
    field: 'detail.version',
    reason: /at most 9007199254740991/,
  },
  {
    name: 'detail.lastStatus is missing',
    body: () => withDetail({ lastStatus: undefined }),
    field: 'detail.lastStatus',
    reason: /missing; expected a status string/,
  },
  {
    name: 'detail.lastStatus is lower-case',
    body: () => withDetail({ lastStatus: 'running' }),
    field: 'detail.lastStatus',
    reason: /upper-case/,
  },
  {
    name: 'detail.desiredStatus is lower-case',
    body: () => withDetail({ desiredStatus: 'stopped' }),
    field: 'detail.desiredStatus',
    reason: /upper-case/,
  },
  {
    name: 'detail.createdAt is not a time',
    body: () => withDetail({ createdAt: 'yesterday at noon' }),
    field: 'detail.createdAt',
    reason: /ISO 8601/,
  },
  {
    name: 'detail.stoppedAt is a number',
    body: () => withDetail({ stoppedAt: 1714565000 }),
    field: 'detail.stoppedAt',
    reason: /ISO 8601/,
  },
  {
    name: 'detail.containers is not an array',
    body: () => withDetail({ containers: { name: 'web' } }),
    field: 'detail.containers',
    reason: /expected an array of containers/,
  },
  {
    name: 'a container has no name',
    body: () => withDetail({ containers: [{ name: 'web' }, { lastStatus: 'RUNNING' }] }),
    field: 'detail.containers.1.name',
    reason: /missing; expected the container name/,
  },
  {
    name: 'a container is a string',
    body: () => withDetail({ containers: ['web'] }),
    field: 'detail.containers.0',
    reason: /expected a container object/,
  },
  {
    name: 'detail.stopCode is a number',
    body: () => withDetail({ stopCode: 1 }),
    field: 'detail.stopCode',
    reason: /expected a string, got 1/,
  },
  {
    name: 'a container exit code is a string',
    body: () => withDetail({ containers: [{ name: 'web', exitCode: '137' }] }),
    field: 'detail.containers.0.exitCode',
    reason: /expected a number/,
  },
  {
    name: 'detail.status of an instance is missing',
    body: () => withDetail({ status: undefined }, instance),
    field: 'detail.status',
    reason: /missing; expected a status string/,
  },
  {
    name: 'detail.agentConnected of an instance is a string',
    body: () => withDetail({ agentConnected: 'yes' }, instance),
    field: 'detail.agentConnected',
    reason: /expected true or false, got "yes"/,
  },
  {
    name: 'a task event carries an instance detail',
    body: () =>
      change(instance(), (envelope) => Object.assign(envelope, { 'detail-type': 'ECS Task State Change' })),
    field: 'detail.taskArn',
    reason: /missing/,
  },
  {
    name: 'a task event comes from another source',
    body: () => change(task(), (envelope) => Object.assign(envelope, { source: 'my.app' })),
    field: 'source',
    reason: /source "my\.app", detail-type "ECS Task State Change"\) is not an ECS state event/,
  },
  {
    name: 'the body starts with a byte order mark and is not JSON after it',
    body: () => '\uFEFF{"version":"0",',
    field: '(body)',
    reason: /not JSON .*after skipping its leading byte order mark/,
  },
  {
    name: 'the body holds a byte order mark inside',
    body: () => `{"version":"0",\uFEFF"id":"x"}`,
    field: '(body)',
    reason: /byte order mark \(U\+FEFF\) at character 15/,
  },
  {
    name: 'detail.version is 1e999',
    body: () => body(task()).replace('"version":3', '"version":1e999'),
    field: 'detail.version',
    reason: /beyond the range of numbers \(such as 1e999, read as Infinity\)/,
  },
  {
    name: 'detail.version is written 3.0000001',
    body: () => body(task()).replace('"version":3', '"version":3.0000001'),
    field: 'detail.version',
    reason: /whole number/,
  },
  {
    name: 'the envelope account is not 12 digits',
    body: () => change(task(), (envelope) => Object.assign(envelope, { account: '11112222333' })),
    field: 'account',
    reason: /account "11112222333" is not 12 digits/,
  },
  {
    name: 'the task ARN account is not 12 digits',
    body: () => withDetail({ taskArn: taskArn('prod', hexId('x')).replace('111122223333', '1111222233') }),
    field: 'detail.taskArn',
    reason: /account "1111222233" is not 12 digits/,
  },
  {
    name: 'the task id is empty',
    body: () => withDetail({ taskArn: taskArn('prod', '') }),
    field: 'detail.taskArn',
    reason: /task id is empty .*task\/prod\//,
  },
  {
    name: 'the task id is 2,049 bytes',
    body: () => withDetail({ taskArn: taskArn('prod', 'a'.repeat(2049)) }),
    field: 'detail.taskArn',
    reason: /task id is 2049 bytes.*at most 2048 bytes/,
  },
  {
    name: 'the container instance id is 3,000 bytes',
    body: () =>
      withDetail({ containerInstanceArn: containerInstanceArn('prod', 'é'.repeat(1500)) }, instance),
    field: 'detail.containerInstanceArn',
    reason: /container-instance id is 3000 bytes/,
  },
  {
    name: 'the group makes an index key over 2048 bytes',
    body: () => withDetail({ group: `service:${'w'.repeat(2100)}` }),
    field: 'detail.group',
    reason: /DynamoDB key \(groupKey.* of 2113 bytes; the limit is 2048/,
  },
  {
    name: 'the task ARN names another cluster than clusterArn',
    body: () => withDetail({ taskArn: taskArn('staging', hexId('other-cluster')) }),
    field: 'detail.taskArn',
    reason: /cluster "staging" ≠ "prod" of detail\.clusterArn/,
  },
  {
    name: 'the task ARN names another region than the cluster and the envelope',
    body: () => withDetail({ taskArn: taskArn('prod', hexId('r')).replace('us-east-1', 'eu-west-1') }),
    field: 'detail.taskArn',
    reason:
      /region "eu-west-1" ≠ "us-east-1" of detail\.clusterArn.*region "eu-west-1" ≠ "us-east-1" of the envelope/,
  },
  {
    name: 'the task ARN names another account than the envelope and the cluster',
    body: () => withDetail({ taskArn: taskArn('prod', hexId('a')).replace('111122223333', '444455556666') }),
    field: 'detail.taskArn',
    reason: /account "444455556666" ≠ "111122223333" of detail\.clusterArn/,
  },
  {
    name: 'the task ARN names another partition than the cluster',
    body: () => withDetail({ taskArn: taskArn('prod', hexId('p')).replace('arn:aws:', 'arn:aws-cn:') }),
    field: 'detail.taskArn',
    reason: /partition "aws-cn" ≠ "aws" of detail\.clusterArn/,
  },
  {
    name: 'the cluster and task agree but the envelope names another region',
    body: () => change(task(), (envelope) => Object.assign(envelope, { region: 'ap-south-1' })),
    field: 'detail.taskArn',
    reason: /region "us-east-1" ≠ "ap-south-1" of the envelope's region/,
  },
  {
    name: 'the partition is not an AWS partition',
    body: () =>
      withDetail({
        taskArn: taskArn('prod', hexId('p')).replace('arn:aws:', 'arn:awsx:'),
        clusterArn: clusterArn('prod').replace('arn:aws:', 'arn:awsx:'),
      }),
    field: 'detail.taskArn',
    reason: /partition "awsx" is not an AWS partition/,
  },
  {
    name: 'an unknown detail field nests 10,000 levels deep',
    body: () => body(task()).replace('"version":3', `"version":3,"deep":${nestedJson(10_000)}`),
    field: 'detail.deep.0',
    reason: /nested more than 64 levels deep/,
  },
  {
    name: 'detail.version nests 5,000 levels deep',
    body: () => body(task()).replace('"version":3', `"version":${nestedJson(5_000, '3')}`),
    field: 'detail.version.0',
    reason: /nested more than 64 levels deep/,
  },
  {
    name: 'the envelope id nests 20,000 levels deep in objects',
    body: () => body(task()).replace(/"id":"[^"]*"/, `"id":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`),
    field: 'id.a.a',
    reason: /nested more than 64 levels deep/,
  },
  {
    name: 'a container exit code nests 3,000 levels deep',
    body: () =>
      withDetail({ containers: [{ name: 'web', exitCode: 0 }] }).replace(
        '"exitCode":0',
        `"exitCode":${nestedJson(3_000)}`,
      ),
    field: 'detail.containers.0',
    reason: /nested more than 64 levels deep/,
  },
  {
    name: 'the detail is too large to store even with its optional fields dropped',
    body: () => withDetail({ stoppedReason: incompressible('huge-reason', 600_000) }),
    field: 'detail',
    reason: /even without its optional fields/,
  },
];

describe.each(engines())('reconcile handler on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  it('stores the highest version of each resource from one batch, whatever the order', async () => {
    // Prepare: three tasks and an instance, each with several versions, shuffled and partly duplicated.
    const store = await freshStore(target);
    const { handler, deadLetters } = harness(store);
    const envelopes = [
      webTask('a', 2),
      webTask('b', 1),
      instanceEvent({ id: 'i1', version: 21, status: 'DRAINING' }),
      webTask('a', 4),
      webTask('c', 7),
      webTask('a', 1),
      webTask('b', 3),
      instanceEvent({ id: 'i1', version: 20, status: 'ACTIVE' }),
      webTask('a', 4),
      webTask('c', 5),
    ];

    // Act
    const response = await handler(sqsEvent(envelopes.map(body)));

    // Assess
    expect(failures(response)).toEqual([]);
    expect(deadLetters.letters).toEqual([]);
    const expected = [
      [webTask('a', 1).detail.taskArn, 4, 'RUNNING'],
      [webTask('b', 1).detail.taskArn, 3, 'ACTIVATING'],
      [webTask('c', 1).detail.taskArn, 7, 'DEPROVISIONING'],
    ] as const;
    for (const [arn, version, status] of expected) {
      const stored = await store.getLatest(arn as string);
      expect(stored).toMatchObject({ kind: 'task', version, detail: { lastStatus: status, version } });
    }
    const i1 = await store.getLatest(instanceEvent({ id: 'i1' }).detail.containerInstanceArn as string);
    expect(i1).toMatchObject({ kind: 'instance', version: 21, detail: { status: 'DRAINING' } });
  });

  it('stores the envelope detail exactly with the winning event time, and its event id in the timeline', async () => {
    // Prepare
    const store = await freshStore(target);
    const { handler } = harness(store);
    const winner = webTask('exact', 4);
    winner.detail.futureField = { x: 1 };

    // Act
    await handler(sqsEvent([body(webTask('exact', 3)), body(winner), body(webTask('exact', 2))]));

    // Assess
    const stored = await store.getLatest(winner.detail.taskArn as string);
    expect(stored?.detail).toStrictEqual(winner.detail);
    expect(stored?.eventTime).toBe(winner.time);
    expect(stored?.trimmedFields).toEqual([]);
    const timeline = await store.history(winner.detail.taskArn as string);
    expect(timeline.find((entry) => entry.version === 4)?.eventId).toBe(winner.id);
  });

  it('treats redelivered duplicates and stale versions as no-ops', async () => {
    // Prepare
    const store = await freshStore(target);
    const { handler, deadLetters } = harness(store);
    await handler(sqsEvent([body(webTask('dup', 5))]));
    const before = await store.getLatest(webTask('dup', 5).detail.taskArn as string);

    // Act: the same version again, then two older ones, in two later batches.
    const again = await handler(sqsEvent([body(webTask('dup', 5))]));
    const older = await handler(sqsEvent([body(webTask('dup', 2)), body(webTask('dup', 4))]));

    // Assess
    expect(failures(again)).toEqual([]);
    expect(failures(older)).toEqual([]);
    expect(deadLetters.letters).toEqual([]);
    expect(await store.getLatest(webTask('dup', 5).detail.taskArn as string)).toEqual(before);
  });

  it('keeps every distinct version in the history, once each, oldest first', async () => {
    // Prepare
    const store = await freshStore(target);
    const { handler } = harness(store);
    const arn = webTask('timeline', 1).detail.taskArn as string;

    // Act: versions arrive over three batches, out of order and duplicated.
    await handler(sqsEvent([3, 1, 3].map((version) => body(webTask('timeline', version)))));
    await handler(sqsEvent([6, 2, 1].map((version) => body(webTask('timeline', version)))));
    await handler(sqsEvent([5, 4, 6].map((version) => body(webTask('timeline', version)))));

    // Assess
    const history = await store.history(arn);
    expect(history.map((entry) => entry.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.map((entry) => entry.detail.lastStatus)).toEqual(LIFECYCLE.slice(0, 6));
    expect(history.every((entry) => entry.kind === 'task' && entry.arn === arn)).toBe(true);
    expect((await store.getLatest(arn))?.version).toBe(6);
  });

  it('reconciles the demo stream delivered in batches of ten: 8 resources, 36 versions', async () => {
    // Prepare
    const store = await freshStore(target);
    const { handler, deadLetters } = harness(store);
    const lines = demoStream();
    const highest = new Map<string, number>();
    for (const line of lines) {
      const { detail } = JSON.parse(line) as Envelope;
      const arn = (detail.taskArn ?? detail.containerInstanceArn) as string;
      highest.set(arn, Math.max(detail.version as number, highest.get(arn) ?? -1));
    }

    // Act
    const responses: SQSBatchResponse[] = [];
    for (let i = 0; i < lines.length; i += 10)
      responses.push(await handler(sqsEvent(lines.slice(i, i + 10))));

    // Assess
    expect(responses.flatMap(failures)).toEqual([]);
    expect(deadLetters.letters).toEqual([]);
    expect(highest.size).toBe(8);
    let versions = 0;
    for (const [arn, version] of highest) {
      expect((await store.getLatest(arn))?.version).toBe(version);
      versions += (await store.history(arn)).length;
    }
    expect(versions).toBe(36);
  });

  describe('queries after a batch', () => {
    const instanceOne = instanceEvent({ id: 'host-1', version: 20, ec2InstanceId: 'i-0aaa000000000001' });
    const instanceTwo = instanceEvent({
      id: 'host-2',
      version: 21,
      status: 'DRAINING',
      ec2InstanceId: 'i-0aaa000000000002',
    });
    const hostArn = instanceOne.detail.containerInstanceArn as string;
    const web1 = taskEvent({
      id: 'web-1',
      version: 4,
      createdAt: '2024-05-01T12:00:00.000Z',
      startedAt: '2024-05-01T12:00:30.000Z',
    });
    const web2 = taskEvent({
      id: 'web-2',
      version: 4,
      createdAt: '2024-05-01T12:05:00.000Z',
      startedAt: '2024-05-01T12:05:30.000Z',
    });
    const web2Stopped = taskEvent({
      fixture: 'ecs/task/fargate-stopped.json',
      id: 'web-2',
      version: 9,
      createdAt: '2024-05-01T12:05:00.000Z',
    });
    const report = taskEvent({
      fixture: 'ecs/task/ec2-running.json',
      id: 'report-1',
      containerInstanceArn: hostArn,
    });
    const api = taskEvent({ fixture: 'ecs/task/fargate-stopped-essential-exit.json', id: 'api-1' });
    const arn = (envelope: Envelope) =>
      (envelope.detail.taskArn ?? envelope.detail.containerInstanceArn) as string;
    let store: StateStore;

    beforeAll(async () => {
      store = await freshStore(target);
      const { handler } = harness(store);
      await handler(sqsEvent([instanceOne, instanceTwo, web1, web2, report, api].map(body)));
      await handler(sqsEvent([body(web2Stopped)]));
    });

    it('lists RUNNING tasks of a cluster newest first, without the task that has stopped since', async () => {
      // Act
      const running = await store.tasksByStatus('prod', 'RUNNING');

      // Assess
      expect(running.map((resource) => resource.arn)).toEqual([arn(web1), arn(report)]);
    });

    it('lists STOPPED tasks of a cluster with their stop details', async () => {
      // Act
      const stopped = await store.tasksByStatus('prod', 'STOPPED');

      // Assess
      expect(stopped.map((resource) => resource.arn)).toEqual([arn(api), arn(web2)]);
      expect(stopped[0]?.detail).toMatchObject({ stopCode: 'EssentialContainerExited' });
    });

    it('lists the tasks of a service group, newest created first', async () => {
      // Act
      const web = await store.tasksByGroup('prod', 'service:web');

      // Assess
      expect(web.map((resource) => resource.arn)).toEqual([arn(web2), arn(web1)]);
      expect(web.map((resource) => resource.version)).toEqual([9, 4]);
    });

    it('lists the tasks on a container instance, and the instance of an EC2 instance id', async () => {
      // Act
      const onHost = await store.tasksOnContainerInstance(hostArn);
      const onEc2 = await store.instancesOnEc2('i-0aaa000000000001');

      // Assess
      expect(onHost.map((resource) => resource.arn)).toEqual([arn(report)]);
      expect(onEc2.map((resource) => resource.arn)).toEqual([hostArn]);
    });

    it('lists container instances by status', async () => {
      // Act
      const active = await store.instancesByStatus('prod', 'ACTIVE');
      const draining = await store.instancesByStatus('prod', 'DRAINING');

      // Assess
      expect(active.map((resource) => resource.arn)).toEqual([hostArn]);
      expect(draining.map((resource) => resource.arn)).toEqual([arn(instanceTwo)]);
    });

    it('finds a resource by the id people type', async () => {
      // Prepare
      const taskId = arn(web1).slice(arn(web1).lastIndexOf('/') + 1);

      // Act
      const found = await store.findById(taskId);

      // Assess
      expect(found.map((resource) => resource.arn)).toEqual([arn(web1)]);
    });
  });

  describe('with malformed records mixed into the batch', () => {
    const valid = [
      webTask('valid-1', 3),
      webTask('valid-2', 1),
      webTask('valid-1', 4),
      instanceEvent({ id: 'valid-host', version: 30 }),
      webTask('valid-3', 6),
      webTask('valid-2', 2),
    ];
    let event: SQSEvent;
    let response: SQSBatchResponse;
    let deadLetters: RecordingDeadLetters;
    let store: StateStore;
    const bodies: string[] = [];
    const position = new Map<string, number>();

    beforeAll(async () => {
      // Prepare: the malformed variants interleaved with valid events.
      const every = Math.floor(MALFORMED.length / valid.length);
      MALFORMED.forEach((variant, index) => {
        const validOne = index % every === 0 ? valid[index / every] : undefined;
        if (validOne !== undefined) bodies.push(body(validOne));
        position.set(variant.name, bodies.length);
        bodies.push(variant.body());
      });
      store = await freshStore(target);
      const run = harness(store);
      deadLetters = run.deadLetters;
      event = sqsEvent(bodies);

      // Act
      response = await run.handler(event);
    });

    it('has at least 25 kinds of malformed input', () => {
      expect(MALFORMED.length).toBeGreaterThanOrEqual(25);
      expect(new Set(MALFORMED.map((variant) => variant.name)).size).toBe(MALFORMED.length);
    });

    it.each(MALFORMED)('dead-letters a record where $name, naming $field', ({ name, field, reason }) => {
      // Assess
      const record = event.Records[position.get(name) ?? -1];
      expect(record).toBeDefined();
      const letters = deadLetters.letters.filter((letter) => letter.id === record?.messageId);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ id: record?.messageId, body: record?.body, field });
      expect(letters[0]?.reason).toMatch(reason);
      expect(failures(response)).not.toContain(record?.messageId);
    });

    it('dead-letters nothing but the malformed records and redelivers nothing', () => {
      // Assess
      expect(deadLetters.letters).toHaveLength(MALFORMED.length);
      expect(failures(response)).toEqual([]);
    });

    it('stores every valid record of the batch', async () => {
      // Assess
      const expected = [
        [webTask('valid-1', 1).detail.taskArn, 4],
        [webTask('valid-2', 1).detail.taskArn, 2],
        [webTask('valid-3', 1).detail.taskArn, 6],
        [instanceEvent({ id: 'valid-host' }).detail.containerInstanceArn, 30],
      ] as const;
      for (const [arn, version] of expected)
        expect((await store.getLatest(arn as string))?.version).toBe(version);
      expect(
        (await store.history(webTask('valid-1', 1).detail.taskArn as string)).map((e) => e.version),
      ).toEqual([3, 4]);
      expect(await store.getLatest(task().detail.taskArn as string)).toBeUndefined();
      expect(await store.getLatest(instance().detail.containerInstanceArn as string)).toBeUndefined();
    });
  });

  it('keeps the highest valid version when a newer record of the same task is too large to store', async () => {
    // Prepare
    const store = await freshStore(target);
    const { handler, deadLetters } = harness(store);
    const tooLarge = webTask('big', 5);
    tooLarge.detail.stoppedReason = incompressible('big', 600_000);
    const event = sqsEvent([body(webTask('big', 4)), body(tooLarge)]);

    // Act
    const response = await handler(event);

    // Assess
    expect(failures(response)).toEqual([]);
    expect(deadLetters.letters.map((letter) => [letter.id, letter.field])).toEqual([
      [event.Records[1]?.messageId, 'detail'],
    ]);
    const arn = tooLarge.detail.taskArn as string;
    expect((await store.getLatest(arn))?.version).toBe(4);
    expect((await store.history(arn)).map((entry) => entry.version)).toEqual([4]);
  });

  describe('when the dead-letter queue fails', () => {
    it('reports the records it could not dead-letter for redelivery, and only those', async () => {
      // Prepare: the sink refuses letters about the version field.
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(
        store,
        new RecordingDeadLetters((letter) => letter.field === 'detail.version'),
      );
      const badVersion = withDetail({ version: '4' });
      const badStatus = withDetail({ lastStatus: 'running' });
      const event = sqsEvent([body(webTask('dlq', 1)), badVersion, badStatus, body(webTask('dlq', 2))]);

      // Act
      const response = await handler(event);

      // Assess
      expect(failures(response)).toEqual(idsOf(event, (text) => text === badVersion));
      expect(deadLetters.letters.map((letter) => letter.field)).toEqual(['detail.lastStatus']);
      expect((await store.getLatest(webTask('dlq', 1).detail.taskArn as string))?.version).toBe(2);
    });

    it('reports every invalid record for redelivery when the queue is unavailable', async () => {
      // Prepare
      const store = await freshStore(target);
      const { handler } = harness(store, new RecordingDeadLetters(() => true));
      const event = sqsEvent(['not json', body(webTask('dlq-down', 1)), '[]', withDetail({ version: -1 })]);

      // Act
      const response = await handler(event);

      // Assess
      expect(failures(response).sort()).toEqual(
        idsOf(event, (text) => text !== body(webTask('dlq-down', 1))).sort(),
      );
      expect((await store.getLatest(webTask('dlq-down', 1).detail.taskArn as string))?.version).toBe(1);
    });
  });

  describe('when the store is throttled', () => {
    it('reports exactly the records whose latest-state write failed, and converges on redelivery', async () => {
      // Prepare: writes of task "hot" are throttled; "cold" and the instance are not.
      const real = await freshStore(target);
      const store = new ThrottledStore(real);
      const { handler, deadLetters } = harness(store);
      const hotArn = webTask('hot', 1).detail.taskArn as string;
      store.throttledArns.add(hotArn);
      const hotNewest = body(webTask('hot', 4));
      const event = sqsEvent([
        body(webTask('hot', 2)),
        body(webTask('cold', 3)),
        hotNewest,
        'not json',
        body(instanceEvent({ id: 'warm', version: 5 })),
        body(webTask('hot', 3)),
        body(webTask('cold', 1)),
      ]);

      // Act
      const response = await handler(event);

      // Assess: only the record that carried hot's newest version is redelivered; its older versions are
      // superseded by it and already in the timeline.
      expect(failures(response)).toEqual(idsOf(event, (text) => text === hotNewest));
      expect(deadLetters.letters).toHaveLength(1);
      expect(await real.getLatest(hotArn)).toBeUndefined();
      expect((await real.getLatest(webTask('cold', 1).detail.taskArn as string))?.version).toBe(3);
      expect((await real.history(hotArn)).map((entry) => entry.version)).toEqual([2, 3, 4]);

      // Act: the throttling ends and SQS delivers the failed record again.
      store.throttledArns.clear();
      const retry = await handler(redeliver(event, failures(response)));

      // Assess
      expect(failures(retry)).toEqual([]);
      expect((await real.getLatest(hotArn))?.version).toBe(4);
      expect((await real.history(hotArn)).map((entry) => entry.version)).toEqual([2, 3, 4]);
    });

    it('redelivers every valid record when the timeline write fails, and converges on redelivery', async () => {
      // Prepare: BatchWriteItem is throttled for a batch that holds "hot"; nothing says which items made it.
      const real = await freshStore(target);
      const store = new ThrottledStore(real);
      store.failLatest = false;
      store.failHistory = true;
      const { handler, deadLetters } = harness(store);
      const hotArn = webTask('hot-history', 1).detail.taskArn as string;
      store.throttledArns.add(hotArn);
      const event = sqsEvent([
        body(webTask('hot-history', 2)),
        body(webTask('cold-history', 3)),
        '',
        body(webTask('hot-history', 2)),
        body(webTask('cold-history', 1)),
      ]);

      // Act
      const response = await handler(event);

      // Assess: every record with a version in the failed call is redelivered; the invalid one is not.
      expect(failures(response)).toEqual(idsOf(event, (text) => text !== ''));
      expect(deadLetters.letters).toHaveLength(1);

      // Act
      store.throttledArns.clear();
      const retry = await handler(redeliver(event, failures(response)));

      // Assess
      expect(failures(retry)).toEqual([]);
      expect((await real.getLatest(hotArn))?.version).toBe(2);
      expect((await real.history(hotArn)).map((entry) => entry.version)).toEqual([2]);
      const coldArn = webTask('cold-history', 1).detail.taskArn as string;
      expect((await real.history(coldArn)).map((entry) => entry.version)).toEqual([1, 3]);
    });

    it('redelivers exactly the records whose timeline items stayed unprocessed, and converges', async () => {
      // Prepare
      const real = await freshStore(target);
      const store = new UnprocessedHistoryStore(real);
      const { handler } = harness(store);
      const stuckArn = webTask('stuck', 1).detail.taskArn as string;
      store.unprocessedArns.add(stuckArn);
      const stuckOne = body(webTask('stuck', 1));
      const stuckTwo = body(webTask('stuck', 2));
      const stuck = [stuckOne, stuckTwo];
      const event = sqsEvent([
        stuckOne,
        body(webTask('free', 1)),
        stuckTwo,
        body(webTask('free', 2)),
        stuckTwo,
      ]);

      // Act
      const response = await handler(event);

      // Assess
      expect(failures(response).sort()).toEqual(idsOf(event, (text) => stuck.includes(text)).sort());
      expect((await real.history(webTask('free', 1).detail.taskArn as string)).map((e) => e.version)).toEqual(
        [1, 2],
      );

      // Act
      store.unprocessedArns.clear();
      const retry = await handler(redeliver(event, failures(response)));

      // Assess
      expect(failures(retry)).toEqual([]);
      expect((await real.getLatest(stuckArn))?.version).toBe(2);
      expect((await real.history(stuckArn)).map((entry) => entry.version)).toEqual([1, 2]);
    });
  });

  describe('with hostile but storable input', () => {
    it('skips well-formed events of other kinds without dead-lettering or redelivering them', async () => {
      // Prepare
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(store);
      const others = otherBusEvents();
      const event = sqsEvent([...others.map(body), body(webTask('among-others', 2))]);

      // Act
      const response = await handler(event);
      const { outcomes } = await processBatch(
        event.Records.map((record) => ({ id: record.messageId, body: record.body })),
        { store, deadLetters, retention: RETENTION, writeConcurrency: 4 },
      );

      // Assess
      expect(failures(response)).toEqual([]);
      expect(deadLetters.letters).toEqual([]);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
        'skipped',
        'skipped',
        'skipped',
        'skipped',
        'duplicate',
      ]);
      expect(outcomes.slice(0, 4)).toMatchObject(
        others.map((other) => ({
          outcome: 'skipped',
          source: other.source,
          detailType: other['detail-type'],
          reason: expect.stringMatching(/is not an ECS state event/),
        })),
      );
      expect(countOutcomes(outcomes)).toMatchObject({ skipped: 4, duplicate: 1, invalid: 0 });
      expect((await store.getLatest(webTask('among-others', 1).detail.taskArn as string))?.version).toBe(2);
    });

    it('reads a record after its byte order mark, and stores an unknown status as it is', async () => {
      // Prepare
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(store);
      const unknown = taskEvent({ id: 'new-status', version: 8, lastStatus: 'HIBERNATING' });

      // Act
      const response = await handler(sqsEvent([`\uFEFF${body(webTask('bom', 3))}`, body(unknown)]));

      // Assess
      expect(failures(response)).toEqual([]);
      expect(deadLetters.letters).toEqual([]);
      expect((await store.getLatest(webTask('bom', 1).detail.taskArn as string))?.version).toBe(3);
      expect(await store.getLatest(unknown.detail.taskArn as string)).toMatchObject({
        version: 8,
        detail: { lastStatus: 'HIBERNATING' },
      });
      expect(await store.tasksByStatus('prod', 'HIBERNATING')).toHaveLength(1);
    });

    it.each([
      ['aws-cn', 'cn-north-1'],
      ['aws-us-gov', 'us-gov-west-1'],
      ['aws-iso', 'us-iso-east-1'],
      ['aws-iso-b', 'us-isob-east-1'],
    ])('stores tasks of the %s partition', async (partition, region) => {
      // Prepare
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(store);
      const envelope = webTask(`partition-${partition}`, 2);
      const move = (arn: string) => arn.replace('arn:aws:', `arn:${partition}:`).replace('us-east-1', region);
      envelope.region = region;
      envelope.detail.taskArn = move(envelope.detail.taskArn as string);
      envelope.detail.clusterArn = move(envelope.detail.clusterArn as string);

      // Act
      const response = await handler(sqsEvent([body(envelope)]));

      // Assess
      expect(failures(response)).toEqual([]);
      expect(deadLetters.letters).toEqual([]);
      expect((await store.getLatest(envelope.detail.taskArn as string))?.arn).toBe(envelope.detail.taskArn);
    });

    it('stores a __proto__ key exactly, and it smuggles nothing into the indexes', async () => {
      // Prepare
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(store);
      const text = body(webTask('proto', 2)).replace(
        '"version":2',
        '"version":2,"__proto__":{"containerInstanceArn":12345,"group":{"x":1}}',
      );

      // Act
      const response = await handler(sqsEvent([text]));

      // Assess
      expect(failures(response)).toEqual([]);
      expect(deadLetters.letters).toEqual([]);
      const stored = await store.getLatest(webTask('proto', 1).detail.taskArn as string);
      expect(stored?.version).toBe(2);
      expect(Object.hasOwn(stored?.detail ?? {}, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(stored?.detail)).toBe(Object.prototype);
    });

    it('takes the old and the new ARN format of one task as one resource in one batch', async () => {
      // Prepare
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(store);
      const modern = webTask('formats', 3);
      const old = webTask('formats', 3);
      old.detail.taskArn = (old.detail.taskArn as string).replace('task/prod/', 'task/');
      const older = webTask('formats', 2);
      older.detail.taskArn = old.detail.taskArn;

      // Act
      const response = await handler(sqsEvent([body(modern), body(old), body(older)]));

      // Assess
      expect(failures(response)).toEqual([]);
      expect(deadLetters.letters).toEqual([]);
      expect((await store.history(modern.detail.taskArn as string)).map((entry) => entry.version)).toEqual([
        2, 3,
      ]);
    });

    it('stores a 600 KB detail trimmed, and huge strings in unknown fields', async () => {
      // Prepare
      const store = await freshStore(target);
      const { handler, deadLetters } = harness(store);
      const big = webTask('big-unknown', 2);
      for (let i = 0; i < 6_000; i++) big.detail[`field${i}`] = incompressible(`f${i}`, 100);
      const huge = webTask('huge-string', 2);
      huge.detail.attributes = [{ name: 'x', value: incompressible('attr', 600_000) }];

      // Act
      const response = await handler(sqsEvent([body(big), body(huge)]));

      // Assess
      expect(failures(response)).toEqual([]);
      expect(deadLetters.letters).toEqual([]);
      const stored = await store.getLatest(big.detail.taskArn as string);
      expect(stored?.trimmedFields.length).toBeGreaterThan(0);
      expect(stored?.detail.lastStatus).toBe(big.detail.lastStatus);
      expect((await store.getLatest(huge.detail.taskArn as string))?.trimmedFields).toEqual(['attributes']);
    });
  });

  it('links an EC2 task to the container instance that runs it', async () => {
    // Prepare
    const store = await freshStore(target);
    const { handler } = harness(store);
    const hostArn = containerInstanceArn('prod', hexId('linked-host'));
    const placed = taskEvent({
      fixture: 'ecs/task/ec2-pending.json',
      id: 'linked',
      containerInstanceArn: hostArn,
    });

    // Act
    await handler(sqsEvent([body(placed), body(instanceEvent({ id: 'linked-host', version: 1 }))]));

    // Assess
    const onHost = await store.tasksOnContainerInstance(hostArn);
    expect(onHost.map((resource) => resource.arn)).toEqual([placed.detail.taskArn]);
    expect((await store.getLatest(hostArn))?.kind).toBe('instance');
  });
});

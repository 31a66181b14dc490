import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type Chaos, LocalEventBus, type LostEvent } from '../../../../local/eventbridge/bus.js';
import { seededRandom } from '../../../../local/random.js';
import type { DirectRoute, QueueDefinition, QueueRoute } from '../../../../local/serverless/routes.js';
import { LocalQueues } from '../../../../local/sqs/local-queues.js';

const START = Date.parse('2026-05-01T12:00:00Z');
const QUEUE: QueueDefinition = {
  logicalId: 'EventsQueue',
  name: 'svc-dev-EventsQueue',
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  deadLetterQueue: 'EventsDlq',
};
const DLQ: QueueDefinition = {
  logicalId: 'EventsDlq',
  name: 'svc-dev-EventsDlq',
  visibilityTimeoutSeconds: 30,
};

const queueRoute = (fn: Partial<QueueRoute['function']> = {}): QueueRoute => ({
  kind: 'queue',
  rule: 'EventsRule',
  eventBus: 'default',
  pattern: { source: ['aws.ecs'] },
  queue: QUEUE,
  function: {
    name: 'consume',
    handler: 'dist/functions/consume/index.handler',
    environment: {},
    batchSize: 3,
    maximumBatchingWindowSeconds: 5,
    functionResponseType: 'ReportBatchItemFailures',
    ...fn,
  },
});

const directRoute: DirectRoute = {
  kind: 'direct',
  rule: 'AlertEventBridgeRule1',
  eventBus: 'default',
  pattern: { source: ['aws.ecs'], detail: { lastStatus: ['STOPPED'] } },
  function: { name: 'alert', handler: 'dist/functions/alert/index.handler', environment: {} },
};

const envelope = (n: number, detail: Record<string, unknown> = {}) => ({
  version: '0',
  id: `event-${n}`,
  'detail-type': 'ECS Task State Change',
  source: 'aws.ecs',
  account: '111122223333',
  time: '2026-05-01T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { n, ...detail },
});

type Respond = (event: SQSEvent) => SQSBatchResponse | Promise<SQSBatchResponse>;

/** A bus over fresh queues whose functions record what they get and answer with `respond`. */
function setup(
  options: {
    routes?: (QueueRoute | DirectRoute)[];
    respond?: Respond;
    chaos?: Chaos;
    onLost?: (event: LostEvent) => void;
  } = {},
) {
  let now = START;
  const queues = new LocalQueues({ now: () => now });
  queues.createAll([QUEUE, DLQ]);
  const batches: SQSEvent[] = [];
  const direct: unknown[] = [];
  const respond: Respond = options.respond ?? (() => ({ batchItemFailures: [] }));
  const bus = new LocalEventBus({
    routes: options.routes ?? [queueRoute()],
    queues,
    now: () => now,
    random: seededRandom(1),
    ...(options.chaos === undefined ? {} : { chaos: options.chaos }),
    ...(options.onLost === undefined ? {} : { onLost: options.onLost }),
    invoke: async (name, event) => {
      if (name === 'alert') {
        direct.push(event);
        return null;
      }
      batches.push(event as SQSEvent);
      return respond(event as SQSEvent);
    },
  });
  return {
    bus,
    queue: queues.named(QUEUE.name),
    dlq: queues.named(DLQ.name),
    batches,
    direct,
    advance: (seconds: number) => (now += seconds * 1000),
  };
}

const numbers = (event: SQSEvent | undefined) =>
  event?.Records.map((record) => JSON.parse(record.body).detail.n);

describe('LocalEventBus.publish', () => {
  it('puts a matching envelope on the rule’s queue as its JSON, as EventBridge does', async () => {
    const { bus, queue } = setup();
    expect(await bus.publish(envelope(1))).toEqual(['EventsRule']);
    expect(queue.peek().map((message) => JSON.parse(message.body))).toEqual([envelope(1)]);
  });

  it('delivers nothing for an event that matches no rule, and counts it', async () => {
    const { bus, queue } = setup();
    expect(await bus.publish({ ...envelope(1), source: 'aws.ec2' })).toEqual([]);
    expect(queue.depth().visible).toBe(0);
    expect(bus.counters()).toMatchObject({ published: 1, unmatched: 1, matched: {} });
  });

  it('delivers only to rules of the bus the event is put on', async () => {
    const { bus } = setup();
    expect(await bus.publish(envelope(1), 'custom')).toEqual([]);
  });

  it('invokes an eventBridge function directly with the envelope', async () => {
    const { bus, direct, queue } = setup({ routes: [queueRoute(), directRoute] });
    await bus.publish(envelope(1, { lastStatus: 'STOPPED' }));
    await bus.publish(envelope(2, { lastStatus: 'RUNNING' }));
    expect(direct).toEqual([envelope(1, { lastStatus: 'STOPPED' })]);
    expect(queue.depth().visible).toBe(2);
    expect(bus.counters().matched).toEqual({ EventsRule: 2, AlertEventBridgeRule1: 1 });
  });

  it('retries a failing direct invocation twice, as Lambda does for asynchronous invokes', async () => {
    let now = START;
    const queues = new LocalQueues({ now: () => now });
    let attempts = 0;
    const bus = new LocalEventBus({
      routes: [directRoute],
      queues,
      now: () => now++,
      random: Math.random,
      invoke: async () => {
        attempts += 1;
        throw new Error('down');
      },
    });
    await bus.publish(envelope(1, { lastStatus: 'STOPPED' }));
    expect(attempts).toBe(3);
    expect(bus.counters()).toMatchObject({ invocations: 3, redelivered: 2, failedInvocations: 1 });
  });

  it('with chaos, sends some envelopes twice, reproducibly from the seed', async () => {
    const run = async () => {
      const { bus, queue } = setup({ chaos: { duplicate: 0.5, seed: 42 } });
      for (let n = 0; n < 40; n++) await bus.publish(envelope(n));
      return { bodies: queue.peek().map((message) => message.body), counters: bus.counters() };
    };
    const first = await run();
    expect(first.counters.duplicatesInjected).toBeGreaterThan(5);
    expect(first.bodies).toHaveLength(40 + first.counters.duplicatesInjected);
    expect(await run()).toEqual(first);
  });
});

describe('LocalEventBus.pump', () => {
  it('holds a partial batch open until the batching window has passed since its first message', async () => {
    const { bus, batches, advance } = setup();
    await bus.publish(envelope(1));
    expect(await bus.pump()).toMatchObject({ invocations: 0 });
    advance(3);
    await bus.publish(envelope(2));
    expect(await bus.pump()).toMatchObject({ invocations: 0 });
    advance(2);
    expect(await bus.pump()).toEqual({ invocations: 1, records: 2, batchItemFailures: 0, deadLettered: 0 });
    expect(numbers(batches[0])).toEqual([1, 2]);
  });

  it('invokes as soon as a full batch is waiting, and with flush whatever is waiting', async () => {
    const { bus, batches } = setup();
    for (let n = 1; n <= 4; n++) await bus.publish(envelope(n));
    expect(await bus.pump()).toMatchObject({ invocations: 1, records: 3 });
    expect(await bus.pump()).toMatchObject({ invocations: 0 });
    expect(await bus.pump({ flush: true })).toMatchObject({ invocations: 1, records: 1 });
    expect(batches.map(numbers)).toEqual([[1, 2, 3], [4]]);
  });

  it('hands the function a real-shaped SQS event', async () => {
    const { bus, batches, queue } = setup();
    await bus.publish(envelope(1));
    await bus.pump({ flush: true });
    const body = JSON.stringify(envelope(1));
    expect(batches[0]).toEqual({
      Records: [
        {
          messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          receiptHandle: expect.any(String),
          body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(START),
            SenderId: expect.any(String),
            ApproximateFirstReceiveTimestamp: String(START),
          },
          messageAttributes: {},
          md5OfBody: createHash('md5').update(body).digest('hex'),
          eventSource: 'aws:sqs',
          eventSourceARN: queue.arn,
          awsRegion: 'us-east-1',
        },
      ],
    });
  });

  it('deletes all but the reported batch item failures; those come back after the visibility timeout', async () => {
    const failOdd: Respond = (event) => ({
      batchItemFailures: event.Records.filter((record) => JSON.parse(record.body).detail.n % 2 === 1).map(
        (record) => ({ itemIdentifier: record.messageId }),
      ),
    });
    const { bus, batches, queue, advance } = setup({ respond: failOdd });
    for (let n = 1; n <= 3; n++) await bus.publish(envelope(n));
    expect(await bus.pump()).toMatchObject({ records: 3, batchItemFailures: 2 });
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 2, delayed: 0 });
    advance(60);
    await bus.pump({ flush: true });
    expect(numbers(batches[1])?.sort()).toEqual([1, 3]);
    expect(batches[1]?.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual([
      '2',
      '2',
    ]);
    expect(bus.counters().redelivered).toBe(2);
  });

  it('keeps the whole batch when the function throws', async () => {
    const { bus, queue } = setup({
      respond: () => {
        throw new Error('crashed');
      },
    });
    for (let n = 1; n <= 2; n++) await bus.publish(envelope(n));
    expect(await bus.pump({ flush: true })).toMatchObject({ records: 2, batchItemFailures: 2 });
    expect(queue.depth().inFlight).toBe(2);
    expect(bus.counters().failedInvocations).toBe(1);
  });

  it('fails the whole batch when the response names a record that is not in it, as Lambda does', async () => {
    const { bus, queue } = setup({
      respond: () => ({ batchItemFailures: [{ itemIdentifier: 'elsewhere' }] }),
    });
    await bus.publish(envelope(1));
    await bus.publish(envelope(2));
    expect(await bus.pump({ flush: true })).toMatchObject({ batchItemFailures: 2 });
    expect(queue.depth().inFlight).toBe(2);
  });

  it('deletes the whole batch of a function without ReportBatchItemFailures once it returns', async () => {
    const { bus, queue } = setup({
      routes: [queueRoute({ functionResponseType: undefined })],
      respond: (event) => ({
        batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId as string }],
      }),
    });
    await bus.publish(envelope(1));
    expect(await bus.pump({ flush: true })).toMatchObject({ batchItemFailures: 0 });
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('dead-letters a record failed maxReceiveCount times, and the rest goes on', async () => {
    const failPoison: Respond = (event) => ({
      batchItemFailures: event.Records.filter((record) => JSON.parse(record.body).detail.poison).map(
        (record) => ({
          itemIdentifier: record.messageId,
        }),
      ),
    });
    const { bus, dlq, advance } = setup({ respond: failPoison });
    await bus.publish(envelope(1, { poison: true }));
    await bus.publish(envelope(2));
    for (let round = 0; round < 3; round++) {
      await bus.pump({ flush: true });
      advance(60);
    }
    await bus.publish(envelope(3));
    expect(await bus.pump({ flush: true })).toMatchObject({ records: 1, deadLettered: 1 });
    expect(dlq.peek().map((message) => JSON.parse(message.body).detail.n)).toEqual([1]);
    expect(bus.counters()).toMatchObject({ deadLettered: 1, delivered: 5 });
  });
});

describe('LocalEventBus.drain', () => {
  it('pumps until the queue is empty', async () => {
    const { bus, batches } = setup();
    for (let n = 1; n <= 7; n++) await bus.publish(envelope(n));
    expect(await bus.drain()).toEqual({
      invocations: 3,
      records: 7,
      batchItemFailures: 0,
      deadLettered: 0,
      rounds: 3,
      settled: true,
    });
    expect(batches.flatMap(numbers)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('stops, unsettled, when only in-flight messages remain and the clock does not move', async () => {
    const { bus } = setup({ respond: () => Promise.reject(new Error('down')) });
    await bus.publish(envelope(1));
    expect(await bus.drain()).toMatchObject({ rounds: 1, settled: false });
  });

  it('with elapseTimeouts, retries failures until they are dead-lettered', async () => {
    const { bus, dlq } = setup({ respond: () => Promise.reject(new Error('down')) });
    await bus.publish(envelope(1));
    expect(await bus.drain({ elapseTimeouts: true })).toMatchObject({
      invocations: 3,
      deadLettered: 1,
      settled: true,
    });
    expect(dlq.depth().visible).toBe(1);
  });

  it('with chaos, delivers every envelope at least once, in a shuffled order', async () => {
    const { bus, batches } = setup({ chaos: { duplicate: 0.3, reorder: true, seed: 7 } });
    for (let n = 1; n <= 30; n++) await bus.publish(envelope(n));
    await bus.drain();
    const delivered = batches.flatMap(numbers);
    expect(new Set(delivered)).toEqual(new Set(Array.from({ length: 30 }, (_, index) => index + 1)));
    expect(delivered.length).toBe(30 + bus.counters().duplicatesInjected);
    expect(delivered).not.toEqual([...delivered].sort((a, b) => a - b));
  });
});

/** How many of the 1000 ECS events seed 42 loses at 20%: the same every run. */
const FIRST_LOST_WITH_SEED_42 = 184;

const TASK_ARN = (n: number) => `arn:aws:ecs:us-east-1:111122223333:task/prod/${String(n).padStart(32, '0')}`;
const INSTANCE_ARN = (n: number) =>
  `arn:aws:ecs:us-east-1:111122223333:container-instance/prod/${String(n).padStart(32, '0')}`;

/** The n-th ECS state change: even n a task event, odd n a container instance event, each at version n. */
const ecsEvent = (n: number) =>
  n % 2 === 0
    ? envelope(n, { taskArn: TASK_ARN(n), version: n, lastStatus: 'STOPPED' })
    : {
        ...envelope(n, { containerInstanceArn: INSTANCE_ARN(n), version: n }),
        'detail-type': 'ECS Container Instance State Change',
      };

/** Events that are not ECS state changes: resync cannot heal them, so chaos never loses them. */
const NEVER_LOST = [
  { source: 'aws.autoscaling', 'detail-type': 'EC2 Instance-terminate Lifecycle Action' },
  { source: 'aws.ec2', 'detail-type': 'EC2 Spot Instance Interruption Warning' },
  { source: 'aws.scheduler', 'detail-type': 'Scheduled Event' },
  { source: 'aws.ecs', 'detail-type': 'ECS Service Action' },
  { source: 'aws.ecs', 'detail-type': 'ECS Deployment State Change' },
  // A state resync read from the ECS API and put on the bus itself: resync's own, never ECS's to lose.
  { source: 'ecs-ops.resync', 'detail-type': 'ECS Task State Change' },
];

describe('LocalEventBus chaos: loss', () => {
  const everySource = (): QueueRoute => ({
    ...queueRoute({ batchSize: 10 }),
    pattern: { source: [...new Set(['aws.ecs', ...NEVER_LOST.map((event) => event.source)])] },
  });

  it('loses about `loss` of the ECS state changes, the same ones for the same seed, and lists them', async () => {
    const run = async (seed: number) => {
      const heard: LostEvent[] = [];
      const { bus, queue } = setup({ chaos: { loss: 0.2, seed }, onLost: (event) => heard.push(event) });
      for (let n = 0; n < 1000; n++) await bus.publish(ecsEvent(n));
      const queued = queue.peek().map((message) => JSON.parse(message.body).detail.n as number);
      return { counters: bus.counters(), lost: bus.lostEvents(), heard, queued };
    };
    const first = await run(42);
    // Binomial(1000, 0.2): mean 200, standard deviation about 13; the seed pins the count exactly.
    expect(first.counters.lost).toBe(FIRST_LOST_WITH_SEED_42);
    expect(first.counters.lost).toBeGreaterThan(150);
    expect(first.counters.lost).toBeLessThan(250);
    expect(first.counters).toMatchObject({ published: 1000, unmatched: 0 });
    expect(first.counters.matched).toEqual({ EventsRule: 1000 - first.counters.lost });
    expect(first.lost).toHaveLength(first.counters.lost);
    expect(first.heard).toEqual(first.lost);
    expect(await run(42)).toEqual(first);
    expect((await run(43)).lost).not.toEqual(first.lost);

    // Each lost event is listed by its type, resource and version, in publish order; none reached the queue.
    const lostNumbers = first.lost.map((event) => event.version as number);
    expect(lostNumbers).toEqual([...lostNumbers].sort((a, b) => a - b));
    for (const event of first.lost) {
      const n = event.version as number;
      expect(event).toEqual(
        n % 2 === 0
          ? { detailType: 'ECS Task State Change', arn: TASK_ARN(n), version: n, id: `event-${n}` }
          : {
              detailType: 'ECS Container Instance State Change',
              arn: INSTANCE_ARN(n),
              version: n,
              id: `event-${n}`,
            },
      );
    }
    expect(new Set([...first.queued, ...lostNumbers]).size).toBe(1000);
    expect(first.queued).toHaveLength(1000 - first.counters.lost);
    expect(lostNumbers.some((n) => n % 2 === 0) && lostNumbers.some((n) => n % 2 === 1)).toBe(true);
  });

  it('loses an event before any rule sees it: every consumer misses it, queue and direct target alike', async () => {
    const { bus, queue, direct } = setup({
      routes: [queueRoute(), directRoute],
      chaos: { loss: 0.5, seed: 7 },
    });
    const matchedBy: string[][] = [];
    for (let n = 0; n < 40; n += 2) matchedBy.push(await bus.publish(ecsEvent(n)));
    const lost = new Set(bus.lostEvents().map((event) => event.version));
    expect(lost.size).toBeGreaterThan(5);
    expect(lost.size).toBeLessThan(20);
    const delivered = (numbers: number[]) => numbers.filter((n) => !lost.has(n));
    const all = Array.from({ length: 20 }, (_, i) => 2 * i);
    expect(queue.peek().map((message) => JSON.parse(message.body).detail.n)).toEqual(delivered(all));
    expect(direct.map((event) => (event as { detail: { n: number } }).detail.n)).toEqual(delivered(all));
    expect(matchedBy.filter((rules) => rules.length === 0)).toHaveLength(lost.size);
    expect(bus.counters()).toMatchObject({
      published: 20,
      lost: lost.size,
      unmatched: 0,
      matched: { EventsRule: 20 - lost.size, AlertEventBridgeRule1: 20 - lost.size },
    });
  });

  it('never loses any other event: Auto Scaling lifecycle actions, Spot warnings, schedules, resync’s own', async () => {
    const { bus, queue } = setup({ routes: [everySource()], chaos: { loss: 0.999, seed: 1 } });
    for (const [n, kind] of NEVER_LOST.entries()) {
      for (let copy = 0; copy < 20; copy++) {
        expect(await bus.publish({ ...envelope(n, { version: copy }), ...kind })).toEqual(['EventsRule']);
      }
    }
    expect(bus.counters()).toMatchObject({ published: NEVER_LOST.length * 20, lost: 0 });
    expect(bus.lostEvents()).toEqual([]);
    expect(queue.depth().visible).toBe(NEVER_LOST.length * 20);
    // The same bus still loses ECS's own state changes.
    for (let n = 0; n < 20; n++) await bus.publish(ecsEvent(n));
    expect(bus.counters().lost).toBeGreaterThan(15);
  });

  it('loses nothing and draws no chance without `loss`: duplicates stay those of the seed', async () => {
    const run = async (chaos: Chaos) => {
      const { bus, queue } = setup({ chaos });
      for (let n = 0; n < 40; n++) await bus.publish(ecsEvent(n));
      return { bodies: queue.peek().map((message) => message.body), counters: bus.counters() };
    };
    const without = await run({ duplicate: 0.5, seed: 42 });
    expect(await run({ duplicate: 0.5, loss: 0, seed: 42 })).toEqual(without);
    expect(without.counters.lost).toBe(0);
  });

  it('lists an ECS event without its ARN in the detail by its resource, and one without a version as null', async () => {
    const { bus } = setup({ chaos: { loss: 0.999, seed: 3 } });
    await bus.publish({ ...envelope(1), resources: [TASK_ARN(1)] });
    expect(bus.lostEvents()).toEqual([
      { detailType: 'ECS Task State Change', arn: TASK_ARN(1), version: null, id: 'event-1' },
    ]);
  });
});

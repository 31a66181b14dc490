/**
 * The deployed path, locally: routes read from the repository's serverless.yml, the EventBridge rule's
 * pattern, the ecs-events queue with its redrive policy, the SQS event source mapping and the REAL reconcile
 * handler over the real StateStore on each engine. Delivery is at-least-once and unordered (chaos on), and the
 * stored state must still be the highest version of every resource.
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../../functions/reconcile.js';
import type { DeadLetter, DeadLetterSink } from '../../../../lib/platform/dead-letters/dead-letter.js';
import { type Chaos, LocalEventBus } from '../../../../local/eventbridge/bus.js';
import { loadDeployment, type QueueRoute } from '../../../../local/serverless/routes.js';
import { LocalQueues } from '../../../../local/sqs/local-queues.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import {
  demoStream,
  type Envelope,
  fixtureFiles,
  loadEvent,
  PROJECT_ROOT,
  taskEvent,
} from '../../../support/fixtures.js';
import { lambdaContext } from '../../../support/lambda-context.js';
import { handlerEnvironment } from '../../../support/metrics.js';

const root = PROJECT_ROOT;
const START = Date.parse('2026-05-01T12:00:00Z');

/** The reconciler's dead letters as SqsDeadLetters sends them, into the local dead-letter queue. */
class QueueDeadLetters implements DeadLetterSink {
  constructor(
    private readonly queues: LocalQueues,
    private readonly queueUrl: string,
  ) {}

  async send(letters: readonly DeadLetter[]): Promise<string[]> {
    for (let i = 0; i < letters.length; i += 10) {
      this.queues.sendMessageBatch({
        QueueUrl: this.queueUrl,
        Entries: letters.slice(i, i + 10).map((letter, index) => ({
          Id: String(index),
          MessageBody: letter.body.length > 0 ? letter.body : '(empty body)',
          MessageAttributes: {
            'ecs-ops.field': { DataType: 'String', StringValue: letter.field },
            'ecs-ops.reason': { DataType: 'String', StringValue: letter.reason },
            'ecs-ops.sourceMessageId': { DataType: 'String', StringValue: letter.id },
          },
        })),
      });
    }
    return [];
  }
}

const arnOf = (envelope: Envelope) =>
  (envelope.detail.taskArn ?? envelope.detail.containerInstanceArn) as string;

/** Every lifecycle fixture and the demo story, a resource's events in one list. */
function lifecycle(): Envelope[] {
  return [...fixtureFiles('ecs').map(loadEvent), ...demoStream().map((line) => JSON.parse(line) as Envelope)];
}

describe.each(engines())('the local bus into the reconcile handler on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  /**
   * The deployed routing; `batchSize` overrides the mapping's, to spread delivery over many invocations.
   * `chaos` adds to the duplicates and reordering (e.g. `loss`).
   */
  async function harness(batchSize?: number, chaos: Chaos = {}) {
    const deployment = loadDeployment(join(root, 'serverless.yml'), {
      stage: 'dev',
      configFile: join(root, 'ops.config.yml'),
    });
    const deployed = deployment.routes.find(
      (candidate): candidate is QueueRoute => candidate.kind === 'queue',
    );
    if (deployed === undefined) throw new Error('serverless.yml routes no queue');
    const route = {
      ...deployed,
      function: { ...deployed.function, batchSize: batchSize ?? deployed.function.batchSize },
    };
    const queues = new LocalQueues({ now: () => START });
    const created = queues.createAll(deployment.queues);
    const deadLetterQueue = created.get(route.queue.deadLetterQueue as string);
    if (deadLetterQueue === undefined) throw new Error('the ecs-events queue has no dead-letter queue');
    const store = await freshStore(target);
    handlerEnvironment();
    const handler = createHandler(
      () => ({
        store,
        deadLetters: new QueueDeadLetters(queues, deadLetterQueue.url),
        retention: { stoppedDays: 30, historyDays: 90 },
        writeConcurrency: 4,
      }),
      new Logger({ serviceName: 'ecs-ops-test', logLevel: 'SILENT' }),
    );
    const invoked: string[] = [];
    const bus = new LocalEventBus({
      routes: [route],
      queues,
      now: () => START,
      random: Math.random,
      chaos: { duplicate: 0.4, reorder: true, seed: 20260501, ...chaos },
      invoke: async (name, event) => {
        invoked.push(name);
        return handler(event as SQSEvent, lambdaContext());
      },
    });
    return { bus, store, invoked, queue: queues.named(route.queue.name), deadLetterQueue };
  }

  it.each([
    { batches: 'deployed batches (500)', batchSize: undefined },
    { batches: 'batches of 5', batchSize: 5 },
  ])(
    'stores the highest published version of every task and instance, despite duplicates and reordering, in $batches',
    async ({ batchSize }) => {
      // Prepare
      const { bus, store, queue } = await harness(batchSize);
      const envelopes = lifecycle();

      // Act
      for (const envelope of envelopes) await bus.publish(envelope);
      const drained = await bus.drain({ elapseTimeouts: true });

      // Assess
      expect(drained).toMatchObject({ settled: true, batchItemFailures: 0, deadLettered: 0 });
      const counters = bus.counters();
      expect(counters.duplicatesInjected).toBeGreaterThan(0);
      expect(counters.delivered).toBe((counters.matched.EcsEventsRule ?? 0) + counters.duplicatesInjected);
      expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const configured = envelopes.filter((envelope) =>
        /:cluster\/(prod|batch)$/.test(envelope.detail.clusterArn as string),
      );
      expect(counters.unmatched).toBe(envelopes.length - configured.length);
      const highest = new Map<string, number>();
      for (const envelope of configured) {
        const arn = arnOf(envelope);
        highest.set(arn, Math.max(highest.get(arn) ?? -1, envelope.detail.version as number));
      }
      expect(highest.size).toBeGreaterThan(5);
      for (const [arn, version] of highest) {
        expect((await store.getLatest(arn))?.version, arn).toBe(version);
      }
    },
  );

  it('with loss, stores the highest version that was not lost: a lost event never reaches the store', async () => {
    // Prepare
    const { bus, store } = await harness(undefined, { loss: 0.3 });
    const envelopes = lifecycle();

    // Act: noting which envelopes the bus lost (the same resource and version may be in two fixtures).
    const lostEnvelopes = new Set<Envelope>();
    for (const envelope of envelopes) {
      const before = bus.counters().lost;
      await bus.publish(envelope);
      if (bus.counters().lost > before) lostEnvelopes.add(envelope);
    }
    const drained = await bus.drain({ elapseTimeouts: true });

    // Assess: what the store holds is the newest surviving version; where that is not the newest published,
    // the store is behind ECS — the gap resync must heal.
    expect(drained).toMatchObject({ settled: true, batchItemFailures: 0, deadLettered: 0 });
    const lost = bus.lostEvents();
    expect(lost).toEqual(
      [...lostEnvelopes].map((envelope) => ({
        detailType: envelope['detail-type'],
        arn: arnOf(envelope),
        version: envelope.detail.version,
        id: envelope.id,
      })),
    );
    expect(lost.length).toBeGreaterThan(0);
    const configured = envelopes.filter((envelope) =>
      /:cluster\/(prod|batch)$/.test(envelope.detail.clusterArn as string),
    );
    const highest = new Map<string, number>();
    const surviving = new Map<string, number>();
    for (const envelope of configured) {
      const arn = arnOf(envelope);
      const version = envelope.detail.version as number;
      highest.set(arn, Math.max(highest.get(arn) ?? -1, version));
      if (!lostEnvelopes.has(envelope)) surviving.set(arn, Math.max(surviving.get(arn) ?? -1, version));
    }
    let behind = 0;
    for (const arn of highest.keys()) {
      const stored = (await store.getLatest(arn))?.version;
      expect(stored, arn).toBe(surviving.get(arn));
      if (stored !== highest.get(arn)) behind += 1;
    }
    expect(behind).toBeGreaterThan(0);
  });

  it('dead-letters a malformed envelope through the handler without holding up the rest', async () => {
    // Prepare: a task event the rule matches but whose version is a string.
    const { bus, store, queue, deadLetterQueue } = await harness();
    const malformed = taskEvent({ id: 'malformed', version: 3, detail: { version: '3' } });
    const good = taskEvent({ id: 'good', version: 4 });

    // Act
    await bus.publish(malformed);
    await bus.publish(good);
    const drained = await bus.drain({ elapseTimeouts: true });

    // Assess: the handler refused it with its reason, and the queue let go of it.
    expect(drained).toMatchObject({ settled: true, batchItemFailures: 0 });
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const letters = deadLetterQueue.peek();
    expect(letters.length).toBeGreaterThanOrEqual(1);
    for (const letter of letters) {
      expect(JSON.parse(letter.body)).toEqual(malformed);
      expect(letter.messageAttributes['ecs-ops.field']?.StringValue).toBe('detail.version');
    }
    expect((await store.getLatest(arnOf(good)))?.version).toBe(4);
    expect(await store.getLatest(arnOf(malformed))).toBeUndefined();
  });

  it('delivers nothing for events no rule matches: other clusters and other sources', async () => {
    // Prepare
    const { bus, store, invoked } = await harness();
    const otherCluster = taskEvent({ id: 'elsewhere', cluster: 'staging', version: 2 });
    const otherSource = { ...taskEvent({ id: 'ec2', version: 2 }), source: 'aws.ec2' };

    // Act
    expect(await bus.publish(otherCluster)).toEqual([]);
    expect(await bus.publish(otherSource)).toEqual([]);
    await bus.drain();

    // Assess
    expect(invoked).toEqual([]);
    expect(bus.counters()).toMatchObject({ published: 2, unmatched: 2, delivered: 0 });
    expect(await store.getLatest(arnOf(otherCluster))).toBeUndefined();
    expect(await store.getLatest(arnOf(otherSource))).toBeUndefined();
  });
});

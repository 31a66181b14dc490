/**
 * Step scaling end to end, through the real SDK clients: the state table on an engine, ECS served by the
 * simulator, SQS by the local queues, CloudWatch by the metric store and Application Auto Scaling by the
 * registry — all behind the local endpoint, on one fake clock shared by the simulator, the backends and the
 * scaler.
 *
 * The cluster `prod` runs the Fargate service `worker` (1 task) that works off the queue `jobs`.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { scalingCommand } from '../../cli/commands/scaling.js';
import type { CommandContext } from '../../cli/context.js';
import { parseOpsConfig } from '../../lib/ops-config.js';
import { Journal } from '../../lib/platform/journal.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import { processBatch } from '../../lib/reconcile/process-batch.js';
import { ScalingConfig, type ScalingPolicyInput } from '../../lib/scaling/config.js';
import { createScaler } from '../../lib/scaling/scaler.js';
import { ScalingStore } from '../../lib/scaling/scaling-store.js';
import { ApplicationAutoScalingRegistry } from '../../local/application-auto-scaling/application-auto-scaling.js';
import { CloudWatchMetrics } from '../../local/cloudwatch/metrics.js';
import type { Backends } from '../../local/endpoint/backends.js';
import { LocalQueues } from '../../local/sqs/local-queues.js';
import { endpointFor } from './local-endpoint.js';
import { simulatedWorld } from './simulated-world.js';

export const START = '2024-05-03T09:00:00.000Z';
export const CLUSTER = 'prod';
export const SERVICE = 'worker';
export const QUEUE = 'jobs';
export const MINUTE = 60_000;

/** Scale out on the backlog per task: +1 below 20 over the threshold of 10, +2 below 50, +4 beyond. */
export const SCALE_OUT: ScalingPolicyInput = {
  cluster: CLUSTER,
  service: SERVICE,
  metric: { sqs: { queue: QUEUE, perTask: true } },
  threshold: 10,
  comparison: 'GreaterThanOrEqualToThreshold',
  adjustmentType: 'ChangeInCapacity',
  steps: [
    { lower: 0, upper: 20, adjustment: 1 },
    { lower: 20, upper: 50, adjustment: 2 },
    { lower: 50, adjustment: 4 },
  ],
  cooldownSeconds: 180,
  minCapacity: 1,
  maxCapacity: 6,
};

/** Scale in one task at a time while the backlog per task is at or below 2. */
export const SCALE_IN: ScalingPolicyInput = {
  ...SCALE_OUT,
  threshold: 2,
  comparison: 'LessThanOrEqualToThreshold',
  steps: [{ upper: 0, adjustment: -1 }],
};

export async function setup(store: StateStore, policies: Record<string, ScalingPolicyInput>) {
  const { clock, now, emitted, sim, advance } = simulatedWorld(store, {
    start: START,
    seed: 7,
  });
  sim.createCluster(CLUSTER);
  sim.registerTaskDefinition({
    family: SERVICE,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [
      {
        name: SERVICE,
        image: 'worker:1',
        cpu: 256,
        memory: 512,
        essential: true,
        behaviour: { kind: 'run' },
      },
    ],
  });
  sim.createService({
    cluster: CLUSTER,
    serviceName: SERVICE,
    taskDefinition: SERVICE,
    desiredCount: 1,
    launchType: 'FARGATE',
  });
  const registry = new ApplicationAutoScalingRegistry({ now });
  const metrics = new CloudWatchMetrics({ now });
  const backends: Backends = { ecs: sim, applicationAutoScaling: registry, cloudWatch: metrics };
  const { endpoint, config: clientConfig } = await endpointFor(backends);
  // Queue URLs name the endpoint; it reads its backends per request.
  const queues = new LocalQueues({ now: () => clock.now, baseUrl: endpoint.url });
  backends.sqs = queues;
  const queue = queues.create(QUEUE);

  const tableName = store.tableName;
  const journal = new Journal({ tableName, client: store.client, retentionDays: 90 });
  const scalingStore = new ScalingStore({ tableName, client: store.client });
  const config = z.parse(ScalingConfig, policies);
  /** A new scale function instance (its own clients), as a Lambda cold start makes. */
  // One attempt per call: a failure injected at the endpoint reaches the scaler without the SDK's (real) backoff.
  const once = { ...clientConfig, maxAttempts: 1 };
  const dependencies = () => ({
    policies: config,
    ecs: new ECSClient(once),
    sqs: new SQSClient(once),
    cloudWatch: new CloudWatchClient(once),
    applicationAutoScaling: new ApplicationAutoScalingClient(once),
    state: store,
    store: scalingStore,
    journal,
    now,
  });
  const scaler = () => createScaler(dependencies());
  const sqs = new SQSClient(clientConfig);

  /** Sends `count` messages to the queue through SQS (SendMessageBatch, ten at a time). */
  const enqueue = async (count: number) => {
    const QueueUrl = queue.url;
    for (let sent = 0; sent < count; sent += 10) {
      const size = Math.min(10, count - sent);
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: size }, (_, i) => ({ Id: `m${sent + i}`, MessageBody: 'job' })),
        }),
      );
    }
  };

  /** The workers take `count` messages off the queue (or all of them). */
  const work = (count = Number.POSITIVE_INFINITY) => {
    let left = count;
    while (left > 0) {
      const batch = queue.receive(Math.min(10, left));
      if (batch.length === 0) break;
      for (const message of batch) queue.delete(message.receiptHandle);
      left -= batch.length;
    }
  };

  /** Reconciles every event emitted so far into the state table (what the reconcile function does). */
  let reconciled = 0;
  const reconcile = async () => {
    const fresh = emitted.slice(reconciled).filter((event) => event.source === 'aws.ecs');
    reconciled = emitted.length;
    if (fresh.length === 0) return;
    await processBatch(
      fresh.map((event, index) => ({ id: String(index), body: JSON.stringify(event) })),
      {
        store,
        retention: { stoppedDays: 30, historyDays: 90 },
        writeConcurrency: 4,
        deadLetters: { send: async () => [] },
      },
    );
  };

  const service = () => sim.describeServices({ cluster: CLUSTER, services: [SERVICE] }).services?.[0];

  /** `ecs-ops scaling` against this table, at the fake clock's time; returns what it printed. */
  const cli = async (options: { service?: string; since?: string; limit?: string } = {}, json = false) => {
    const lines: string[] = [];
    const context: CommandContext = {
      options: { store: 'local', dir: '.ecs-ops', stage: 'test', json },
      config: parseOpsConfig({}),
      store,
      deadLetterFile: '',
      out: (line) => lines.push(line),
    };
    const code = await scalingCommand(context, options, now);
    return { code, output: lines.join('\n') };
  };

  const decisions = () =>
    journal.list({
      kind: 'scaling',
      since: new Date(Date.parse(START) - MINUTE).toISOString(),
      until: new Date(clock.now + MINUTE).toISOString(),
    });

  advance(30_000);
  return {
    clock,
    sim,
    registry,
    metrics,
    queue,
    scalingStore,
    journal,
    scaler,
    dependencies,
    advance,
    enqueue,
    work,
    reconcile,
    service,
    cli,
    decisions,
    /** Requests the endpoint served so far by `service.Operation`. */
    requests: () => endpoint.requests() as Record<string, number>,
    endpoint,
  };
}

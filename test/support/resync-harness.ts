/**
 * A resync against a simulated cluster (through the local endpoint and the real ECS client) and a real state
 * table: events are reconciled as the deployed function would, some of them lost on purpose.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { awsClient } from '../../lib/platform/aws/clients.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { Journal } from '../../lib/platform/journal.js';
import { reindexLatest } from '../../lib/platform/store/reindex.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import { reconcileBatch } from '../../lib/reconcile/reconcile.js';
import { EcsApi } from '../../lib/resync/ecs-api.js';
import { EventBridgeLateStops } from '../../lib/resync/late-stops.js';
import type { ResyncDependencies, ResyncRequest } from '../../lib/resync/model.js';
import { resync } from '../../lib/resync/resync.js';
import { WatchingSince } from '../../lib/resync/watching.js';
import { eventBridgeBackend } from '../../local/endpoint/index.js';
import { compareWithStore } from '../../local/sandbox/ground-truth.js';
import { endpointFor } from './local-endpoint.js';
import { instance, prodCluster } from './simulated-ecs.js';

export const RETENTION = { stoppedDays: 0, historyDays: 0 };

export async function resyncWorld(store: StateStore, seed = 7) {
  const h = prodCluster(seed);
  /** What resync put on the event bus (through the real EventBridge client and the local endpoint). */
  const published: EventEnvelope[] = [];
  const eventBridge = eventBridgeBackend(async (envelope) => published.push(envelope), {
    account: h.sim.account,
    region: 'us-east-1',
    now: () => h.clock.now,
  });
  const { endpoint, config } = await endpointFor({ ecs: h.sim, eventBridge });
  // As the function makes it: the SDK's retries with backoff ride out throttling.
  const ecs = awsClient(ECSClient, config);
  const lateStops = new EventBridgeLateStops(new EventBridgeClient(config));
  const journal = new Journal({ tableName: store.tableName, client: store.client, retentionDays: 0 });
  let api: EcsApi | undefined;
  const dependencies: ResyncDependencies = {
    ecsApi: () => {
      api = new EcsApi(ecs, 1000);
      return api;
    },
    store,
    journal,
    lateStops,
    watching: new WatchingSince(store),
    reindex: (cluster) => reindexLatest(store, cluster),
    clusters: ['prod'],
    retention: RETENTION,
    writeConcurrency: 8,
    now: () => new Date(h.clock.now),
  };
  /** How many events were delivered so far; the rest are pending. */
  let delivered = 0;

  return {
    ...h,
    endpoint,
    store,
    journal,
    published,
    dependencies,
    /** The reader of the last run, with its call counts. */
    lastApi: () => api,
    instance: (id: string) => instance(h, id),
    /** Reconciles the events emitted since the last delivery, except those `lose` picks. */
    async deliver(lose: (event: EventEnvelope, index: number) => boolean = () => false) {
      const fresh = h.events.slice(delivered);
      delivered = h.events.length;
      const kept = fresh.filter((event, index) => !lose(event, index));
      const records = kept.map((event, index) => ({ id: String(index), body: JSON.stringify(event) }));
      if (records.length > 0)
        await reconcileBatch(records, { store, retention: RETENTION, writeConcurrency: 8 });
      return fresh.length - kept.length;
    },
    resync: (request: Partial<ResyncRequest> = {}) => resync({ trigger: 'cli', ...request }, dependencies),
    groundTruth: () => compareWithStore(h.sim.snapshot(), store),
  };
}

export type ResyncWorld = Awaited<ReturnType<typeof resyncWorld>>;

/** Starts `count` Fargate web tasks on `prod` and lets them reach RUNNING. */
export function startWebTasks(world: ResyncWorld, count: number): string[] {
  const arns: string[] = [];
  for (let started = 0; started < count; started += 10) {
    const { tasks = [] } = world.sim.runTask({
      cluster: 'prod',
      taskDefinition: 'web',
      count: Math.min(10, count - started),
      launchType: 'FARGATE',
    });
    arns.push(...tasks.flatMap((task) => task.taskArn ?? []));
  }
  world.settle();
  return arns;
}

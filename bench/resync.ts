/**
 * Benchmark: resync (lib/resync) of one 10,000-task cluster — simulated, served by the local endpoint and read
 * through the real ECS client — into a state table on the benchmark's engine, in three runs:
 *
 * - backfill: the day-one run into an empty store (everything added);
 * - steady: the next run, everything in sync (reads only);
 * - lost-stops: after 5% of the tasks stopped and every event of it was lost (those tasks advanced, their
 *   stops published late, their container instances advanced).
 *
 * The reader is paced at BENCH_CALLS_PER_SECOND, far above the deployed pace, so the run measures the code and the
 * engine rather than the pacing. The duration at the deployed pace is projected from the calls counted: each call
 * waits its turn (calls ÷ pace), and everything else the run did is added on top, as if none of it overlapped
 * the waits (it does, so the projection is an upper bound). The target: the whole cluster in one invocation of
 * the resync function, i.e. within its timeout less the margin at which a run stops starting pages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { parseDocument } from 'yaml';
import { loadOpsConfig } from '../lib/ops-config.js';
import type { EventEnvelope } from '../lib/platform/events/envelope.js';
import { isLiveStatus } from '../lib/platform/events/statuses.js';
import { Journal } from '../lib/platform/journal.js';
import { reindexLatest } from '../lib/platform/store/reindex.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { EcsApi } from '../lib/resync/ecs-api.js';
import { type ClusterReport, PAGE_MARGIN_MS, type ResyncDependencies } from '../lib/resync/model.js';
import { resync } from '../lib/resync/resync.js';
import { WatchingSince } from '../lib/resync/watching.js';
import { ensureStateTable, localClient } from '../local/dynamodb/local-engine.js';
import { SimulatedEcs } from '../local/ecs/index.js';
import { startLocalEndpoint } from '../local/endpoint/index.js';
import { round } from './bundles.js';
import { type Engine, RequestMeter } from './engine.js';
import { Prng } from './prng.js';

const CLUSTER = 'prod';
const TASKS = 10_000;
/** EC2 tasks (32 per container instance); the rest are Fargate. */
const CONTAINER_INSTANCES = 25;
const EC2_TASKS = 800;
const STOPPED_SHARE = 0.05;
const BENCH_CALLS_PER_SECOND = 1000;
/** DynamoDB requests in flight at most: well above what one resync keeps busy (writeConcurrency). */
const IN_FLIGHT = 64;
const SEED = 0x5eed_0515;
const START = Date.UTC(2024, 4, 1, 12, 0, 0);

export const RESYNC_RUNS = {
  backfill: 'day one: an empty store, every task and container instance added from the API',
  steady: 'the next run: everything in sync',
  'lost-stops': `${STOPPED_SHARE * 100}% of the tasks stopped, every event of it lost: advanced, stops published late`,
} as const;
export type ResyncRun = keyof typeof RESYNC_RUNS;

export interface ResyncRunResult {
  description: string;
  seconds: number;
  secondsPer1000Tasks: number;
  apiCalls: Record<string, number>;
  apiCallsTotal: number;
  apiCallsPer1000Tasks: Record<string, number>;
  dynamoDbRequests: number;
  dynamoDbRequestsPer1000Tasks: number;
  dynamoDbRequestsByCommand: Record<string, number>;
  corrections: Pick<
    ClusterReport,
    'added' | 'advanced' | 'markedMissing' | 'inSync' | 'storeNewer' | 'lateStops' | 'failed'
  > & { invalid: number };
  /** The pacing alone at the deployed pace: calls ÷ calls per second. */
  pacingSecondsAtDeployedPace: number;
  /** Pacing plus everything this run measured besides its own pacing: an upper bound at the deployed pace. */
  projectedSecondsAtDeployedPace: number;
  /** The tasks such a run would get through within the budget at that rate (one invocation, no follow-up). */
  tasksWithinBudgetAtDeployedPace: number;
  /** The store holds the simulator's version and liveness of every task and instance, and what the run expected. */
  correct: boolean;
  mismatches: string[];
}

export interface ResyncBenchResult {
  cluster: { tasks: number; fargateTasks: number; ec2Tasks: number; containerInstances: number };
  setupSeconds: number;
  benchCallsPerSecond: number;
  deployed: {
    callsPerSecond: number;
    writeConcurrency: number;
    lambdaTimeoutSeconds: number;
    pageMarginSeconds: number;
    /** The time a run has to finish the cluster without a follow-up invocation. */
    budgetSeconds: number;
    from: string;
  };
  runs: Record<ResyncRun, ResyncRunResult>;
}

export interface ResyncBench {
  root: string;
  engine: Engine;
  /** Unmetered client for the table and the checks. */
  admin: DynamoDBClient;
  log: (line: string) => void;
}

/** Simulates the cluster, then runs each resync of RESYNC_RUNS in turn on one table of the engine. */
export async function benchResync({ root, engine, admin, log }: ResyncBench): Promise<ResyncBenchResult> {
  const deployed = deployedSettings(root);
  const setupStarted = performance.now();
  log(`resync: simulating ${TASKS} tasks (${EC2_TASKS} on ${CONTAINER_INSTANCES} container instances)`);
  const cluster = simulateCluster();
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const endpoint = await startLocalEndpoint({ backends: { ecs: cluster.sim }, port: 0 });
  const table = 'ecs-ops-state-resync';
  await ensureStateTable(admin, table);
  try {
    const ecs = new ECSClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const runs: Partial<Record<ResyncRun, ResyncRunResult>> = {};
    for (const run of Object.keys(RESYNC_RUNS) as ResyncRun[]) {
      const expected = run === 'lost-stops' ? cluster.stopSome() : undefined;
      log(
        `resync: ${run}${expected ? ` (${expected.stopped} tasks stopped, ${expected.lost} events lost)` : ''}`,
      );
      const result = await timeRun(run, { engine, admin, table, ecs, clock: cluster.clock, deployed });
      const mismatches = [
        ...expectedCounts(run, result.report, cluster.counts(), expected?.stopped ?? 0),
        ...(await compareWithCluster(cluster.sim, new StateStore({ tableName: table, client: admin }))),
      ];
      runs[run] = resultOf(run, result, mismatches, deployed);
      log(
        `resync ${run}: ${round(result.seconds, 1)} s, ${result.apiCallsTotal} ECS calls, ` +
          `${result.meter.requests} DynamoDB requests, correct: ${mismatches.length === 0}`,
      );
    }
    return {
      cluster: {
        tasks: TASKS,
        fargateTasks: TASKS - EC2_TASKS,
        ec2Tasks: EC2_TASKS,
        containerInstances: CONTAINER_INSTANCES,
      },
      setupSeconds: round(setupSeconds, 1),
      benchCallsPerSecond: BENCH_CALLS_PER_SECOND,
      deployed,
      runs: runs as Record<ResyncRun, ResyncRunResult>,
    };
  } finally {
    await endpoint.close();
    await admin.send(new DeleteTableCommand({ TableName: table }));
  }
}

// ---- the cluster -------------------------------------------------------------------------------------------------

function simulateCluster() {
  const clock = { now: START };
  const random = new Prng(SEED);
  let emitted = 0;
  const sim = new SimulatedEcs({
    now: () => clock.now,
    random: random.next,
    emit: (_: EventEnvelope) => {
      emitted++;
    },
  });
  const settle = () =>
    sim.advanceTo(clock.now + 60_000, (at) => {
      clock.now = at;
    });
  sim.createCluster(CLUSTER);
  sim.registerTaskDefinition({
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [{ name: 'web', image: 'web:1', cpu: 256, memory: 512, essential: true }],
  });
  sim.registerTaskDefinition({
    family: 'report',
    containers: [
      {
        name: 'report',
        image: 'report:3',
        cpu: 512,
        memory: 1024,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 0 }],
      },
    ],
  });
  for (let index = 0; index < CONTAINER_INSTANCES; index++)
    sim.registerContainerInstance({
      cluster: CLUSTER,
      ec2InstanceId: `i-${index.toString(16).padStart(17, '0')}`,
      cpu: 16_384,
      memory: 32_768,
    });
  const taskArns: string[] = [];
  const run = (taskDefinition: string, total: number, launchType?: 'FARGATE') => {
    for (let started = 0; started < total; started += 10) {
      const { tasks = [], failures = [] } = sim.runTask({
        cluster: CLUSTER,
        taskDefinition,
        count: Math.min(10, total - started),
        ...(launchType ? { launchType } : {}),
      });
      if (failures.length > 0) throw new Error(`the simulator could not place ${taskDefinition} tasks`);
      taskArns.push(...tasks.flatMap((task) => task.taskArn ?? []));
    }
  };
  run('web', TASKS - EC2_TASKS, 'FARGATE');
  run('report', EC2_TASKS);
  settle();
  return {
    sim,
    clock,
    counts: () => {
      const { tasks, containerInstances } = sim.snapshot();
      return { resources: tasks.length + containerInstances.length, instances: containerInstances.length };
    },
    /** Stops STOPPED_SHARE of the tasks (a seeded pick) and lets them reach STOPPED; their events are lost. */
    stopSome: () => {
      const before = emitted;
      const stop = new Set<string>();
      while (stop.size < Math.round(TASKS * STOPPED_SHARE)) stop.add(random.pick(taskArns));
      for (const task of stop) sim.stopTask({ cluster: CLUSTER, task, reason: 'bench: stopped unheard' });
      settle();
      return { stopped: stop.size, lost: emitted - before };
    },
  };
}

// ---- one run -----------------------------------------------------------------------------------------------------

interface RunContext {
  engine: Engine;
  admin: DynamoDBClient;
  table: string;
  ecs: ECSClient;
  clock: { now: number };
  deployed: ResyncBenchResult['deployed'];
}

async function timeRun(run: ResyncRun, context: RunContext) {
  const { table, ecs, clock, deployed } = context;
  const meter = new RequestMeter(IN_FLIGHT);
  const client = meter.attach(localClient(context.engine.endpoint));
  const store = new StateStore({ tableName: table, client });
  let api: EcsApi | undefined;
  let published = 0;
  const dependencies: ResyncDependencies = {
    ecsApi: () => {
      api = new EcsApi(ecs, BENCH_CALLS_PER_SECOND);
      return api;
    },
    store,
    journal: new Journal({ tableName: table, client, retentionDays: 0 }),
    reindex: (name) => reindexLatest(store, name),
    lateStops: {
      publish: async (envelopes) => {
        published += envelopes.length;
        return { failed: [] };
      },
    },
    watching: new WatchingSince(store),
    clusters: [CLUSTER],
    retention: { stoppedDays: 0, historyDays: 0 },
    writeConcurrency: deployed.writeConcurrency,
    // The simulator's clock: watching starts at the backfill, and the lost stops come after it.
    now: () => new Date(clock.now),
  };
  clock.now += 1_000;
  const started = performance.now();
  const { reports, cursor } = await resync(
    { trigger: run === 'backfill' ? 'deploy' : 'schedule' },
    dependencies,
  );
  const seconds = (performance.now() - started) / 1000;
  const [report] = reports;
  if (report === undefined || cursor !== undefined || reports.length !== 1)
    throw new Error(`resync ${run}: expected one complete cluster report`);
  if (published !== report.lateStops) throw new Error(`resync ${run}: ${published} late stops published`);
  const apiCalls = { ...(api?.calls ?? {}) };
  const apiCallsTotal = Object.values(apiCalls).reduce((sum, calls) => sum + calls, 0);
  return { report, seconds, apiCalls, apiCallsTotal, meter };
}

/** What each run must have found, by its counts. */
function expectedCounts(
  run: ResyncRun,
  report: ClusterReport,
  { resources, instances }: { resources: number; instances: number },
  stopped: number,
): string[] {
  const expected: Partial<ClusterReport> =
    run === 'backfill'
      ? { added: resources, advanced: 0, markedMissing: 0, inSync: 0, storeNewer: 0, lateStops: 0 }
      : run === 'steady'
        ? { added: 0, advanced: 0, markedMissing: 0, inSync: resources, storeNewer: 0, lateStops: 0 }
        : {
            added: 0,
            markedMissing: 0,
            inSync: resources - report.advanced,
            storeNewer: 0,
            lateStops: stopped,
          };
  const mismatches = Object.entries(expected).flatMap(([field, value]) =>
    report[field as keyof ClusterReport] === value
      ? []
      : [`${field}: ${String(report[field as keyof ClusterReport])}, expected ${String(value)}`],
  );
  // The stopped tasks, and the container instances the EC2 ones among them ran on.
  if (run === 'lost-stops' && (report.advanced < stopped || report.advanced > stopped + instances))
    mismatches.push(
      `advanced: ${report.advanced}, expected ${stopped} tasks and at most ${instances} instances`,
    );
  if (report.invalid.length > 0) mismatches.push(`invalid: ${JSON.stringify(report.invalid.slice(0, 3))}`);
  if (report.failed > 0) mismatches.push(`failed: ${report.failed}`);
  return mismatches;
}

/** The simulator's version and liveness of every task and container instance against the store's. */
async function compareWithCluster(sim: SimulatedEcs, store: StateStore): Promise<string[]> {
  const { tasks, containerInstances } = sim.snapshot();
  const truth = new Map<string, { version: number; live: boolean }>();
  for (const task of tasks)
    truth.set(`task/${lastPart(task.taskArn)}`, {
      version: Number(task.version),
      live: isLiveStatus('task', String(task.lastStatus)),
    });
  for (const instance of containerInstances)
    truth.set(`container-instance/${lastPart(instance.containerInstanceArn)}`, {
      version: Number(instance.version),
      live: isLiveStatus('instance', String(instance.status)),
    });
  const stored = await store.currentStates([...truth.keys()]);
  const mismatches: string[] = [];
  for (const [key, expected] of truth) {
    const held = stored.get(key);
    if (held === undefined) mismatches.push(`${key}: not stored`);
    else if (held.version !== expected.version || held.live !== expected.live)
      mismatches.push(
        `${key}: stored v${held.version} live=${held.live}, ECS v${expected.version} live=${expected.live}`,
      );
  }
  return mismatches;
}

const lastPart = (arn: unknown) => String(arn).slice(String(arn).lastIndexOf('/') + 1);

function resultOf(
  run: ResyncRun,
  { report, seconds, apiCalls, apiCallsTotal, meter }: Awaited<ReturnType<typeof timeRun>>,
  mismatches: string[],
  { callsPerSecond: deployedPace, budgetSeconds }: ResyncBenchResult['deployed'],
): ResyncRunResult {
  const per1000 = (value: number) => round((value / TASKS) * 1000, 2);
  const pacingSeconds = apiCallsTotal / deployedPace;
  // This run's own pacing (at BENCH_CALLS_PER_SECOND) is already in `seconds`: it is replaced, not added.
  const otherSeconds = Math.max(0, seconds - apiCallsTotal / BENCH_CALLS_PER_SECOND);
  const projected = pacingSeconds + otherSeconds;
  return {
    description: RESYNC_RUNS[run],
    seconds: round(seconds, 2),
    secondsPer1000Tasks: round((seconds / TASKS) * 1000, 3),
    apiCalls,
    apiCallsTotal,
    apiCallsPer1000Tasks: Object.fromEntries(
      Object.entries(apiCalls).map(([action, calls]) => [action, per1000(calls)]),
    ),
    dynamoDbRequests: meter.requests,
    dynamoDbRequestsPer1000Tasks: per1000(meter.requests),
    dynamoDbRequestsByCommand: meter.byCommand,
    corrections: {
      added: report.added,
      advanced: report.advanced,
      markedMissing: report.markedMissing,
      inSync: report.inSync,
      storeNewer: report.storeNewer,
      lateStops: report.lateStops,
      failed: report.failed,
      invalid: report.invalid.length,
    },
    pacingSecondsAtDeployedPace: round(pacingSeconds, 1),
    projectedSecondsAtDeployedPace: round(projected, 1),
    tasksWithinBudgetAtDeployedPace: Math.floor(((budgetSeconds / projected) * TASKS) / 1000) * 1000,
    correct: mismatches.length === 0,
    mismatches: mismatches.slice(0, 10),
  };
}

// ---- the deployment's settings -----------------------------------------------------------------------------------

/** The resync function's pace and write concurrency (ops.config.yml) and its timeout (serverless.yml). */
function deployedSettings(root: string): ResyncBenchResult['deployed'] {
  const { resync: settings, reconcile } = loadOpsConfig(join(root, 'ops.config.yml'));
  // serverless.yml's CloudFormation tags (!Ref, !GetAtt) are unknown to the parser: warnings, not errors.
  const document = parseDocument(readFileSync(join(root, 'serverless.yml'), 'utf8'));
  const timeout = document.getIn(['functions', 'resync', 'timeout']);
  if (typeof timeout !== 'number')
    throw new Error('serverless.yml: functions.resync.timeout is not a number');
  const pageMarginSeconds = PAGE_MARGIN_MS / 1000;
  return {
    callsPerSecond: settings.callsPerSecond,
    // The function's WRITE_CONCURRENCY is the reconcile setting (serverless.yml).
    writeConcurrency: reconcile.writeConcurrency,
    lambdaTimeoutSeconds: timeout,
    pageMarginSeconds,
    budgetSeconds: timeout - pageMarginSeconds,
    from: 'ops.config.yml (resync.callsPerSecond, reconcile.writeConcurrency), serverless.yml (functions.resync.timeout)',
  };
}

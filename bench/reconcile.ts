/**
 * Benchmark: ecs-ops' reconcile path against the ECS Developer Guide's reference Lambda, on one generated
 * stream with realistic duplication and reordering, on the same engine with the same requests in flight.
 *
 *   npm run bench      → one JSON document on stdout (progress on stderr); exit 1 if a target is missed.
 *
 * Pass 1 is timed (wall seconds, requests). Pass 2 replays the same stream on fresh tables with capacity
 * accounting (old items fetched before every write), which would distort timing, so it is not timed.
 */
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BatchRecord } from '../lib/reconcile/reconcile.js';
import type { Item } from '../lib/store/items.js';
import { ensureStateTable, localClient } from '../lib/store/local-engine.js';
import { StateStore } from '../lib/store/state-store.js';
import { LATEST_ENTRY, stateTableDefinition } from '../lib/store/table.js';
import { CapacityAccountant, type ItemClassifier } from './accounting.js';
import { readSettings, toBatches } from './batching.js';
import { measureBundles, round } from './bundles.js';
import { type OutcomeCounts, runEcsOps } from './ecs-ops.js';
import { type Engine, RequestMeter, startEngineProcess } from './engine.js';
import {
  type ReferenceTables,
  referenceTableDefinitions,
  referenceTables,
  runReference,
} from './reference.js';
import { generateStream, type StreamOptions } from './stream.js';
import { evaluateTargets } from './targets.js';
import { referenceLostUpdates, verifyEcsOps } from './verify.js';

const STREAM: StreamOptions = {
  seed: 0x5eed_2024,
  tasks: 1500,
  fargateShare: 0.7,
  containerInstances: 30,
  startSpanSeconds: 3600,
  duplicateShare: 0.1,
  maxDuplicateDelaySeconds: 5,
  maxJitterSeconds: 3,
};
/** DynamoDB requests outstanding at once, for either algorithm. */
const IN_FLIGHT = 16;
/** Reference invocations at once: each has one request outstanding, so twice the limit keeps it full. */
const REFERENCE_CONCURRENCY = 2 * IN_FLIGHT;
/** ecs-ops invocations at once (parallel Lambda instances), each with up to writeConcurrency writes. */
const CONCURRENT_BATCHES = 8;
const WARM_UP_DELIVERIES = 400;

const benchStarted = performance.now();
const log = (line: string) =>
  process.stderr.write(`[bench +${((performance.now() - benchStarted) / 1000).toFixed(1)}s] ${line}\n`);

async function main(): Promise<number> {
  const root = projectRoot(import.meta.dirname);
  const settings = readSettings(root);
  log(`generating the stream (seed ${STREAM.seed})`);
  const stream = generateStream(root, STREAM);
  const bodies = stream.deliveries.map((d) => d.body);
  const batches = toBatches(stream.deliveries, settings.batchSize, settings.batchingWindowSeconds);
  const events = bodies.length;
  log(`${events} deliveries of ${stream.stats.distinctVersions} versions, ${batches.length} batches`);

  const engine = await startEngineProcess(root);
  try {
    const admin = localClient(engine.endpoint);
    const ecsOpsRun = (client: DynamoDBClient, table: string, input: readonly BatchRecord[][]) =>
      runEcsOps(input, {
        store: new StateStore({ tableName: table, client }),
        retention: settings.retention,
        writeConcurrency: settings.writeConcurrency,
        concurrentBatches: CONCURRENT_BATCHES,
        batchSize: settings.batchSize,
      });

    log('warming up the engine and both code paths');
    const warmBodies = bodies.slice(0, WARM_UP_DELIVERIES);
    const warmBatches = toBatches(
      stream.deliveries.slice(0, WARM_UP_DELIVERIES),
      settings.batchSize,
      settings.batchingWindowSeconds,
    );
    await withReferenceTables(admin, 'warm', (tables) =>
      runReference(warmBodies, limited(engine), tables, REFERENCE_CONCURRENCY),
    );
    await withStateTable(admin, 'warm', (table) => ecsOpsRun(limited(engine), table, warmBatches));

    log('pass 1 (timed): reference');
    const referenceMeter = new RequestMeter(IN_FLIGHT);
    const reference = await withReferenceTables(admin, 'timed', async (tables) => {
      const client = referenceMeter.attach(localClient(engine.endpoint));
      const run = await timed(engine, () => runReference(bodies, client, tables, REFERENCE_CONCURRENCY));
      return { ...run, lostUpdates: await referenceLostUpdates(admin, tables, stream) };
    });
    log(`reference: ${reference.seconds.toFixed(1)} s, ${referenceMeter.requests} requests`);

    log('pass 1 (timed): ecs-ops');
    const ecsOpsMeter = new RequestMeter(IN_FLIGHT);
    const ecsOps = await withStateTable(admin, 'timed', async (table) => {
      const client = ecsOpsMeter.attach(localClient(engine.endpoint));
      const run = await timed(engine, () => ecsOpsRun(client, table, batches));
      return { ...run, verdict: await verifyEcsOps(admin, table, stream) };
    });
    log(
      `ecs-ops: ${ecsOps.seconds.toFixed(1)} s, ${ecsOpsMeter.requests} requests, correct: ${ecsOps.verdict.correct}`,
    );

    log('pass 2 (capacity accounting): reference');
    const referenceUnits = await withReferenceTables(admin, 'metered', async (tables) => {
      const accountant = new CapacityAccountant(admin, referenceTableDefinitions(tables), (table) =>
        table === tables.task ? 'task item' : 'container instance item',
      );
      const client = new RequestMeter(IN_FLIGHT).attach(localClient(engine.endpoint), accountant.interceptor);
      await runReference(bodies, client, tables, REFERENCE_CONCURRENCY);
      return accountant;
    });
    log('pass 2 (capacity accounting): ecs-ops');
    const ecsOpsUnits = await withStateTable(admin, 'metered', async (table) => {
      const classify: ItemClassifier = (_, item: Item) =>
        item.entry?.S === LATEST_ENTRY ? 'latest' : 'history';
      const accountant = new CapacityAccountant(admin, [stateTableDefinition(table)], classify);
      const client = new RequestMeter(IN_FLIGHT).attach(localClient(engine.endpoint), accountant.interceptor);
      await ecsOpsRun(client, table, batches);
      return accountant;
    });

    log('measuring bundles');
    const bundles = measureBundles(root, log);

    const referenceEps = events / reference.seconds;
    const ecsOpsEps = events / ecsOps.seconds;
    const perEvent = (value: number) => round(value / events, 3);
    const breakdown = (units: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(units)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, perEvent(v)]),
      );
    const result = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      machine: { cpus: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1) },
      stream: stream.stats,
      engine: engine.description,
      inFlight: IN_FLIGHT,
      batch: {
        size: settings.batchSize,
        windowSeconds: settings.batchingWindowSeconds,
        count: batches.length,
        meanRecords: round(events / batches.length, 1),
        settingsFrom: settings.source,
      },
      reference: {
        seconds: round(reference.seconds, 2),
        eventsPerSecond: round(referenceEps, 1),
        requestsPerEvent: perEvent(referenceMeter.requests),
        writeUnitsPerEvent: perEvent(referenceUnits.totalWriteUnits()),
        readUnitsPerEvent: perEvent(referenceUnits.readUnits),
        lostUpdates: reference.lostUpdates,
        concurrentInvocations: REFERENCE_CONCURRENCY,
        meanInFlight: round(referenceMeter.meanInFlight(), 1),
        cpuSeconds: reference.cpuSeconds,
        requestsByCommand: referenceMeter.byCommand,
        writeUnitsPerEventBy: breakdown(referenceUnits.writeUnits),
      },
      ecsOps: {
        seconds: round(ecsOps.seconds, 2),
        eventsPerSecond: round(ecsOpsEps, 1),
        requestsPerEvent: perEvent(ecsOpsMeter.requests),
        writeUnitsPerEvent: perEvent(ecsOpsUnits.totalWriteUnits()),
        readUnitsPerEvent: perEvent(ecsOpsUnits.readUnits),
        historyItems: ecsOps.verdict.historyItems,
        correct: ecsOps.verdict.correct,
        latestWrong: ecsOps.verdict.latestWrong,
        historyWrong: ecsOps.verdict.historyWrong,
        outcomes: ecsOps.value satisfies OutcomeCounts,
        concurrentBatches: CONCURRENT_BATCHES,
        writeConcurrency: settings.writeConcurrency,
        meanInFlight: round(ecsOpsMeter.meanInFlight(), 1),
        cpuSeconds: ecsOps.cpuSeconds,
        requestsByCommand: ecsOpsMeter.byCommand,
        writeUnitsPerEventBy: breakdown(ecsOpsUnits.writeUnits),
      },
      speedup: round(ecsOpsEps / referenceEps, 2),
      bundles,
    };
    const report = { ...result, targets: evaluateTargets(result) };

    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const missed = report.targets.filter((t) => !t.met);
    for (const t of missed) log(`target missed: ${t.name} ${t.target} (got ${t.value})`);
    return missed.length === 0 ? 0 : 1;
  } finally {
    engine.stop();
  }
}

/** Wall time of `run`, and the CPU time it cost this process (algorithm + SDK) and the engine process. */
async function timed<T>(engine: Engine, run: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const engineCpu = engine.cpuSeconds();
  const started = performance.now();
  const value = await run();
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const engineAfter = engine.cpuSeconds();
  const cpuSeconds = {
    bench: round((user + system) / 1e6, 1),
    engine: engineCpu === undefined || engineAfter === undefined ? null : round(engineAfter - engineCpu, 1),
  };
  return { value, seconds, cpuSeconds };
}

/** A metered client for warm-up runs, whose numbers are thrown away. */
const limited = (engine: Engine) => new RequestMeter(IN_FLIGHT).attach(localClient(engine.endpoint));

async function withReferenceTables<T>(
  admin: DynamoDBClient,
  suffix: string,
  use: (tables: ReferenceTables) => Promise<T>,
): Promise<T> {
  const tables = referenceTables(suffix);
  const definitions = referenceTableDefinitions(tables);
  for (const definition of definitions) await admin.send(new CreateTableCommand(definition));
  try {
    return await use(tables);
  } finally {
    // Dropping finished tables keeps later passes from running on a fuller engine.
    for (const { TableName } of definitions) await admin.send(new DeleteTableCommand({ TableName }));
  }
}

async function withStateTable<T>(admin: DynamoDBClient, suffix: string, use: (table: string) => Promise<T>) {
  const table = `ecs-ops-state-${suffix}`;
  await ensureStateTable(admin, table);
  try {
    return await use(table);
  } finally {
    await admin.send(new DeleteTableCommand({ TableName: table }));
  }
}

/** The repository root, from bench/ or from the bundle in dist/bench/. */
function projectRoot(from: string): string {
  let directory = from;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${from}`);
    directory = parent;
  }
  return directory;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);

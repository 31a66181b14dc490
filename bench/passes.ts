/**
 * One run of an algorithm over (part of) the stream, on tables of its own, in either pass:
 * - timed: wall seconds, CPU seconds and requests, then the end state checked;
 * - metered: capacity units. Its shadow reads before every write would distort timing, so it is not timed.
 */
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Item } from '../lib/platform/store/items.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { KEY, LATEST_ENTRY, stateTableDefinition } from '../lib/platform/store/table.js';
import type { BatchRecord } from '../lib/reconcile/reconcile.js';
import { ensureStateTable, localClient } from '../local/dynamodb/local-engine.js';
import { CapacityAccountant } from './accounting.js';
import type { ReconcileSettings } from './batching.js';
import { round } from './bundles.js';
import { type OutcomeCounts, runEcsOps } from './ecs-ops.js';
import { type Engine, RequestMeter } from './engine.js';
import {
  type ReferenceTables,
  referenceTableDefinitions,
  referenceTables,
  runReference,
} from './reference.js';
import type { Stream } from './stream.js';
import { type EcsOpsVerdict, referenceLostUpdates, verifyEcsOps } from './verify.js';

export interface Bench {
  engine: Engine;
  /** Unmetered client for tables, shadow reads and checks. */
  admin: DynamoDBClient;
  stream: Stream;
  settings: ReconcileSettings;
  /** DynamoDB requests outstanding at once, for either algorithm. */
  inFlight: number;
  referenceConcurrency: number;
  concurrentBatches: number;
}

export interface Timing {
  seconds: number;
  cpuSeconds: { bench: number; engine: number | null };
  requests: number;
  requestsByCommand: Record<string, number>;
  meanInFlight: number;
}

export async function timeReference(bench: Bench, bodies: readonly string[], suffix: string) {
  const meter = new RequestMeter(bench.inFlight);
  return withReferenceTables(bench.admin, suffix, async (tables) => {
    const client = meter.attach(localClient(bench.engine.endpoint));
    const run = await timed(bench.engine, () =>
      runReference(bodies, client, tables, bench.referenceConcurrency),
    );
    const lostUpdates = await referenceLostUpdates(bench.admin, tables, bench.stream);
    return { ...timing(run, meter), lostUpdates };
  });
}

export async function timeEcsOps(
  bench: Bench,
  batches: readonly BatchRecord[][],
  suffix: string,
): Promise<Timing & { outcomes: OutcomeCounts; verdict: EcsOpsVerdict }> {
  const meter = new RequestMeter(bench.inFlight);
  return withStateTable(bench.admin, suffix, async (table) => {
    const client = meter.attach(localClient(bench.engine.endpoint));
    const run = await timed(bench.engine, () => ecsOps(bench, client, table, batches));
    const verdict = await verifyEcsOps(bench.admin, table, bench.stream);
    return { ...timing(run, meter), outcomes: run.value, verdict };
  });
}

export async function meterReference(bench: Bench, bodies: readonly string[]) {
  return withReferenceTables(bench.admin, 'metered', async (tables) => {
    const accountant = new CapacityAccountant(bench.admin, referenceTableDefinitions(tables), (table) =>
      table === tables.task ? 'task item' : 'container instance item',
    );
    const client = meteredClient(bench, accountant);
    await runReference(bodies, client, tables, bench.referenceConcurrency);
    return accountant;
  });
}

export async function meterEcsOps(bench: Bench, batches: readonly BatchRecord[][], suffix: string) {
  return withStateTable(bench.admin, suffix, async (table) => {
    const accountant = new CapacityAccountant(bench.admin, [stateTableDefinition(table)], (_, item: Item) =>
      item[KEY.sort]?.S === LATEST_ENTRY ? 'latest' : 'history',
    );
    await ecsOps(bench, meteredClient(bench, accountant), table, batches);
    return accountant;
  });
}

const ecsOps = (bench: Bench, client: DynamoDBClient, table: string, batches: readonly BatchRecord[][]) =>
  runEcsOps(batches, {
    store: new StateStore({ tableName: table, client }),
    retention: bench.settings.retention,
    writeConcurrency: bench.settings.writeConcurrency,
    concurrentBatches: bench.concurrentBatches,
    batchSize: bench.settings.batchSize,
  });

const meteredClient = (bench: Bench, accountant: CapacityAccountant) =>
  new RequestMeter(bench.inFlight).attach(localClient(bench.engine.endpoint), accountant.interceptor);

const timing = (run: { seconds: number; cpuSeconds: Timing['cpuSeconds'] }, meter: RequestMeter) => ({
  seconds: run.seconds,
  cpuSeconds: run.cpuSeconds,
  requests: meter.requests,
  requestsByCommand: meter.byCommand,
  meanInFlight: round(meter.meanInFlight(), 1),
});

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
    // Dropping finished tables keeps later runs from running on a fuller engine.
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

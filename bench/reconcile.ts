/**
 * Benchmark: ecs-ops' reconcile path against the ECS Developer Guide's reference Lambda, on one generated
 * stream with realistic duplication and reordering, on the same engine with the same requests in flight.
 * ecs-ops consumes the stream in two regimes (see REGIMES): a backlog (full batches, the throughput case) and
 * live delivery (batches closed by the batching window). The reference has no batches: it runs once.
 *
 *   npm run bench      → one JSON document on stdout (progress on stderr); exit 1 if a target is missed.
 *
 * Pass 1 times every run (reference, then each regime); pass 2 replays them on fresh tables with capacity
 * accounting, whose shadow reads would distort timing. Then, on the same engine, resync of a 10,000-task cluster
 * (bench/resync.ts): its section `resync` and its targets are part of the same document.
 */
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { localClient } from '../local/dynamodb/local-engine.js';
import { batchesFor, REGIMES, type Regime, readSettings } from './batching.js';
import { measureBundles, round } from './bundles.js';
import { assertReturnsFailedItems, startEngineProcess } from './engine.js';
import { type Bench, meterEcsOps, meterReference, timeEcsOps, timeReference } from './passes.js';
import { ecsOpsSection, referenceSection } from './report.js';
import { benchResync } from './resync.js';
import { generateStream, type StreamOptions } from './stream.js';
import { evaluateTargets } from './targets.js';

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
  const { deliveries } = stream;
  const bodies = deliveries.map((d) => d.body);
  const events = bodies.length;
  const batches = await perRegime((regime) => batchesFor(regime, deliveries, settings));
  log(`${events} deliveries of ${stream.stats.distinctVersions} versions`);

  const engine = await startEngineProcess(root);
  try {
    const admin = localClient(engine.endpoint);
    // Fails unless the child carries ecs-ops' engine patch (putLatest needs no read after a refused write).
    await assertReturnsFailedItems(admin);
    const bench: Bench = {
      engine,
      admin,
      stream,
      settings,
      inFlight: IN_FLIGHT,
      referenceConcurrency: REFERENCE_CONCURRENCY,
      concurrentBatches: CONCURRENT_BATCHES,
    };

    log('warming up the engine and both code paths');
    const warm = deliveries.slice(0, WARM_UP_DELIVERIES);
    await timeReference(bench, bodies.slice(0, WARM_UP_DELIVERIES), 'warm');
    await perRegime((regime) => timeEcsOps(bench, batchesFor(regime, warm, settings), 'warm'));

    log('pass 1 (timed): reference');
    const referenceTiming = await timeReference(bench, bodies, 'timed');
    log(`reference: ${referenceTiming.seconds.toFixed(1)} s, ${referenceTiming.requests} requests`);
    const ecsOpsTiming = await perRegime(async (regime) => {
      log(`pass 1 (timed): ecs-ops, ${regime} (${batches[regime].length} batches)`);
      const run = await timeEcsOps(bench, batches[regime], `timed-${regime}`);
      log(
        `ecs-ops ${regime}: ${run.seconds.toFixed(1)} s, ${run.requests} requests, correct: ${run.verdict.correct}`,
      );
      return run;
    });

    log('pass 2 (capacity accounting): reference');
    const referenceUnits = await meterReference(bench, bodies);
    const ecsOpsUnits = await perRegime((regime) => {
      log(`pass 2 (capacity accounting): ecs-ops, ${regime}`);
      return meterEcsOps(bench, batches[regime], `metered-${regime}`);
    });

    log('measuring bundles');
    const bundles = measureBundles(root, log);

    const resync = await benchResync({ root, engine, admin, log });

    const reference = referenceSection(events, referenceTiming, referenceUnits, REFERENCE_CONCURRENCY);
    const ecsOps = await perRegime((regime) =>
      ecsOpsSection(
        events,
        REGIMES[regime],
        batches[regime].length,
        ecsOpsTiming[regime],
        ecsOpsUnits[regime],
        reference,
      ),
    );
    const result = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      machine: { cpus: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1) },
      stream: stream.stats,
      engine: { description: engine.description, conditionFailureReturnsItem: true },
      settings: {
        batchSize: settings.batchSize,
        batchingWindowSeconds: settings.batchingWindowSeconds,
        writeConcurrency: settings.writeConcurrency,
        concurrentBatches: CONCURRENT_BATCHES,
        inFlight: IN_FLIGHT,
        from: settings.source,
      },
      reference,
      ecsOps,
      bundles,
      resync,
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

/** Runs `run` for each regime, one after the other: timed runs must not overlap. */
async function perRegime<T>(run: (regime: Regime) => T | Promise<T>): Promise<Record<Regime, T>> {
  const results: Partial<Record<Regime, T>> = {};
  for (const regime of Object.keys(REGIMES) as Regime[]) results[regime] = await run(regime);
  return results as Record<Regime, T>;
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

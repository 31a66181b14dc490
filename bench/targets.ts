/** The goals ecs-ops' reconcile path is held to, checked against one benchmark run. */
import type { Regime } from './batching.js';
import type { BundleReport } from './bundles.js';

export interface Target {
  name: string;
  value: number | boolean;
  target: number | boolean;
  met: boolean;
}

interface RegimeResult {
  speedup: number;
  requestsPerEvent: number;
  writeUnitsPerEvent: number;
  correct: boolean;
}

export interface Measured {
  reference: { writeUnitsPerEvent: number };
  ecsOps: Record<Regime, RegimeResult>;
  bundles: BundleReport[];
  /** bench/resync.ts: one resync of a cluster, per run. */
  resync?: ResyncMeasured;
}

interface ResyncMeasured {
  cluster: { tasks: number };
  deployed: {
    callsPerSecond: number;
    lambdaTimeoutSeconds: number;
    pageMarginSeconds: number;
    budgetSeconds: number;
  };
  runs: Record<string, { projectedSecondsAtDeployedPace: number; correct: boolean }>;
}

/** Throughput is judged on the backlog: a trickle of live events never tests it. */
const THROUGHPUT_REGIME: Regime = 'backlog';
const MIN_SPEEDUP = 3;
const MAX_REQUESTS_PER_EVENT = 1;
/** 350 KB: what a Lambda bundle may weigh before cold starts and deploys suffer. */
const MAX_BUNDLE_BYTES = 358_400;
const MAX_COLD_INIT_MS = 100;

export function evaluateTargets({ reference, ecsOps, bundles, resync }: Measured): Target[] {
  const { speedup } = ecsOps[THROUGHPUT_REGIME];
  const targets: Target[] = [
    at(
      `${THROUGHPUT_REGIME}: ecs-ops events/s ÷ reference events/s ≥`,
      speedup,
      MIN_SPEEDUP,
      speedup >= MIN_SPEEDUP,
    ),
  ];
  for (const [regime, result] of Object.entries(ecsOps)) {
    const { requestsPerEvent, writeUnitsPerEvent } = result;
    targets.push(
      at(
        `${regime}: ecs-ops requests/event ≤`,
        requestsPerEvent,
        MAX_REQUESTS_PER_EVENT,
        requestsPerEvent <= MAX_REQUESTS_PER_EVENT,
      ),
      at(
        `${regime}: ecs-ops write units/event < reference write units/event`,
        writeUnitsPerEvent,
        reference.writeUnitsPerEvent,
        writeUnitsPerEvent < reference.writeUnitsPerEvent,
      ),
    );
  }
  for (const { function: name, bytes, coldInitMs } of bundles) {
    targets.push(at(`${name} bundle bytes ≤`, bytes, MAX_BUNDLE_BYTES, bytes <= MAX_BUNDLE_BYTES));
    targets.push(
      at(
        `${name} cold init median ms ≤`,
        coldInitMs.median,
        MAX_COLD_INIT_MS,
        coldInitMs.median <= MAX_COLD_INIT_MS,
      ),
    );
  }
  for (const [regime, { correct }] of Object.entries(ecsOps))
    targets.push(at(`${regime}: ecs-ops final state correct`, correct, true, correct));
  if (resync !== undefined) targets.push(...resyncTargets(resync));
  return targets;
}

/**
 * A cluster of `cluster.tasks` tasks is resynced within one invocation at the deployed pace: within the function's
 * timeout less the margin at which a run stops starting pages (a longer run goes on in a follow-up invocation).
 */
function resyncTargets({ cluster, deployed, runs }: ResyncMeasured): Target[] {
  const { callsPerSecond, lambdaTimeoutSeconds, pageMarginSeconds, budgetSeconds } = deployed;
  return Object.entries(runs).flatMap(([run, { projectedSecondsAtDeployedPace: seconds, correct }]) => [
    at(
      `resync ${run}: projected seconds for ${cluster.tasks} tasks at ${callsPerSecond} ECS calls/s ≤ ` +
        `(Lambda timeout ${lambdaTimeoutSeconds} s less the ${pageMarginSeconds} s page margin)`,
      seconds,
      budgetSeconds,
      seconds <= budgetSeconds,
    ),
    at(`resync ${run}: store equals the cluster`, correct, true, correct),
  ]);
}

const at = (name: string, value: number | boolean, target: number | boolean, met: boolean): Target => ({
  name,
  value,
  target,
  met,
});

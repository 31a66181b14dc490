/** The goals ecs-ops' reconcile path is held to, checked against one benchmark run. */
import type { BundleReport } from './bundles.js';

export interface Target {
  name: string;
  value: number | boolean;
  target: number | boolean;
  met: boolean;
}

export interface Measured {
  speedup: number;
  reference: { writeUnitsPerEvent: number };
  ecsOps: { requestsPerEvent: number; writeUnitsPerEvent: number; correct: boolean };
  bundles: BundleReport[];
}

const MIN_SPEEDUP = 3;
const MAX_REQUESTS_PER_EVENT = 1;
/** 350 KB: what a Lambda bundle may weigh before cold starts and deploys suffer. */
const MAX_BUNDLE_BYTES = 358_400;
const MAX_COLD_INIT_MS = 100;

export function evaluateTargets({ speedup, reference, ecsOps, bundles }: Measured): Target[] {
  const targets: Target[] = [
    at('ecs-ops events/s ÷ reference events/s ≥', speedup, MIN_SPEEDUP, speedup >= MIN_SPEEDUP),
    at(
      'ecs-ops requests/event ≤',
      ecsOps.requestsPerEvent,
      MAX_REQUESTS_PER_EVENT,
      ecsOps.requestsPerEvent <= MAX_REQUESTS_PER_EVENT,
    ),
    at(
      'ecs-ops write units/event < reference write units/event',
      ecsOps.writeUnitsPerEvent,
      reference.writeUnitsPerEvent,
      ecsOps.writeUnitsPerEvent < reference.writeUnitsPerEvent,
    ),
  ];
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
  targets.push(at('ecs-ops final state correct', ecsOps.correct, true, ecsOps.correct));
  return targets;
}

const at = (name: string, value: number | boolean, target: number | boolean, met: boolean): Target => ({
  name,
  value,
  target,
  met,
});

/** The JSON sections of one run of an algorithm: its timing and its capacity units, per event. */
import type { CapacityAccountant } from './accounting.js';
import { round } from './bundles.js';
import type { OutcomeCounts } from './ecs-ops.js';
import type { Timing } from './passes.js';
import type { EcsOpsVerdict } from './verify.js';

export function referenceSection(
  events: number,
  run: Timing & { lostUpdates: number },
  units: CapacityAccountant,
  concurrentInvocations: number,
) {
  return {
    ...common(events, run, units),
    lostUpdates: run.lostUpdates,
    concurrentInvocations,
    meanInFlight: run.meanInFlight,
    cpuSeconds: run.cpuSeconds,
    requestsByCommand: run.requestsByCommand,
    writeUnitsPerEventBy: breakdown(events, units.writeUnits),
  };
}

export function ecsOpsSection(
  events: number,
  description: string,
  batches: number,
  run: Timing & { outcomes: OutcomeCounts; verdict: EcsOpsVerdict },
  units: CapacityAccountant,
  reference: { eventsPerSecond: number; cpuSeconds: Timing['cpuSeconds'] },
) {
  const section = common(events, run, units);
  return {
    description,
    batches,
    meanRecords: round(events / batches, 1),
    ...section,
    speedup: round(section.eventsPerSecond / reference.eventsPerSecond, 2),
    /** Reference CPU ÷ ecs-ops CPU (bench + engine process): steadier than wall time on a shared machine. */
    cpuSpeedup: cpuRatio(reference.cpuSeconds, run.cpuSeconds),
    correct: run.verdict.correct,
    latestWrong: run.verdict.latestWrong,
    historyWrong: run.verdict.historyWrong,
    historyItems: run.verdict.historyItems,
    outcomes: run.outcomes,
    meanInFlight: run.meanInFlight,
    cpuSeconds: run.cpuSeconds,
    requestsByCommand: run.requestsByCommand,
    writeUnitsPerEventBy: breakdown(events, units.writeUnits),
  };
}

function common(events: number, run: Timing, units: CapacityAccountant) {
  return {
    seconds: round(run.seconds, 2),
    eventsPerSecond: round(events / run.seconds, 1),
    requestsPerEvent: round(run.requests / events, 3),
    writeUnitsPerEvent: round(units.totalWriteUnits() / events, 3),
    readUnitsPerEvent: round(units.readUnits / events, 3),
  };
}

const breakdown = (events: number, units: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(units)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, value]) => [label, round(value / events, 3)]),
  );

function cpuRatio(reference: Timing['cpuSeconds'], ecsOps: Timing['cpuSeconds']): number | null {
  if (reference.engine === null || ecsOps.engine === null) return null;
  return round((reference.bench + reference.engine) / (ecsOps.bench + ecsOps.engine), 2);
}

/** What a sandbox run is given and what it reports: shared by the run and its live view. */
import type { DrainConfig } from '../../lib/drain/config.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import type { ScalingConfig } from '../../lib/scaling/config.js';
import type { LocalEventBus } from '../eventbridge/bus.js';
import type { AlertsReport } from './alert-latency.js';
import type { DrainsReport } from './drain-latency.js';
import type { GroundTruthCheck } from './ground-truth.js';
import type { ScalingSummary } from './scaling-latency.js';

export interface SandboxOptions {
  /** The ecs-ops package: serverless.yml and the built bundles in dist/. */
  root: string;
  /** The local store folder (.ecs-ops): logs and the mailbox go beside the engine's data. */
  dir: string;
  configFile: string;
  /** The clusters to simulate: services run on the first, jobs on the second (or the first). */
  clusters: readonly string[];
  dynamoDbEndpoint: string;
  store: Pick<StateStore, 'getLatest' | 'tableName' | 'client'>;
  /** ops.config.yml's drain section: the simulated Auto Scaling group gets the hook the stack would create. */
  drain: DrainConfig;
  /** ops.config.yml's scaling policies: the sandbox creates the queues they read. */
  scaling: ScalingConfig;
  /**
   * How long to run at `speed`: `durationMs × speed` of simulated time, which a busy machine stretches on the
   * wall clock (time stands still while the sandbox works); default: the script's length.
   */
  durationMs?: number;
  /** Simulated milliseconds per wall-clock millisecond while the sandbox waits. */
  speed: number;
  /** Probability that an event is delivered twice; above 0, delivery is also reordered. */
  chaos: number;
  /**
   * Probability that an ECS state-change event is lost before any rule sees it (Chaos.loss of the bus): the store
   * then misses it until resync heals it. Default 0 (nothing lost).
   */
  loss?: number;
  seed: number;
  /**
   * `--break <function>`: the function throws on every invocation from BREAK_FROM_MS to BREAK_TO_MS of the story
   * (its errors alarm fires, then clears); the run lasts until the OK can arrive.
   */
  breakFunction?: string;
  out: (line: string) => void;
  signal?: AbortSignal;
}

export interface SandboxReport {
  simulatedSeconds: number;
  interrupted: boolean;
  bus: ReturnType<LocalEventBus['counters']>;
  reconciled: Record<string, number>;
  /** Invocations per function, whether a route or a schedule invoked it. */
  invocations: Record<string, number>;
  requests: Record<string, number>;
  mailbox: number;
  /** What reached the mailbox during the run, and how long after the ECS event it is about. */
  alerts: AlertsReport;
  /** Each drain: how long after its last task stopped the instance was released, and its API calls. */
  drains: DrainsReport;
  /** The scaled services' desired counts over the run, how fast the first change followed the metric. */
  scaling: ScalingSummary;
  /** Invocations of scheduled functions (`schedule` events) during the run. */
  scheduled: number;
  /** What resync corrected over the run: the deploy's backfill, scheduled runs and the closing run. */
  resync: ResyncSummary;
  groundTruth: GroundTruthCheck;
  /** Self-monitoring: the stack's alarms, evaluated locally each period, and those that fired and cleared. */
  alarms: AlarmsSummary;
  /** The local store folder: the engine's data, `logs/` per function, `mailbox/`. */
  store: string;
}

export interface ResyncSummary {
  runs: number;
  added: number;
  advanced: number;
  markedMissing: number;
  /** Stops nobody had heard of, published for alerting and job runs. */
  lateStops: number;
  /** Corrections that failed or API states refused as invalid. */
  failed: number;
}

/** The span of the story (ms after the start) during which `--break`'s function throws. */
export const BREAK_FROM_MS = 20_000;
export const BREAK_TO_MS = 50_000;

export interface AlarmsSummary {
  /** How many alarms the stack declares (each evaluated every period). */
  evaluated: number;
  /** Each time an alarm fired: its severity (the description's first word), and when (simulated s after the start). */
  fired: { alarm: string; severity: string | null; firedAt: number; clearedAt: number | null }[];
  /** How many alarms end the run in each state. */
  states: { OK: number; ALARM: number; INSUFFICIENT_DATA: number };
}

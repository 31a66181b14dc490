/**
 * What a resync is asked, works with and reports: shared by the run (resync.ts), each cluster's part of it
 * (cluster-run.ts), the function, the CLI and the sandbox.
 */
import type { Journal } from '../platform/journal.js';
import type { Retention } from '../platform/store/items.js';
import type { StateStore } from '../platform/store/state-store.js';
import type { Correction } from './drift.js';
import type { EcsReader } from './ecs-api.js';
import type { LateStopPublisher } from './late-stops.js';
import type { WatchingSince } from './watching.js';

export const RESYNC_JOURNAL_KIND = 'resync';

/** The phases of one cluster, in order. */
export const PHASES = ['running-tasks', 'stopped-tasks', 'container-instances', 'stored-live'] as const;
export type Phase = (typeof PHASES)[number];

/** Where a run that ran out of time goes on. */
export interface ResyncCursor {
  runId: string;
  /** The clusters still to do; the first is the one in progress. */
  clusters: string[];
  phase: Phase;
  nextToken?: string;
}

export type ResyncTrigger = 'schedule' | 'deploy' | 'cli' | 'continuation';

export interface ResyncRequest {
  trigger: ResyncTrigger;
  /** Only these clusters (the watched ones when absent). */
  clusters?: readonly string[];
  dryRun?: boolean;
  cursor?: ResyncCursor;
  /** Milliseconds this invocation has left (a Lambda's remaining time); unbounded when absent. */
  remainingMs?: () => number;
}

/** One correction as reports and the journal show it. */
export interface CorrectionLine {
  action: Correction['action'];
  arn: string;
  kind: 'task' | 'instance';
  /** The stored version before (none for an addition). */
  from?: number;
  version: number;
  status: string;
  /** Set for a correction that did not land: why. */
  refused?: string;
}

export interface ClusterReport {
  cluster: string;
  runId: string;
  dryRun: boolean;
  added: number;
  advanced: number;
  markedMissing: number;
  inSync: number;
  /** An event newer than the API's answer was already stored (or arrived while resync wrote). */
  storeNewer: number;
  /** API states the event rules refuse (with the reason), and writes that failed: the next run tries again. */
  invalid: { arn: string; field: string; reason: string }[];
  failed: number;
  /** Items stored before today's index keys that this run gave them (a deploy's run only). */
  reindexed: number;
  /** Stops published late for alerting and job runs. */
  lateStops: number;
  apiCalls: Record<string, number>;
  seconds: number;
  /** False when the run ran out of time within this cluster: the follow-up goes on. */
  complete: boolean;
  corrections: CorrectionLine[];
}

/** A cluster's report before its run has done anything. */
export const emptyReport = (cluster: string, runId: string, dryRun: boolean): ClusterReport => ({
  cluster,
  runId,
  dryRun,
  added: 0,
  advanced: 0,
  markedMissing: 0,
  inSync: 0,
  storeNewer: 0,
  invalid: [],
  failed: 0,
  reindexed: 0,
  lateStops: 0,
  apiCalls: {},
  seconds: 0,
  complete: true,
  corrections: [],
});

export interface ResyncResult {
  runId: string;
  reports: ClusterReport[];
  /** Set when time ran out: continue with it. */
  cursor?: ResyncCursor;
}

export interface ResyncDependencies {
  /** A fresh reader per run, so calls are counted per run. */
  ecsApi: () => EcsReader;
  store: Pick<StateStore, 'currentStates' | 'liveKeys' | 'putLatest' | 'putHistoryIfAbsent' | 'markMissing'>;
  journal: Pick<Journal, 'append'>;
  lateStops: LateStopPublisher;
  watching: Pick<WatchingSince, 'start' | 'read'>;
  /**
   * Gives a cluster's items stored before the current index keys theirs (lib/platform/store/reindex.ts): what
   * the deploy's run does first, so a new or reshaped index lists what was stored before it.
   */
  reindex: (cluster: string) => Promise<{ rewritten: number }>;
  /** ops.config.yml's clusters; every cluster of the account when absent. */
  clusters?: readonly string[];
  retention: Retention;
  writeConcurrency: number;
  now?: () => Date;
}

/** Time kept back when deciding whether to start another page: one page takes seconds, not this. */
export const PAGE_MARGIN_MS = 30_000;
/** Corrections listed per cluster in a journal entry (the counts are always whole). */
export const JOURNALED_CORRECTIONS = 200;

/**
 * What a resync corrects, as pure decisions: the states ECS's API reports compared with the latest versions the
 * store holds, under the one version rule (lib/platform/version-rule.ts). The API's `version` is the event's
 * `version`, so a snapshot can only add what the store lacks or advance what it holds at a lower version;
 * a newer stored version (an event that arrived after the snapshot was read) always wins. Resync never deletes
 * and never resurrects: a live resource ECS no longer knows is only marked missing.
 */
import type { CurrentState } from '../platform/store/state-store.js';
import { kindOfKey } from '../platform/store/table.js';
import { judgeVersion } from '../platform/version-rule.js';

/** One task or container instance as the ECS API reports it, normalised to an event's detail. */
export interface ObservedState {
  /** The store's key: `task/<id>` or `container-instance/<id>`. */
  key: string;
  arn: string;
  kind: 'task' | 'instance';
  version: number;
  /** `lastStatus` of a task, `status` of a container instance. */
  status: string;
  detail: Record<string, unknown>;
}

export type Correction =
  /** Nothing was stored (the day-one backfill, or every event of the resource was lost). */
  | { action: 'add'; observed: ObservedState }
  /** The store held an older version: the events in between were lost. */
  | { action: 'advance'; observed: ObservedState; from: number; fromLive: boolean }
  /** The store holds it live, ECS answers MISSING: it stopped (or deregistered) and aged out unseen. */
  | { action: 'mark-missing'; key: string; kind: 'task' | 'instance'; state: CurrentState };

export interface Drift {
  corrections: Correction[];
  /** Observed at the version the store holds. */
  inSync: number;
  /** The store holds a newer version than the snapshot: an event arrived since the API was read. */
  storeNewer: number;
}

/** Compares observed states with the store's current ones (keyed like `ObservedState.key`). */
export function driftOf(
  observed: readonly ObservedState[],
  current: ReadonlyMap<string, CurrentState>,
): Drift {
  const drift: Drift = { corrections: [], inSync: 0, storeNewer: 0 };
  for (const state of observed) {
    const stored = current.get(state.key);
    const verdict = judgeVersion(state.version, stored?.version);
    if (verdict === 'duplicate') drift.inSync++;
    else if (verdict === 'stale') drift.storeNewer++;
    else if (stored === undefined) drift.corrections.push({ action: 'add', observed: state });
    else
      drift.corrections.push({
        action: 'advance',
        observed: state,
        from: stored.version,
        fromLive: stored.live,
      });
  }
  return drift;
}

/** The live resources among `missingKeys` (ECS answered MISSING): those the store still holds as running. */
export function missingCorrections(
  missingKeys: readonly string[],
  current: ReadonlyMap<string, CurrentState>,
): Correction[] {
  const corrections: Correction[] = [];
  for (const key of new Set(missingKeys)) {
    const state = current.get(key);
    if (state === undefined || !state.live) continue;
    corrections.push({ action: 'mark-missing', key, kind: kindOfKey(key), state });
  }
  return corrections;
}

/**
 * The corrections that are incidents nobody was told of: a task found STOPPED that the store held running (or
 * never held), stopped since ecs-ops started watching (`watchingSince`: the first resync; stops from before
 * the deployment are history, not pages). Alerting and the job runs decide what each one means, once.
 */
export function lateStops(corrections: readonly Correction[], watchingSince: string): ObservedState[] {
  const since = Date.parse(watchingSince);
  return corrections.flatMap((correction) => {
    if (correction.action === 'mark-missing') return [];
    const { observed } = correction;
    if (observed.kind !== 'task' || observed.status !== 'STOPPED') return [];
    if (correction.action === 'advance' && !correction.fromLive) return [];
    const stoppedAt = Date.parse(
      String(observed.detail.stoppedAt ?? observed.detail.executionStoppedAt ?? ''),
    );
    return Number.isNaN(stoppedAt) || stoppedAt < since ? [] : [observed];
  });
}

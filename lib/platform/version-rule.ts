/**
 * The ordering rule for ECS events, as pure functions.
 *
 * ECS delivers events at least once and in no particular order; `detail.version` increases with every change
 * of a resource, so a higher version is newer and an equal version is a duplicate.
 */

/** What an incoming version means for the latest stored version of the same resource. */
export type VersionVerdict = 'accepted' | 'duplicate' | 'stale';

/** `stored` is undefined when nothing is stored for the resource yet. */
export function judgeVersion(incoming: number, stored: number | undefined): VersionVerdict {
  if (stored === undefined || incoming > stored) return 'accepted';
  return incoming === stored ? 'duplicate' : 'stale';
}

export interface Versioned {
  arn: string;
  version: number;
}

/** A batch reduced to the writes it needs: one latest-state candidate and the distinct versions per resource. */
export interface CoalescedBatch<T extends Versioned> {
  /** Per resource, the first item carrying its highest version: the only candidate for the latest state. */
  newest: T[];
  /** Per resource, one item for each distinct version (history is idempotent on (arn, version)). */
  distinct: T[];
  /** Items that lost within the batch, with the reason relative to the newest item of their resource. */
  superseded: { item: T; verdict: 'duplicate' | 'stale' }[];
}

/**
 * Coalesces the events of one batch so that each resource costs one conditional write, whatever the batch's
 * duplication and order. Input order is kept among the outputs, so results are deterministic.
 */
export function coalesce<T extends Versioned>(items: readonly T[]): CoalescedBatch<T> {
  const newestByArn = new Map<string, T>();
  const distinctKeys = new Set<string>();
  const distinct: T[] = [];
  for (const item of items) {
    const newest = newestByArn.get(item.arn);
    if (newest === undefined || item.version > newest.version) newestByArn.set(item.arn, item);
    const key = `${item.arn}\u0000${item.version}`;
    if (!distinctKeys.has(key)) {
      distinctKeys.add(key);
      distinct.push(item);
    }
  }
  const newest = [...newestByArn.values()];
  const winners = new Set<T>(newest);
  const superseded: CoalescedBatch<T>['superseded'] = [];
  for (const item of items) {
    if (winners.has(item)) continue;
    const winner = newestByArn.get(item.arn) as T;
    superseded.push({ item, verdict: item.version === winner.version ? 'duplicate' : 'stale' });
  }
  return { newest, distinct, superseded };
}

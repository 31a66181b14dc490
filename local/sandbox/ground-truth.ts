/**
 * Does the reconciled store hold exactly what the simulated cluster last said about every task and container
 * instance? The simulator's snapshot is the ground truth; any difference is named.
 */
import { isDeepStrictEqual } from 'node:util';
import type { StateOrigin } from '../../lib/platform/events/statuses.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import { EVENT_ONLY_FIELDS } from '../../lib/resync/normalise.js';
import type { SimSnapshot } from '../ecs/index.js';

export interface GroundTruthCheck {
  tasks: number;
  instances: number;
  /** One line per resource whose stored state differs from the simulator's. */
  mismatches: string[];
}

/** The detail the store should hold: the event's, less what the API never says when resync read it. */
function expectedDetail(detail: Record<string, unknown>, source: StateOrigin): Record<string, unknown> {
  const expected = JSON.parse(JSON.stringify(detail)) as Record<string, unknown>;
  if (source === 'resync') for (const field of EVENT_ONLY_FIELDS) delete expected[field];
  return expected;
}

export async function compareWithStore(
  snapshot: SimSnapshot,
  store: Pick<StateStore, 'getLatest'>,
): Promise<GroundTruthCheck> {
  const resources = [
    ...snapshot.tasks.map((detail) => ({ arn: String(detail.taskArn), detail })),
    ...snapshot.containerInstances.map((detail) => ({ arn: String(detail.containerInstanceArn), detail })),
  ];
  const mismatches: string[] = [];
  for (const { arn, detail } of resources) {
    const stored = await store.getLatest(arn);
    if (stored === undefined)
      mismatches.push(`${arn}: not in the store (simulator at version ${detail.version})`);
    else if (stored.version !== detail.version)
      mismatches.push(`${arn}: store at version ${stored.version}, simulator at ${detail.version}`);
    // As EventBridge carries it: JSON, so fields the simulator leaves undefined are absent.
    else if (!isDeepStrictEqual(stored.detail, expectedDetail(detail, stored.source)))
      mismatches.push(
        `${arn}: version ${stored.version} stored with a different detail (from ${stored.source})`,
      );
  }
  return { tasks: snapshot.tasks.length, instances: snapshot.containerInstances.length, mismatches };
}

/**
 * A service's recent scaling activities in the state table, one item per ECS service (not per policy):
 * resource = `scaling#<cluster>/<service>`, entry = `activities`. Cooldown is a property of the service — a
 * scale-out by one ecs-ops policy holds back the service's scale-in policy (cooldown.ts) — and the claim that
 * keeps two evaluations from both changing the desired count must cover every policy on the service, so the
 * item is the service's.
 *
 * The item keeps the last ACTIVITIES_KEPT activities (more than any cooldown chain needs) and a `revision`.
 * A change is claimed before UpdateService by writing its activity conditionally on the revision that was read:
 * of two concurrent evaluations exactly one write succeeds, and only that one calls UpdateService. No TTL:
 * one small item per scaled service.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../platform/errors.js';
import type { Item } from '../platform/store/items.js';
import { KEY } from '../platform/store/table.js';
import { putAtRevision } from '../platform/store/table-io.js';
import type { ScalingActivity } from './cooldown.js';

export const SCALING_PARTITION_PREFIX = 'scaling#';
const SCALING_ENTRY = 'activities';
export const ACTIVITIES_KEPT = 10;

export const scalingPartition = (cluster: string, service: string) =>
  `${SCALING_PARTITION_PREFIX}${cluster}/${service}`;

/** An activity as recorded: which policy made it. */
export interface RecordedActivity extends ScalingActivity {
  policy: string;
}

export interface StoredActivities {
  /** Oldest first, as they were made. */
  activities: RecordedActivity[];
  /** The item's revision, to pass back to `claim`/`release`; undefined when the service has none yet. */
  revision: number | undefined;
}

/** Another evaluation changed the service's activities since they were read: it, not this one, scales now. */
export class ScalingClaimLostError extends ConflictError {
  override name = 'ScalingClaimLostError';

  constructor(readonly subject: string) {
    super(`another evaluation changed the scaling activities of ${subject} first`);
  }
}

export interface ScalingStoreOptions {
  tableName: string;
  client: Pick<DynamoDBClient, 'send'>;
}

interface StoredShape {
  revision: number;
  activities: { at: string; from: number; to: number; cooldownSeconds: number; policy: string }[];
}

export class ScalingStore {
  constructor(private readonly options: ScalingStoreOptions) {}

  private key(cluster: string, service: string) {
    return {
      [KEY.partition]: { S: scalingPartition(cluster, service) },
      [KEY.sort]: { S: SCALING_ENTRY },
    };
  }

  async get(cluster: string, service: string): Promise<StoredActivities> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(cluster, service),
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return { activities: [], revision: undefined };
    const stored = unmarshall(Item) as StoredShape;
    return {
      revision: Number(stored.revision),
      activities: (stored.activities ?? []).map((activity) => ({ ...activity, at: new Date(activity.at) })),
    };
  }

  /**
   * Claims a change: appends `activity` (keeping the last ACTIVITIES_KEPT) if the item is still at `read`'s
   * revision. Throws ScalingClaimLostError when another evaluation wrote first.
   */
  async claim(
    cluster: string,
    service: string,
    read: StoredActivities,
    activity: RecordedActivity,
  ): Promise<StoredActivities> {
    return this.write(cluster, service, read, [...read.activities, activity].slice(-ACTIVITIES_KEPT));
  }

  /**
   * Gives a claim back when UpdateService failed, so a change that never happened starts no cooldown: restores
   * the activities as they were `before` the claim, if the item is still at `claimed`'s revision (else someone
   * has moved on; leave it).
   */
  async release(
    cluster: string,
    service: string,
    claimed: StoredActivities,
    before: StoredActivities,
  ): Promise<void> {
    await this.write(cluster, service, claimed, before.activities);
  }

  private async write(
    cluster: string,
    service: string,
    read: StoredActivities,
    activities: RecordedActivity[],
  ): Promise<StoredActivities> {
    const expected = read.revision;
    const item: Item = {
      ...this.key(cluster, service),
      activities: {
        L: activities.map((activity) => ({
          M: marshall({ ...activity, at: activity.at.toISOString() }),
        })),
      },
    };
    if (!(await putAtRevision(this.options.client, this.options.tableName, item, expected))) {
      throw new ScalingClaimLostError(`${cluster}/${service}`);
    }
    const revision = (expected ?? 0) + 1;
    return { activities, revision };
  }
}

/**
 * The state table: the one definition both the deployed stack (serverless.yml, through deploy/stack.ts) and the
 * local engines create. Change it here only.
 *
 * One item collection per ECS resource, keyed by its type and id ("task/<id>", "container-instance/<id>"):
 *   entry = "latest"          the newest version ever received (conditional write on `version`)
 *   entry = "v#<version>"     one item per distinct version received: the resource's timeline
 * Only "latest" items carry index keys, so the indexes are sparse and hold current state only (byShortId sorts by
 * the table's own `resource`, which every item has, but only latest items carry its partition key).
 * The indexes are KEYS_ONLY and their keys change rarely: DynamoDB writes an index only when its key changes
 * (a changed key costs two index writes), not on every new version. Readers fetch listed items with BatchGetItem.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { INSTANCE_STATUSES } from '../events/statuses.js';

export const KEY = { partition: 'resource', sort: 'entry' } as const;
export const LATEST_ENTRY = 'latest';
export const HISTORY_ENTRY_PREFIX = 'v#';
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * Index name → its partition and sort key attributes.
 * - byStatus:  tasks: "<cluster>|task|live|<shard>" (every status before STOPPED, by createdAt) or
 *   "<cluster>|task|STOPPED|<shard>" (by stoppedAt): one move per task lifetime instead of one per status;
 *   readers filter `live` by the exact status. Container instances: "<cluster>|instance|<status>|0" by
 *   registeredAt (their status changes rarely; a status ECS adds later goes under `other`). A busy cluster's
 *   tasks spread over TASK_STATUS_SHARDS partitions.
 * - byGroup:   "<cluster>|<group>" (live tasks, by createdAt) or "<cluster>|<group>|STOPPED" (by stoppedAt), e.g.
 *   prod|service:web|STOPPED: the same two buckets as byStatus, so "which of the group's tasks stopped between
 *   A and B" is one Query on the stop time, not a read of every task created since. It costs one index move per
 *   task lifetime: a delete and a put on byGroup when the task stops (or resync marks it missing), 2 write units
 *   per task where the key never changed before (npm run bench: byGroup 0.29–0.35 write units per event, as
 *   byStatus, up from ~0.12). The live bucket keeps the key it always had, so live tasks written
 *   before the bucket existed are still counted (a steady running task gets no new version to rewrite it).
 * - byHost:    tasks under their container instance's key ("container-instance/<id>"); container instances
 *   under "ec2/<instance id>".
 * - byShortId: "task|<first 8 characters of the id>" or "container-instance|<…>", sorted by the table key
 *   ("task/<full id>"): the 8-character ids people copy from tables resolve with one Query, a longer prefix
 *   with begins_with on the sort key. Its key never changes, so it costs one index put per resource, none on
 *   later versions (npm run bench: 0.12 write units per event).
 * Deploying a change here: CloudFormation creates or deletes one GSI per stack update, so a deployed table gains
 * byShortId in one update (a second new index needs an update of its own). Index keys are written with the
 * latest item: one written before a change of keys keeps its old keys until its next version (a stopped task
 * has none), so run reindexLatest (reindex.ts) once per cluster after such a change.
 */
export const INDEX = {
  byStatus: { partition: 'statusKey', sort: 'statusTime' },
  byGroup: { partition: 'groupKey', sort: 'groupTime' },
  byHost: { partition: 'hostKey', sort: 'hostTime' },
  byShortId: { partition: 'shortIdKey', sort: KEY.partition },
} as const;
export type IndexName = keyof typeof INDEX;

/** Changing this needs every latest task item rewritten: readers query every shard. */
export const TASK_STATUS_SHARDS = 4;
export const LIVE_TASKS = 'live';
export const STOPPED_TASKS = 'STOPPED';
/** How many characters of an id byShortId partitions by: what the CLI's tables show, and the least it looks up. */
export const SHORT_ID_LENGTH = 8;

// Resources are keyed `task/<id>` or `container-instance/<id>` (arn.ts resourceKey, either ARN format), and index
// keys name clusters by name, not ARN: ids are unique in an account and region, which one stack serves.
/** The kind of resource a key (`task/<id>`, `container-instance/<id>`) names. */
export const kindOfKey = (key: string): 'task' | 'instance' =>
  key.startsWith('task/') ? 'task' : 'instance';
/** The type in a resource key (`task/<id>` → task), as byShortId names it. */
export const RESOURCE_TYPES = ['task', 'container-instance'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const taskStatusBucket = (lastStatus: string) =>
  lastStatus === STOPPED_TASKS ? STOPPED_TASKS : LIVE_TASKS;
/** Container instances are listed per status; one ECS adds later goes to `other`, which every list also reads. */
export const OTHER_INSTANCE_STATUSES = 'other';
export const instanceStatusBucket = (status: string) =>
  (INSTANCE_STATUSES as readonly string[]).includes(status) ? status : OTHER_INSTANCE_STATUSES;
/** The bucket a resource that ECS no longer knows is moved to: it is over (resync marks it missing). */
export const FINAL_BUCKET = { task: STOPPED_TASKS, instance: 'INACTIVE' } as const;
export const statusKey = (cluster: string, kind: 'task' | 'instance', bucket: string, shard: number) =>
  `${cluster}|${kind}|${bucket}|${shard}`;
/** A group's bucket of tasks, `live` or `STOPPED` (taskStatusBucket); the live one has no suffix. */
export const groupKey = (cluster: string, group: string, bucket: string) =>
  bucket === STOPPED_TASKS ? `${cluster}|${group}|${STOPPED_TASKS}` : `${cluster}|${group}`;
/** A group's STOPPED bucket from the key of its live one (`<cluster>|<group>`); a STOPPED one stays. */
export const stoppedGroupKey = (current: string) =>
  current.endsWith(`|${STOPPED_TASKS}`) ? current : `${current}|${STOPPED_TASKS}`;
/** The byStatus partitions of a cluster's tasks in one bucket (`live` or `STOPPED`): one per shard. */
export const taskStatusKeys = (cluster: string, bucket: string) =>
  Array.from({ length: TASK_STATUS_SHARDS }, (_, shard) => statusKey(cluster, 'task', bucket, shard));
/** The table key of a resource's latest item. */
export const latestKey = (key: string) => ({ [KEY.partition]: { S: key }, [KEY.sort]: { S: LATEST_ENTRY } });
export const ec2HostKey = (ec2InstanceId: string) => `ec2/${ec2InstanceId}`;
/** The byShortId partition of an id, or of any prefix of one at least SHORT_ID_LENGTH long. */
export const shortIdKey = (type: ResourceType, idOrPrefix: string) =>
  `${type}|${idOrPrefix.slice(0, SHORT_ID_LENGTH)}`;
/** DynamoDB's limit on an index sort key, in bytes (the table's partition key takes 2048). */
const MAX_INDEX_SORT_KEY_BYTES = 1024;
/**
 * The byShortId partition of a latest item's resource key (`task/<id>`), or undefined when the key is too long
 * to sort an index by (ECS ids are 32–36 characters; such an id is found by its whole id only).
 */
export function shortIdKeyOf(key: string): string | undefined {
  if (key.length * 3 > MAX_INDEX_SORT_KEY_BYTES && Buffer.byteLength(key) > MAX_INDEX_SORT_KEY_BYTES)
    return undefined;
  const slash = key.indexOf('/');
  const type = key.slice(0, slash);
  if (!(RESOURCE_TYPES as readonly string[]).includes(type)) return undefined;
  return shortIdKey(type as ResourceType, key.slice(slash + 1));
}

/** The deployed table's name for a stage (serverless --stage). */
export const stateTableName = (stage: string) => `ecs-ops-${stage}-state`;

/** The stage a state table belongs to (`ecs-ops-prod-state` → `prod`); undefined for another table. */
export const stageOfTable = (tableName: string): string | undefined =>
  /^ecs-ops-(.+)-state$/.exec(tableName)?.[1];

export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  const indexes = Object.entries(INDEX);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    // byShortId sorts by the table's own partition key: each attribute is defined once.
    AttributeDefinitions: [
      ...new Set<string>([KEY.partition, KEY.sort, ...indexes.flatMap(([, k]) => [k.partition, k.sort])]),
    ].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: KEY.partition, KeyType: 'HASH' },
      { AttributeName: KEY.sort, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map(([IndexName, k]) => ({
      IndexName,
      KeySchema: [
        { AttributeName: k.partition, KeyType: 'HASH' },
        { AttributeName: k.sort, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    })),
  };
}

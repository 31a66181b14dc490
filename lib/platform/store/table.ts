/**
 * The state table: the one definition both the deployed stack (serverless.yml, through deploy/stack.ts) and the
 * local engines create. Change it here only.
 *
 * One item collection per ECS resource, keyed by its type and id ("task/<id>", "container-instance/<id>"):
 *   entry = "latest"          the newest version ever received (conditional write on `version`)
 *   entry = "v#<version>"     one item per distinct version received: the resource's timeline
 * Only "latest" items carry index keys, so the indexes are sparse and hold current state only.
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
 *   registeredAt (their status changes rarely; a status ECS adds later goes under `other`). A busy cluster's tasks spread over TASK_STATUS_SHARDS partitions.
 * - byGroup:   "<cluster>|<group>" (e.g. prod|service:web), by createdAt.
 * - byHost:    tasks under their container instance's key ("container-instance/<id>"); container instances
 *   under "ec2/<instance id>".
 */
export const INDEX = {
  byStatus: { partition: 'statusKey', sort: 'statusTime' },
  byGroup: { partition: 'groupKey', sort: 'groupTime' },
  byHost: { partition: 'hostKey', sort: 'hostTime' },
} as const;
export type IndexName = keyof typeof INDEX;

/** Changing this needs every latest task item rewritten: readers query every shard. */
export const TASK_STATUS_SHARDS = 4;
export const LIVE_TASKS = 'live';

// Resources are keyed `task/<id>` or `container-instance/<id>` (arn.ts resourceKey, either ARN format), and index
// keys name clusters by name, not ARN: ids are unique in an account and region, which one stack serves.
/** The kind of resource a key (`task/<id>`, `container-instance/<id>`) names. */
export const kindOfKey = (key: string): 'task' | 'instance' =>
  key.startsWith('task/') ? 'task' : 'instance';
export const taskStatusBucket = (lastStatus: string) => (lastStatus === 'STOPPED' ? 'STOPPED' : LIVE_TASKS);
/** Container instances are listed per status; one ECS adds later goes to `other`, which every list also reads. */
export const OTHER_INSTANCE_STATUSES = 'other';
export const instanceStatusBucket = (status: string) =>
  (INSTANCE_STATUSES as readonly string[]).includes(status) ? status : OTHER_INSTANCE_STATUSES;
/** The bucket a resource that ECS no longer knows is moved to: it is over (resync marks it missing). */
export const FINAL_BUCKET = { task: 'STOPPED', instance: 'INACTIVE' } as const;
export const statusKey = (cluster: string, kind: 'task' | 'instance', bucket: string, shard: number) =>
  `${cluster}|${kind}|${bucket}|${shard}`;
export const groupKey = (cluster: string, group: string) => `${cluster}|${group}`;
export const ec2HostKey = (ec2InstanceId: string) => `ec2/${ec2InstanceId}`;

/** The deployed table's name for a stage (serverless --stage). */
export const stateTableName = (stage: string) => `ecs-ops-${stage}-state`;

export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  const indexes = Object.entries(INDEX);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [KEY.partition, KEY.sort, ...indexes.flatMap(([, k]) => [k.partition, k.sort])].map(
      (AttributeName) => ({ AttributeName, AttributeType: 'S' }),
    ),
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

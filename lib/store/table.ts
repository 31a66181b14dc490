/**
 * The state table: the one definition both the deployed stack (serverless.yml, through deploy/stack.ts) and the
 * local engines create. Change it here only.
 *
 * One item collection per ECS resource, keyed by its ARN:
 *   entry = "latest"          the newest version ever received (conditional write on `version`)
 *   entry = "v#<version>"     one item per distinct version received: the resource's timeline
 * Only "latest" items carry index keys, so the indexes are sparse and hold current state only.
 * The indexes are KEYS_ONLY: an index is written only when its key changes, not on every new version; readers
 * fetch the items they list with BatchGetItem.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const KEY = { partition: 'arn', sort: 'entry' } as const;
export const LATEST_ENTRY = 'latest';
export const HISTORY_ENTRY_PREFIX = 'v#';
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * Index name → its partition and sort key attributes.
 * - byStatus:  "<cluster>|task|<lastStatus>|<shard>" or "<cluster>|instance|<status>|0", by the time the
 *   resource entered that status. Busy clusters' tasks are spread over TASK_STATUS_SHARDS partitions.
 * - byGroup:   "<cluster>|<group>" (e.g. prod|service:web), by createdAt.
 * - byHost:    tasks under their container instance ARN; container instances under "ec2|<instance id>".
 * - byId:      the last part of the ARN (a task or container instance id), for people who type ids.
 */
export const INDEX = {
  byStatus: { partition: 'statusKey', sort: 'statusTime' },
  byGroup: { partition: 'groupKey', sort: 'groupTime' },
  byHost: { partition: 'hostKey', sort: 'hostTime' },
  byId: { partition: 'resourceId', sort: undefined },
} as const;
export type IndexName = keyof typeof INDEX;

/** Changing this needs every latest task item rewritten: readers query every shard. */
export const TASK_STATUS_SHARDS = 4;

/**
 * Index keys name clusters by name, not ARN: people type names, and one stack serves one account and region.
 */
export const clusterName = (clusterArn: string) => clusterArn.slice(clusterArn.lastIndexOf('/') + 1);
export const statusKey = (cluster: string, kind: 'task' | 'instance', status: string, shard: number) =>
  `${cluster}|${kind}|${status}|${shard}`;
export const groupKey = (cluster: string, group: string) => `${cluster}|${group}`;
export const ec2HostKey = (ec2InstanceId: string) => `ec2|${ec2InstanceId}`;

/** The deployed table's name for a stage (serverless --stage). */
export const stateTableName = (stage: string) => `ecs-ops-${stage}-state`;

export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  const indexes = Object.entries(INDEX);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [KEY.partition, KEY.sort, ...indexes.flatMap(([, k]) => [k.partition, k.sort])]
      .filter((name) => name !== undefined)
      .map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: KEY.partition, KeyType: 'HASH' },
      { AttributeName: KEY.sort, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map(([IndexName, k]) => ({
      IndexName,
      KeySchema: [
        { AttributeName: k.partition, KeyType: 'HASH' as const },
        ...(k.sort === undefined ? [] : [{ AttributeName: k.sort, KeyType: 'RANGE' as const }]),
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    })),
  };
}

/**
 * Resync: every `resync.intervalMinutes` (and once after each deploy, deploy/serverless-plugin.cjs), resync
 * compares the state table with the ECS API per watched cluster and corrects it; the stops nobody was told of
 * go back on the default bus as `ecs-ops.resync` events for the alert and job-runs rules.
 */
import type { OpsConfig } from '../lib/ops-config.js';
import { TASK_STATE_CHANGE } from '../lib/platform/events/ecs-event.js';
import { RESYNC_SOURCE } from '../lib/platform/events/statuses.js';
import { capabilityResources } from './capability.js';
import { stateTable, stateTableIndexes } from './roles.js';
import { allow, arn, functionName, type Stack, watchedClustersVariable } from './template.js';

/**
 * The `events` of the resync function: one EventBridge rule at `rate(N minutes)` (`rate(1 minute)` for 1, as
 * EventBridge requires the singular), or none when resync.intervalMinutes is 0 (the run after each deploy
 * still happens).
 */
export function resyncSchedules(config: OpsConfig): { schedule: string }[] {
  const minutes = config.resync.intervalMinutes;
  if (minutes === 0) return [];
  return [{ schedule: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})` }];
}

/** The cluster ARNs of the watched clusters, or every cluster of the stack's account and region. */
const clusterArns = (config: OpsConfig) =>
  config.clusters === undefined
    ? [arn('ecs', 'cluster/*')]
    : config.clusters.map((cluster) => arn('ecs', `cluster/${cluster}`));

/** ECS resources of the watched clusters (every cluster when none are listed). */
const perWatchedCluster = (config: OpsConfig, resource: (cluster: string) => string) =>
  (config.clusters ?? ['*']).map((cluster) => arn('ecs', resource(cluster)));

/**
 * What resync may ask ECS, read-only and only about the watched clusters (the Service Authorization
 * Reference's resource types for each action):
 * - ListTasks authorizes against a container instance (`container-instance*`), and against `*` when it lists
 *   a whole cluster as resync does; its `ecs:cluster` condition key is what scopes it to the watched clusters;
 * - ListContainerInstances authorizes against the cluster (`cluster*`; no `ecs:cluster` key);
 * - DescribeTasks (`task*`) and DescribeContainerInstances (`container-instance*`) against the resources
 *   described, whose ARNs name their cluster (`task/<cluster>/<id>`);
 * - ListClusters has no resource type (`*`): granted only when every cluster is watched.
 */
export function resyncEcsStatements(config: OpsConfig) {
  const everyCluster = config.clusters === undefined;
  return [
    allow('ListTasksOfWatchedClusters', 'ecs:ListTasks', '*', {
      [everyCluster ? 'ArnLike' : 'ArnEquals']: { 'ecs:cluster': clusterArns(config) },
    }),
    allow('ListContainerInstancesOfWatchedClusters', 'ecs:ListContainerInstances', clusterArns(config)),
    allow(
      'DescribeTasksOfWatchedClusters',
      'ecs:DescribeTasks',
      perWatchedCluster(config, (cluster) => `task/${cluster}/*`),
    ),
    allow(
      'DescribeContainerInstancesOfWatchedClusters',
      'ecs:DescribeContainerInstances',
      perWatchedCluster(config, (cluster) => `container-instance/${cluster}/*`),
    ),
    ...(everyCluster ? [allow('ListWatchedClusters', 'ecs:ListClusters', '*')] : []),
  ];
}

/**
 * Late stops: task state changes from `ecs-ops.resync` on the default bus, and nothing else (EventBridge
 * checks `events:source` and `events:detail-type` per entry of a PutEvents request).
 */
export const PUBLISH_LATE_STOPS = allow(
  'PublishLateStops',
  'events:PutEvents',
  arn('events', 'event-bus/default'),
  {
    StringEquals: { 'events:source': RESYNC_SOURCE, 'events:detail-type': TASK_STATE_CHANGE },
  },
);

/**
 * Going on where a run ran short of time: an asynchronous invocation of the function itself, by its name (an
 * ARN built from it: a GetAtt of the function would make the role and the function depend on each other).
 */
export const invokeItself = (stack: Stack) =>
  allow(
    'ContinueItself',
    'lambda:InvokeFunction',
    arn('lambda', `function:${functionName(stack, 'resync')}`),
  );

export function resyncSettings(config: OpsConfig, stack: Stack) {
  return {
    schedules: resyncSchedules(config),
    watchedClusters: watchedClustersVariable(config.clusters),
    resources: capabilityResources(stack, {
      roles: [
        {
          function: 'resync',
          statements: [
            // When watching began (get, conditional put), the stored versions of what ECS listed (batch-get),
            // corrections (conditional puts of latest states and timeline entries, updates marking the
            // missing) and the journal (put).
            stateTable('CompareAndCorrectState', [
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:BatchGetItem',
            ]),
            // The cluster's live resources the store lists (query the byStatus index only).
            stateTableIndexes('ListLiveResources', ['dynamodb:Query'], ['byStatus']),
            PUBLISH_LATE_STOPS,
            invokeItself(stack),
          ],
          configured: { policy: 'resync-ecs-reads', statements: resyncEcsStatements(config) },
        },
      ],
    }),
  };
}

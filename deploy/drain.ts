/**
 * Draining: lifecycle actions, Spot warnings and the drains' ECS events → DrainEventsQueue → drain; the
 * drain-sweeper every minute; a termination lifecycle hook on each listed group.
 */
import { LIFECYCLE_ACTION, SPOT_INTERRUPTION_WARNING, TERMINATING_TRANSITION } from '../lib/drain/events.js';
import type { OpsConfig } from '../lib/ops-config.js';
import { CONTAINER_INSTANCE_STATE_CHANGE, TASK_STATE_CHANGE } from '../lib/platform/events/ecs-event.js';
import { EVENT_SOURCE } from '../lib/platform/events/statuses.js';
import { capabilityResources } from './capability.js';
import type { EventQueue } from './queues.js';
import { publishAlerts, stateTable } from './roles.js';
import { allow, arn, clusterFilter, deny, type Stack, watchedClustersVariable } from './template.js';

/**
 * The EventBridge pattern for `drain`, one rule for all it needs: the terminate lifecycle actions of the listed
 * groups' hook, Spot interruption warnings (drain.spot), and from the watched clusters the container instance
 * changes of a drain (DRAINING, INACTIVE) and the STOPPED events of tasks on container instances — the event
 * that shows an instance empty is one of these. ECS's events alone (`aws.ecs`), never resync's late stops
 * (`ecs-ops.resync`): resync writes what it finds to the state table itself, and the drain-sweeper refreshes
 * every open drain from that state each minute.
 */
export function drainEventPattern(config: OpsConfig) {
  const { autoScalingGroups, lifecycleHook, spot } = config.drain;
  return {
    $or: [
      ...(autoScalingGroups.length === 0
        ? []
        : [
            {
              source: ['aws.autoscaling'],
              'detail-type': [LIFECYCLE_ACTION],
              detail: {
                AutoScalingGroupName: autoScalingGroups,
                LifecycleHookName: [lifecycleHook.name],
                LifecycleTransition: [TERMINATING_TRANSITION],
              },
            },
          ]),
      ...(spot ? [{ source: ['aws.ec2'], 'detail-type': [SPOT_INTERRUPTION_WARNING] }] : []),
      {
        source: [EVENT_SOURCE],
        'detail-type': [CONTAINER_INSTANCE_STATE_CHANGE],
        detail: { status: ['DRAINING', 'INACTIVE'], ...clusterFilter(config.clusters) },
      },
      {
        source: [EVENT_SOURCE],
        'detail-type': [TASK_STATE_CHANGE],
        detail: {
          lastStatus: ['STOPPED'],
          containerInstanceArn: [{ exists: true }],
          ...clusterFilter(config.clusters),
        },
      },
    ],
  };
}

/** ECS resources of the watched clusters (every cluster when none are listed). */
const watchedClusterResources = (config: OpsConfig) => (resource: (cluster: string) => string) =>
  config.clusters === undefined
    ? [arn('ecs', resource('*'))]
    : config.clusters.map((cluster) => arn('ecs', resource(cluster)));

const groupArn = (group: string) => arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${group}`);

/**
 * What `drain` may do besides the table, queue and topic: set container instances of the watched clusters
 * DRAINING and find them by EC2 instance id there (every cluster when none are listed, which also needs
 * ListClusters), and the sweeper's share.
 */
export function drainPolicyStatements(config: OpsConfig) {
  const perCluster = watchedClusterResources(config);
  return [
    allow(
      'DrainContainerInstances',
      'ecs:UpdateContainerInstancesState',
      perCluster((cluster) => `container-instance/${cluster}/*`),
    ),
    allow(
      'FindContainerInstances',
      'ecs:ListContainerInstances',
      perCluster((cluster) => `cluster/${cluster}`),
    ),
    ...(config.clusters === undefined ? [allow('ListWatchedClusters', 'ecs:ListClusters', '*')] : []),
    ...drainSweeperPolicyStatements(config),
  ];
}

/**
 * The sweeper's share: complete and heartbeat lifecycle actions of the listed groups only and, with
 * drain.standaloneTasks `stop`, StopTask on the watched clusters. With neither, one Deny.
 */
export function drainSweeperPolicyStatements(config: OpsConfig) {
  const { autoScalingGroups, standaloneTasks } = config.drain;
  const statements = [
    ...(autoScalingGroups.length === 0
      ? []
      : [
          allow(
            'ReleaseListedGroupsInstances',
            ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
            autoScalingGroups.map(groupArn),
          ),
        ]),
    ...(standaloneTasks === 'stop'
      ? [
          allow(
            'StopStandaloneTasksOfDrains',
            'ecs:StopTask',
            watchedClusterResources(config)((cluster) => `task/${cluster}/*`),
          ),
        ]
      : []),
  ];
  return statements.length > 0
    ? statements
    : [deny('NoGroupsNorStops', 'autoscaling:CompleteLifecycleAction')];
}

/** A CloudFormation logical id from a group name: letters and digits only, with a hash of the original. */
function hookLogicalId(group: string): string {
  let hash = 0;
  for (const char of group) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `DrainLifecycleHook${group.replace(/[^A-Za-z0-9]/g, '').slice(0, 200)}${hash.toString(36)}`;
}

/**
 * With drain.lifecycleHook.create: one termination lifecycle hook per listed group, CONTINUE by default so a
 * drainer that is down never keeps an instance forever. With create false the groups keep the hook they have
 * (named drain.lifecycleHook.name).
 */
export function drainLifecycleHooks(config: OpsConfig) {
  const { autoScalingGroups, lifecycleHook } = config.drain;
  if (!lifecycleHook.create) return {};
  return Object.fromEntries(
    autoScalingGroups.map((group) => [
      hookLogicalId(group),
      {
        Type: 'AWS::AutoScaling::LifecycleHook',
        Properties: {
          AutoScalingGroupName: group,
          LifecycleHookName: lifecycleHook.name,
          LifecycleTransition: TERMINATING_TRANSITION,
          HeartbeatTimeout: lifecycleHook.heartbeatTimeoutSeconds,
          DefaultResult: 'CONTINUE',
        },
      },
    ]),
  );
}

export function drainSettings(config: OpsConfig, stack: Stack) {
  const drainEvents: EventQueue = {
    name: 'DrainEvents',
    delivers: 'DrainEvents',
    description:
      'Instances leaving (lifecycle actions, Spot warnings) and their ECS events, for ecs-ops drains',
    pattern: drainEventPattern(config),
    consumerTimeoutSeconds: 30,
  };
  const drainsAndState = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
  return {
    config: JSON.stringify(config.drain),
    watchedClusters: watchedClustersVariable(config.clusters),
    resources: capabilityResources(stack, {
      queues: [drainEvents],
      roles: [
        {
          function: 'drain',
          consumes: drainEvents,
          statements: [
            publishAlerts('TellOnCall'),
            // Drains (get, conditional put), the journal (put), the instance and its tasks (get, query the
            // byHost index and batch-get what it lists).
            stateTable('DrainsJournalAndState', drainsAndState, ['byHost']),
          ],
          configured: { policy: 'drain-instances', statements: drainPolicyStatements(config) },
        },
        {
          function: 'drain-sweeper',
          statements: [
            publishAlerts('TellOnCall'),
            // Open drains (query the byStatus index), and what drain reads and writes.
            stateTable('DrainsJournalAndState', drainsAndState, ['byStatus', 'byHost']),
          ],
          // The lifecycle and stop statements, not DRAINING.
          configured: { policy: 'drain-sweeper-instances', statements: drainSweeperPolicyStatements(config) },
        },
      ],
      resources: drainLifecycleHooks(config),
    }),
  };
}

/**
 * What serverless.yml takes from the code at package time, through deploy/serverless-plugin.cjs:
 * the validated ops.config.yml, the state table's CloudFormation properties and the ECS event pattern.
 * One definition each, shared with the functions and the local engines.
 */

import { LIFECYCLE_ACTION, SPOT_INTERRUPTION_WARNING, TERMINATING_TRANSITION } from '../lib/drain/events.js';
import { STARTED_BY_PREFIX } from '../lib/jobs/identity.js';
import { loadOpsConfig, type OpsConfig } from '../lib/ops-config.js';
import { CONTAINER_INSTANCE_STATE_CHANGE, TASK_STATE_CHANGE } from '../lib/platform/events/ecs-event.js';
import { stateTableDefinition, stateTableName, TTL_ATTRIBUTE } from '../lib/platform/store/table.js';

export function stackSettings(configFile: string, stage: string) {
  const config = loadOpsConfig(configFile);
  return {
    config,
    ecsEventPattern: ecsEventPattern(config),
    stateTable: stateTableProperties(stage),
    alertEventPattern: alertEventPattern(config),
    alertTopicName: alertTopicName(config, stage),
    alertsConfig: JSON.stringify(config.alerts),
    alertSubscriptions: alertSubscriptions(config),
    jobsConfig: JSON.stringify(config.jobs),
    launchSchedules: launchSchedules(config),
    launchPolicy: launchPolicyStatements(config),
    jobRunsPolicy: jobRunsPolicyStatements(config),
    jobTimeoutsPolicy: jobTimeoutsPolicyStatements(config),
    jobRunsEventPattern: jobRunsEventPattern(config),
    drainConfig: JSON.stringify(config.drain),
    watchedClusters: JSON.stringify(config.clusters ?? '*'),
    drainEventPattern: drainEventPattern(config),
    drainPolicy: drainPolicyStatements(config),
    drainSweeperPolicy: drainSweeperPolicyStatements(config),
    drainLifecycleHooks: drainLifecycleHooks(config),
    scalingConfig: JSON.stringify(config.scaling),
    scalePolicy: scalePolicyStatements(config),
  };
}

/** The EventBridge pattern for the reconciler: both ECS detail types, from the configured clusters only. */
export function ecsEventPattern(config: OpsConfig) {
  return {
    source: ['aws.ecs'],
    'detail-type': [TASK_STATE_CHANGE, CONTAINER_INSTANCE_STATE_CHANGE],
    ...(config.clusters === undefined
      ? {}
      : { detail: { clusterArn: config.clusters.map((name) => ({ suffix: `:cluster/${name}` })) } }),
  };
}

/** AWS::DynamoDB::Table properties, named so the CLI finds the table from the stage alone. */
export function stateTableProperties(stage: string) {
  return {
    ...stateTableDefinition(stateTableName(stage)),
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}

/** The stack's alert topic: the configured name with the stage, so stages never share pages. */
export const alertTopicName = (config: OpsConfig, stage: string) => `${config.alerts.topicName}-${stage}`;

const ESSENTIAL_EXIT_REASON_PREFIX = 'Essential container in task exited';

/**
 * The EventBridge pattern for `alert`: STOPPED tasks whose stop an essential container caused — stop code
 * EssentialContainerExited or TaskFailedToStart, or (older events without a stop code) the stopped reason
 * ECS writes for it — from the clusters that page (alerts.clusters, else the watched clusters). Stops that are
 * normally intended are let through only when alerts.pageOn asks for them. The function decides the rest
 * (essential containers, draining instances, mute rules); the pattern keeps it from being invoked for the
 * ~7 other state changes of every task.
 */
export function alertEventPattern(config: OpsConfig) {
  const clusters = config.alerts.clusters ?? config.clusters;
  const stopCodes = [
    'EssentialContainerExited',
    'TaskFailedToStart',
    ...(config.alerts.pageOn.deployments || config.alerts.pageOn.drainingInstances
      ? ['ServiceSchedulerInitiated']
      : []),
    ...(config.alerts.pageOn.userStops ? ['UserInitiated'] : []),
  ];
  return {
    source: ['aws.ecs'],
    'detail-type': [TASK_STATE_CHANGE],
    detail: {
      lastStatus: ['STOPPED'],
      ...(clusters === undefined
        ? {}
        : { clusterArn: clusters.map((name) => ({ suffix: `:cluster/${name}` })) }),
      $or: [{ stopCode: stopCodes }, { stoppedReason: [{ prefix: ESSENTIAL_EXIT_REASON_PREFIX }] }],
    },
  };
}

/** The topic's subscriptions (AWS::SNS::Topic `Subscription`): one per configured email address. */
export function alertSubscriptions(config: OpsConfig) {
  return config.alerts.email.map((address) => ({ Protocol: 'email', Endpoint: address }));
}

// ---- scheduled jobs ----------------------------------------------------------------------------------------

/** What EventBridge Scheduler substitutes in a target's input with the time the schedule fired for. */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

/** The role EventBridge Scheduler assumes to invoke `launch` (serverless.yml: LaunchSchedulerRole). */
const SCHEDULER_ROLE = { 'Fn::GetAtt': ['LaunchSchedulerRole', 'Arn'] };

/**
 * The `events` of the launch function: one EventBridge Scheduler schedule per job (time zone aware), invoking
 * it with `{ job, scheduledTime }` — Scheduler replaces the placeholder with the fire time, which makes the
 * slot. A disabled job keeps its schedule, DISABLED, so `enabled: true` again resumes it. Scheduler assumes
 * LaunchSchedulerRole (it may invoke launch and nothing else), not the function's own role. No jobs: [].
 */
export function launchSchedules(config: OpsConfig) {
  return Object.entries(config.jobs).map(([name, job]) => ({
    schedule: {
      method: 'scheduler',
      rate: [job.schedule],
      timezone: job.timeZone,
      enabled: job.enabled,
      description: `ecs-ops job ${name}`,
      roleArn: SCHEDULER_ROLE,
      input: { job: name, scheduledTime: SCHEDULED_TIME_PLACEHOLDER },
    },
  }));
}

const arn = (service: string, resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});

const jobClusters = (config: OpsConfig) => [...new Set(Object.values(config.jobs).map((job) => job.cluster))];

/**
 * The task definitions a job may run, as IAM resources: `family` → every revision of it (`family:*`),
 * `family:3` → that revision, an ARN as given (every revision when it names none).
 */
export function taskDefinitionResources(config: OpsConfig) {
  const resources = Object.values(config.jobs).map(({ taskDefinition }) => {
    if (taskDefinition.startsWith('arn:')) {
      return /:\d+$/.test(taskDefinition) ? taskDefinition : `${taskDefinition}:*`;
    }
    return arn('ecs', `task-definition/${taskDefinition}${taskDefinition.includes(':') ? '' : ':*'}`);
  });
  const seen = new Set<string>();
  return resources.filter((resource) => {
    const key = JSON.stringify(resource);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The launch function's job-specific IAM statements (serverless.yml adds logs, table and topic): RunTask of
 * the jobs' task definitions, only on the jobs' clusters (condition ecs:cluster); StopTask (Replace, timeouts)
 * of tasks on those clusters; iam:PassRole of the task and execution roles, only to ECS tasks. The roles are
 * named in the task definitions, which are not known at package time, so PassRole covers the account's roles
 * with iam:PassedToService ecs-tasks.amazonaws.com — plus nothing else. No jobs: one Deny of RunTask.
 */
export function launchPolicyStatements(config: OpsConfig) {
  const clusters = jobClusters(config);
  // A policy needs a statement: with no jobs, the one statement says launch may run nothing.
  if (clusters.length === 0) {
    return [{ Sid: 'NoJobsConfigured', Effect: 'Deny', Action: 'ecs:RunTask', Resource: '*' }];
  }
  const clusterArns = clusters.map((cluster) => arn('ecs', `cluster/${cluster}`));
  return [
    {
      Sid: 'RunJobTaskDefinitionsOnJobClusters',
      Effect: 'Allow',
      Action: 'ecs:RunTask',
      Resource: taskDefinitionResources(config),
      Condition: { ArnEquals: { 'ecs:cluster': clusterArns } },
    },
    {
      Sid: 'StopTasksOnJobClusters',
      Effect: 'Allow',
      Action: 'ecs:StopTask',
      Resource: jobTaskResources(clusters),
    },
    {
      Sid: 'PassTaskRolesToEcsOnly',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' },
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
  ];
}

const jobTaskResources = (clusters: string[]) => clusters.map((cluster) => arn('ecs', `task/${cluster}/*`));

/** job-runs' ECS statement: DescribeTasks of tasks on the jobs' clusters; with no jobs, a Deny. */
/** The job-timeouts function's job statements: StopTask of tasks on the jobs' clusters; no jobs, one Deny. */
export function jobTimeoutsPolicyStatements(config: OpsConfig) {
  const clusters = jobClusters(config);
  if (clusters.length === 0) {
    return [{ Sid: 'NoJobsConfigured', Effect: 'Deny', Action: 'ecs:StopTask', Resource: '*' }];
  }
  return [
    {
      Sid: 'StopTimedOutJobTasks',
      Effect: 'Allow',
      Action: 'ecs:StopTask',
      Resource: jobTaskResources(clusters),
    },
  ];
}

export function jobRunsPolicyStatements(config: OpsConfig) {
  const clusters = jobClusters(config);
  if (clusters.length === 0) {
    return [{ Sid: 'NoJobsConfigured', Effect: 'Deny', Action: 'ecs:DescribeTasks', Resource: '*' }];
  }
  return [
    {
      Sid: 'DescribeJobTasks',
      Effect: 'Allow',
      Action: 'ecs:DescribeTasks',
      Resource: jobTaskResources(clusters),
    },
  ];
}

/**
 * The EventBridge pattern for `job-runs`: STOPPED tasks that ecs-ops launched as jobs (startedBy
 * ecs-ops-job/…), on the jobs' clusters. No jobs: every cluster (the startedBy prefix still filters).
 */
export function jobRunsEventPattern(config: OpsConfig) {
  const clusters = jobClusters(config);
  return {
    source: ['aws.ecs'],
    'detail-type': [TASK_STATE_CHANGE],
    detail: {
      lastStatus: ['STOPPED'],
      startedBy: [{ prefix: STARTED_BY_PREFIX }],
      ...(clusters.length === 0
        ? {}
        : { clusterArn: clusters.map((name) => ({ suffix: `:cluster/${name}` })) }),
    },
  };
}

// ---- draining ----------------------------------------------------------------------------------------------

const clusterFilter = (config: OpsConfig) =>
  config.clusters === undefined
    ? {}
    : { clusterArn: config.clusters.map((name) => ({ suffix: `:cluster/${name}` })) };

/**
 * The EventBridge pattern for `drain`, one rule for all it needs: the terminate lifecycle actions of the listed
 * groups' hook, Spot interruption warnings (drain.spot), and from the watched clusters the container instance
 * changes of a drain (DRAINING, INACTIVE) and the STOPPED events of tasks on container instances — the event
 * that shows an instance empty is one of these.
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
        source: ['aws.ecs'],
        'detail-type': [CONTAINER_INSTANCE_STATE_CHANGE],
        detail: { status: ['DRAINING', 'INACTIVE'], ...clusterFilter(config) },
      },
      {
        source: ['aws.ecs'],
        'detail-type': [TASK_STATE_CHANGE],
        detail: {
          lastStatus: ['STOPPED'],
          containerInstanceArn: [{ exists: true }],
          ...clusterFilter(config),
        },
      },
    ],
  };
}

const groupArn = (group: string) => arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${group}`);

/**
 * What `drain` and `drain-sweeper` may do besides the table, queue and topic: set container instances of the
 * watched clusters DRAINING and find them by EC2 instance id there (every cluster when none are listed, which
 * also needs ListClusters); complete and heartbeat lifecycle actions of the listed groups only; stop tasks on
 * the watched clusters only when drain.standaloneTasks is `stop`.
 */
export function drainPolicyStatements(config: OpsConfig) {
  const perCluster = watchedClusterResources(config);
  return [
    {
      Sid: 'DrainContainerInstances',
      Effect: 'Allow',
      Action: 'ecs:UpdateContainerInstancesState',
      Resource: perCluster((cluster) => `container-instance/${cluster}/*`),
    },
    {
      Sid: 'FindContainerInstances',
      Effect: 'Allow',
      Action: 'ecs:ListContainerInstances',
      Resource: perCluster((cluster) => `cluster/${cluster}`),
    },
    ...(config.clusters === undefined
      ? [{ Sid: 'ListWatchedClusters', Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' }]
      : []),
    ...drainSweeperPolicyStatements(config),
  ];
}

/**
 * The sweeper's share: lifecycle actions of the listed groups and, with drain.standaloneTasks `stop`, StopTask
 * on the watched clusters. A policy needs a statement: with neither, one Deny says it may do nothing of them.
 */
export function drainSweeperPolicyStatements(config: OpsConfig) {
  const { autoScalingGroups, standaloneTasks } = config.drain;
  const statements = [
    ...(autoScalingGroups.length === 0
      ? []
      : [
          {
            Sid: 'ReleaseListedGroupsInstances',
            Effect: 'Allow',
            Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
            Resource: autoScalingGroups.map(groupArn),
          },
        ]),
    ...(standaloneTasks === 'stop'
      ? [
          {
            Sid: 'StopStandaloneTasksOfDrains',
            Effect: 'Allow',
            Action: 'ecs:StopTask',
            Resource: watchedClusterResources(config)((cluster) => `task/${cluster}/*`),
          },
        ]
      : []),
  ];
  return statements.length > 0
    ? statements
    : [
        {
          Sid: 'NoGroupsNorStops',
          Effect: 'Deny',
          Action: 'autoscaling:CompleteLifecycleAction',
          Resource: '*',
        },
      ];
}

/** ECS resources of the watched clusters (every cluster when none are listed). */
const watchedClusterResources = (config: OpsConfig) => (resource: (cluster: string) => string) =>
  config.clusters === undefined
    ? [arn('ecs', resource('*'))]
    : config.clusters.map((cluster) => arn('ecs', resource(cluster)));

/** A CloudFormation logical id from a group name: letters and digits only, with a hash of the original. */
function hookLogicalId(group: string): string {
  let hash = 0;
  for (const char of group) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `DrainLifecycleHook${group.replace(/[^A-Za-z0-9]/g, '').slice(0, 200)}${hash.toString(36)}`;
}

/**
 * `resources` of the stack for drain.lifecycleHook.create: one termination lifecycle hook per listed group
 * (AWS::AutoScaling::LifecycleHook), CONTINUE by default so a drainer that is down never keeps an instance
 * forever. With create false the groups keep the hook they have (named drain.lifecycleHook.name).
 */
export function drainLifecycleHooks(config: OpsConfig) {
  const { autoScalingGroups, lifecycleHook } = config.drain;
  if (!lifecycleHook.create) return { Resources: {} };
  return {
    Resources: Object.fromEntries(
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
    ),
  };
}

// ---- step scaling ------------------------------------------------------------------------------------------

/** An SQS queue of a metric source as an IAM resource: its name (from a URL, the last path segment). */
const queueArn = (queue: string) => arn('sqs', queue.slice(queue.lastIndexOf('/') + 1));

/**
 * What `scale` may do besides the table: read and update only the services its policies scale; read only
 * their queues; read CloudWatch metrics and Application Auto Scaling's targets and policies (neither has
 * resource-level permissions for these reads); register scalable targets only when a policy asks to. With no
 * policies, one Deny.
 */
export function scalePolicyStatements(config: OpsConfig) {
  const policies = Object.values(config.scaling);
  if (policies.length === 0) {
    return [{ Sid: 'NoPoliciesConfigured', Effect: 'Deny', Action: 'ecs:UpdateService', Resource: '*' }];
  }
  const unique = (values: string[]) => [...new Set(values)].sort();
  const services = unique(policies.map((policy) => `service/${policy.cluster}/${policy.service}`));
  const queues = unique(
    policies.flatMap((policy) => (policy.metric.sqs === undefined ? [] : [policy.metric.sqs.queue])),
  );
  const reads = [
    ...(policies.some((policy) => policy.metric.cloudWatch !== undefined)
      ? ['cloudwatch:GetMetricData']
      : []),
    'application-autoscaling:DescribeScalableTargets',
    'application-autoscaling:DescribeScalingPolicies',
    ...(policies.some((policy) => policy.registerScalableTarget)
      ? ['application-autoscaling:RegisterScalableTarget']
      : []),
  ];
  return [
    {
      Sid: 'ScaleConfiguredServices',
      Effect: 'Allow',
      Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
      Resource: services.map((service) => arn('ecs', service)),
    },
    ...(queues.length === 0
      ? []
      : [
          {
            Sid: 'ReadQueueBacklogs',
            Effect: 'Allow',
            Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
            Resource: queues.map(queueArn),
          },
        ]),
    { Sid: 'ReadMetricsAndScalableTargets', Effect: 'Allow', Action: reads, Resource: '*' },
    // The first registration in an account creates Application Auto Scaling's service-linked role for ECS.
    ...(policies.some((policy) => policy.registerScalableTarget)
      ? [
          {
            Sid: 'ApplicationAutoScalingRoleForEcs',
            Effect: 'Allow',
            Action: 'iam:CreateServiceLinkedRole',
            Resource: '*',
            Condition: {
              StringEquals: { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' },
            },
          },
        ]
      : []),
  ];
}

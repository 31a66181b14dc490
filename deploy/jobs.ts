/**
 * Scheduled jobs: one EventBridge Scheduler schedule per job → launch (RunTask); job-timeouts every minute;
 * the jobs' STOPPED tasks → JobRunsQueue → job-runs, which records each run's result.
 */
import { STARTED_BY_PREFIX } from '../lib/jobs/identity.js';
import { SCHEDULED_TIME_PLACEHOLDER } from '../lib/jobs/slot.js';
import type { OpsConfig } from '../lib/ops-config.js';
import { TASK_STATE_CHANGE } from '../lib/platform/events/ecs-event.js';
import { EVENT_SOURCE, RESYNC_SOURCE } from '../lib/platform/events/statuses.js';
import { capabilityResources } from './capability.js';
import type { EventQueue } from './queues.js';
import { DESCRIBE_TASK_DEFINITIONS, publishAlerts, stateTable } from './roles.js';
import { allow, arn, clusterFilter, deny, getAtt, ref, type Stack } from './template.js';

/** What EventBridge Scheduler substitutes in a target's input with the time the schedule fired for. */

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
      roleArn: getAtt('LaunchSchedulerRole'),
      input: { job: name, scheduledTime: SCHEDULED_TIME_PLACEHOLDER },
    },
  }));
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
const ACCOUNT_ROLES = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' };

const jobClusters = (config: OpsConfig) => [...new Set(Object.values(config.jobs).map((job) => job.cluster))];

const jobTaskResources = (clusters: string[]) => clusters.map((cluster) => arn('ecs', `task/${cluster}/*`));

/**
 * The task definitions a job may run, as IAM resources: `family` → every revision of it (`family:*`),
 * `family:3` → that revision, an ARN as given (every revision when it names none).
 */
function taskDefinitionResources(config: OpsConfig) {
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
 * The launch function's job statements: RunTask of the jobs' task definitions, only on the jobs' clusters
 * (condition ecs:cluster); StopTask (Replace, timeouts) of tasks on those clusters; iam:PassRole of the task and
 * execution roles, only to ECS tasks. The roles are named in the task definitions, which are not known at
 * package time, so PassRole covers the account's roles with iam:PassedToService ecs-tasks.amazonaws.com — plus
 * nothing else. No jobs: one Deny of RunTask.
 */
export function launchPolicyStatements(config: OpsConfig) {
  const clusters = jobClusters(config);
  if (clusters.length === 0) return [deny('NoJobsConfigured', 'ecs:RunTask')];
  return [
    allow('RunJobTaskDefinitionsOnJobClusters', 'ecs:RunTask', taskDefinitionResources(config), {
      ArnEquals: { 'ecs:cluster': clusters.map((cluster) => arn('ecs', `cluster/${cluster}`)) },
    }),
    allow('StopTasksOnJobClusters', 'ecs:StopTask', jobTaskResources(clusters)),
    allow('PassTaskRolesToEcsOnly', 'iam:PassRole', ACCOUNT_ROLES, {
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    }),
  ];
}

/** The job-timeouts function's job statements: StopTask of tasks on the jobs' clusters; no jobs, one Deny. */
export function jobTimeoutsPolicyStatements(config: OpsConfig) {
  const clusters = jobClusters(config);
  if (clusters.length === 0) return [deny('NoJobsConfigured', 'ecs:StopTask')];
  return [allow('StopTimedOutJobTasks', 'ecs:StopTask', jobTaskResources(clusters))];
}

/**
 * job-runs' ECS statement: DescribeTasks of the jobs' tasks, for a run whose other tasks are not in the table
 * yet; with no jobs, a Deny.
 */
export function jobRunsPolicyStatements(config: OpsConfig) {
  const clusters = jobClusters(config);
  if (clusters.length === 0) return [deny('NoJobsConfigured', 'ecs:DescribeTasks')];
  return [allow('DescribeJobTasks', 'ecs:DescribeTasks', jobTaskResources(clusters))];
}

/**
 * The EventBridge pattern for `job-runs`: STOPPED tasks that ecs-ops launched as jobs (startedBy
 * ecs-ops-job/…), on the jobs' clusters, from ECS or — when ECS's own event was lost — from resync
 * (`ecs-ops.resync`, same detail), so every run gets its result. No jobs: every cluster (the startedBy prefix
 * still filters).
 */
export function jobRunsEventPattern(config: OpsConfig) {
  const clusters = jobClusters(config);
  return {
    source: [EVENT_SOURCE, RESYNC_SOURCE],
    'detail-type': [TASK_STATE_CHANGE],
    detail: {
      lastStatus: ['STOPPED'],
      startedBy: [{ prefix: STARTED_BY_PREFIX }],
      ...clusterFilter(clusters.length === 0 ? undefined : clusters),
    },
  };
}

/**
 * What EventBridge Scheduler assumes to invoke launch: that one function and nothing else (osls adds no
 * Scheduler permission when a function has its own role).
 */
const LAUNCH_SCHEDULER_ROLE = {
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
        },
      ],
    },
    Policies: [
      {
        PolicyName: 'invoke-launch',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            allow('InvokeLaunch', 'lambda:InvokeFunction', [
              getAtt('LaunchLambdaFunction'),
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
              { 'Fn::Sub': '${LaunchLambdaFunction.Arn}:*' },
            ]),
          ],
        },
      },
    ],
  },
};

export function jobsSettings(config: OpsConfig, stack: Stack) {
  const jobStops: EventQueue = {
    name: 'JobRuns',
    delivers: 'JobStops',
    description: 'STOPPED tasks of ecs-ops jobs, for job-runs',
    pattern: jobRunsEventPattern(config),
    consumerTimeoutSeconds: 30,
  };
  return {
    config: JSON.stringify(config.jobs),
    schedules: launchSchedules(config),
    resources: capabilityResources(stack, {
      queues: [jobStops],
      roles: [
        {
          function: 'launch',
          statements: [
            // Runs (get, begin, update, list), the journal (put) and earlier runs' task state (get).
            stateTable('RunsJournalAndTaskState', [
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:Query',
            ]),
            publishAlerts('TellOnCall'),
          ],
          configured: { policy: 'launch-jobs', statements: launchPolicyStatements(config) },
        },
        {
          function: 'job-timeouts',
          // Open runs (query), their decisions (update) and the journal (put).
          statements: [
            stateTable('RunsAndJournal', ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem']),
          ],
          configured: { policy: 'job-timeouts-tasks', statements: jobTimeoutsPolicyStatements(config) },
        },
        {
          function: 'job-runs',
          consumes: jobStops,
          statements: [
            publishAlerts('TellOnCall'),
            stateTable('RunsAndJournal', [
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:Query',
            ]),
            // Which containers are essential decides a run's result.
            DESCRIBE_TASK_DEFINITIONS,
          ],
          configured: { policy: 'job-runs-tasks', statements: jobRunsPolicyStatements(config) },
        },
      ],
      resources: { LaunchSchedulerRole: LAUNCH_SCHEDULER_ROLE },
    }),
  };
}

/** What the launch, job-runs and job-timeouts functions work with, built from their environment. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient } from '../platform/aws/clients.js';
import { stateTableOf } from '../platform/config/environment.js';
import { SqsDeadLetters } from '../platform/dead-letters/sqs-dead-letters.js';
import { Journal } from '../platform/journal.js';
import { SnsPublisher } from '../platform/notification/publisher.js';
import { StateStore } from '../platform/store/state-store.js';
import { TaskDefinitions } from '../platform/task-definitions.js';
import { jobRunsEnvironment, jobTimeoutsEnvironment, launchEnvironment } from './environment.js';
import type { JobRunsDependencies } from './job-runs.js';
import type { LaunchDependencies } from './launcher.js';
import { RunStore } from './run-store.js';
import type { TimeoutSweeperDependencies } from './timeouts.js';

export function launchDependencies(): LaunchDependencies {
  const env = launchEnvironment();
  const table = stateTableOf(env);
  return {
    jobs: env.JOBS_CONFIG,
    store: new StateStore(table),
    runs: new RunStore(table),
    journal: new Journal(table),
    ecs: awsClient(ECSClient),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, awsClient(SNSClient), env.ALERT_OUTPUTS),
  };
}

export function jobRunsDependencies(): JobRunsDependencies {
  const env = jobRunsEnvironment();
  const table = stateTableOf(env);
  const ecs = awsClient(ECSClient);
  return {
    store: new StateStore(table),
    runs: new RunStore(table),
    journal: new Journal(table),
    ecs,
    taskDefinitions: new TaskDefinitions(ecs),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, awsClient(SNSClient), env.ALERT_OUTPUTS),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
  };
}

export function jobTimeoutsDependencies(): TimeoutSweeperDependencies {
  const env = jobTimeoutsEnvironment();
  const table = stateTableOf(env);
  return {
    jobs: env.JOBS_CONFIG,
    runs: new RunStore(table),
    journal: new Journal(table),
    ecs: awsClient(ECSClient),
  };
}

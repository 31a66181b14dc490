/**
 * job-runs: STOPPED task events of job tasks (`startedBy` ecs-ops-job/<name>), from their SQS queue → each
 * run completed once (succeeded, failed, timed-out) with its exit codes and duration; a failed or timed-out
 * run pages once. Invalid records go to the dead-letter queue; transient failures are redelivered.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { jobRunsEnvironment } from '../lib/jobs/environment.js';
import { createJobRuns, type JobRunOutcome, type JobRunsDependencies } from '../lib/jobs/job-runs.js';
import { RunStore } from '../lib/jobs/run-store.js';
import { SqsDeadLetters } from '../lib/platform/dead-letters/sqs-dead-letters.js';
import { sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';
import { Journal } from '../lib/platform/journal.js';
import { SnsPublisher } from '../lib/platform/notification/publisher.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { TaskDefinitions } from '../lib/platform/task-definitions.js';

type Dependencies = JobRunsDependencies & { logger: Logger };

/** The log line of each record: `job run completed`, `job run waiting`, `job task without a run`, …. */
export function logOutcome(logger: Logger, outcome: JobRunOutcome): void {
  switch (outcome.outcome) {
    case 'completed':
      logger.info('job run completed', { ...outcome });
      return;
    case 'waiting':
      logger.info('job run waiting for its other tasks', { ...outcome });
      return;
    case 'already-completed':
      logger.info('job run already completed', { ...outcome });
      return;
    case 'no-run':
      logger.info('job task without a run', { ...outcome });
      return;
    case 'ignored':
      logger.debug('not a stopped job task', { ...outcome });
      return;
    case 'invalid':
      logger.warn('dead-lettered an invalid record', { ...outcome });
      return;
    case 'failed':
      logger.error('record will be redelivered', { ...outcome });
  }
}

export const createHandler = (dependencies: () => Dependencies) =>
  sqsBatchHandler(dependencies, createJobRuns, logOutcome);

export const handler = createHandler(() => {
  const env = jobRunsEnvironment();
  const store = new StateStore({ tableName: env.STATE_TABLE });
  const ecs = new ECSClient({});
  return {
    runs: new RunStore({
      tableName: env.STATE_TABLE,
      client: store.client,
      retentionDays: env.RETENTION_HISTORY_DAYS,
    }),
    store,
    ecs,
    taskDefinitions: new TaskDefinitions(ecs),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, new SNSClient({ maxAttempts: 5 })),
    journal: new Journal({
      tableName: env.STATE_TABLE,
      client: store.client,
      retentionDays: env.RETENTION_HISTORY_DAYS,
    }),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'job-runs' } }),
  };
});

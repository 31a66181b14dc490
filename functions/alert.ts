/**
 * alert: STOPPED-task events from the alerts SQS queue (its own EventBridge rule) → one page per incident on
 * the SNS topic, journaled. Invalid records go to the alerts dead-letter queue with their reason; records whose
 * step is in progress elsewhere or failed after retries are redelivered (batchItemFailures).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  type AlertDependencies,
  type AlertRecordOutcome,
  alertIdempotency,
  createAlerting,
} from '../lib/alerts/alerting.js';
import { CrashLoopStore } from '../lib/alerts/crash-loop-store.js';
import { alertEnvironment } from '../lib/alerts/environment.js';
import { summariseEndedWith } from '../lib/alerts/summary.js';
import { SqsDeadLetters } from '../lib/platform/dead-letters/sqs-dead-letters.js';
import { sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';
import { Journal } from '../lib/platform/journal.js';
import { SnsPublisher } from '../lib/platform/notification/publisher.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { TaskDefinitions } from '../lib/platform/task-definitions.js';

type Dependencies = AlertDependencies & { logger: Logger };

/** The log line of each outcome: `alert sent`, `alert grouped`, `alert muted`, `not an incident`, …. */
export function logOutcome(logger: Logger, outcome: AlertRecordOutcome): void {
  switch (outcome.outcome) {
    case 'sent':
    case 'grouped':
    case 'muted':
      if (outcome.duplicate) logger.info('duplicate incident: outcome already decided', { ...outcome });
      else logger.info(`alert ${outcome.outcome}`, { ...outcome });
      return;
    case 'not-incident':
      logger.info('not an incident', { ...outcome });
      return;
    case 'invalid':
      logger.warn('dead-lettered an invalid record', { ...outcome });
      return;
    case 'failed':
      // Another invocation is deciding the same incident: redelivery returns its outcome. Not an error.
      if (outcome.reason.startsWith('IdempotencyAlreadyInProgressError'))
        logger.info('incident in progress elsewhere: will be redelivered', { ...outcome });
      else logger.error('record will be redelivered', { ...outcome });
  }
}

export const createHandler = (dependencies: () => Dependencies) =>
  sqsBatchHandler(dependencies, createAlerting, logOutcome);

export const handler = createHandler(() => {
  const env = alertEnvironment();
  const store = new StateStore({ tableName: env.STATE_TABLE });
  const publisher = new SnsPublisher(env.ALERT_TOPIC_ARN, new SNSClient({ maxAttempts: 5 }));
  const journal = new Journal({
    tableName: env.STATE_TABLE,
    client: store.client,
    retentionDays: env.RETENTION_HISTORY_DAYS,
  });
  const windows = new CrashLoopStore({
    tableName: env.STATE_TABLE,
    client: store.client,
    config: env.ALERTS_CONFIG,
  });
  return {
    config: env.ALERTS_CONFIG,
    store,
    taskDefinitions: new TaskDefinitions(new ECSClient({})),
    publisher,
    windows,
    journal,
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    idempotency: alertIdempotency(env.STATE_TABLE, store.client),
    summariseEnded: summariseEndedWith({ windows, publisher, journal }),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'alert' } }),
  };
});

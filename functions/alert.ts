/**
 * alert: STOPPED-task events from the alerts SQS queue (its own EventBridge rule) → one page per incident on
 * the SNS topic, journaled. Invalid records go to the alerts dead-letter queue with their reason; records whose
 * step is in progress elsewhere or failed after retries are redelivered (batchItemFailures).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type AlertDependencies, type AlertRecordOutcome, createAlerting } from '../lib/alerts/alerting.js';
import { alertMetrics } from '../lib/alerts/metrics.js';
import { alertDependencies } from '../lib/alerts/wiring.js';
import { functionLogger } from '../lib/platform/handler/handler.js';
import { type Processed, sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';

/** The log line of each decided record: `alert sent`, `alert grouped`, `alert muted`, `not an incident`. */
function logOutcome(logger: Logger, outcome: Processed<AlertRecordOutcome>): void {
  if (outcome.outcome === 'not-incident') logger.info('not an incident', { ...outcome });
  else if (outcome.duplicate) logger.info('duplicate incident: outcome already decided', { ...outcome });
  else logger.info(`alert ${outcome.outcome}`, { ...outcome });
}

export const createHandler = (dependencies: () => AlertDependencies, logger = functionLogger('alert')) =>
  sqsBatchHandler({
    name: 'alert',
    logger,
    dependencies,
    processorOf: createAlerting,
    logOutcome,
    metricsOf: ({ outcomes }) => alertMetrics(outcomes),
  });

export const handler = createHandler(alertDependencies);

/**
 * drain: the drain queue (EC2 Auto Scaling terminate lifecycle actions, Spot interruption warnings, and the ECS
 * events of container instances and their stopped tasks) → drains started and advanced; an instance is
 * released (its lifecycle action completed) on the event that shows it empty. Invalid records go to the
 * dead-letter queue; failing ones are redelivered.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  createDrainBatch,
  type DrainBatchDependencies,
  type DrainRecordOutcome,
} from '../lib/drain/drain-batch.js';
import { drainMetrics } from '../lib/drain/metrics.js';
import { drainDependencies } from '../lib/drain/wiring.js';
import { functionLogger } from '../lib/platform/handler/handler.js';
import { type Processed, sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';

/** One log line per record: what the drain did (`drain released`, `drain started`, …). */
function logOutcome(logger: Logger, outcome: Processed<DrainRecordOutcome>): void {
  if (outcome.step === 'ignored') logger.debug('not a drain under way', { ...outcome });
  else logger.info(`drain ${outcome.step}`, { ...outcome });
}

export const createHandler = (dependencies: () => DrainBatchDependencies, logger = functionLogger('drain')) =>
  sqsBatchHandler({
    name: 'drain',
    logger,
    dependencies,
    processorOf: createDrainBatch,
    logOutcome,
    metricsOf: ({ outcomes }) => drainMetrics(outcomes),
  });

export const handler = createHandler(drainDependencies);

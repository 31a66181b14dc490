/**
 * reconcile: ECS task and container-instance state changes, from the ecs-events SQS queue, into the state
 * table. Invalid records go to the dead-letter queue with their reason; transient failures are redelivered.
 */
import { functionLogger } from '../lib/platform/handler/handler.js';
import { sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';
import { reconcileMetrics } from '../lib/reconcile/metrics.js';
import {
  countOutcomes,
  processBatch,
  type ReconcileBatchDependencies,
} from '../lib/reconcile/process-batch.js';
import { reconcileDependencies } from '../lib/reconcile/wiring.js';

export const createHandler = (
  dependencies: () => ReconcileBatchDependencies,
  logger = functionLogger('reconcile'),
) =>
  sqsBatchHandler({
    name: 'reconcile',
    logger,
    dependencies,
    processorOf: (ready) => (records) => processBatch(records, ready),
    // One line per batch: a record that went through needs none of its own.
    logBatch: (log, { records, outcomes, redeliver }) =>
      log.info('batch reconciled', { records, ...countOutcomes(outcomes), redeliver: redeliver.length }),
    metricsOf: ({ records, outcomes }) => reconcileMetrics(records, outcomes, new Date()),
  });

export const handler = createHandler(reconcileDependencies);

/**
 * reconcile: ECS task and container-instance state changes, from the ecs-events SQS queue, into the state
 * table. Invalid records go to the dead-letter queue with their reason; transient failures are redelivered.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DeadLetterSink } from '../lib/platform/dead-letters/dead-letter.js';
import { SqsDeadLetters } from '../lib/platform/dead-letters/sqs-dead-letters.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { reconcileEnvironment } from '../lib/reconcile/environment.js';
import { countOutcomes, processBatch } from '../lib/reconcile/process-batch.js';
import type { ReconcileDependencies } from '../lib/reconcile/reconcile.js';

type Dependencies = ReconcileDependencies & { deadLetters: DeadLetterSink; logger: Logger };

export function createHandler(dependencies: () => Dependencies) {
  let ready: Dependencies | undefined;
  return async function reconcileHandler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    ready ??= dependencies();
    const { logger } = ready;
    if (context) logger.addContext(context);
    const records = event.Records.map((record) => ({ id: record.messageId, body: record.body }));
    const { outcomes, redeliver } = await processBatch(records, ready);
    for (const outcome of outcomes) {
      if (outcome.outcome === 'invalid') logger.warn('dead-lettered an invalid record', { ...outcome });
      if (outcome.outcome === 'failed') logger.error('record will be redelivered', { ...outcome });
    }
    logger.info('batch reconciled', {
      records: records.length,
      ...countOutcomes(outcomes),
      redeliver: redeliver.length,
    });
    return { batchItemFailures: redeliver.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = createHandler(() => {
  const env = reconcileEnvironment();
  return {
    store: new StateStore({ tableName: env.STATE_TABLE }),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    retention: { stoppedDays: env.RETENTION_STOPPED_DAYS, historyDays: env.RETENTION_HISTORY_DAYS },
    writeConcurrency: env.WRITE_CONCURRENCY,
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'reconcile' } }),
  };
});

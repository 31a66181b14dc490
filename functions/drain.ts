/**
 * drain: the drain queue (EC2 Auto Scaling terminate lifecycle actions, Spot interruption warnings, and the ECS
 * events of container instances and their stopped tasks) → drains started and advanced; an instance is
 * released (its lifecycle action completed) on the event that shows it empty. Invalid records go to the
 * dead-letter queue; failing ones are redelivered.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createDrainBatch, type DrainRecordOutcome } from '../lib/drain/drain-batch.js';
import { drainEnvironment } from '../lib/drain/environment.js';
import { deployedDrainer } from '../lib/drain/wiring.js';
import { SqsDeadLetters } from '../lib/platform/dead-letters/sqs-dead-letters.js';
import { sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';

type Dependencies = Parameters<typeof createDrainBatch>[0] & { logger: Logger };

/** One log line per record: what the drain did (`drain released`, `drain started`, …), or why it was refused. */
export function logOutcome(logger: Logger, outcome: DrainRecordOutcome): void {
  if (outcome.outcome === 'invalid') logger.warn('dead-lettered an invalid record', { ...outcome });
  else if (outcome.outcome === 'failed') logger.error('record will be redelivered', { ...outcome });
  else if (outcome.step === 'ignored') logger.debug('not a drain under way', { ...outcome });
  else logger.info(`drain ${outcome.step}`, { ...outcome });
}

export const createHandler = (dependencies: () => Dependencies) =>
  sqsBatchHandler(dependencies, createDrainBatch, logOutcome);

export const handler = createHandler(() => {
  const env = drainEnvironment();
  return {
    drainer: deployedDrainer(env),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'drain' } }),
  };
});

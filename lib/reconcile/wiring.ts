/** What the reconcile function works with, built from its environment (serverless.yml). */
import { SqsDeadLetters } from '../platform/dead-letters/sqs-dead-letters.js';
import { StateStore } from '../platform/store/state-store.js';
import { reconcileEnvironment } from './environment.js';
import type { ReconcileBatchDependencies } from './process-batch.js';

export function reconcileDependencies(): ReconcileBatchDependencies {
  const env = reconcileEnvironment();
  return {
    store: new StateStore({ tableName: env.STATE_TABLE }),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    retention: { stoppedDays: env.RETENTION_STOPPED_DAYS, historyDays: env.RETENTION_HISTORY_DAYS },
    writeConcurrency: env.WRITE_CONCURRENCY,
  };
}

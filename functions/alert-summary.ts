/**
 * alert-summary: every minute, closes the crash-loop windows that have ended and sends one summary for each
 * that counted exits after its page. A failed publish leaves the window listed for the next run.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { CrashLoopStore } from '../lib/alerts/crash-loop-store.js';
import { alertSummaryEnvironment } from '../lib/alerts/environment.js';
import { type SummaryDependencies, type SummaryOutcome, sweepWindows } from '../lib/alerts/summary.js';
import { dynamoDbClient } from '../lib/platform/aws/dynamodb-client.js';
import { Journal } from '../lib/platform/journal.js';
import { SnsPublisher } from '../lib/platform/notification/publisher.js';

type Dependencies = SummaryDependencies & { logger: Logger };

export function createHandler(dependencies: () => Dependencies) {
  let ready: Dependencies | undefined;
  return async function alertSummaryHandler(
    _event: unknown,
    context?: Context,
  ): Promise<{ outcomes: SummaryOutcome[] }> {
    ready ??= dependencies();
    const { logger } = ready;
    if (context) logger.addContext(context);
    const outcomes = await sweepWindows(ready);
    for (const outcome of outcomes) {
      if (outcome.outcome === 'summary-sent') logger.info('alert summary sent', { ...outcome });
      else if (outcome.outcome === 'closed-quietly') logger.info('crash-loop window closed', { ...outcome });
      else if (outcome.outcome === 'failed') logger.error('summary will be retried', { ...outcome });
    }
    // A failed summary is retried by the next run; failing this one would only make the scheduler retry now.
    return { outcomes };
  };
}

export const handler = createHandler(() => {
  const env = alertSummaryEnvironment();
  const client = dynamoDbClient();
  return {
    windows: new CrashLoopStore({ tableName: env.STATE_TABLE, client, config: env.ALERTS_CONFIG }),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, new SNSClient({ maxAttempts: 5 })),
    journal: new Journal({ tableName: env.STATE_TABLE, client, retentionDays: env.RETENTION_HISTORY_DAYS }),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'alert-summary' } }),
  };
});

/**
 * job-timeouts: every minute, stops the tasks of job runs past their `timeoutMinutes`; job-runs then records
 * each as timed out and pages.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { jobTimeoutsEnvironment } from '../lib/jobs/environment.js';
import { RunStore } from '../lib/jobs/run-store.js';
import { createTimeoutSweeper, type TimeoutSweeperDependencies } from '../lib/jobs/timeouts.js';
import { dynamoDbClient } from '../lib/platform/aws/dynamodb-client.js';
import { Journal } from '../lib/platform/journal.js';

type Dependencies = TimeoutSweeperDependencies & { logger: Logger };

export function createHandler(dependencies: () => Dependencies) {
  let ready: { logger: Logger; sweep: ReturnType<typeof createTimeoutSweeper> } | undefined;
  return async function jobTimeoutsHandler(): Promise<{ stopped: number }> {
    if (ready === undefined) {
      const made = dependencies();
      ready = { logger: made.logger, sweep: createTimeoutSweeper(made) };
    }
    const stopped = await ready.sweep();
    for (const run of stopped) ready.logger.warn('job run timed out: tasks stopped', { ...run });
    return { stopped: stopped.length };
  };
}

export const handler = createHandler(() => {
  const env = jobTimeoutsEnvironment();
  const client = dynamoDbClient();
  return {
    jobs: env.JOBS_CONFIG,
    runs: new RunStore({ tableName: env.STATE_TABLE, client, retentionDays: env.RETENTION_HISTORY_DAYS }),
    journal: new Journal({ tableName: env.STATE_TABLE, client, retentionDays: env.RETENTION_HISTORY_DAYS }),
    ecs: new ECSClient({ maxAttempts: 5 }),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'job-timeouts' } }),
  };
});

/**
 * launch: one job's slot, from its EventBridge Scheduler schedule (`{ job, scheduledTime }`) or from
 * `ecs-ops jobs run` (`{ job, requestId }`) → at most one RunTask per slot, recorded in the state table and
 * the journal; a launch that gives up pages once. Returns the run summary (the CLI prints it).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { launchEnvironment } from '../lib/jobs/environment.js';
import {
  createLauncher,
  type LaunchDependencies,
  type LaunchEvent,
  type LaunchOutcome,
  type RunSummary,
} from '../lib/jobs/launcher.js';
import { RunStore } from '../lib/jobs/run-store.js';
import { Journal } from '../lib/platform/journal.js';
import { SnsPublisher } from '../lib/platform/notification/publisher.js';
import { StateStore } from '../lib/platform/store/state-store.js';

export type { LaunchEvent, RunSummary };

type Dependencies = LaunchDependencies & { logger: Logger };

const MESSAGES: Record<LaunchOutcome, string> = {
  launched: 'job launched',
  partial: 'job partially launched',
  replaced: 'job replaced',
  skipped: 'job skipped',
  disabled: 'job skipped',
  'past-deadline': 'job skipped',
  failed: 'job failed',
  duplicate: 'job duplicate',
};

/**
 * The one log line of a launch: `job launched`, `job partially launched`, `job skipped`, `job replaced`,
 * `job failed`, `job duplicate`.
 */
export function logSummary(logger: Logger, summary: RunSummary): void {
  const message = MESSAGES[summary.outcome];
  if (summary.outcome === 'failed' || summary.outcome === 'partial') logger.error(message, { ...summary });
  else logger.info(message, { ...summary });
}

export function createHandler(dependencies: () => Dependencies) {
  let ready: { logger: Logger; launch: ReturnType<typeof createLauncher> } | undefined;
  return async function launchHandler(event: LaunchEvent, context?: Context): Promise<RunSummary> {
    if (ready === undefined) {
      const made = dependencies();
      ready = { logger: made.logger, launch: createLauncher(made) };
    }
    const { logger } = ready;
    if (context) logger.addContext(context);
    const summary = await ready.launch(event, context);
    logSummary(logger, summary);
    return summary;
  };
}

export const handler = createHandler(() => {
  const env = launchEnvironment();
  const store = new StateStore({ tableName: env.STATE_TABLE });
  return {
    jobs: env.JOBS_CONFIG,
    runs: new RunStore({
      tableName: env.STATE_TABLE,
      client: store.client,
      retentionDays: env.RETENTION_HISTORY_DAYS,
    }),
    store,
    ecs: new ECSClient({}),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, new SNSClient({ maxAttempts: 5 })),
    journal: new Journal({
      tableName: env.STATE_TABLE,
      client: store.client,
      retentionDays: env.RETENTION_HISTORY_DAYS,
    }),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'launch' } }),
  };
});

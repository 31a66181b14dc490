/**
 * launch: one job's slot, from its EventBridge Scheduler schedule (`{ job, scheduledTime }`) or from
 * `ecs-ops jobs run` (`{ job, requestId }`) → at most one RunTask per slot, recorded in the state table and
 * the journal; a launch that gives up pages once. Returns the run summary (the CLI prints it).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  createLauncher,
  type LaunchDependencies,
  type LaunchEvent,
  type LaunchOutcome,
  type RunSummary,
} from '../lib/jobs/launcher.js';
import { launchMetrics } from '../lib/jobs/metrics.js';
import { launchDependencies } from '../lib/jobs/wiring.js';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';
import { publishFailures } from '../lib/platform/notification/metrics.js';

export type { LaunchEvent, RunSummary };

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
function logSummary(logger: Logger, summary: RunSummary): void {
  const message = MESSAGES[summary.outcome];
  if (summary.outcome === 'failed' || summary.outcome === 'partial') logger.error(message, { ...summary });
  else logger.info(message, { ...summary });
}

export const createHandler = (dependencies: () => LaunchDependencies, logger = functionLogger('launch')) =>
  lambdaHandler({
    name: 'launch',
    logger,
    dependencies: () => createLauncher(dependencies()),
    handle: async (event: LaunchEvent, launch, context, record): Promise<RunSummary> => {
      let summary: RunSummary;
      try {
        summary = await launch(event, context);
      } catch (error) {
        // A page that SNS refused fails the launch (the retry sends it): the one failed publish it can have.
        record([publishFailures([{ error }])]);
        throw error;
      }
      logSummary(logger, summary);
      record(launchMetrics(summary));
      return summary;
    },
  });

export const handler = createHandler(launchDependencies);

/**
 * job-runs: STOPPED task events of job tasks (`startedBy` ecs-ops-job/<name>), from their SQS queue → each
 * run completed once (succeeded, failed, timed-out) with its exit codes and duration; a failed or timed-out
 * run pages once. Invalid records go to the dead-letter queue; transient failures are redelivered.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createJobRuns, type JobRunOutcome, type JobRunsDependencies } from '../lib/jobs/job-runs.js';
import { jobRunsDependencies } from '../lib/jobs/wiring.js';
import { functionLogger } from '../lib/platform/handler/handler.js';
import { type Processed, sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';

/** The log line of each record: `job run completed`, `job run waiting`, `job task without a run`, …. */
function logOutcome(logger: Logger, outcome: Processed<JobRunOutcome>): void {
  switch (outcome.outcome) {
    case 'completed':
      logger.info('job run completed', { ...outcome });
      return;
    case 'waiting':
      logger.info('job run waiting for its other tasks', { ...outcome });
      return;
    case 'already-completed':
      logger.info('job run already completed', { ...outcome });
      return;
    case 'no-run':
      logger.info('job task without a run', { ...outcome });
      return;
    case 'ignored':
      logger.debug('not a stopped job task', { ...outcome });
  }
}

export const createHandler = (dependencies: () => JobRunsDependencies, logger = functionLogger('job-runs')) =>
  sqsBatchHandler({ logger, dependencies, processorOf: createJobRuns, logOutcome });

export const handler = createHandler(jobRunsDependencies);

/**
 * job-runs: STOPPED task events of job tasks (`startedBy` ecs-ops-job/<name>), from their SQS queue → each
 * run completed once (succeeded, failed, timed-out) with its exit codes and duration; a failed or timed-out
 * run pages once. Invalid records go to the dead-letter queue; transient failures are redelivered.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createJobRuns, type JobRunOutcome, type JobRunsDependencies } from '../lib/jobs/job-runs.js';
import { jobRunMetrics } from '../lib/jobs/metrics.js';
import { jobRunsDependencies } from '../lib/jobs/wiring.js';
import { functionLogger } from '../lib/platform/handler/handler.js';
import { type Processed, sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';

/** The log line of each record: `job run completed`, `job run waiting…`, `job task without a run`, …. */
const LINES: Record<Processed<JobRunOutcome>['outcome'], [level: 'info' | 'debug', message: string]> = {
  completed: ['info', 'job run completed'],
  waiting: ['info', 'job run waiting for its other tasks'],
  'already-completed': ['info', 'job run already completed'],
  'no-run': ['info', 'job task without a run'],
  ignored: ['debug', 'not a stopped job task'],
};

function logOutcome(logger: Logger, outcome: Processed<JobRunOutcome>): void {
  const [level, message] = LINES[outcome.outcome];
  logger[level](message, { ...outcome });
}

export const createHandler = (dependencies: () => JobRunsDependencies, logger = functionLogger('job-runs')) =>
  sqsBatchHandler({
    name: 'job-runs',
    logger,
    dependencies,
    processorOf: createJobRuns,
    logOutcome,
    metricsOf: ({ outcomes }) => jobRunMetrics(outcomes),
  });

export const handler = createHandler(jobRunsDependencies);

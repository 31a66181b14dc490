/**
 * job-timeouts: every minute, stops the tasks of job runs past their `timeoutMinutes`; job-runs then records
 * each as timed out and pages.
 */
import { jobTimeoutMetrics } from '../lib/jobs/metrics.js';
import { createTimeoutSweeper, type TimeoutSweeperDependencies } from '../lib/jobs/timeouts.js';
import { jobTimeoutsDependencies } from '../lib/jobs/wiring.js';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';

export const createHandler = (
  dependencies: () => TimeoutSweeperDependencies,
  logger = functionLogger('job-timeouts'),
) =>
  lambdaHandler({
    name: 'job-timeouts',
    logger,
    dependencies: () => createTimeoutSweeper(dependencies()),
    handle: async (_event: unknown, sweep, _context, record): Promise<{ stopped: number }> => {
      const stopped = await sweep();
      for (const run of stopped) logger.warn('job run timed out: tasks stopped', { ...run });
      record(jobTimeoutMetrics(stopped));
      return { stopped: stopped.length };
    },
  });

export const handler = createHandler(jobTimeoutsDependencies);

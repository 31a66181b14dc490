/**
 * drain-sweeper: every minute, each open drain — refreshed from the reconciled state, heartbeated before its
 * lifecycle action times out, its standalone tasks stopped when configured, released at its deadline (on-call
 * is told what still ran), and a release a dead invocation left half done finished.
 */
import type { Drainer } from '../lib/drain/drainer.js';
import { drainSweepMetrics } from '../lib/drain/metrics.js';
import { drainSweeperDependencies } from '../lib/drain/wiring.js';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';

export const createHandler = (
  dependencies: () => { drainer: Drainer },
  logger = functionLogger('drain-sweeper'),
) =>
  lambdaHandler({
    name: 'drain-sweeper',
    logger,
    dependencies,
    handle: async (
      _event: unknown,
      { drainer },
      _context,
      record,
    ): Promise<{ open: number; released: number }> => {
      const reports = await drainer.sweep();
      for (const report of reports) {
        if (report.step === 'waiting') logger.debug('drain waiting', { ...report });
        else logger.info(`drain ${report.step}`, { ...report });
      }
      record(drainSweepMetrics(reports));
      const released = reports.filter((report) => report.step === 'released').length;
      return { open: reports.length - released, released };
    },
  });

export const handler = createHandler(drainSweeperDependencies);

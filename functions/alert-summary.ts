/**
 * alert-summary: every minute, sweeps the crash-loop windows (lib/alerts/sweep.ts): closes early those whose
 * service recovered, sends the summary of each that ended (one that counted nothing settles quietly) and the
 * one resolved message of each whose outage is over. A failed publish gives its claim back, and a holder that
 * dies leaves it to a later run once its lease runs out: a window stays listed until it is resolved.
 */
import { sweepMetrics } from '../lib/alerts/metrics.js';
import { type SweepDependencies, type SweepOutcome, sweepWindows } from '../lib/alerts/sweep.js';
import { alertSummaryDependencies } from '../lib/alerts/wiring.js';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';

export const createHandler = (
  dependencies: () => SweepDependencies,
  logger = functionLogger('alert-summary'),
) =>
  lambdaHandler({
    name: 'alert-summary',
    logger,
    dependencies,
    handle: async (_event: unknown, ready, _context, record): Promise<{ outcomes: SweepOutcome[] }> => {
      const outcomes = await sweepWindows(ready);
      for (const outcome of outcomes) {
        if (outcome.outcome === 'summary-sent') logger.info('alert summary sent', { ...outcome });
        else if (outcome.outcome === 'resolved') logger.info('alert resolved', { ...outcome });
        else if (outcome.outcome === 'closed-quietly' || outcome.outcome === 'closed-early')
          logger.info('crash-loop window closed', { ...outcome });
        else if (outcome.outcome === 'failed') logger.error('sweep will be retried', { ...outcome });
      }
      record(sweepMetrics(outcomes));
      // A failed summary is retried by the next run; failing the invocation would only have it retried now.
      return { outcomes };
    },
  });

export const handler = createHandler(alertSummaryDependencies);

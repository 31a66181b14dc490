/**
 * alert-summary: every minute, claims the summary of each crash-loop window that has ended and sends it (a
 * window that counted nothing after its page closes quietly). A failed publish gives the claim back, and a
 * holder that dies leaves it to a later run once its lease runs out: the window stays listed until it is sent.
 */
import { type SummaryDependencies, type SummaryOutcome, sweepWindows } from '../lib/alerts/summary.js';
import { alertSummaryDependencies } from '../lib/alerts/wiring.js';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';

export const createHandler = (
  dependencies: () => SummaryDependencies,
  logger = functionLogger('alert-summary'),
) =>
  lambdaHandler({
    logger,
    dependencies,
    handle: async (_event: unknown, ready): Promise<{ outcomes: SummaryOutcome[] }> => {
      const outcomes = await sweepWindows(ready);
      for (const outcome of outcomes) {
        if (outcome.outcome === 'summary-sent') logger.info('alert summary sent', { ...outcome });
        else if (outcome.outcome === 'closed-quietly')
          logger.info('crash-loop window closed', { ...outcome });
        else if (outcome.outcome === 'failed') logger.error('summary will be retried', { ...outcome });
      }
      // A failed summary is retried by the next run; failing the invocation would only have it retried now.
      return { outcomes };
    },
  });

export const handler = createHandler(alertSummaryDependencies);

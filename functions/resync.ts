/**
 * resync: on its schedule, after each deploy (the day-one backfill) and as its own follow-up — compares the
 * store with the ECS API and corrects it (lib/resync). A run that runs short of time invokes the function again,
 * asynchronously, with its cursor.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';
import { resyncMetrics } from '../lib/resync/metrics.js';
import { PHASES, type ResyncRequest, type ResyncResult } from '../lib/resync/model.js';
import { resync } from '../lib/resync/resync.js';
import { type ResyncFunctionDependencies, resyncDependencies } from '../lib/resync/wiring.js';

const Continuation = z.object({
  trigger: z.literal('continuation'),
  cursor: z.object({
    runId: z.string(),
    clusters: z.array(z.string()),
    phase: z.enum(PHASES),
    nextToken: z.optional(z.string()),
  }),
});

/** What invoked it: a run going on (with its cursor), the deploy, or else the schedule. */
function requestOf(event: unknown): Pick<ResyncRequest, 'trigger' | 'cursor'> {
  const continuation = z.safeParse(Continuation, event);
  if (continuation.success) {
    const { nextToken, ...cursor } = continuation.data.cursor;
    return { trigger: 'continuation', cursor: nextToken === undefined ? cursor : { ...cursor, nextToken } };
  }
  const deploy = (event as { trigger?: unknown } | null)?.trigger === 'deploy';
  return { trigger: deploy ? 'deploy' : 'schedule' };
}

export const createHandler = (
  dependencies: () => ResyncFunctionDependencies,
  logger = functionLogger('resync'),
) =>
  lambdaHandler({
    name: 'resync',
    logger,
    dependencies,
    handle: async (event: unknown, resources, context, record): Promise<ResyncResult> => {
      const request = requestOf(event);
      const trigger = request.trigger;
      const result = await resync(
        { ...request, remainingMs: () => context.getRemainingTimeInMillis() },
        resources,
      );
      for (const report of result.reports) {
        const { corrections, ...counts } = report;
        const level = report.failed > 0 || report.invalid.length > 0 ? 'warn' : 'info';
        logger[level]('resync of a cluster', { ...counts, corrections: corrections.length, trigger });
      }
      record(resyncMetrics(result));
      if (result.cursor !== undefined) {
        await resources.lambda.send(
          new InvokeCommand({
            FunctionName: context.functionName,
            InvocationType: 'Event',
            Payload: JSON.stringify({ trigger: 'continuation', cursor: result.cursor }),
          }),
        );
        logger.info('resync continues in a follow-up invocation', { cursor: result.cursor });
      }
      return result;
    },
  });

export const handler = createHandler(resyncDependencies);

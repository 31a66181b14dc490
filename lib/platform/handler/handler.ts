/**
 * The one way an ecs-ops Lambda function is defined: a middy handler with the Powertools logger's context
 * injection (every log line names the function, the request and whether it was a cold start), Powertools Metrics
 * (lib/platform/metrics.ts: EMF lines flushed once per invocation, even when it fails, and the cold start
 * metric), and one set of dependencies per container, built at the first invocation — so a missing or malformed
 * environment variable fails that invocation, and its log, with the variable's name instead of failing the
 * module load.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { environmentOf, Name } from '../config/environment.js';
import { METRICS_NAMESPACE, type MetricRecord, metricDimensions } from '../metrics.js';

/** An ecs-ops function's logger: JSON lines under the service `ecs-ops`, each with the function's name. */
export const functionLogger = (name: string): Logger =>
  new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: name } });

/** Adds a function's metric records to this invocation's metrics (lib/<capability>/metrics.ts maps them). */
export type RecordMetrics = (records: readonly MetricRecord[]) => void;

interface HandlerDefinition<Event, Result, Dependencies> {
  /** The function's name (`reconcile`, `alert`, …): its metrics' `function` dimension. */
  name: string;
  logger: Logger;
  /** Builds what the function works with; called once per container, again only if it threw. */
  dependencies: () => Dependencies;
  handle: (
    event: Event,
    dependencies: Dependencies,
    context: Context,
    record: RecordMetrics,
  ) => Promise<Result>;
}

export type LambdaHandler<Event, Result> = (event: Event, context: Context) => Promise<Result>;

/** serverless.yml's stage (`${sls:stage}`): every metric's `stage` dimension. */
const stageEnvironment = environmentOf(z.object({ STAGE: Name }));

export function lambdaHandler<Event, Result, Dependencies>({
  name,
  logger,
  dependencies,
  handle,
}: HandlerDefinition<Event, Result, Dependencies>): LambdaHandler<Event, Result> {
  // Powertools' own warnings (an invocation that recorded nothing) go to the function's log as JSON lines.
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, logger });
  let ready: { dependencies: Dependencies; record: RecordMetrics } | undefined;
  // Set up before logMetrics runs, so that the cold start metric has the stage as every other metric does.
  const setUp: middy.MiddlewareObj<Event, Result> = {
    before: () => {
      if (ready !== undefined) return;
      try {
        const built = dependencies();
        const dimensions = metricDimensions(stageEnvironment().STAGE, name);
        withDimensions(metrics, dimensions);
        ready = { dependencies: built, record: recorder(metrics, dimensions, logger) };
      } catch (error) {
        logger.error('the function could not be set up', error as Error);
        throw error;
      }
    },
  };
  // No early timeout: nothing in the handlers listens to middy's abort signal, so rejecting before Lambda's
  // own timeout would leave the work running in the container, overlapping the next invocation.
  return middy<Event, Result>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger))
    .use(setUp)
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(async (event, context) => {
      // setUp threw unless it set `ready`: middy then skips the handler.
      const { dependencies: built, record } = ready as NonNullable<typeof ready>;
      return handle(event, built, context, record);
    });
}

/** Records go to the invocation's metrics, flushed by logMetrics; one with dimensions of its own, on its own line. */
function recorder(metrics: Metrics, dimensions: Record<string, string>, logger: Logger): RecordMetrics {
  return (records) => {
    for (const { name, unit, value, dimensions: own } of records) {
      // Dimensions hold for every metric of an EMF line: such a record is written at once, alone.
      const line =
        own === undefined
          ? metrics
          : withDimensions(new Metrics({ namespace: METRICS_NAMESPACE, logger, singleMetric: true }), {
              ...dimensions,
              ...own,
            });
      line.addMetric(name, unit, value);
    }
  };
}

/** Exactly these dimensions: not Powertools' own `service`, which the alarms do not name (lib/platform/metrics.ts). */
function withDimensions(metrics: Metrics, dimensions: Record<string, string>): Metrics {
  metrics.clearDefaultDimensions();
  return metrics.setDefaultDimensions(dimensions);
}

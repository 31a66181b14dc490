/**
 * The one way an ecs-ops Lambda function is defined: a middy handler with the Powertools logger's context
 * injection (every log line names the function, the request and whether it was a cold start), and one set of
 * dependencies per container, built at the first invocation — so a missing or malformed environment variable
 * fails that invocation, and its log, with the variable's name instead of failing the module load.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

/** An ecs-ops function's logger: JSON lines under the service `ecs-ops`, each with the function's name. */
export const functionLogger = (name: string): Logger =>
  new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: name } });

interface HandlerDefinition<Event, Result, Dependencies> {
  logger: Logger;
  /** Builds what the function works with; called once per container, again only if it threw. */
  dependencies: () => Dependencies;
  handle: (event: Event, dependencies: Dependencies, context: Context) => Promise<Result>;
}

export type LambdaHandler<Event, Result> = (event: Event, context: Context) => Promise<Result>;

export function lambdaHandler<Event, Result, Dependencies>({
  logger,
  dependencies,
  handle,
}: HandlerDefinition<Event, Result, Dependencies>): LambdaHandler<Event, Result> {
  let ready: Dependencies | undefined;
  // No early timeout: nothing in the handlers listens to middy's abort signal, so rejecting before Lambda's
  // own timeout would leave the work running in the container, overlapping the next invocation.
  return middy<Event, Result>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      if (ready === undefined) {
        try {
          ready = dependencies();
        } catch (error) {
          logger.error('the function could not be set up', error as Error);
          throw error;
        }
      }
      return handle(event, ready, context);
    });
}

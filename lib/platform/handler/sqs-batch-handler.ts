/**
 * The shape every ecs-ops queue consumer's handler has: build the dependencies once per container (at the
 * first invocation, so a bad environment fails the invocation with the variable's name), turn the SQS event
 * into records, process them, log one line per outcome, and hand back the records to redeliver
 * (ReportBatchItemFailures).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

export interface BatchRecord {
  id: string;
  body: string;
}

export type BatchProcessor<Outcome> = (
  records: BatchRecord[],
  context?: Context,
) => Promise<{ outcomes: Outcome[]; redeliver: string[] }>;

export function sqsBatchHandler<Dependencies extends { logger: Logger }, Outcome>(
  dependencies: () => Dependencies,
  processorOf: (dependencies: Dependencies) => BatchProcessor<Outcome>,
  logOutcome: (logger: Logger, outcome: Outcome) => void,
) {
  let ready: { logger: Logger; process: BatchProcessor<Outcome> } | undefined;
  return async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    if (ready === undefined) {
      const made = dependencies();
      ready = { logger: made.logger, process: processorOf(made) };
    }
    const { logger } = ready;
    if (context) logger.addContext(context);
    const records = event.Records.map((record) => ({ id: record.messageId, body: record.body }));
    const { outcomes, redeliver } = await ready.process(records, context);
    for (const outcome of outcomes) logOutcome(logger, outcome);
    return { batchItemFailures: redeliver.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

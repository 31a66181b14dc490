/**
 * The shape every ecs-ops queue consumer's handler has (ReportBatchItemFailures): turn the SQS event into
 * records, process them, log one line per record, record the batch's metrics, and hand back the records to
 * redeliver. A record that did not go through is logged by the class of its error: invalid input was
 * dead-lettered, a step in progress elsewhere is routine, anything else is an error.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SettledOutcome } from '../dead-letters/dead-letter.js';
import { type EcsOpsError, InProgressElsewhereError, InvalidInputError } from '../errors.js';
import type { MetricRecord } from '../metrics.js';
import { type LambdaHandler, lambdaHandler } from './handler.js';

export interface BatchRecord {
  id: string;
  body: string;
}

/** The outcome of a record that went through. */
export type Processed<Outcome> = Exclude<Outcome, { error: EcsOpsError }>;

type BatchProcessor<Outcome> = (
  records: BatchRecord[],
  context: Context,
) => Promise<{ outcomes: Outcome[]; redeliver: string[] }>;

interface BatchHandlerDefinition<Dependencies, Outcome extends SettledOutcome> {
  /** The function's name: its metrics' `function` dimension. */
  name: string;
  logger: Logger;
  dependencies: () => Dependencies;
  /** The batch processor, made once per container from the dependencies. */
  processorOf: (dependencies: Dependencies) => BatchProcessor<Outcome>;
  /** The line of a record that went through; none when absent. */
  logOutcome?: (logger: Logger, outcome: Processed<Outcome>) => void;
  /** A line for the whole batch, after the records' lines. */
  logBatch?: (logger: Logger, batch: { records: number; outcomes: Outcome[]; redeliver: string[] }) => void;
  /** The batch's metrics (lib/<capability>/metrics.ts). */
  metricsOf: (batch: { records: readonly BatchRecord[]; outcomes: readonly Outcome[] }) => MetricRecord[];
}

export function sqsBatchHandler<Dependencies, Outcome extends SettledOutcome>({
  name,
  logger,
  dependencies,
  processorOf,
  logOutcome,
  logBatch,
  metricsOf,
}: BatchHandlerDefinition<Dependencies, Outcome>): LambdaHandler<SQSEvent, SQSBatchResponse> {
  return lambdaHandler({
    name,
    logger,
    dependencies: () => processorOf(dependencies()),
    handle: async (event: SQSEvent, processRecords, context, recordMetrics) => {
      const records = event.Records.map((record) => ({ id: record.messageId, body: record.body }));
      const { outcomes, redeliver } = await processRecords(records, context);
      for (const outcome of outcomes) {
        const { error, ...fields } = outcome;
        // Narrowing does not reach a generic union: an outcome without an error is a processed one.
        if (error === undefined) logOutcome?.(logger, outcome as Processed<Outcome>);
        // The field and the reason say all about bad input; a failure's error adds its cause and stack.
        else if (error instanceof InvalidInputError) logger.warn('dead-lettered an invalid record', fields);
        else if (error instanceof InProgressElsewhereError) {
          logger.info('in progress elsewhere: will be redelivered', fields);
        } else logger.error('record will be redelivered', { ...fields, error });
      }
      logBatch?.(logger, { records: records.length, outcomes, redeliver });
      recordMetrics(metricsOf({ records, outcomes }));
      return { batchItemFailures: redeliver.map((itemIdentifier) => ({ itemIdentifier })) };
    },
  });
}

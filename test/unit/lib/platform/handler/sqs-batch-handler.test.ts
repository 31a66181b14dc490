import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { failedRecord, invalidRecord } from '../../../../../lib/platform/dead-letters/dead-letter.js';
import { ConflictError, InProgressElsewhereError } from '../../../../../lib/platform/errors.js';
import { functionLogger } from '../../../../../lib/platform/handler/handler.js';
import { sqsBatchHandler } from '../../../../../lib/platform/handler/sqs-batch-handler.js';
import { METRIC, metricRecord } from '../../../../../lib/platform/metrics.js';
import { lambdaContext } from '../../../../support/lambda-context.js';
import { captureLogLines } from '../../../../support/log-lines.js';
import { emittedMetrics, handlerEnvironment } from '../../../../support/metrics.js';

const sqsEvent = (bodies: string[]) =>
  ({ Records: bodies.map((body, index) => ({ messageId: `m${index}`, body })) }) as unknown as SQSEvent;

describe('sqsBatchHandler', () => {
  it('logs each record by the class of its error, records its metrics, and reports the ones to redeliver', async () => {
    // Prepare: one record of each kind; the processor decides by body.
    const lines = captureLogLines();
    handlerEnvironment({ emf: true });
    const outcomeOf = (id: string, body: string) => {
      if (body === 'bad') return invalidRecord(id, { field: 'detail.version', reason: 'expected a number' });
      if (body === 'busy') return failedRecord(id, new InProgressElsewhereError('decided elsewhere'));
      if (body === 'lost') return failedRecord(id, new ConflictError('another writer'));
      return { id, outcome: 'done' as const, reason: `did ${body}` };
    };
    const handler = sqsBatchHandler({
      name: 'consumer',
      logger: functionLogger('consumer'),
      dependencies: () => ({}),
      processorOf: () => async (records) => {
        const outcomes = records.map(({ id, body }) => outcomeOf(id, body));
        return { outcomes, redeliver: ['m2', 'm3'] };
      },
      logOutcome: (logger, outcome) => logger.info('record done', { ...outcome }),
      logBatch: (logger, { records, redeliver }) =>
        logger.info('batch', { records, redeliver: redeliver.length }),
      metricsOf: ({ records }) => [metricRecord(METRIC.eventsReceived, records.length)],
    });

    // Act
    const response = await handler(sqsEvent(['ok', 'bad', 'busy', 'lost']), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] });
    const logLines = lines.filter((line) => 'message' in line);
    expect(logLines.map((line) => [line.level, line.message, line.id])).toEqual([
      ['INFO', 'record done', 'm0'],
      ['WARN', 'dead-lettered an invalid record', 'm1'],
      ['INFO', 'in progress elsewhere: will be redelivered', 'm2'],
      ['ERROR', 'record will be redelivered', 'm3'],
      ['INFO', 'batch', undefined],
    ]);
    // Bad input is described by its field and reason; an unexpected failure also by its error.
    expect(logLines[1]).toMatchObject({ field: 'detail.version', reason: 'expected a number' });
    expect(logLines[1]).not.toHaveProperty('error');
    expect(logLines[3]).toMatchObject({ error: { name: 'ConflictError', retryable: true } });
    expect(emittedMetrics(lines)).toEqual([
      {
        name: 'EventsReceived',
        unit: 'Count',
        value: 4,
        dimensions: { stage: 'test', function: 'consumer' },
        namespace: 'ecs-ops',
      },
    ]);
  });
});

/**
 * One SQS batch of the drain queue: triggers start drains, ECS events advance them. Records are taken in
 * order (a lifecycle action before the instance events it causes); an invalid one goes to the dead-letter
 * queue with its field and reason, a failing one is redelivered, and the rest of the batch goes on.
 */
import {
  type DeadLetterSink,
  failedRecord,
  invalidRecord,
  settleBatch,
} from '../platform/dead-letters/dead-letter.js';
import type { EcsOpsError, InvalidInputError } from '../platform/errors.js';
import type { BatchRecord } from '../platform/handler/sqs-batch-handler.js';
import type { Drainer, DrainReport } from './drainer.js';
import { parseDrainEvent } from './events.js';

export type DrainRecordOutcome =
  | ({ id: string; outcome: 'done' } & DrainReport)
  | { id: string; outcome: 'invalid'; field: string; reason: string; error: InvalidInputError }
  | { id: string; outcome: 'failed'; reason: string; error: EcsOpsError };

export interface DrainBatchDependencies {
  drainer: Drainer;
  deadLetters: DeadLetterSink;
}

export function createDrainBatch({ drainer, deadLetters }: DrainBatchDependencies) {
  async function one(record: BatchRecord): Promise<DrainRecordOutcome> {
    const parsed = parseDrainEvent(record.body);
    if (!parsed.ok) return invalidRecord(record.id, parsed.error);
    const { event } = parsed;
    try {
      const report =
        event.kind === 'lifecycle'
          ? await drainer.start({
              ec2InstanceId: event.ec2InstanceId,
              trigger: 'lifecycle',
              at: event.time,
              lifecycle: {
                autoScalingGroup: event.autoScalingGroup,
                hook: event.hook,
                token: event.token,
                startedAt: event.time,
              },
            })
          : event.kind === 'spot'
            ? await drainer.start({ ec2InstanceId: event.ec2InstanceId, trigger: 'spot', at: event.time })
            : await drainer.observeEvent(event);
      return { id: record.id, outcome: 'done', ...report };
    } catch (error) {
      return failedRecord(record.id, error);
    }
  }

  return async function processDrainBatch(records: readonly BatchRecord[]) {
    const outcomes: DrainRecordOutcome[] = [];
    for (const record of records) outcomes.push(await one(record));
    const redeliver = await settleBatch(records, outcomes, deadLetters);
    return { outcomes, redeliver };
  };
}

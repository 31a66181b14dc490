/**
 * The dead-letter path: records that can never be stored (bad input) leave the batch with their reason,
 * so the rest of the batch goes on and an operator can read why each one was refused.
 */
import { asEcsOpsError, type EcsOpsError, InvalidInputError } from '../errors.js';

export interface DeadLetter {
  /** The source message id (SQS) or line number (replay). */
  id: string;
  body: string;
  field: string;
  reason: string;
}

export interface DeadLetterSink {
  /** Sends the letters; returns the ids it could not send, which the caller must not acknowledge. */
  send(letters: readonly DeadLetter[]): Promise<string[]>;
}

/** What a record of a batch came to, as far as settling the batch goes: `error` unless it went through. */
export interface SettledOutcome {
  id: string;
  error?: EcsOpsError;
}

/**
 * Settles a batch the way every ecs-ops queue consumer does, by the class of each record's error: invalid
 * input goes to the dead-letter sink with its field and reason (retrying cannot fix it); any other error
 * leaves the record for redelivery (batchItemFailures), as do letters the sink could not take. A record that
 * fails on every delivery reaches the dead-letter queue through the queue's redrive policy.
 */
export async function settleBatch(
  records: readonly { id: string; body: string }[],
  outcomes: readonly SettledOutcome[],
  sink: DeadLetterSink,
): Promise<string[]> {
  const bodies = new Map(records.map((record) => [record.id, record.body]));
  const letters: DeadLetter[] = [];
  const failed: string[] = [];
  for (const { id, error } of outcomes) {
    if (error instanceof InvalidInputError) {
      letters.push({ id, body: bodies.get(id) ?? '', field: error.field, reason: error.reason });
    } else if (error !== undefined) failed.push(id);
  }
  // A sink that fails outright has sent nothing: those records stay on the queue, the rest of the batch is done.
  const unsent = await sink.send(letters).catch(() => letters.map((letter) => letter.id));
  return [...failed, ...unsent];
}

/** The outcome of a record refused as it is: `field` and `reason` for people, the error for settlement. */
export const invalidRecord = (id: string, { field, reason }: { field: string; reason: string }) => ({
  id,
  outcome: 'invalid' as const,
  field,
  reason,
  error: new InvalidInputError(field, reason),
});

/** The outcome of a record whose processing threw: it is redelivered; `reason` says why for people. */
export function failedRecord(id: string, thrown: unknown) {
  const error = asEcsOpsError(thrown);
  return { id, outcome: 'failed' as const, reason: error.message, error };
}

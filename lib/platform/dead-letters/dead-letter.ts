/**
 * The dead-letter path: records that can never be stored (bad input) leave the batch with their reason,
 * so the rest of the batch goes on and an operator can read why each one was refused.
 */
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

/** What a record of a batch came to, as far as settling the batch is concerned. */
export interface SettledOutcome {
  id: string;
  outcome: string;
  /** For `invalid` records: the field at fault and why. */
  field?: string;
  reason?: string;
}

/**
 * Settles a batch the way every ecs-ops queue consumer does: invalid records go to the dead-letter sink with
 * their reason; failed ones, and letters the sink could not take, are left for redelivery (batchItemFailures).
 */
export async function settleBatch(
  records: readonly { id: string; body: string }[],
  outcomes: readonly SettledOutcome[],
  sink: DeadLetterSink,
): Promise<string[]> {
  const bodies = new Map(records.map((record) => [record.id, record.body]));
  const letters = outcomes.flatMap((outcome) =>
    outcome.outcome === 'invalid'
      ? [
          {
            id: outcome.id,
            body: bodies.get(outcome.id) ?? '',
            field: outcome.field ?? '(body)',
            reason: outcome.reason ?? 'refused',
          },
        ]
      : [],
  );
  // A sink that fails outright has sent nothing: those records stay on the queue, the rest of the batch is done.
  const unsent = await sink.send(letters).catch(() => letters.map((letter) => letter.id));
  const failed = outcomes.flatMap((outcome) => (outcome.outcome === 'failed' ? [outcome.id] : []));
  return [...failed, ...unsent];
}

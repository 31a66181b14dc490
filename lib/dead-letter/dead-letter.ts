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

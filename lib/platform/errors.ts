/**
 * The one error tree of ecs-ops. Batch settlement routes a record by the class of its error — invalid input
 * to the dead-letter queue, everything else back to the queue — so no caller ever reads an error's message
 * to decide what to do; the message is for people (logs, dead-letter attributes, the CLI).
 *
 * `retryable` says whether the same request may succeed later (contention, throttling, a 5xx, a step running
 * elsewhere) or not (bad input, a bug, a refusal AWS will repeat).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

// Each class names itself: the bundles are minified, so a constructor's own name is not the class's.
export class EcsOpsError extends Error {
  override name = 'EcsOpsError';
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** A record that can never be processed as it is: it goes to the dead-letter queue with the field and why. */
export class InvalidInputError extends EcsOpsError {
  override name = 'InvalidInputError';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`, { retryable: false });
  }
}

/** A conditional write lost to another writer: read again and redo the step (on redelivery, or at once). */
export class ConflictError extends EcsOpsError {
  override name = 'ConflictError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, ...options });
  }
}

/** An AWS call that failed after the SDK's own retries; retryable as the SDK itself judges the error. */
export class AwsFailure extends EcsOpsError {
  override name = 'AwsFailure';

  constructor(error: Error) {
    super(`${error.name}: ${error.message}`, { retryable: retryableAwsError(error), cause: error });
  }
}

/**
 * Another invocation is running the same step (an idempotency record in progress): redelivery will find its
 * result. The idempotent step maps Powertools' IdempotencyAlreadyInProgressError to it where it runs, so only
 * that function's bundle carries Powertools idempotency.
 */
export class InProgressElsewhereError extends EcsOpsError {
  override name = 'InProgressElsewhereError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, ...options });
  }
}

/**
 * Any thrown value as a member of the tree: ecs-ops' own errors as they are, the SDK's by their class,
 * anything else (a bug) as a non-retryable EcsOpsError that keeps the original as its cause.
 */
export function asEcsOpsError(error: unknown): EcsOpsError {
  if (error instanceof EcsOpsError) return error;
  if (error instanceof ConditionalCheckFailedException) {
    return new ConflictError(`${error.name}: ${error.message}`, { cause: error });
  }
  if (!(error instanceof Error)) return new EcsOpsError(String(error), { retryable: false, cause: error });
  if (isAwsError(error)) return new AwsFailure(error);
  return new EcsOpsError(`${error.name}: ${error.message}`, { retryable: false, cause: error });
}

/**
 * DynamoDB refusing one record's own item for its content (a `ValidationException` on a write whose
 * expressions are constants: a value it will not store), as invalid input with DynamoDB's words as the
 * reason: retrying the same item fails the same way, so it belongs in the dead-letter queue, not in
 * redelivery until the redrive. Undefined for any other error. Only writes of one record's item use it.
 */
export function itemRefusal(error: unknown): InvalidInputError | undefined {
  if (!(error instanceof Error) || error instanceof EcsOpsError || error.name !== 'ValidationException') {
    return undefined;
  }
  return new InvalidInputError('(item)', `DynamoDB refused the item: ${error.message.slice(0, 1_000)}`);
}

/** The SDK's service errors carry response metadata; its networking errors are the ones it would retry. */
function isAwsError(error: Error): boolean {
  return '$metadata' in error || '$fault' in error || retryableAwsError(error);
}

/** The SDK's own classification: a retryable trait, throttling, a transient network error or a 5xx. */
function retryableAwsError(error: Error): boolean {
  // The SDK types its errors' `cause` as an Error; any Error is read the same way.
  const sdkError = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
}

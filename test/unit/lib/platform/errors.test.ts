import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  AwsFailure,
  asEcsOpsError,
  ConflictError,
  EcsOpsError,
  InvalidInputError,
} from '../../../../lib/platform/errors.js';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, attempts: 5 } });

describe('asEcsOpsError', () => {
  it.each([
    {
      name: 'throttling (by the SDK’s own list of throttling errors)',
      error: new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata(400) }),
      retryable: true,
    },
    {
      name: 'a 5xx',
      error: new InternalServerError({ message: 'oops', ...metadata(500) }),
      retryable: true,
    },
    {
      name: 'a transient network error',
      error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      retryable: true,
    },
    {
      name: 'a refusal AWS will repeat',
      error: new ResourceNotFoundException({ message: 'no such table', ...metadata(400) }),
      retryable: false,
    },
  ])('wraps $name as an AwsFailure, retryable as the SDK judges it', ({ error, retryable }) => {
    const mapped = asEcsOpsError(error);

    expect(mapped).toBeInstanceOf(AwsFailure);
    expect(mapped).toMatchObject({ retryable, cause: error, message: `${error.name}: ${error.message}` });
  });

  it('maps a conditional write that lost to a retryable ConflictError', () => {
    const error = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      ...metadata(400),
    });

    const mapped = asEcsOpsError(error);

    expect(mapped).toBeInstanceOf(ConflictError);
    expect(mapped.retryable).toBe(true);
  });

  it('keeps ecs-ops’ own errors, and wraps anything else as a non-retryable error with its cause', () => {
    const invalid = new InvalidInputError('detail', 'too large to store');
    const bug = new TypeError('cannot read properties of undefined');

    expect(asEcsOpsError(invalid)).toBe(invalid);
    expect(asEcsOpsError(bug)).toMatchObject({
      name: 'EcsOpsError',
      message: 'TypeError: cannot read properties of undefined',
      retryable: false,
      cause: bug,
    });
    expect(asEcsOpsError('a string')).toBeInstanceOf(EcsOpsError);
  });

  it('names each class by itself, so logs and Lambda say which it is even in a minified bundle', () => {
    expect(new InvalidInputError('f', 'r')).toMatchObject({ name: 'InvalidInputError', message: 'f: r' });
    expect(new ConflictError('lost')).toMatchObject({ name: 'ConflictError', retryable: true });
  });
});

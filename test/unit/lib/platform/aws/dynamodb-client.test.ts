import { describe, expect, it } from 'vitest';
import { dynamoDbClient } from '../../../../../lib/platform/aws/dynamodb-client.js';

describe('dynamoDbClient', () => {
  it('leaves out the SDK logger middleware, which copies every request and response for a no-op logger', () => {
    const stack = dynamoDbClient({ region: 'us-east-1' }).middlewareStack.identify();
    expect(stack.some((entry) => entry.startsWith('loggerMiddleware'))).toBe(false);
    expect(stack.some((entry) => entry.startsWith('retryMiddleware'))).toBe(true);
  });

  it('retries throttled and transient requests up to five attempts unless told otherwise', async () => {
    expect(await dynamoDbClient({ region: 'us-east-1' }).config.maxAttempts()).toBe(5);
    expect(await dynamoDbClient({ region: 'us-east-1', maxAttempts: 2 }).config.maxAttempts()).toBe(2);
  });
});

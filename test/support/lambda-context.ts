/** The Lambda context a test invokes a handler with: what the handlers and Powertools read of it. */
import type { Context } from 'aws-lambda';

export const lambdaContext = (remainingMs = 900_000): Context =>
  ({
    functionName: 'ecs-ops-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:ecs-ops-test',
    memoryLimitInMB: '512',
    awsRequestId: 'test',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { awsClient } from '../../../../../lib/platform/aws/clients.js';
import { dynamoDbClient } from '../../../../../lib/platform/aws/dynamodb-client.js';

const region = { region: 'us-east-1' };

/** Every client the functions make, as they make it. */
const CLIENTS = [
  { name: 'DynamoDB', make: () => dynamoDbClient(region) },
  { name: 'ECS', make: () => awsClient(ECSClient, region) },
  { name: 'SNS', make: () => awsClient(SNSClient, region) },
  { name: 'SQS', make: () => awsClient(SQSClient, region) },
  { name: 'CloudWatch', make: () => awsClient(CloudWatchClient, region) },
  { name: 'Application Auto Scaling', make: () => awsClient(ApplicationAutoScalingClient, region) },
  { name: 'EC2 Auto Scaling', make: () => awsClient(AutoScalingClient, region) },
];

describe.each(CLIENTS)('the $name client', ({ make }) => {
  it('leaves out the SDK logger middleware, which copies each request and response for a no-op logger', () => {
    const stack = make().middlewareStack.identify();

    expect(stack.some((entry) => entry.startsWith('loggerMiddleware'))).toBe(false);
    expect(stack.some((entry) => entry.startsWith('retryMiddleware'))).toBe(true);
  });

  it('retries throttled and transient requests up to five attempts', async () => {
    expect(await make().config.maxAttempts()).toBe(5);
  });
});

describe('awsClient', () => {
  it('takes the caller’s retry settings over its own', async () => {
    expect(await awsClient(ECSClient, { ...region, maxAttempts: 2 }).config.maxAttempts()).toBe(2);
    expect(await dynamoDbClient({ ...region, maxAttempts: 2 }).config.maxAttempts()).toBe(2);
  });
});

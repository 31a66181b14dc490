/**
 * SQS over AWS JSON 1.0: what the toolkit's dead-letter and event queues use. The SDK checks each sent
 * message's MD5, so the canned answers carry real digests, as any SQS backend must.
 */
import { createHash } from 'node:crypto';
import * as SQS from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { SqsBackend } from '../../../../local/endpoint/index.js';
import { body, cannedBackend, endpointFor } from '../../../support/local-endpoint.js';

const queueUrl = 'http://127.0.0.1/000000000000/ecs-events-dlq';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const outputs = {
  getQueueUrl: { QueueUrl: queueUrl },
  getQueueAttributes: {
    Attributes: {
      ApproximateNumberOfMessages: '3',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:ecs-events-dlq',
    },
  },
  sendMessage: { MessageId: 'm-1', MD5OfMessageBody: md5('{"bad":true}') },
  sendMessageBatch: {
    Successful: [{ Id: 'a', MessageId: 'm-2', MD5OfMessageBody: md5('one') }],
    Failed: [{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: 'Message too long' }],
  },
};

const cases: [keyof typeof outputs, { input: object }][] = [
  ['getQueueUrl', new SQS.GetQueueUrlCommand({ QueueName: 'ecs-events-dlq' })],
  [
    'getQueueAttributes',
    new SQS.GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'],
    }),
  ],
  [
    'sendMessage',
    new SQS.SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: '{"bad":true}',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'detail.version missing' },
        raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
      },
    }),
  ],
  [
    'sendMessageBatch',
    new SQS.SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: [
        { Id: 'a', MessageBody: 'one' },
        { Id: 'b', MessageBody: 'two', DelaySeconds: 5 },
      ],
    }),
  ],
];

describe('SQS over AWS JSON 1.0', () => {
  it.each(cases)(
    '%s: the backend gets the SDK input, the SDK gets the backend output',
    async (method, command) => {
      const { backend, calls } = cannedBackend<SqsBackend>(outputs);
      const { config } = await endpointFor({ sqs: backend });
      const client = new SQS.SQSClient(config);

      const response = await (client.send as (c: unknown) => Promise<{ $metadata: unknown }>)(command);

      expect(calls[method]).toEqual([command.input]);
      expect(body(response)).toEqual(outputs[method]);
    },
  );
});

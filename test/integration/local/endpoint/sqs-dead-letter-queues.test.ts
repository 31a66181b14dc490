/**
 * The local SQS as an operator reaches a stack's dead-letter queues through the real SDK client: finding them
 * (ListQueues, ListDeadLetterSourceQueues), peeking at their messages (ReceiveMessage with the attributes asked
 * for, ChangeMessageVisibilityBatch to show them again) and redriving them (StartMessageMoveTask,
 * ListMessageMoveTasks), with the answers and errors SQS gives. Time is a clock the test moves.
 */
import * as SQS from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Backends } from '../../../../local/endpoint/index.js';
import { LocalQueues } from '../../../../local/sqs/local-queues.js';
import { endpointFor } from '../../../support/local-endpoint.js';

const START = Date.parse('2026-05-01T12:00:00Z');
const text = (value: string): SQS.MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** `orders` (dead letters after one receive to `orders-dlq`), `other` (no dead-letter queue), a clock. */
async function world() {
  let now = START;
  const backends: Backends = {};
  const { endpoint, config } = await endpointFor(backends);
  const queues = new LocalQueues({ now: () => now, baseUrl: endpoint.url });
  backends.sqs = queues;
  const dlq = queues.create('orders-dlq');
  const orders = queues.create('orders', { deadLetterQueue: 'orders-dlq', maxReceiveCount: 1 });
  const other = queues.create('other');
  const client = new SQS.SQSClient(config);
  return {
    client,
    dlq,
    orders,
    other,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    /** Sends a body to `orders` and receives it past its redrive policy: it lands in the dead-letter queue. */
    async deadLetter(body: string) {
      await client.send(new SQS.SendMessageCommand({ QueueUrl: orders.url, MessageBody: body }));
      const receive = new SQS.ReceiveMessageCommand({ QueueUrl: orders.url, VisibilityTimeout: 0 });
      await client.send(receive);
      await client.send(receive);
    },
    /** As SqsDeadLetters sends a refused record: straight to the dead-letter queue, with its reason. */
    async refuse(body: string, reason: string) {
      await client.send(
        new SQS.SendMessageCommand({
          QueueUrl: dlq.url,
          MessageBody: body,
          MessageAttributes: { 'ecs-ops.reason': text(reason), 'ecs-ops.field': text('detail') },
        }),
      );
    },
    bodies: (queue: { peek(): { body: string }[] }) => queue.peek().map((message) => message.body),
  };
}

async function refusal(call: Promise<unknown>) {
  const error = (await call.then(
    () => expect.fail('expected a refusal'),
    (thrown: unknown) => thrown,
  )) as SQS.SQSServiceException;
  return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
}

describe('ListQueues', () => {
  it('lists the queues whose names start with the prefix, by name, a page at a time with MaxResults', async () => {
    const { client, dlq, orders } = await world();

    const all = await client.send(new SQS.ListQueuesCommand({ QueueNamePrefix: 'orders' }));
    const first = await client.send(new SQS.ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 1 }));
    const second = await client.send(
      new SQS.ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 1, NextToken: first.NextToken }),
    );
    const none = await client.send(new SQS.ListQueuesCommand({ QueueNamePrefix: 'nothing' }));

    expect(all).toMatchObject({ QueueUrls: [orders.url, dlq.url] });
    expect(all.NextToken).toBeUndefined();
    expect(first.QueueUrls).toEqual([orders.url]);
    expect(second.QueueUrls).toEqual([dlq.url]);
    expect(second.NextToken).toBeUndefined();
    expect(none.QueueUrls).toBeUndefined();
  });
});

describe('ListDeadLetterSourceQueues', () => {
  it('names the queues whose redrive policy targets the queue; none for any other; an unknown queue is refused', async () => {
    const { client, dlq, orders, other } = await world();

    const sources = await client.send(new SQS.ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url }));
    const noSources = await client.send(new SQS.ListDeadLetterSourceQueuesCommand({ QueueUrl: other.url }));
    const unknown = client.send(new SQS.ListDeadLetterSourceQueuesCommand({ QueueUrl: `${other.url}-gone` }));

    expect(sources.queueUrls).toEqual([orders.url]);
    expect(noSources.queueUrls).toEqual([]);
    await expect(unknown).rejects.toBeInstanceOf(SQS.QueueDoesNotExist);
  });
});

describe('ReceiveMessage', () => {
  it('returns the system attributes and the message attributes asked for, by name, prefix or All', async () => {
    const { client, dlq, refuse } = await world();
    await refuse('{"bad":true}', 'detail.version: expected a number');
    await client.send(
      new SQS.SendMessageCommand({
        QueueUrl: dlq.url,
        MessageBody: 'raw',
        MessageAttributes: { raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) } },
      }),
    );

    const { Messages: [letter, raw] = [] } = await client.send(
      new SQS.ReceiveMessageCommand({
        QueueUrl: dlq.url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        MessageAttributeNames: ['ecs-ops.*', 'raw'],
      }),
    );
    const { Messages: [bare] = [] } = await client.send(
      new SQS.ReceiveMessageCommand({ QueueUrl: dlq.url, VisibilityTimeout: 0 }),
    );

    expect(letter).toMatchObject({
      Body: '{"bad":true}',
      Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(START) },
      MessageAttributes: {
        'ecs-ops.reason': text('detail.version: expected a number'),
        'ecs-ops.field': text('detail'),
      },
    });
    expect(Object.keys(letter?.Attributes ?? {})).toEqual(['ApproximateReceiveCount', 'SentTimestamp']);
    expect(letter?.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(raw?.MessageAttributes?.raw?.BinaryValue).toEqual(new Uint8Array([0, 1, 254, 255]));
    expect(bare?.Attributes).toBeUndefined();
    expect(bare?.MessageAttributes).toBeUndefined();
  });

  it('counts every receive: VisibilityTimeout 0 shows a message again at once, one receive higher', async () => {
    const { client, dlq, refuse } = await world();
    await refuse('{}', 'bad');
    const peek = new SQS.ReceiveMessageCommand({
      QueueUrl: dlq.url,
      VisibilityTimeout: 0,
      MessageSystemAttributeNames: ['All'],
    });

    await client.send(peek);
    const { Messages = [] } = await client.send(peek);

    expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('answers an empty queue with no messages, and refuses more than 10 at a time', async () => {
    const { client, other } = await world();

    const empty = await client.send(new SQS.ReceiveMessageCommand({ QueueUrl: other.url }));
    const tooMany = client.send(
      new SQS.ReceiveMessageCommand({ QueueUrl: other.url, MaxNumberOfMessages: 11 }),
    );

    expect(empty.Messages).toBeUndefined();
    expect(await refusal(tooMany)).toEqual({
      name: 'InvalidParameterValue',
      message:
        'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
      status: 400,
    });
  });
});

describe('ChangeMessageVisibilityBatch', () => {
  it('shows hidden messages again at once with 0; an entry whose handle is invalid fails alone', async () => {
    const { client, dlq, refuse } = await world();
    await refuse('one', 'bad');
    await refuse('two', 'bad');
    const { Messages = [] } = await client.send(
      new SQS.ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    expect(dlq.depth()).toEqual({ visible: 0, inFlight: 2, delayed: 0 });

    const result = await client.send(
      new SQS.ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlq.url,
        Entries: [
          ...Messages.map((message, index) => ({
            Id: `m${index}`,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
          { Id: 'bad', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 },
        ],
      }),
    );
    const empty = client.send(
      new SQS.ChangeMessageVisibilityBatchCommand({ QueueUrl: dlq.url, Entries: [] }),
    );

    expect(result.Successful).toEqual([{ Id: 'm0' }, { Id: 'm1' }]);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(dlq.depth()).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
    await expect(empty).rejects.toBeInstanceOf(SQS.EmptyBatchRequest);
  });
});

describe('StartMessageMoveTask and ListMessageMoveTasks', () => {
  it('without a destination, returns each message to the queue its redrive policy moved it from', async () => {
    const { client, dlq, orders, advance, deadLetter, bodies } = await world();
    await deadLetter('first');
    await deadLetter('second');
    expect(bodies(dlq)).toEqual(['first', 'second']);

    const { TaskHandle } = await client.send(new SQS.StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    const running = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    advance(1);
    const done = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));

    expect(running.Results).toEqual([
      {
        TaskHandle,
        Status: 'RUNNING',
        SourceArn: dlq.arn,
        ApproximateNumberOfMessagesMoved: 0,
        ApproximateNumberOfMessagesToMove: 2,
        StartedTimestamp: START,
      },
    ]);
    expect(done.Results).toEqual([
      {
        Status: 'COMPLETED',
        SourceArn: dlq.arn,
        ApproximateNumberOfMessagesMoved: 2,
        ApproximateNumberOfMessagesToMove: 2,
        StartedTimestamp: START,
      },
    ]);
    expect(bodies(dlq)).toEqual([]);
    expect(bodies(orders)).toEqual(['first', 'second']);
  });

  it('moves to DestinationArn at MaxNumberOfMessagesPerSecond, as new messages that keep body and attributes', async () => {
    const { client, dlq, orders, advance, refuse, bodies } = await world();
    for (const body of ['a', 'b', 'c']) await refuse(body, `refused ${body}`);
    const before = dlq.peek().map((message) => message.messageId);

    await client.send(
      new SQS.StartMessageMoveTaskCommand({
        SourceArn: dlq.arn,
        DestinationArn: orders.arn,
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    advance(1);
    const oneMoved = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    advance(2);
    const allMoved = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));

    expect(oneMoved.Results?.[0]).toMatchObject({
      Status: 'RUNNING',
      DestinationArn: orders.arn,
      MaxNumberOfMessagesPerSecond: 1,
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 3,
    });
    expect(allMoved.Results?.[0]).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3 });
    expect(allMoved.Results?.[0]?.TaskHandle).toBeUndefined();
    expect(bodies(orders)).toEqual(['a', 'b', 'c']);
    expect(orders.peek()[0]?.messageAttributes['ecs-ops.reason']).toEqual(text('refused a'));
    expect(orders.peek().map((message) => message.messageId)).not.toContain(before[0]);
  });

  it('waits for a hidden message until it is visible again', async () => {
    const { client, dlq, orders, advance, refuse, bodies } = await world();
    await refuse('hidden', 'bad');
    await client.send(new SQS.ReceiveMessageCommand({ QueueUrl: dlq.url, VisibilityTimeout: 30 }));

    await client.send(
      new SQS.StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: orders.arn }),
    );
    advance(10);
    const waiting = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    advance(20);
    const done = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));

    expect(waiting.Results?.[0]).toMatchObject({ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 0 });
    expect(done.Results?.[0]).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1 });
    expect(bodies(orders)).toEqual(['hidden']);
  });

  it('fails without a destination when a message was sent to the dead-letter queue directly', async () => {
    const { client, dlq, advance, refuse } = await world();
    await refuse('{}', 'bad');

    await client.send(new SQS.StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    advance(1);
    const { Results = [] } = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));

    expect(Results[0]).toMatchObject({
      Status: 'FAILED',
      FailureReason: 'AWS.SimpleQueueService.NonExistentQueue',
      ApproximateNumberOfMessagesMoved: 0,
    });
  });

  it('lists the most recent task by default, up to 10 with MaxResults', async () => {
    const { client, dlq, orders, advance, refuse } = await world();
    await refuse('one', 'bad');
    await client.send(
      new SQS.StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: orders.arn }),
    );
    advance(1);
    await refuse('two', 'bad');
    await client.send(
      new SQS.StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: orders.arn }),
    );

    const latest = await client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    const both = await client.send(
      new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 }),
    );
    const tooMany = client.send(new SQS.ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 11 }));

    expect(latest.Results?.map((task) => task.StartedTimestamp)).toEqual([START + 1000]);
    expect(both.Results?.map((task) => task.StartedTimestamp)).toEqual([START + 1000, START]);
    expect((await refusal(tooMany)).name).toBe('InvalidParameterValue');
  });

  it.each([
    [
      'a source that is no dead-letter queue of any queue',
      (w: Awaited<ReturnType<typeof world>>) => ({ SourceArn: w.other.arn }),
      {
        name: 'InvalidParameterValue',
        message: 'Source queue must be configured as a Dead Letter Queue.',
        status: 400,
      },
    ],
    [
      'a source that does not exist',
      (w: Awaited<ReturnType<typeof world>>) => ({ SourceArn: `${w.other.arn}-gone` }),
      {
        name: 'ResourceNotFoundException',
        message: "The resource that you specified for the SourceArn parameter doesn't exist.",
        status: 404,
      },
    ],
    [
      'a destination that does not exist',
      (w: Awaited<ReturnType<typeof world>>) => ({
        SourceArn: w.dlq.arn,
        DestinationArn: `${w.other.arn}-gone`,
      }),
      {
        name: 'ResourceNotFoundException',
        message: "The resource that you specified for the DestinationArn parameter doesn't exist.",
        status: 404,
      },
    ],
    [
      'a rate above 500 a second',
      (w: Awaited<ReturnType<typeof world>>) => ({ SourceArn: w.dlq.arn, MaxNumberOfMessagesPerSecond: 501 }),
      {
        name: 'InvalidParameterValue',
        message:
          "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You must enter a number that's between 1 and 500.",
        status: 400,
      },
    ],
  ])('refuses %s', async (_what, input, expected) => {
    const w = await world();

    expect(await refusal(w.client.send(new SQS.StartMessageMoveTaskCommand(input(w))))).toEqual(expected);
  });

  it('refuses a second task while one runs on the same source', async () => {
    const { client, dlq, orders, refuse } = await world();
    await refuse('{}', 'bad');
    const start = new SQS.StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: orders.arn });
    await client.send(start);

    expect(await refusal(client.send(start))).toEqual({
      name: 'InvalidParameterValue',
      message:
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      status: 400,
    });
  });
});

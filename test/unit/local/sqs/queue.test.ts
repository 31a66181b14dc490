import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../../local/endpoint/aws-error.js';
import { seededRandom } from '../../../../local/random.js';
import { LocalQueues } from '../../../../local/sqs/local-queues.js';
import { MAX_MESSAGE_BYTES, SqsQueue } from '../../../../local/sqs/queue.js';

const START = Date.parse('2026-05-01T12:00:00Z');

/** A clock the test moves by hand. */
function clock() {
  let now = START;
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
}

function setup(options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {}) {
  const time = clock();
  const queues = new LocalQueues({ now: time.now, baseUrl: 'http://127.0.0.1:4566/' });
  const dlq = queues.create('orders-dlq');
  const queue = queues.create('orders', {
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    deadLetterQueue: 'orders-dlq',
    maxReceiveCount: options.maxReceiveCount ?? 3,
  });
  return { time, queues, queue, dlq };
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

const expectAwsError = (run: () => unknown, code: string) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).code).toBe(code);
    return;
  }
  expect.fail(`expected ${code}`);
};

describe('SqsQueue', () => {
  it('answers a send with a message id and the MD5 of the body', () => {
    const { queue } = setup();
    const sent = queue.send('{"a":1}');
    expect(sent.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.md5OfMessageBody).toBe(md5('{"a":1}'));
  });

  it('hides a received message for the visibility timeout, then shows it again with a higher receive count', () => {
    const { queue, time } = setup({ visibilityTimeoutSeconds: 30 });
    queue.send('one');
    const [first] = queue.receive(10);
    expect(first).toMatchObject({
      body: 'one',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(START) },
    });
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    time.advance(29);
    expect(queue.receive(10)).toEqual([]);
    time.advance(1);
    const [again] = queue.receive(10);
    expect(again).toMatchObject({
      messageId: first?.messageId,
      attributes: { ApproximateReceiveCount: '2' },
    });
    expect(again?.attributes.ApproximateFirstReceiveTimestamp).toBe(String(START));
    expect(again?.receiptHandle).not.toBe(first?.receiptHandle);
  });

  it('receives at most the number asked for, oldest first', () => {
    const { queue, time } = setup();
    for (const body of ['a', 'b', 'c']) {
      queue.send(body);
      time.advance(1);
    }
    expect(queue.receive(2).map((message) => message.body)).toEqual(['a', 'b']);
    expect(queue.depth()).toEqual({ visible: 1, inFlight: 2, delayed: 0 });
  });

  it('receives in the order a shuffling random source gives, every message exactly once', () => {
    const { queue } = setup();
    const bodies = Array.from({ length: 20 }, (_, index) => `m${index}`);
    for (const body of bodies) queue.send(body);
    const received = queue.receive(20, { shuffle: seededRandom(7) }).map((message) => message.body);
    expect(received).not.toEqual(bodies);
    expect([...received].sort()).toEqual([...bodies].sort());
  });

  it('deletes with the latest receipt handle only; an outdated one is ignored', () => {
    const { queue, time } = setup({ visibilityTimeoutSeconds: 10 });
    queue.send('one');
    const [first] = queue.receive(1);
    time.advance(10);
    const [second] = queue.receive(1);
    queue.delete(first?.receiptHandle as string);
    expect(queue.depth().inFlight).toBe(1);
    queue.delete(second?.receiptHandle as string);
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('refuses a receipt handle it never issued', () => {
    const { queue } = setup();
    expectAwsError(() => queue.delete('not-a-handle'), 'ReceiptHandleIsInvalid');
  });

  it('changes the visibility of a message in flight: 0 shows it at once', () => {
    const { queue, time } = setup({ visibilityTimeoutSeconds: 300 });
    queue.send('one');
    const [message] = queue.receive(1);
    queue.changeVisibility(message?.receiptHandle as string, 0);
    expect(queue.depth().visible).toBe(1);
    const [again] = queue.receive(1);
    queue.changeVisibility(again?.receiptHandle as string, 60);
    time.advance(59);
    expect(queue.depth().inFlight).toBe(1);
    time.advance(1);
    expect(queue.depth().visible).toBe(1);
    expectAwsError(() => queue.changeVisibility(again?.receiptHandle as string, 5), 'MessageNotInflight');
  });

  it('holds a delayed message back until its delay passes', () => {
    const { queue, time } = setup();
    queue.send('later', { delaySeconds: 60 });
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    time.advance(60);
    expect(queue.receive(1).map((message) => message.body)).toEqual(['later']);
  });

  it('moves a message to the dead-letter queue on the receive after maxReceiveCount receives', () => {
    const { queue, dlq, time } = setup({ visibilityTimeoutSeconds: 10, maxReceiveCount: 3 });
    const { messageId } = queue.send('poison');
    for (let receive = 1; receive <= 3; receive++) {
      expect(queue.receive(1)).toHaveLength(1);
      time.advance(10);
    }
    expect(queue.receive(1)).toEqual([]);
    expect(queue.deadLettered).toBe(1);
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead] = dlq.receive(1);
    expect(dead).toMatchObject({
      messageId,
      body: 'poison',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(START),
        DeadLetterQueueSourceArn: queue.arn,
      },
    });
  });

  it('treats every timer as elapsed when told to (tests that do not move the clock)', () => {
    const { queue } = setup({ visibilityTimeoutSeconds: 300 });
    queue.send('in flight');
    queue.send('delayed', { delaySeconds: 900 });
    queue.receive(1);
    queue.expireTimers();
    expect(queue.depth()).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
  });

  it('refuses an empty body and one over the size limit', () => {
    const { queue } = setup();
    expectAwsError(() => queue.send(''), 'MissingParameter');
    expectAwsError(() => queue.send('x'.repeat(MAX_MESSAGE_BYTES + 1)), 'InvalidParameterValue');
  });

  it('is usable without a registry', () => {
    const time = clock();
    const queue = new SqsQueue({
      name: 'q',
      arn: 'arn:aws:sqs:us-east-1:1:q',
      url: 'http://x/1/q',
      now: time.now,
    });
    queue.send('x');
    expect(queue.visibilityTimeoutSeconds).toBe(30);
    expect(queue.receive(5)).toHaveLength(1);
  });
});

describe('LocalQueues as the SQS backend', () => {
  it('names queues by URL and ARN like AWS, under the base URL', () => {
    const { queues, queue } = setup();
    expect(queue.url).toBe('http://127.0.0.1:4566/123456789012/orders');
    expect(queue.arn).toBe('arn:aws:sqs:us-east-1:123456789012:orders');
    expect(queues.getQueueUrl({ QueueName: 'orders' })).toEqual({ QueueUrl: queue.url });
  });

  it('answers GetQueueUrl for an unknown queue with QueueDoesNotExist (the JSON protocol’s __type)', () => {
    const { queues } = setup();
    expectAwsError(() => queues.getQueueUrl({ QueueName: 'nope' }), 'QueueDoesNotExist');
    expectAwsError(
      () => queues.sendMessage({ QueueUrl: 'http://127.0.0.1:4566/123456789012/nope', MessageBody: 'x' }),
      'QueueDoesNotExist',
    );
  });

  it('reports depth, ARN, visibility timeout and redrive policy as queue attributes', () => {
    const { queues, queue, dlq } = setup({ visibilityTimeoutSeconds: 45, maxReceiveCount: 4 });
    queues.sendMessage({ QueueUrl: queue.url, MessageBody: 'a' });
    queues.sendMessage({ QueueUrl: queue.url, MessageBody: 'b' });
    queues.sendMessage({ QueueUrl: queue.url, MessageBody: 'c', DelaySeconds: 5 });
    queue.receive(1);
    expect(queues.getQueueAttributes({ QueueUrl: queue.url, AttributeNames: ['All'] })).toEqual({
      Attributes: {
        ApproximateNumberOfMessages: '1',
        ApproximateNumberOfMessagesNotVisible: '1',
        ApproximateNumberOfMessagesDelayed: '1',
        QueueArn: queue.arn,
        VisibilityTimeout: '45',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 4 }),
      },
    });
    expect(
      queues.getQueueAttributes({ QueueUrl: dlq.url, AttributeNames: ['QueueArn', 'RedrivePolicy'] }),
    ).toEqual({
      Attributes: { QueueArn: dlq.arn },
    });
    expectAwsError(
      () => queues.getQueueAttributes({ QueueUrl: queue.url, AttributeNames: ['Policy'] }),
      'InvalidAttributeName',
    );
  });

  it('keeps message attributes and answers with their MD5 as SQS computes it', () => {
    const { queues, queue } = setup();
    const sent = queues.sendMessage({
      QueueUrl: queue.url,
      MessageBody: 'x',
      MessageAttributes: { reason: { DataType: 'String', StringValue: 'bad' } },
    });
    // length-prefixed name, type, transport byte 1 (string), length-prefixed value
    const expected = createHash('md5')
      .update(Buffer.from([0, 0, 0, 6]))
      .update('reason')
      .update(Buffer.from([0, 0, 0, 6]))
      .update('String')
      .update(Buffer.from([1, 0, 0, 0, 3]))
      .update('bad')
      .digest('hex');
    expect(sent).toMatchObject({ MD5OfMessageBody: md5('x'), MD5OfMessageAttributes: expected });
    expect(queue.peek()[0]?.messageAttributes).toEqual({
      reason: { DataType: 'String', StringValue: 'bad' },
    });
  });

  it('sends a batch entry by entry: good ones succeed, bad ones fail with their code', () => {
    const { queues, queue } = setup();
    const result = queues.sendMessageBatch({
      QueueUrl: queue.url,
      Entries: [
        { Id: 'ok-1', MessageBody: 'one' },
        { Id: 'empty', MessageBody: '' },
        { Id: 'ok_2', MessageBody: 'two' },
      ],
    });
    expect(result.Successful?.map((entry) => [entry.Id, entry.MD5OfMessageBody])).toEqual([
      ['ok-1', md5('one')],
      ['ok_2', md5('two')],
    ]);
    expect(result.Failed).toEqual([
      {
        Id: 'empty',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: expect.stringContaining('MessageBody'),
      },
    ]);
    expect(queue.depth().visible).toBe(2);
  });

  const refusedBatches: { name: string; ids: string[]; code: string }[] = [
    { name: 'no entries', ids: [], code: 'EmptyBatchRequest' },
    {
      name: 'eleven entries',
      ids: Array.from({ length: 11 }, (_, index) => `e${index}`),
      code: 'TooManyEntriesInBatchRequest',
    },
    { name: 'a repeated id', ids: ['a', 'b', 'a'], code: 'BatchEntryIdsNotDistinct' },
    { name: 'an id with a dot', ids: ['a.b'], code: 'InvalidBatchEntryId' },
  ];

  it.each(refusedBatches)('refuses a whole batch with $name ($code), sending nothing', ({ ids, code }) => {
    const { queues, queue } = setup();
    const Entries = ids.map((Id) => ({ Id, MessageBody: 'x' }));
    expectAwsError(() => queues.sendMessageBatch({ QueueUrl: queue.url, Entries }), code);
    expect(queue.depth().visible).toBe(0);
  });

  it('creates a deployment’s queues with the dead-letter queue wired, whatever their order', () => {
    const time = clock();
    const queues = new LocalQueues({ now: time.now });
    const created = queues.createAll([
      {
        logicalId: 'Main',
        name: 'svc-dev-Main',
        visibilityTimeoutSeconds: 360,
        maxReceiveCount: 5,
        deadLetterQueue: 'Dlq',
      },
      { logicalId: 'Dlq', name: 'svc-dev-Dlq', visibilityTimeoutSeconds: 30 },
    ]);
    expect(created.get('Main')?.redrive).toEqual({ deadLetterQueue: created.get('Dlq'), maxReceiveCount: 5 });
    expect(queues.create('svc-dev-Main')).toBe(created.get('Main'));
    expect(
      queues
        .list()
        .map((queue) => queue.name)
        .sort(),
    ).toEqual(['svc-dev-Dlq', 'svc-dev-Main']);
  });
});

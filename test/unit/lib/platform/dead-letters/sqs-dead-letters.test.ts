import { type SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import type { DeadLetter } from '../../../../../lib/platform/dead-letters/dead-letter.js';
import {
  SQS_MESSAGE_BYTES,
  SqsDeadLetters,
} from '../../../../../lib/platform/dead-letters/sqs-dead-letters.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/reconcile-dead-letters';

const letter = (id: string, body: string): DeadLetter => ({
  id,
  body,
  field: 'detail',
  reason: 'nesting deeper than 64 levels',
});

/** A real SQS client whose `send` answers every SendMessageBatch, records what it was given, and fails none. */
function recordingClient(answer?: (command: SendMessageBatchCommand) => Promise<unknown>) {
  const client = new SQSClient({ region: 'eu-west-1' });
  const requests: SendMessageBatchCommand['input'][] = [];
  vi.spyOn(client, 'send').mockImplementation((async (command: SendMessageBatchCommand) => {
    requests.push(command.input);
    return answer ? answer(command) : { Successful: [], Failed: [] };
  }) as unknown as SQSClient['send']);
  return { client, requests };
}

/** The bytes SQS counts for one entry: its body and each attribute's name, type and value. */
const entryBytes = (entry: NonNullable<SendMessageBatchCommand['input']['Entries']>[number]) =>
  Buffer.byteLength(entry.MessageBody ?? '') +
  Object.entries(entry.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );

describe('SqsDeadLetters', () => {
  it('sends ten small letters in one request with the reason as attributes', async () => {
    // Prepare
    const { client, requests } = recordingClient();
    const letters = Array.from({ length: 12 }, (_, i) => letter(`m${i}`, `{"n":${i}}`));

    // Act
    const unsent = await new SqsDeadLetters(QUEUE_URL, client).send(letters);

    // Assess
    expect(unsent).toEqual([]);
    expect(requests.map((request) => request.Entries?.length)).toEqual([10, 2]);
    expect(requests[0]?.Entries?.[3]).toEqual({
      Id: '3',
      MessageBody: '{"n":3}',
      MessageAttributes: {
        'ecs-ops.field': { DataType: 'String', StringValue: 'detail' },
        'ecs-ops.reason': { DataType: 'String', StringValue: 'nesting deeper than 64 levels' },
        'ecs-ops.sourceMessageId': { DataType: 'String', StringValue: 'm3' },
      },
    });
  });

  it('splits large letters over requests of at most 256 KiB, so they cannot fail together', async () => {
    // Prepare: ten 100 KB bodies, a request of which would be about 1 MB.
    const { client, requests } = recordingClient();
    const letters = Array.from({ length: 10 }, (_, i) => letter(`m${i}`, 'x'.repeat(100_000)));

    // Act
    const unsent = await new SqsDeadLetters(QUEUE_URL, client).send(letters);

    // Assess
    expect(unsent).toEqual([]);
    expect(requests.map((request) => request.Entries?.length)).toEqual([2, 2, 2, 2, 2]);
    for (const request of requests) {
      const total = (request.Entries ?? []).reduce((sum, entry) => sum + entryBytes(entry), 0);
      expect(total).toBeLessThanOrEqual(SQS_MESSAGE_BYTES);
    }
    const sent = requests.flatMap((request) => request.Entries ?? []);
    expect(sent.map((entry) => entry.MessageAttributes?.['ecs-ops.sourceMessageId']?.StringValue)).toEqual(
      letters.map(({ id }) => id),
    );
    expect(sent.every((entry) => entry.MessageBody === 'x'.repeat(100_000))).toBe(true);
  });

  it('sends a body too large for any message cut to fit, saying so and giving its original size', async () => {
    // Prepare: 300 KB of three-byte characters, so a cut could fall inside one.
    const { client, requests } = recordingClient();
    const huge = '€'.repeat(100_000);

    // Act
    const unsent = await new SqsDeadLetters(QUEUE_URL, client).send([
      letter('big', huge),
      letter('ok', '{}'),
    ]);

    // Assess
    expect(unsent).toEqual([]);
    const [big, ok] = requests.flatMap((request) => request.Entries ?? []);
    expect(entryBytes(big as never)).toBeLessThanOrEqual(SQS_MESSAGE_BYTES);
    expect(huge.startsWith(big?.MessageBody ?? '-')).toBe(true);
    expect(big?.MessageBody?.length).toBeGreaterThan(80_000);
    expect(big?.MessageAttributes?.['ecs-ops.truncatedFromBytes']).toEqual({
      DataType: 'Number',
      StringValue: '300000',
    });
    expect(big?.MessageAttributes?.['ecs-ops.reason']?.StringValue).toBe('nesting deeper than 64 levels');
    expect(ok?.MessageBody).toBe('{}');
    expect(ok?.MessageAttributes?.['ecs-ops.truncatedFromBytes']).toBeUndefined();
  });

  it('returns the ids of the letters SQS failed or whose request failed, and only those', async () => {
    // Prepare: the first request has one entry failed; the second request fails outright.
    let call = 0;
    const { client } = recordingClient(async () => {
      call++;
      if (call === 1)
        return { Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] };
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    });
    const letters = [letter('a', 'x'.repeat(200_000)), letter('b', '{}'), letter('c', 'y'.repeat(200_000))];

    // Act
    const unsent = await new SqsDeadLetters(QUEUE_URL, client).send(letters);

    // Assess
    expect(unsent).toEqual(['b', 'c']);
  });
});

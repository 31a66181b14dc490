import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { awsClient } from '../aws/clients.js';
import type { DeadLetter, DeadLetterSink } from './dead-letter.js';

/** SendMessageBatch takes at most 10 entries... */
const SEND_BATCH_LIMIT = 10;
/**
 * ...and at most 256 KiB in all, which is also the limit of one message (body and attributes counted
 * together). 256 KiB is the smallest limit a queue may have been given by default, so it is the one kept.
 */
export const SQS_MESSAGE_BYTES = 262_144;

/**
 * Sends refused records straight to the dead-letter queue with the reason as message attributes, instead of
 * failing them until the redrive policy gives up: bad input cannot improve by being retried.
 *
 * Requests are split by size as well as by count, so a few large bodies never fail a whole request together.
 * A body that cannot fit one message even alone is sent cut to fit, with `ecs-ops.truncatedFromBytes` giving
 * its original size: the simplest honest option, since the reason and the start of the record still reach an
 * operator and the attribute says plainly that the rest is missing (the source queue keeps no copy to point to).
 */
export class SqsDeadLetters implements DeadLetterSink {
  private readonly client: SQSClient;

  constructor(
    private readonly queueUrl: string,
    client?: SQSClient,
  ) {
    this.client = client ?? awsClient(SQSClient);
  }

  async send(letters: readonly DeadLetter[]): Promise<string[]> {
    const unsent: string[] = [];
    for (const chunk of requests(letters.map(messageOf))) {
      try {
        const response = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map(({ entry }, index) => ({ ...entry, Id: String(index) })),
          }),
        );
        for (const failure of response.Failed ?? []) {
          const message = chunk[Number(failure.Id)];
          if (message) unsent.push(message.id);
        }
      } catch {
        unsent.push(...chunk.map((message) => message.id));
      }
    }
    return unsent;
  }
}

interface Message {
  id: string;
  entry: Omit<SendMessageBatchRequestEntry, 'Id'>;
  bytes: number;
}

/** Groups messages into requests of at most 10 entries and 256 KiB, in order. */
function requests(messages: Message[]): Message[][] {
  const chunks: Message[][] = [];
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (chunk.length === SEND_BATCH_LIMIT || bytes + message.bytes > SQS_MESSAGE_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += message.bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** One letter as an SQS message of at most SQS_MESSAGE_BYTES, its body cut to fit if it must be. */
function messageOf(letter: DeadLetter): Message {
  const attributes: Record<string, MessageAttributeValue> = {
    'ecs-ops.field': text(letter.field.slice(0, 1_000)),
    'ecs-ops.reason': text(letter.reason.slice(0, 4_000)),
    'ecs-ops.sourceMessageId': text(letter.id),
  };
  let body = letter.body.length > 0 ? letter.body : '(empty body)';
  const bodyBytes = Buffer.byteLength(body);
  const cut: Record<string, MessageAttributeValue> = {
    'ecs-ops.truncatedFromBytes': { DataType: 'Number', StringValue: String(bodyBytes) },
  };
  const room = SQS_MESSAGE_BYTES - attributeBytes({ ...attributes, ...cut });
  if (bodyBytes > SQS_MESSAGE_BYTES - attributeBytes(attributes)) {
    body = utf8Prefix(body, room);
    Object.assign(attributes, cut);
  }
  return {
    id: letter.id,
    entry: { MessageBody: body, MessageAttributes: attributes },
    bytes: Buffer.byteLength(body) + attributeBytes(attributes),
  };
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** What SQS counts of message attributes: each name, data type and value, in bytes. */
function attributeBytes(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
}

/** The longest start of `value` within `bytes` UTF-8 bytes, never cutting a character in two. */
function utf8Prefix(value: string, bytes: number): string {
  const encoded = Buffer.from(value, 'utf8');
  let end = Math.max(0, Math.min(bytes, encoded.length));
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && end < encoded.length && ((encoded[end] as number) & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8');
}

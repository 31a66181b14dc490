/**
 * An in-memory SQS standard queue with the semantics the toolkit depends on: a received message is hidden
 * for the visibility timeout and comes back unless deleted; every receive counts; past `maxReceiveCount`
 * receives the next receive moves it to the dead-letter queue instead (with `DeadLetterQueueSourceArn`, as SQS
 * adds). Time is the injected clock, so tests decide when timeouts pass.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { AwsError } from '../endpoint/aws-error.js';

/** SQS's limit on a message body since August 2025 (1 MiB). */
export const MAX_MESSAGE_BYTES = 1_048_576;
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
const MAX_DELAY_SECONDS = 900;
/** A fixed SenderId shaped like an IAM unique id; no handler depends on its value. */
const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO';

export interface QueueClock {
  /** Milliseconds since the epoch. */
  now: () => number;
}

export interface SqsQueueOptions extends QueueClock {
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutSeconds?: number;
  redrive?: { deadLetterQueue: SqsQueue; maxReceiveCount: number };
}

export interface SentMessage {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    DeadLetterQueueSourceArn?: string;
  };
  messageAttributes: Record<string, MessageAttributeValue>;
}

export interface HeldMessage {
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  /** The queue whose redrive policy moved it here. */
  deadLetterSourceArn?: string;
  visible: boolean;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  sentAt: number;
  senderId: string;
  deadLetterSourceArn?: string;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Only the latest receipt handle deletes or changes visibility, as in SQS. */
  receiptHandle?: string;
}

export class SqsQueue {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  readonly redrive: SqsQueueOptions['redrive'];
  /** Messages this queue moved to its dead-letter queue, since it was created. */
  deadLettered = 0;
  private readonly now: () => number;
  private readonly messages = new Map<string, StoredMessage>();

  constructor(options: SqsQueueOptions) {
    this.name = options.name;
    this.arn = options.arn;
    this.url = options.url;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
    this.redrive = options.redrive;
    this.now = options.now;
  }

  send(
    body: string,
    options: { delaySeconds?: number; messageAttributes?: Record<string, MessageAttributeValue> } = {},
  ): SentMessage {
    checkBody(body);
    const delaySeconds = options.delaySeconds ?? 0;
    checkRange('DelaySeconds', delaySeconds, MAX_DELAY_SECONDS);
    const messageAttributes = options.messageAttributes ?? {};
    const now = this.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      messageAttributes,
      sentAt: now,
      senderId: SENDER_ID,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    this.messages.set(message.messageId, message);
    const attributesMd5 = md5OfMessageAttributes(messageAttributes);
    return {
      messageId: message.messageId,
      md5OfMessageBody: message.md5OfBody,
      ...(attributesMd5 === undefined ? {} : { md5OfMessageAttributes: attributesMd5 }),
    };
  }

  /**
   * Up to `max` visible messages, oldest first unless `shuffle` (a random source) is given: standard queues
   * promise no order. Messages already received `maxReceiveCount` times go to the dead-letter queue instead.
   */
  receive(
    max: number,
    options: { visibilityTimeoutSeconds?: number; shuffle?: () => number } = {},
  ): ReceivedMessage[] {
    const timeout = options.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds;
    checkRange('VisibilityTimeout', timeout, MAX_VISIBILITY_TIMEOUT_SECONDS);
    const now = this.now();
    let visible = [...this.messages.values()].filter((message) => message.visibleAt <= now);
    if (options.shuffle) visible = shuffled(visible, options.shuffle);
    const received: ReceivedMessage[] = [];
    for (const message of visible) {
      if (received.length >= max) break;
      if (this.redrive && message.receiveCount >= this.redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(message, this.redrive.deadLetterQueue);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + timeout * 1000;
      message.receiptHandle = Buffer.from(
        `${message.messageId}#${message.receiveCount}#${randomUUID()}`,
      ).toString('base64url');
      received.push(toReceived(message, message.receiptHandle));
    }
    return received;
  }

  /** Deletes the message; an outdated receipt handle of a message received again since is ignored (SQS does). */
  delete(receiptHandle: string): void {
    const message = this.byReceiptHandle(receiptHandle);
    if (message?.receiptHandle === receiptHandle) this.messages.delete(message.messageId);
  }

  /** Hides the message for `seconds` from now; 0 makes it visible at once. */
  changeVisibility(receiptHandle: string, seconds: number): void {
    checkRange('VisibilityTimeout', seconds, MAX_VISIBILITY_TIMEOUT_SECONDS);
    const message = this.byReceiptHandle(receiptHandle);
    if (message === undefined || message.receiptHandle !== receiptHandle || message.visibleAt <= this.now()) {
      throw new AwsError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    message.visibleAt = this.now() + seconds * 1000;
  }

  /** For tests and drains without a moving clock: every hidden or delayed message is visible now. */
  expireTimers(): void {
    const now = this.now();
    for (const message of this.messages.values()) message.visibleAt = Math.min(message.visibleAt, now);
  }

  depth(): QueueDepth {
    const now = this.now();
    const depth = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) depth.visible += 1;
      else if (message.receiveCount > 0) depth.inFlight += 1;
      else depth.delayed += 1;
    }
    return depth;
  }

  /** The bodies of every message held, visible or not, oldest first (for inspection, not consumption). */
  peek(): { messageId: string; body: string; messageAttributes: Record<string, MessageAttributeValue> }[] {
    return [...this.messages.values()].map(({ messageId, body, messageAttributes }) => ({
      messageId,
      body,
      messageAttributes,
    }));
  }

  /** A message the queue holds, and whether it is visible now; undefined once it is gone (deleted or moved). */
  held(messageId: string): HeldMessage | undefined {
    const message = this.messages.get(messageId);
    if (message === undefined) return undefined;
    return {
      body: message.body,
      messageAttributes: message.messageAttributes,
      ...(message.deadLetterSourceArn === undefined
        ? {}
        : { deadLetterSourceArn: message.deadLetterSourceArn }),
      visible: message.visibleAt <= this.now(),
    };
  }

  /** The ids of every message held, oldest first. */
  messageIds(): string[] {
    return [...this.messages.keys()];
  }

  /** Takes a message out, as a move task does once it has sent it on. */
  remove(messageId: string): void {
    this.messages.delete(messageId);
  }

  /** Keeps the message id, body, attributes and sent time, as SQS's redrive does; the receive count restarts. */
  private moveToDeadLetterQueue(message: StoredMessage, deadLetterQueue: SqsQueue): void {
    this.messages.delete(message.messageId);
    deadLetterQueue.messages.set(message.messageId, {
      ...message,
      deadLetterSourceArn: this.arn,
      visibleAt: this.now(),
      receiveCount: 0,
      firstReceivedAt: undefined,
      receiptHandle: undefined,
    });
    this.deadLettered += 1;
  }

  private byReceiptHandle(receiptHandle: string): StoredMessage | undefined {
    const [messageId, count] = Buffer.from(receiptHandle, 'base64url').toString('utf8').split('#');
    if (messageId === undefined || count === undefined || !/^\d+$/.test(count)) {
      throw new AwsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not valid.`,
      );
    }
    return this.messages.get(messageId);
  }
}

function toReceived(message: StoredMessage, receiptHandle: string): ReceivedMessage {
  return {
    messageId: message.messageId,
    receiptHandle,
    body: message.body,
    md5OfBody: message.md5OfBody,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: message.senderId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      ...(message.deadLetterSourceArn === undefined
        ? {}
        : { DeadLetterQueueSourceArn: message.deadLetterSourceArn }),
    },
    messageAttributes: message.messageAttributes,
  };
}

function checkBody(body: string): void {
  if (body.length === 0) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) {
    throw new AwsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
    );
  }
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ${value} for parameter ${name} is invalid. Reason: must be between 0 and ${max}.`,
    );
  }
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * MD5OfMessageAttributes as SQS computes it: attributes sorted by name, each as length-prefixed name, data
 * type, a transport byte (1 string, 2 binary) and length-prefixed value.
 */
export function md5OfMessageAttributes(
  attributes: Record<string, MessageAttributeValue>,
): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Uint8Array) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as MessageAttributeValue;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.DataType ?? '', 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Uint8Array.of(2));
      lengthPrefixed(attribute.BinaryValue);
    } else {
      hash.update(Uint8Array.of(1));
      lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

/** Fisher–Yates with the given random source, so a seeded source gives a reproducible order. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

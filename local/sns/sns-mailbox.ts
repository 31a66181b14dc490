/**
 * SNS without AWS: topics and subscriptions in memory, and every published message delivered to a local
 * mailbox folder, one JSON file per message, so the sandbox's pages can be read afterwards (`list()`).
 * Validation and error codes follow SNS, so callers meet the same failures locally as in AWS. A message with
 * MessageStructure `json` holds one body per protocol; the mailbox records what a subscriber of each protocol
 * would receive, as SNS picks it.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as SNS from '@aws-sdk/client-sns';
import { AwsError } from '../endpoint/aws-error.js';
import type { SnsBackend } from '../endpoint/backends.js';

export interface SnsMailboxOptions {
  /** The mailbox folder, e.g. `.ecs-ops/mailbox`; created on first delivery. */
  dir: string;
  region?: string;
  account?: string;
  now?: () => Date;
}

export interface Subscription {
  subscriptionArn: string;
  topicArn: string;
  protocol: 'email' | 'sqs' | 'lambda';
  endpoint: string;
  /** Email subscriptions wait for the recipient to confirm, as in SNS; locally they are never confirmed. */
  pendingConfirmation: boolean;
}

export interface MailboxAttribute {
  dataType: string;
  /** The string value, or the base64 of a Binary attribute. */
  value: string;
}

/** The protocols whose body a message with MessageStructure `json` records. */
export const DELIVERY_PROTOCOLS = ['email', 'sms', 'sqs', 'lambda', 'http', 'https'] as const;
export type DeliveryProtocol = (typeof DELIVERY_PROTOCOLS)[number];

export interface MailboxMessage {
  messageId: string;
  /** ISO 8601. */
  time: string;
  topicArn: string;
  subject?: string;
  /** As published: with a `json` structure, the JSON object of the bodies. */
  message: string;
  messageStructure?: 'json';
  /** With a `json` structure, what a subscriber of each protocol receives: its own entry, else `default`. */
  bodies?: Record<DeliveryProtocol, string>;
  attributes: Record<string, MailboxAttribute>;
  /** The endpoints of the topic's subscriptions at publish time. */
  deliveredTo: string[];
}

const topicName = /^[A-Za-z0-9_-]{1,256}$/;
const protocols = new Set(['email', 'sqs', 'lambda']);
const endpointFormat: Record<Subscription['protocol'], RegExp> = {
  email: /^[^@\s]+@[^@\s]+$/,
  sqs: /^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w-]+(\.fifo)?$/,
  lambda: /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/,
};
const maxSubjectLength = 100;
const maxMessageBytes = 256 * 1024;

export class SnsMailbox implements SnsBackend {
  readonly dir: string;
  readonly #region: string;
  readonly #account: string;
  readonly #now: () => Date;
  readonly #topics = new Set<string>();
  readonly #subscriptions: Subscription[] = [];

  constructor(options: SnsMailboxOptions) {
    this.dir = options.dir;
    this.#region = options.region ?? 'us-east-1';
    this.#account = options.account ?? '000000000000';
    this.#now = options.now ?? (() => new Date());
  }

  createTopic(input: SNS.CreateTopicInput): SNS.CreateTopicResponse {
    const name = input.Name ?? '';
    if (!topicName.test(name)) {
      throw invalidParameter(
        'Topic Name must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    }
    // Idempotent by name, as in SNS: the same name always gives the same topic.
    const arn = `arn:aws:sns:${this.#region}:${this.#account}:${name}`;
    this.#topics.add(arn);
    return { TopicArn: arn };
  }

  subscribe(input: SNS.SubscribeInput): SNS.SubscribeResponse {
    const topicArn = this.#topic(input.TopicArn);
    const protocol = input.Protocol ?? '';
    if (!protocols.has(protocol)) {
      throw invalidParameter(
        `Invalid parameter: Protocol Reason: unsupported protocol ${protocol || '(none)'}`,
      );
    }
    const endpoint = input.Endpoint ?? '';
    if (!endpointFormat[protocol as Subscription['protocol']].test(endpoint)) {
      throw invalidParameter(
        `Invalid parameter: Endpoint Reason: not a valid ${protocol} endpoint: ${endpoint}`,
      );
    }
    const existing = this.#subscriptions.find(
      (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
    );
    const subscription = existing ?? {
      subscriptionArn: `${topicArn}:${randomUUID()}`,
      topicArn,
      protocol: protocol as Subscription['protocol'],
      endpoint,
      pendingConfirmation: protocol === 'email',
    };
    if (!existing) this.#subscriptions.push(subscription);
    // SNS hides a pending subscription's ARN unless the caller asks for it.
    const hidden = subscription.pendingConfirmation && !input.ReturnSubscriptionArn;
    return { SubscriptionArn: hidden ? 'pending confirmation' : subscription.subscriptionArn };
  }

  async publish(input: SNS.PublishInput): Promise<SNS.PublishResponse> {
    if (input.TopicArn && input.TargetArn) {
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: Only one of them may be specified',
      );
    }
    if (!input.TopicArn && !input.TargetArn) {
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    }
    const topicArn = this.#topic(input.TopicArn ?? input.TargetArn);
    if (input.Message === undefined || input.Message === '')
      throw invalidParameter('Invalid parameter: Empty message');
    if (Buffer.byteLength(input.Message) > maxMessageBytes) {
      throw invalidParameter('Invalid parameter: Message too long');
    }
    if (input.Subject !== undefined && !validSubject(input.Subject)) {
      throw invalidParameter('Invalid parameter: Subject');
    }
    const structured =
      input.MessageStructure === undefined ? {} : structuredBodies(input.MessageStructure, input.Message);
    const message: MailboxMessage = {
      messageId: randomUUID(),
      time: this.#now().toISOString(),
      topicArn,
      subject: input.Subject,
      message: input.Message,
      ...structured,
      attributes: attributes(input.MessageAttributes ?? {}),
      deliveredTo: this.subscriptions(topicArn).map((s) => s.endpoint),
    };
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, fileName(message)), `${JSON.stringify(message, null, 2)}\n`);
    return { MessageId: message.messageId };
  }

  /** The subscriptions recorded, of one topic or of all. */
  subscriptions(topicArn?: string): Subscription[] {
    return this.#subscriptions.filter((s) => topicArn === undefined || s.topicArn === topicArn);
  }

  /**
   * Every message in the mailbox folder, newest first; an absent folder is an empty mailbox. Synchronous: it
   * is for CLIs and summaries reading a small local folder, never on a request's path.
   */
  list(): MailboxMessage[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // File names start with the ISO time, so name order is time order.
    return names
      .filter((n) => n.endsWith('.json'))
      .sort()
      .reverse()
      .map((n) => JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as MailboxMessage);
  }

  #topic(arn: string | undefined): string {
    if (!arn) throw invalidParameter('Invalid parameter: TopicArn');
    if (!this.#topics.has(arn)) throw new AwsError('NotFound', 'Topic does not exist', 404);
    return arn;
  }
}

const invalidParameter = (message: string) => new AwsError('InvalidParameter', message);

/**
 * A `json` message's bodies, checked as SNS checks them: a JSON object with a string `default`; an entry whose
 * value is not a string is ignored, so its protocol gets `default` too.
 */
function structuredBodies(
  structure: string,
  message: string,
): Pick<MailboxMessage, 'messageStructure' | 'bodies'> {
  if (structure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  const entries = parsed as Record<string, unknown>;
  const fallback = entries.default;
  if (typeof fallback !== 'string') {
    throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
  }
  const body = (protocol: DeliveryProtocol) => {
    const entry = entries[protocol];
    return typeof entry === 'string' ? entry : fallback;
  };
  return {
    messageStructure: 'json',
    bodies: Object.fromEntries(DELIVERY_PROTOCOLS.map((protocol) => [protocol, body(protocol)])) as Record<
      DeliveryProtocol,
      string
    >,
  };
}

/** SNS: at most 100 printable ASCII characters, no line breaks, not starting with a space. */
const validSubject = (subject: string) =>
  subject.length > 0 &&
  subject.length <= maxSubjectLength &&
  /^[\x20-\x7e]+$/.test(subject) &&
  !subject.startsWith(' ');

function attributes(input: Record<string, SNS.MessageAttributeValue>): Record<string, MailboxAttribute> {
  return Object.fromEntries(
    Object.entries(input).map(([name, attribute]) => {
      const type = attribute.DataType ?? '';
      // Custom types extend the three base types after a dot (`Number.float`), as SNS allows.
      const base = type.split('.')[0];
      const value =
        base === 'Binary'
          ? attribute.BinaryValue && Buffer.from(attribute.BinaryValue).toString('base64')
          : attribute.StringValue;
      if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
        throw new AwsError(
          'ParameterValueInvalid',
          `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        );
      }
      if (value === undefined || value === '') {
        throw new AwsError(
          'ParameterValueInvalid',
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
        );
      }
      if (base === 'Number' && !Number.isFinite(Number(value))) {
        throw new AwsError(
          'ParameterValueInvalid',
          `An invalid or out-of-range value '${value}' was supplied for the message attribute '${name}'.`,
        );
      }
      return [name, { dataType: type, value }];
    }),
  );
}

/** `<ISO time>-<messageId>.json`, with the time's colons replaced so the name is valid on every OS. */
const fileName = (m: MailboxMessage) => `${m.time.replaceAll(':', '-')}-${m.messageId}.json`;

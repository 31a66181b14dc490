/**
 * The local stack's SQS queues by name, URL and ARN, served to the local endpoint as its SqsBackend: the
 * handlers' own SQS calls (the reconciler's dead letters) land in the same queues the bus delivers from, and
 * an operator's (`ecs-ops dlq`) list, peek at and redrive them. URLs are `<baseUrl>/<account>/<name>` and ARNs
 * `arn:aws:sqs:<region>:<account>:<name>`, as in AWS. Errors carry the codes of SQS's JSON protocol (`__type`),
 * which the SDK maps to its named exceptions.
 */
import type * as SQS from '@aws-sdk/client-sqs';
import { AwsError } from '../endpoint/aws-error.js';
import type { SqsBackend } from '../endpoint/backends.js';
import type { QueueDefinition } from '../serverless/routes.js';
import { MoveTasks } from './move-tasks.js';
import { md5OfMessageAttributes, type ReceivedMessage, SqsQueue } from './queue.js';

export interface LocalQueuesOptions {
  now: () => number;
  /** Where the local endpoint listens, e.g. `http://127.0.0.1:4566`. */
  baseUrl?: string;
  account?: string;
  region?: string;
}

export interface CreateQueueOptions {
  visibilityTimeoutSeconds?: number;
  /** Name of an existing queue that receives messages after `maxReceiveCount` receives. */
  deadLetterQueue?: string;
  maxReceiveCount?: number;
}

const MAX_BATCH_ENTRIES = 10;
const MAX_RECEIVE = 10;
const MAX_WAIT_SECONDS = 20;
/** ListQueues and ListDeadLetterSourceQueues: at most this many per page, all of them without MaxResults. */
const MAX_LISTED_QUEUES = 1000;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'QueueArn',
  'VisibilityTimeout',
  'RedrivePolicy',
] as const;
type Attribute = (typeof ATTRIBUTES)[number];

export class LocalQueues implements SqsBackend {
  readonly baseUrl: string;
  readonly account: string;
  readonly region: string;
  private readonly now: () => number;
  private readonly queues = new Map<string, SqsQueue>();
  private readonly moves = new MoveTasks({
    now: () => this.now(),
    byArn: (arn) => this.list().find((queue) => queue.arn === arn),
    sourcesOf: (queue) => this.list().filter((source) => source.redrive?.deadLetterQueue === queue),
  });

  constructor(options: LocalQueuesOptions) {
    this.now = options.now;
    this.baseUrl = (options.baseUrl ?? 'http://127.0.0.1:4566').replace(/\/+$/, '');
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
  }

  /** Creates a queue, or returns the existing one of that name (CreateQueue is idempotent). */
  create(name: string, options: CreateQueueOptions = {}): SqsQueue {
    const existing = this.queues.get(name);
    if (existing) return existing;
    let redrive: ConstructorParameters<typeof SqsQueue>[0]['redrive'];
    if (options.deadLetterQueue !== undefined) {
      const deadLetterQueue = this.named(options.deadLetterQueue);
      redrive = { deadLetterQueue, maxReceiveCount: options.maxReceiveCount ?? 10 };
    }
    const queue = new SqsQueue({
      name,
      arn: `arn:aws:sqs:${this.region}:${this.account}:${name}`,
      url: `${this.baseUrl}/${this.account}/${name}`,
      now: this.now,
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
      ...(redrive === undefined ? {} : { redrive }),
    });
    this.queues.set(name, queue);
    return queue;
  }

  /** Creates a deployment's queues (dead-letter queues first); returns them by logical id. */
  createAll(definitions: readonly QueueDefinition[]): Map<string, SqsQueue> {
    const created = new Map<string, SqsQueue>();
    const nameOf = new Map(definitions.map((definition) => [definition.logicalId, definition.name]));
    const ordered = [...definitions].sort(
      (a, b) => Number(a.deadLetterQueue !== undefined) - Number(b.deadLetterQueue !== undefined),
    );
    for (const definition of ordered) {
      const deadLetterQueue =
        definition.deadLetterQueue === undefined ? undefined : nameOf.get(definition.deadLetterQueue);
      created.set(
        definition.logicalId,
        this.create(definition.name, {
          visibilityTimeoutSeconds: definition.visibilityTimeoutSeconds,
          ...(deadLetterQueue === undefined
            ? {}
            : { deadLetterQueue, maxReceiveCount: definition.maxReceiveCount }),
        }),
      );
    }
    return created;
  }

  /** The queue of that name; QueueDoesNotExist when there is none. */
  named(name: string): SqsQueue {
    const queue = this.queues.get(name);
    if (queue === undefined) {
      throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return queue;
  }

  /** The queue a QueueUrl names (its last path segment), whatever host the caller used to reach it. */
  byUrl(url: string | undefined): SqsQueue {
    if (url === undefined || url === '') {
      throw new AwsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    return this.named(url.slice(url.lastIndexOf('/') + 1));
  }

  list(): SqsQueue[] {
    return [...this.queues.values()];
  }

  getQueueUrl(input: SQS.GetQueueUrlRequest): SQS.GetQueueUrlResult {
    this.moves.advance();
    return { QueueUrl: this.named(input.QueueName ?? '').url };
  }

  getQueueAttributes(input: SQS.GetQueueAttributesRequest): SQS.GetQueueAttributesResult {
    this.moves.advance();
    const queue = this.byUrl(input.QueueUrl);
    const requested = input.AttributeNames ?? [];
    for (const name of requested) {
      if (name !== 'All' && !ATTRIBUTES.includes(name as Attribute)) {
        throw new AwsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
    }
    const names = requested.includes('All') ? ATTRIBUTES : (requested as Attribute[]);
    const depth = queue.depth();
    const values: Record<Attribute, string | undefined> = {
      ApproximateNumberOfMessages: String(depth.visible),
      ApproximateNumberOfMessagesNotVisible: String(depth.inFlight),
      ApproximateNumberOfMessagesDelayed: String(depth.delayed),
      QueueArn: queue.arn,
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      RedrivePolicy:
        queue.redrive &&
        JSON.stringify({
          deadLetterTargetArn: queue.redrive.deadLetterQueue.arn,
          maxReceiveCount: queue.redrive.maxReceiveCount,
        }),
    };
    const attributes: Record<string, string> = {};
    for (const name of names) {
      const value = values[name];
      if (value !== undefined) attributes[name] = value;
    }
    return { Attributes: attributes };
  }

  sendMessage(input: SQS.SendMessageRequest): SQS.SendMessageResult {
    this.moves.advance();
    const sent = this.byUrl(input.QueueUrl).send(input.MessageBody ?? '', {
      ...(input.DelaySeconds === undefined ? {} : { delaySeconds: input.DelaySeconds }),
      ...(input.MessageAttributes === undefined ? {} : { messageAttributes: input.MessageAttributes }),
    });
    return {
      MessageId: sent.messageId,
      MD5OfMessageBody: sent.md5OfMessageBody,
      ...(sent.md5OfMessageAttributes === undefined
        ? {}
        : { MD5OfMessageAttributes: sent.md5OfMessageAttributes }),
    };
  }

  /** Request-level problems throw; each entry then succeeds or fails on its own, as in SQS. */
  sendMessageBatch(input: SQS.SendMessageBatchRequest): SQS.SendMessageBatchResult {
    this.moves.advance();
    const queue = this.byUrl(input.QueueUrl);
    const entries = input.Entries ?? [];
    checkBatch(entries, 'SendMessageBatchRequestEntry');
    const successful: SQS.SendMessageBatchResultEntry[] = [];
    const failed: SQS.BatchResultErrorEntry[] = [];
    for (const entry of entries) {
      try {
        const sent = queue.send(entry.MessageBody ?? '', {
          ...(entry.DelaySeconds === undefined ? {} : { delaySeconds: entry.DelaySeconds }),
          ...(entry.MessageAttributes === undefined ? {} : { messageAttributes: entry.MessageAttributes }),
        });
        successful.push({
          Id: entry.Id,
          MessageId: sent.messageId,
          MD5OfMessageBody: sent.md5OfMessageBody,
          ...(sent.md5OfMessageAttributes === undefined
            ? {}
            : { MD5OfMessageAttributes: sent.md5OfMessageAttributes }),
        });
      } catch (error) {
        failed.push(batchFailure(entry.Id, error));
      }
    }
    return { Successful: successful, Failed: failed };
  }

  /**
   * Up to MaxNumberOfMessages visible messages, each hidden for VisibilityTimeout (the queue's by default) and
   * its receive count raised; the system attributes and message attributes asked for, as SQS selects them. A
   * long poll (WaitTimeSeconds) answers at once with what is visible: the local queues only fill between
   * requests.
   */
  receiveMessage(input: SQS.ReceiveMessageRequest): SQS.ReceiveMessageResult {
    this.moves.advance();
    const queue = this.byUrl(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_RECEIVE) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and ${MAX_RECEIVE}, if provided.`,
      );
    }
    const wait = input.WaitTimeSeconds ?? 0;
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= ${MAX_WAIT_SECONDS}, if provided.`,
      );
    }
    const received = queue.receive(
      max,
      input.VisibilityTimeout === undefined ? {} : { visibilityTimeoutSeconds: input.VisibilityTimeout },
    );
    // AttributeNames is the deprecated spelling of MessageSystemAttributeNames; SDKs may send either.
    const system = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
    const messages = received.map((message) => messageOf(message, system, input.MessageAttributeNames ?? []));
    return messages.length === 0 ? {} : { Messages: messages };
  }

  /** Each entry succeeds or fails on its own (a receipt handle not in flight), as in SQS. */
  changeMessageVisibilityBatch(
    input: SQS.ChangeMessageVisibilityBatchRequest,
  ): SQS.ChangeMessageVisibilityBatchResult {
    this.moves.advance();
    const queue = this.byUrl(input.QueueUrl);
    const entries = input.Entries ?? [];
    checkBatch(entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const successful: SQS.ChangeMessageVisibilityBatchResultEntry[] = [];
    const failed: SQS.BatchResultErrorEntry[] = [];
    for (const entry of entries) {
      try {
        queue.changeVisibility(entry.ReceiptHandle ?? '', entry.VisibilityTimeout ?? 0);
        successful.push({ Id: entry.Id });
      } catch (error) {
        failed.push(batchFailure(entry.Id, error));
      }
    }
    return { Successful: successful, Failed: failed };
  }

  /** The URLs of the queues whose names start with QueueNamePrefix, by name. */
  listQueues(input: SQS.ListQueuesRequest): SQS.ListQueuesResult {
    this.moves.advance();
    const prefix = input.QueueNamePrefix ?? '';
    const urls = this.list()
      .filter((queue) => queue.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((queue) => queue.url);
    const { items, next } = page(urls, input);
    return {
      ...(items.length === 0 ? {} : { QueueUrls: items }),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  /** The queues whose redrive policy names QueueUrl's queue as their dead-letter queue. */
  listDeadLetterSourceQueues(
    input: SQS.ListDeadLetterSourceQueuesRequest,
  ): SQS.ListDeadLetterSourceQueuesResult {
    this.moves.advance();
    const deadLetterQueue = this.byUrl(input.QueueUrl);
    const urls = this.list()
      .filter((queue) => queue.redrive?.deadLetterQueue === deadLetterQueue)
      .map((queue) => queue.url);
    const { items, next } = page(urls, input);
    return { queueUrls: items, ...(next === undefined ? {} : { NextToken: next }) };
  }

  startMessageMoveTask(input: SQS.StartMessageMoveTaskRequest): SQS.StartMessageMoveTaskResult {
    this.moves.advance();
    return this.moves.start(input);
  }

  listMessageMoveTasks(input: SQS.ListMessageMoveTasksRequest): SQS.ListMessageMoveTasksResult {
    this.moves.advance();
    return this.moves.list(input);
  }
}

/** A batch's own problems, which fail the whole request: no entries, too many, a bad or repeated id. */
function checkBatch(entries: readonly { Id?: string | undefined }[], entryType: string): void {
  if (entries.length === 0) {
    throw new AwsError('EmptyBatchRequest', `There should be at least one ${entryType} in the request.`);
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new AwsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const ids = entries.map((entry) => entry.Id ?? '');
  const invalid = ids.find((id) => !BATCH_ENTRY_ID.test(id));
  if (invalid !== undefined) {
    throw new AwsError(
      'InvalidBatchEntryId',
      `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got "${invalid}".`,
    );
  }
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) {
    throw new AwsError('BatchEntryIdsNotDistinct', `Id ${repeated} repeated.`);
  }
}

/**
 * One page of a listing: MaxResults (1–1000) at a time with a NextToken while more remain; without
 * MaxResults, the first 1000 and no token, as SQS answers.
 */
function page(
  all: readonly string[],
  { MaxResults, NextToken }: { MaxResults?: number | undefined; NextToken?: string | undefined },
): { items: string[]; next?: string } {
  if (
    MaxResults !== undefined &&
    (!Number.isInteger(MaxResults) || MaxResults < 1 || MaxResults > MAX_LISTED_QUEUES)
  ) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and ${MAX_LISTED_QUEUES}.`,
    );
  }
  const start = NextToken === undefined ? 0 : Number(Buffer.from(NextToken, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > all.length) {
    throw new AwsError('InvalidParameterValue', 'Invalid NextToken value.');
  }
  const end = start + (MaxResults ?? MAX_LISTED_QUEUES);
  const items = all.slice(start, end);
  return MaxResults !== undefined && end < all.length
    ? { items, next: Buffer.from(String(end), 'utf8').toString('base64url') }
    : { items };
}

/** A received message as ReceiveMessage answers it, with the attributes asked for. */
function messageOf(
  message: ReceivedMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
): SQS.Message {
  const allSystem = systemNames.includes('All');
  const attributes = Object.fromEntries(
    Object.entries(message.attributes).filter(([name]) => allSystem || systemNames.includes(name)),
  );
  const messageAttributes = Object.fromEntries(
    Object.entries(message.messageAttributes).filter(([name]) => selected(name, attributeNames)),
  );
  // The digest covers the attributes returned, not all the message has.
  const md5 = md5OfMessageAttributes(messageAttributes);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
    ...(md5 === undefined ? {} : { MessageAttributes: messageAttributes, MD5OfMessageAttributes: md5 }),
  };
}

/** MessageAttributeNames: `All` or `.*` selects every attribute, `prefix.*` those under the prefix. */
function selected(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    if (pattern === 'All' || pattern === '.*') return true;
    return pattern.endsWith('.*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  });
}

/** A batch entry SQS refused, as its batch answer lists it; anything but an SQS error is thrown on. */
function batchFailure(id: string | undefined, error: unknown): SQS.BatchResultErrorEntry {
  if (!(error instanceof AwsError)) throw error;
  return { Id: id, SenderFault: error.fault === 'Sender', Code: error.code, Message: error.message };
}

/**
 * The local stack's SQS queues by name, URL and ARN, served to the local endpoint as its SqsBackend: the
 * handlers' own SQS calls (the reconciler's dead letters) land in the same queues the bus delivers from.
 * URLs are `<baseUrl>/<account>/<name>` and ARNs `arn:aws:sqs:<region>:<account>:<name>`, as in AWS.
 * Errors carry the codes of SQS's JSON protocol (`__type`), which the SDK maps to its named exceptions.
 */
import type * as SQS from '@aws-sdk/client-sqs';
import { AwsError } from '../endpoint/aws-error.js';
import type { SqsBackend } from '../endpoint/backends.js';
import type { QueueDefinition } from '../serverless/routes.js';
import { SqsQueue } from './queue.js';

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
    return { QueueUrl: this.named(input.QueueName ?? '').url };
  }

  getQueueAttributes(input: SQS.GetQueueAttributesRequest): SQS.GetQueueAttributesResult {
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
    const queue = this.byUrl(input.QueueUrl);
    const entries = input.Entries ?? [];
    if (entries.length === 0) {
      throw new AwsError(
        'EmptyBatchRequest',
        'There should be at least one SendMessageBatchRequestEntry in the request.',
      );
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
        if (!(error instanceof AwsError)) throw error;
        failed.push({
          Id: entry.Id,
          SenderFault: error.fault === 'Sender',
          Code: error.code,
          Message: error.message,
        });
      }
    }
    return { Successful: successful, Failed: failed };
  }
}

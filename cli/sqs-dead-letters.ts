/**
 * A stack's dead-letter queues through SQS's API, for `ecs-ops dlq`: found by the stack's naming, described
 * (depth, the queue each serves, its last redrive) and peeked at without being consumed.
 *
 * Naming: each event queue of deploy/queues.ts has the logical id `<Name>Queue` and its dead-letter queue
 * `<Name>DeadLetterQueue` (EcsEvents, Alerts, JobRuns, DrainEvents). The stack gives neither a QueueName, so
 * CloudFormation names them `<stack>-<logical id>-<random suffix>` and the sandbox (local/serverless)
 * `<stack>-<logical id>`, the stack being `ecs-ops-<stage>`. Their short name is the event queue's as the
 * README writes it: `EcsEvents` → `ecs-events`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  ListQueuesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** One of the stack's queues, as its name tells it. */
export interface StackQueue {
  /** `ecs-events`: the logical name (EcsEvents) in kebab case. */
  name: string;
  /** `EcsEventsDeadLetterQueue` or `EcsEventsQueue`. */
  logicalId: string;
  deadLetters: boolean;
  /** The queue's own name: `ecs-ops-dev-EcsEventsDeadLetterQueue` (CloudFormation adds a suffix in AWS). */
  queue: string;
  url: string;
}

export interface DeadLetterQueue extends StackQueue {
  arn: string;
  /** ApproximateNumberOfMessages: visible, what a peek can reach. */
  messages: number;
  /** ApproximateNumberOfMessagesNotVisible: received and hidden until their visibility timeout ends. */
  inFlight: number;
  /** The URLs of the queues whose redrive policy names it (ListDeadLetterSourceQueues): its event queue. */
  sources: string[];
  /** Its most recent message move task, if SQS still lists one. */
  lastRedrive?: ListMessageMoveTasksResultEntry;
}

/** A message as a peek received it. */
export interface Letter {
  id: string;
  receiptHandle: string;
  body: string;
  /** System attributes: SentTimestamp, ApproximateReceiveCount, DeadLetterQueueSourceArn, … */
  attributes: Record<string, string>;
  messageAttributes: Record<string, MessageAttributeValue>;
}

export const stackName = (stage: string) => `ecs-ops-${stage}`;

/** `<Name>Queue` or `<Name>DeadLetterQueue`, with CloudFormation's suffix or without. */
const STACK_QUEUE = /^([A-Z][A-Za-z0-9]*?)(DeadLetterQueue|Queue)(?:-[A-Za-z0-9]+)?$/;

/** The stack's event queues and dead-letter queues (ListQueues by the stack's prefix), by short name. */
export async function stackQueues(client: SQSClient, stage: string): Promise<StackQueue[]> {
  const prefix = `${stackName(stage)}-`;
  const urls: string[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(
      new ListQueuesCommand({
        QueueNamePrefix: prefix,
        MaxResults: 1000,
        ...(next === undefined ? {} : { NextToken: next }),
      }),
    );
    urls.push(...(page.QueueUrls ?? []));
    next = page.NextToken;
  } while (next !== undefined);
  return urls
    .flatMap((url) => {
      const queue = queueNameOf(url);
      const match = STACK_QUEUE.exec(queue.slice(prefix.length));
      if (!queue.startsWith(prefix) || match === null) return [];
      const [, base = '', kind] = match;
      return [
        {
          name: base.replace(/(?<=.)([A-Z])/g, '-$1').toLowerCase(),
          logicalId: `${base}${kind}`,
          deadLetters: kind === 'DeadLetterQueue',
          queue,
          url,
        },
      ];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A queue's name from its name, URL (the last path segment) or ARN (the last field). */
export function queueNameOf(given: string): string {
  if (/^https?:\/\//.test(given)) return new URL(given).pathname.split('/').filter(Boolean).at(-1) ?? '';
  return given.startsWith('arn:') ? given.slice(given.lastIndexOf(':') + 1) : given;
}

/**
 * The queue of `queues` that `given` names: its short name (`ecs-events`; `ecs-events-dlq` for a dead-letter
 * queue, as the README draws them), its logical id, its own name, URL or ARN.
 */
export function findQueue(queues: readonly StackQueue[], given: string): StackQueue | undefined {
  const name = queueNameOf(given);
  return queues.find(
    (queue) =>
      queue.queue === name ||
      queue.logicalId === name ||
      queue.name === name ||
      (queue.deadLetters && `${queue.name}-dlq` === name),
  );
}

/** "ecs-events (ecs-ops-dev-EcsEventsDeadLetterQueue)" */
export const queueTitle = (queue: StackQueue) => `${queue.name} (${queue.queue})`;

/** A dead-letter queue's ARN, depth, sources and last redrive. */
export async function describeQueue(client: SQSClient, queue: StackQueue): Promise<DeadLetterQueue> {
  const [{ Attributes = {} }, { queueUrls = [] }] = await Promise.all([
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
    // One page: a stack's dead-letter queue serves its one event queue.
    client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queue.url })),
  ]);
  const arn = Attributes.QueueArn ?? '';
  // SQS keeps move tasks for dead-letter queues only: one no queue names has none to list.
  const [lastRedrive] =
    queueUrls.length === 0
      ? []
      : ((await client.send(new ListMessageMoveTasksCommand({ SourceArn: arn }))).Results ?? []);
  return {
    ...queue,
    arn,
    messages: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    sources: queueUrls,
    ...(lastRedrive === undefined ? {} : { lastRedrive }),
  };
}

/** How long a peek hides what it received, so that its next receives reach further messages. */
const PEEK_VISIBILITY_SECONDS = 30;
const RECEIVE_MAX = 10;
/** Receives in a row that bring nothing new before a peek stops short (SQS's short poll samples its servers). */
const IDLE_RECEIVES = 3;

/**
 * Up to `count` messages of a queue, received and then shown again at once (ChangeMessageVisibilityBatch to
 * 0), so nothing is consumed; `until` stops the peek at the message it is looking for. Each receive counts:
 * ApproximateReceiveCount goes up by one, as SQS counts every receive.
 */
export async function peek(
  client: SQSClient,
  url: string,
  count: number,
  until?: (letter: Letter) => boolean,
): Promise<Letter[]> {
  const seen = new Map<string, Letter>();
  try {
    let idle = 0;
    while (seen.size < count && idle < IDLE_RECEIVES) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(RECEIVE_MAX, count - seen.size),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const letters = Messages.map((message) => ({
        id: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: message.Attributes ?? {},
        messageAttributes: message.MessageAttributes ?? {},
      }));
      const fresh = letters.filter((letter) => !seen.has(letter.id));
      // The latest receipt handle is the one that can show a message again.
      for (const letter of letters) seen.set(letter.id, letter);
      idle = fresh.length === 0 ? idle + 1 : 0;
      if (until !== undefined && fresh.some(until)) break;
    }
  } catch (error) {
    await showAgain(client, url, [...seen.values()]).catch(() => undefined);
    throw error;
  }
  await showAgain(client, url, [...seen.values()]);
  return [...seen.values()];
}

/** Makes received messages visible at once; one that fails comes back anyway when its visibility timeout ends. */
async function showAgain(client: SQSClient, url: string, letters: readonly Letter[]): Promise<void> {
  for (let start = 0; start < letters.length; start += RECEIVE_MAX) {
    const batch = letters.slice(start, start + RECEIVE_MAX);
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: batch.map((letter, index) => ({
          Id: String(index),
          ReceiptHandle: letter.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

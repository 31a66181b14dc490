/**
 * `ecs-ops dlq list [<queue>]`, `ecs-ops dlq show <queue> <message-id>`, `ecs-ops dlq redrive <queue> [--to]
 * [--max-per-second] [--wait] [--dry-run]`: the records ecs-ops dead-lettered — refused by a function, with the
 * field and reason SqsDeadLetters attaches (lib/platform/dead-letters), or moved by a queue's redrive policy
 * after too many receives — inspected without being consumed and, once the cause is fixed, redriven with SQS's
 * own message move task. The queues are the stack's (cli/sqs-dead-letters.ts), in AWS with --store aws or at
 * the local endpoint AWS_ENDPOINT_URL_SQS names with --store local (cli/sqs-client.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type MessageAttributeValue,
  QueueDoesNotExist,
  type SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { CommandContext } from '../context.js';
import { limitFlag } from '../flags.js';
import { renderTable } from '../format.js';
import { type Column, cut, FIT_ONLY, fetchSize, parseLimit, printList, type Show } from '../list.js';
import { type CommandSpec, stringOf, type Values } from '../options.js';
import { type Printer, printerOf } from '../output.js';
import { sqsClientOf } from '../sqs-client.js';
import {
  type DeadLetterQueue,
  describeQueue,
  findQueue,
  type Letter,
  peek,
  queueNameOf,
  queueTitle,
  type StackQueue,
  stackName,
  stackQueues,
} from '../sqs-dead-letters.js';
import { CommandFailure, UsageError } from '../usage.js';

const MORE = `Where the queues are:
  --store aws          the deployed stage's (--stage), with your credentials (--region, --profile):
                       ecs-ops-<stage>-<Name>DeadLetterQueue-<suffix>, as CloudFormation names them
  --store local        (default) those of the local endpoint AWS_ENDPOINT_URL_SQS names (a sandbox's, a
                       test's): ecs-ops-<stage>-<Name>DeadLetterQueue
<queue> is a dead-letter queue's short name, its event queue's (ecs-events, alerts, job-runs, drain-events),
or that name with -dlq, its logical id (EcsEventsDeadLetterQueue), its queue name, URL or ARN.

Exit codes: 0 ok; 1 SQS refused, a redrive did not complete (--wait), or no local endpoint answers; 2 bad
usage (an unknown queue lists the stack's dead-letter queues; an unknown message id says where to find ids).`;

const PEEKING = `Peeking receives each record (ReceiveMessage) and shows it again at once: nothing is consumed, but
its receive count (ApproximateReceiveCount) goes up by one, as SQS counts every receive. A record in flight
(received by someone else, hidden until its visibility timeout ends) cannot be peeked.`;

export const DLQ: CommandSpec = {
  name: 'dlq',
  summary:
    'dead-lettered records of the stack’s queues: list them with their reasons, show one, redrive them',
  flags: {},
  subcommands: {
    required: true,
    specs: [
      {
        name: 'dlq list',
        args: '[<queue>]',
        maxArgs: 1,
        list: true,
        summary:
          'without <queue>: each dead-letter queue of the stack with its depth (messages, in flight), the queue ' +
          'it serves and its last redrive; with <queue>: its records, newest first — id, sent, receives, the ' +
          'field and reason ecs-ops refused it for, the start of its body — peeked at, not consumed (each peek ' +
          'raises a record’s receive count, as SQS counts every receive)',
        flags: { limit: limitFlag('records') },
        about: PEEKING,
        more: MORE,
      },
      {
        name: 'dlq show',
        args: '<queue> <message-id>',
        maxArgs: 2,
        summary:
          'one record in full: when it was sent and received, the field and reason, every attribute, its body ' +
          '(pretty-printed when it is JSON); by its message id, or the id of the record it was (ecs-ops.sourceMessageId)',
        flags: {},
        about: PEEKING,
        more: MORE,
      },
      {
        name: 'dlq redrive',
        args: '<queue>',
        maxArgs: 1,
        summary:
          'once the cause is fixed: moves the records back to the queue the dead-letter queue serves (or --to), ' +
          'with SQS’s message move task; prints its task handle and, with --wait, follows it to the end',
        flags: {
          to: {
            type: 'string',
            value: '<queue>',
            help:
              'where to move them: one of the stack’s event queues by short name (ecs-events), or any queue by ' +
              'name, URL or ARN (default: the queue whose redrive policy names the dead-letter queue)',
          },
          'max-per-second': {
            type: 'string',
            value: '<n>',
            help: 'at most n messages a second, 1 to 500 (default: SQS picks the rate by the backlog)',
          },
          wait: {
            type: 'boolean',
            help: 'follow the task (ListMessageMoveTasks) until it ends, printing its progress; exit 1 unless it completed',
          },
          'dry-run': { type: 'boolean', help: 'say what would be moved where, and move nothing' },
        },
        about: `SQS moves each message as a new one (a new id, a new sent time; body and attributes kept), those the
queue held when the task started; one task runs per queue at a time. Without --wait, ecs-ops dlq list shows
its progress (LAST REDRIVE).`,
        more: MORE,
      },
    ],
  },
  more: MORE,
};

/** How often --wait asks how far the task has gone. */
const POLL_MS = 1_000;
const MAX_RATE = 500;
/** A body in a list: its start, on one line. */
const EXCERPT = 120;

export async function dlqCommand(
  context: CommandContext,
  subcommand: string | undefined,
  args: readonly string[],
  values: Values,
): Promise<number> {
  if (subcommand === undefined) {
    throw new UsageError(
      'dlq needs a subcommand: ecs-ops dlq list [<queue>], ecs-ops dlq show <queue> <message-id>, or ' +
        'ecs-ops dlq redrive <queue>',
    );
  }
  const [queue, messageId] = args;
  if (subcommand !== 'list' && queue === undefined) {
    throw new UsageError(
      `dlq ${subcommand} needs a dead-letter queue, e.g. ecs-ops dlq ${subcommand} ecs-events`,
    );
  }
  if (subcommand === 'show' && messageId === undefined) {
    throw new UsageError(
      'dlq show needs a message id: ecs-ops dlq show <queue> <message-id> (dlq list <queue> lists them)',
    );
  }
  const limit = parseLimit(stringOf(values, 'limit'));
  const client = await sqsClientOf(context.options);
  try {
    const stack = await stackQueues(client, context.options.stage);
    const printer = printerOf(context);
    if (queue === undefined) return await listQueues(client, stack, context.options.stage, printer);
    const deadLetters = await describeQueue(client, deadLetterQueueOf(stack, queue, context.options.stage));
    if (subcommand === 'list') return await listLetters(client, deadLetters, limit, printer);
    if (subcommand === 'show') return await showLetter(client, deadLetters, messageId as string, printer);
    return await redrive(client, deadLetters, stack, values, printer);
  } catch (error) {
    // A refusal SQS explains (a task already running, a queue gone since it was listed) is the caller's to act on.
    if (error instanceof SQSServiceException && REFUSALS.has(error.name)) {
      throw new CommandFailure(`SQS refused dlq ${subcommand}: ${error.name}: ${error.message}`);
    }
    throw error;
  } finally {
    client.destroy();
  }
}

const REFUSALS = new Set([
  'InvalidParameterValue',
  'ResourceNotFoundException',
  'UnsupportedOperation',
  'QueueDoesNotExist',
]);

/** The stack's dead-letter queue `given` names; a UsageError listing them otherwise. */
function deadLetterQueueOf(stack: readonly StackQueue[], given: string, stage: string): StackQueue {
  const deadLetters = stack.filter((queue) => queue.deadLetters);
  const found = findQueue(deadLetters, given);
  if (found !== undefined) return found;
  throw new UsageError(
    deadLetters.length === 0
      ? `${given}: ${stackName(stage)} has no dead-letter queue here (none is named ` +
          `${stackName(stage)}-<Name>DeadLetterQueue): is the stack deployed with --stage ${stage}?`
      : `${given}: not a dead-letter queue of ${stackName(stage)}; its dead-letter queues: ` +
          deadLetters.map(queueTitle).join(', '),
  );
}

const QUEUE_COLUMNS: readonly Column<DeadLetterQueue>[] = [
  { header: 'DLQ', cell: (queue) => queue.name },
  { header: 'MESSAGES', cell: (queue) => String(queue.messages) },
  { header: 'IN FLIGHT', cell: (queue) => String(queue.inFlight) },
  { header: 'SOURCE', cell: (queue) => queue.sources.map(queueNameOf).join(', ') || 'none' },
  {
    header: 'LAST REDRIVE',
    tone: true,
    free: FIT_ONLY,
    cell: (queue, show) => redriveText(queue.lastRedrive, show),
  },
  { header: 'QUEUE', wide: true, cell: (queue) => queue.queue },
  { header: 'URL', wide: true, cell: (queue) => queue.url },
];

/** `dlq list`: every dead-letter queue of the stack. */
async function listQueues(
  client: SQSClient,
  stack: readonly StackQueue[],
  stage: string,
  printer: Printer,
): Promise<number> {
  const queues = await Promise.all(
    stack.filter((queue) => queue.deadLetters).map((queue) => describeQueue(client, queue)),
  );
  printList(printer, {
    columns: QUEUE_COLUMNS,
    sections: [{ title: `Dead-letter queues of ${stackName(stage)}`, rows: queues, more: false }],
    limit: 0,
    record: ({ lastRedrive, ...queue }) => ({
      ...queue,
      lastRedrive: lastRedrive === undefined ? null : taskRecord(lastRedrive),
    }),
  });
  if (queues.length === 0)
    printer.note(
      `no queue is named ${stackName(stage)}-<Name>DeadLetterQueue: is the stack deployed with --stage ${stage}?`,
    );
  return 0;
}

/** A dead-lettered record as the list and `show` print it. */
interface LetterView {
  id: string;
  /** ISO 8601. */
  sentAt: string;
  receiveCount: number;
  /** The field ecs-ops refused the record for (ecs-ops.field). */
  field?: string;
  /** Why it is here: ecs-ops.reason, or the redrive policy that moved it. */
  reason: string;
  /** The id of the record it was, on the queue it came from (ecs-ops.sourceMessageId). */
  recordId?: string;
  /** The queue whose redrive policy moved it here (DeadLetterQueueSourceArn). */
  movedFrom?: string;
  /** The size of the body before SqsDeadLetters cut it to fit one message. */
  truncatedFromBytes?: number;
  body: string;
  /** System attributes, as SQS gives them. */
  attributes: Record<string, string>;
  messageAttributes: Record<string, { type: string; value: string }>;
}

function viewOf(letter: Letter): LetterView {
  const attribute = (name: string) => letter.messageAttributes[name]?.StringValue;
  const movedFrom = letter.attributes.DeadLetterQueueSourceArn;
  const truncated = attribute('ecs-ops.truncatedFromBytes');
  const field = attribute('ecs-ops.field');
  const recordId = attribute('ecs-ops.sourceMessageId');
  return {
    id: letter.id,
    sentAt: new Date(Number(letter.attributes.SentTimestamp)).toISOString(),
    receiveCount: Number(letter.attributes.ApproximateReceiveCount ?? 0),
    ...(field === undefined ? {} : { field }),
    reason:
      attribute('ecs-ops.reason') ??
      (movedFrom === undefined
        ? ''
        : `received too often on ${queueNameOf(movedFrom)}, never deleted (its redrive policy)`),
    ...(recordId === undefined ? {} : { recordId }),
    ...(movedFrom === undefined ? {} : { movedFrom: queueNameOf(movedFrom) }),
    ...(truncated === undefined ? {} : { truncatedFromBytes: Number(truncated) }),
    body: letter.body,
    attributes: letter.attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(letter.messageAttributes).map(([name, value]) => [
        name,
        { type: value.DataType ?? '', value: attributeText(value) },
      ]),
    ),
  };
}

/** A binary attribute as base64, the way SQS's own JSON carries it. */
const attributeText = (value: MessageAttributeValue): string =>
  value.StringValue ??
  (value.BinaryValue === undefined ? '' : Buffer.from(value.BinaryValue).toString('base64'));

const excerpt = (body: string): string => {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT - 1)}…` : line;
};

const LETTER_COLUMNS: readonly Column<LetterView>[] = [
  { header: 'ID', cell: (letter) => letter.id },
  { header: 'SENT', cell: (letter, show) => show.time(letter.sentAt) },
  { header: 'RECEIVES', cell: (letter) => String(letter.receiveCount) },
  { header: 'FIELD', cell: (letter) => letter.field ?? '' },
  { header: 'REASON', free: FIT_ONLY, cell: (letter) => letter.reason },
  { header: 'BODY', free: 50, cell: (letter) => excerpt(letter.body) },
  { header: 'RECORD ID', wide: true, cell: (letter) => letter.recordId ?? '' },
  { header: 'MOVED FROM', wide: true, cell: (letter) => letter.movedFrom ?? '' },
  { header: 'CUT FROM BYTES', wide: true, cell: (letter) => String(letter.truncatedFromBytes ?? '') },
];

/** `dlq list <queue>`: its records, peeked at, newest first. */
async function listLetters(
  client: SQSClient,
  queue: DeadLetterQueue,
  limit: number,
  printer: Printer,
): Promise<number> {
  const letters = (await peek(client, queue.url, fetchSize(limit) ?? Number.POSITIVE_INFINITY))
    .map(viewOf)
    .sort((a, b) => b.sentAt.localeCompare(a.sentAt));
  printList(printer, {
    columns: LETTER_COLUMNS,
    sections: [{ title: `Dead letters in ${queueTitle(queue)}, newest first`, ...cut(letters, limit) }],
    limit,
  });
  if (queue.inFlight > 0) printer.note(`${inFlightText(queue)}: not peeked`);
  return 0;
}

const inFlightText = ({ inFlight }: DeadLetterQueue) =>
  `${inFlight} more ${inFlight === 1 ? 'is' : 'are'} in flight (received, hidden until the visibility timeout ends)`;

/** `dlq show <queue> <id>`: one record in full, by its message id or the id of the record it was. */
async function showLetter(
  client: SQSClient,
  queue: DeadLetterQueue,
  id: string,
  printer: Printer,
): Promise<number> {
  const matches = (letter: Letter) =>
    letter.id === id || letter.messageAttributes['ecs-ops.sourceMessageId']?.StringValue === id;
  const letters = await peek(client, queue.url, Number.POSITIVE_INFINITY, matches);
  const letter = letters.find(matches);
  if (letter === undefined) {
    throw new UsageError(
      `${id}: no such record among the ${letters.length} peeked in ${queueTitle(queue)}` +
        `${queue.inFlight > 0 ? `; ${inFlightText(queue)}` : ''} (ecs-ops dlq list ${queue.name} lists their ids)`,
    );
  }
  const view = viewOf(letter);
  if (printer.document({ queue: { name: queue.name, queue: queue.queue, url: queue.url }, ...view }))
    return 0;
  const show: Show = { time: (value) => printer.time(value) };
  printer.out(
    keyValues([
      ['message', view.id],
      ['queue', queueTitle(queue)],
      ['sent', show.time(view.sentAt)],
      ['receives', String(view.receiveCount)],
      ['field', view.field ?? ''],
      ['reason', view.reason],
      ['record id', view.recordId ?? ''],
      ['moved from', view.movedFrom ?? ''],
      ['body cut from', view.truncatedFromBytes === undefined ? '' : `${view.truncatedFromBytes} bytes`],
      ['times in', printer.timeZone],
    ]),
  );
  const attributes = Object.entries(view.messageAttributes);
  printer.out(`\nMessage attributes (${attributes.length}):`);
  printer.out(
    attributes.length === 0
      ? '  none'
      : indent(
          renderTable(
            ['NAME', 'TYPE', 'VALUE'],
            attributes.map(([name, { type, value }]) => [name, type, value]),
          ),
        ),
  );
  printer.out('\nSystem attributes:');
  printer.out(indent(keyValues(Object.entries(view.attributes))));
  const json = prettyJson(view.body);
  printer.out(`\nBody (${json === undefined ? 'text' : 'JSON'}, ${Buffer.byteLength(view.body)} bytes):`);
  printer.out(json ?? view.body);
  return 0;
}

/** The body indented, when it is JSON. */
function prettyJson(body: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return undefined;
  }
}

/** `key  value` lines, aligned; rows without a value are left out. */
function keyValues(rows: readonly [string, string][]): string {
  const shown = rows.filter(([, value]) => value !== '');
  const width = Math.max(0, ...shown.map(([key]) => key.length));
  return shown.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

const indent = (block: string) =>
  block
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/** Where a redrive sends the messages: a queue, or (undefined) each back to the queue it came from. */
interface Destination {
  name: string;
  arn: string;
}

/** `dlq redrive <queue>`: starts SQS's message move task and, with --wait, follows it. */
async function redrive(
  client: SQSClient,
  queue: DeadLetterQueue,
  stack: readonly StackQueue[],
  values: Values,
  printer: Printer,
): Promise<number> {
  const maxPerSecond = rateOf(stringOf(values, 'max-per-second'));
  const to = stringOf(values, 'to');
  const destination = to === undefined ? await sourceOf(client, queue) : await namedQueue(client, stack, to);
  const where = `from ${queueTitle(queue)} to ${destination?.name ?? 'the queues they came from'}`;
  const pace = maxPerSecond === undefined ? 'at the rate SQS picks' : `at most ${maxPerSecond} a second`;
  const plan = {
    source: queue.arn,
    destination: destination?.arn ?? null,
    maxPerSecond: maxPerSecond ?? null,
    messages: queue.messages,
    inFlight: queue.inFlight,
  };
  const held = queue.messages + queue.inFlight;
  if (values['dry-run'] === true || held === 0) {
    const dryRun = values['dry-run'] === true;
    if (!printer.document({ dryRun, ...plan, taskHandle: null }))
      printer.out(
        held === 0
          ? `nothing to redrive: ${queueTitle(queue)} holds no message`
          : `dry run: would move ${held} message${held === 1 ? '' : 's'} ${where}, ${pace}; nothing moved`,
      );
    return 0;
  }
  const { TaskHandle = '' } = await client.send(
    new StartMessageMoveTaskCommand({
      SourceArn: queue.arn,
      ...(destination === undefined ? {} : { DestinationArn: destination.arn }),
      ...(maxPerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: maxPerSecond }),
    }),
  );
  const human = printer.format === 'table';
  if (human) {
    printer.out(`redrive started: about ${held} message${held === 1 ? '' : 's'} ${where}, ${pace}`);
    printer.out(`task handle: ${TaskHandle}`);
  }
  if (values.wait !== true) {
    if (!printer.document({ dryRun: false, ...plan, taskHandle: TaskHandle }))
      printer.out(`follow it with ecs-ops dlq list (LAST REDRIVE), or redrive with --wait`);
    return 0;
  }
  const task = await follow(client, queue.arn, queue.lastRedrive?.StartedTimestamp, printer);
  if (!printer.document({ dryRun: false, ...plan, taskHandle: TaskHandle, task: taskRecord(task) }))
    printer.out(`redrive ${redriveText(task)}`);
  return task.Status === 'COMPLETED' ? 0 : 1;
}

/** --max-per-second: a whole number SQS takes, 1 to 500. */
function rateOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (value.trim() === '' || !Number.isInteger(rate) || rate < 1 || rate > MAX_RATE)
    throw new UsageError(`--max-per-second ${value}: expected a whole number from 1 to ${MAX_RATE}`);
  return rate;
}

/**
 * The queue whose redrive policy names the dead-letter queue: where its records go back to, whether its
 * redrive policy moved them or a function sent them (those carry no source SQS could return them to). Several:
 * SQS returns each message to its own.
 */
async function sourceOf(client: SQSClient, queue: DeadLetterQueue): Promise<Destination | undefined> {
  const [source, ...others] = queue.sources;
  if (source === undefined) {
    throw new CommandFailure(
      `no queue’s redrive policy names ${queueTitle(queue)}, and SQS redrives dead-letter queues only`,
    );
  }
  return others.length > 0 ? undefined : { name: queueNameOf(source), arn: await arnOf(client, source) };
}

/** --to: one of the stack's event queues by short name, or any queue by name, URL or ARN. */
async function namedQueue(
  client: SQSClient,
  stack: readonly StackQueue[],
  given: string,
): Promise<Destination> {
  const events = stack.filter((queue) => !queue.deadLetters);
  const name = findQueue(events, given)?.queue ?? queueNameOf(given);
  let url: string;
  try {
    url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    throw new UsageError(
      `--to ${given}: no such queue; the stack’s event queues: ${events.map(queueTitle).join(', ') || 'none'}`,
    );
  }
  return { name, arn: await arnOf(client, url) };
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes.QueueArn ?? '';
}

/**
 * Asks for the queue's latest task until it has ended, noting its progress as it changes. The latest is the one
 * just started once SQS lists it (one runs per queue at a time): a task started after `after`, the one before.
 */
async function follow(
  client: SQSClient,
  arn: string,
  after: number | undefined,
  printer: Printer,
): Promise<ListMessageMoveTasksResultEntry> {
  let shown = '';
  for (;;) {
    const [task] = (await client.send(new ListMessageMoveTasksCommand({ SourceArn: arn }))).Results ?? [];
    if (task !== undefined && (after === undefined || (task.StartedTimestamp ?? 0) > after)) {
      if (task.Status !== 'RUNNING') return task;
      const progress = `moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? '?'}`;
      if (progress !== shown) printer.note(progress);
      shown = progress;
    }
    await sleep(POLL_MS);
  }
}

/** "COMPLETED: moved 3 of 3, started 2026-05-01 12:00:00"; a failure's reason after it. */
function redriveText(task: ListMessageMoveTasksResultEntry | undefined, show?: Show): string {
  if (task === undefined) return 'none';
  const moved = `moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? '?'}`;
  const started =
    show === undefined ? '' : `, started ${show.time(new Date(task.StartedTimestamp ?? 0).toISOString())}`;
  const failure = task.FailureReason === undefined ? '' : ` (${task.FailureReason})`;
  return `${task.Status}: ${moved}${started}${failure}`;
}

/** A task as json and yaml print it: its start as ISO 8601. */
const taskRecord = ({ StartedTimestamp, ...task }: ListMessageMoveTasksResultEntry) => ({
  ...task,
  startedAt: new Date(StartedTimestamp ?? 0).toISOString(),
});

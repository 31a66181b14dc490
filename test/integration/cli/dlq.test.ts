/**
 * `ecs-ops dlq` through the CLI entry against a local endpoint (AWS_ENDPOINT_URL_SQS) whose queues are the
 * stack's, created from the repository's serverless.yml as the sandbox creates them. The ecs-events dead-letter
 * queue holds three records the real SqsDeadLetters refused (field, reason and source id as message
 * attributes) and one its queue's redrive policy moved there after five receives. Listing and showing them
 * consumes nothing; a redrive puts them back on ecs-events and empties the dead-letter queue.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsDeadLetters } from '../../../lib/platform/dead-letters/sqs-dead-letters.js';
import type { Backends } from '../../../local/endpoint/index.js';
import { LocalQueues } from '../../../local/sqs/local-queues.js';
import { runCaptured } from '../../support/cli-run.js';
import { clientConfig, endpointFor } from '../../support/local-endpoint.js';
import { stackQueuesAtEndpoint } from '../../support/stack-queues.js';

const EVENTS = 'ecs-ops-dev-EcsEventsQueue';
const DEAD_LETTERS = 'ecs-ops-dev-EcsEventsDeadLetterQueue';

/** Three records reconcile refuses as they are: what SqsDeadLetters sends for them. */
const REFUSED = [
  {
    id: 'rec-1',
    body: '{"id":"e1","detail":{"version":"7"}}',
    field: 'detail.version',
    reason: 'expected a number, got "7" (a string)',
  },
  { id: 'rec-2', body: '{"id":"e2","detail":{}}', field: 'detail.lastStatus', reason: 'missing' },
  { id: 'rec-3', body: 'not json at all', field: 'body', reason: 'not JSON: Unexpected token' },
];

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-dlq-cli-'));
  vi.stubEnv('AWS_ENDPOINT_URL', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCaptured(['--dir', dir, ...argv]);

/** The stack's queues at a local endpoint the CLI is pointed at, ecs-events' dead-letter queue filled. */
async function stack() {
  const { queues, endpoint } = await stackQueuesAtEndpoint();
  const events = queues.named(EVENTS);
  const deadLetters = queues.named(DEAD_LETTERS);
  const client = new SQSClient(clientConfig(endpoint.url));
  expect(await new SqsDeadLetters(deadLetters.url, client).send(REFUSED)).toEqual([]);
  client.destroy();
  // A record its consumer kept failing: received five times, moved by the redrive policy on the sixth.
  events.send('{"id":"poison"}');
  for (let receive = 0; receive < 6; receive++) events.receive(1, { visibilityTimeoutSeconds: 0 });
  return { queues, events, deadLetters };
}

/** A URL nothing listens at: a port just given up. */
async function closedPort(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const bodies = (queue: { peek(): { body: string }[] }) =>
  queue
    .peek()
    .map((message) => message.body)
    .sort();

describe('ecs-ops dlq list', () => {
  it('lists every dead-letter queue of the stack with its depth and the queue it serves', async () => {
    await stack();

    const table = await cli('dlq', 'list');
    const json = await cli('dlq', 'list', '-o', 'json');

    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^Dead-letter queues of ecs-ops-dev \(\d+; times in UTC\):$/m);
    expect(table.out).toMatch(/^DLQ +MESSAGES +IN FLIGHT +SOURCE +LAST REDRIVE$/m);
    expect(table.out).toMatch(/^ecs-events +4 +0 +ecs-ops-dev-EcsEventsQueue +none$/m);
    expect(table.out).toMatch(/^alerts +0 +0 +ecs-ops-dev-AlertsQueue +none$/m);
    const queues = JSON.parse(json.out) as {
      name: string;
      queue: string;
      messages: number;
      sources: string[];
    }[];
    expect(queues.map((queue) => queue.name)).toEqual(expect.arrayContaining(['alerts', 'ecs-events']));
    expect(queues.find((queue) => queue.name === 'ecs-events')).toMatchObject({
      queue: DEAD_LETTERS,
      messages: 4,
      inFlight: 0,
      sources: [expect.stringMatching(new RegExp(`/${EVENTS}$`))],
      lastRedrive: null,
    });
  });

  it('finds the queues as CloudFormation names them in AWS, with a random suffix, by the stage', async () => {
    const backends: Backends = {};
    const { endpoint } = await endpointFor(backends);
    const queues = new LocalQueues({ now: Date.now, baseUrl: endpoint.url });
    backends.sqs = queues;
    queues.create('ecs-ops-prod-AlertsDeadLetterQueue-1Q2W3E4R5T6Y');
    queues.create('ecs-ops-prod-AlertsQueue-7U8I9O0P1A2S', {
      deadLetterQueue: 'ecs-ops-prod-AlertsDeadLetterQueue-1Q2W3E4R5T6Y',
    });
    // Another stage's, and a queue of nobody's stack.
    queues.create('ecs-ops-prod-eu-AlertsDeadLetterQueue-3D4F5G6H7J8K');
    queues.create('ecs-ops-prod-orders');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', endpoint.url);

    const { code, out } = await cli('dlq', 'list', '--stage', 'prod', '-o', 'json');
    const byArn = await cli(
      'dlq',
      'list',
      'arn:aws:sqs:us-east-1:123456789012:ecs-ops-prod-AlertsDeadLetterQueue-1Q2W3E4R5T6Y',
      '--stage',
      'prod',
    );

    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([
      expect.objectContaining({
        name: 'alerts',
        queue: 'ecs-ops-prod-AlertsDeadLetterQueue-1Q2W3E4R5T6Y',
        sources: [expect.stringMatching(/\/ecs-ops-prod-AlertsQueue-7U8I9O0P1A2S$/)],
      }),
    ]);
    expect(byArn.out).toContain('Dead letters in alerts (ecs-ops-prod-AlertsDeadLetterQueue-1Q2W3E4R5T6Y)');
  });

  it('lists a queue’s records with the field and reason they were refused for, and consumes none', async () => {
    const { deadLetters } = await stack();

    const first = await cli('dlq', 'list', 'ecs-events', '-o', 'wide');
    const again = await cli('dlq', 'list', 'ecs-events-dlq', '--json');

    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      new RegExp(
        `^Dead letters in ecs-events \\(${DEAD_LETTERS}\\), newest first \\(4; times in UTC\\):$`,
        'm',
      ),
    );
    expect(first.out).toMatch(/ 1 +detail\.version +expected a number, got "7" \(a string\) +\{"id":"e1"/);
    expect(first.out).toMatch(/ 1 +body +not JSON: Unexpected token +not json at all +rec-3/);
    expect(first.out).toMatch(
      /received too often on ecs-ops-dev-EcsEventsQueue, never deleted \(its redrive policy\) +\{"id":"poison"\} +ecs-ops-dev-EcsEventsQueue$/m,
    );
    // Peeked at, shown again at once: every record is still there and visible.
    expect(deadLetters.depth()).toEqual({ visible: 4, inFlight: 0, delayed: 0 });
    const records = JSON.parse(again.out) as {
      recordId?: string;
      field?: string;
      receiveCount: number;
      body: string;
    }[];
    expect(records.find((record) => record.recordId === 'rec-2')).toMatchObject({
      field: 'detail.lastStatus',
      body: '{"id":"e2","detail":{}}',
      // The first list's peek was a receive too.
      receiveCount: 2,
    });
  });

  it('says when --limit cuts the list', async () => {
    await stack();

    const { code, out } = await cli('dlq', 'list', 'ecs-events', '--limit', '2');

    expect(code).toBe(0);
    expect(out).toContain('showing 2 of at least 3 — use --limit 10 or --limit 0 for all');
  });
});

describe('ecs-ops dlq show', () => {
  it('shows one record in full: its reason, every attribute and its JSON body pretty-printed', async () => {
    const { deadLetters } = await stack();
    const id = deadLetters.peek().find((message) => message.body.includes('"e1"'))?.messageId as string;

    const { code, out } = await cli('dlq', 'show', 'ecs-events', id);

    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^message +${id}$`, 'm'));
    expect(out).toMatch(/^reason +expected a number, got "7" \(a string\)$/m);
    expect(out).toMatch(/^record id +rec-1$/m);
    expect(out).toMatch(/^ {2}ecs-ops\.field +String +detail\.version$/m);
    expect(out).toMatch(/^ {2}ApproximateReceiveCount +1$/m);
    expect(out).toContain(
      'Body (JSON, 36 bytes):\n{\n  "id": "e1",\n  "detail": {\n    "version": "7"\n  }\n}',
    );
    expect(deadLetters.depth().visible).toBe(4);
  });

  it('finds a record by the id it had on its own queue too; an id nothing has is bad input (exit 2)', async () => {
    await stack();

    const bySource = await cli('dlq', 'show', 'ecs-events', 'rec-3', '-o', 'json');
    const unknown = await cli('dlq', 'show', 'ecs-events', 'nothing-like-it');

    expect(JSON.parse(bySource.out)).toMatchObject({
      recordId: 'rec-3',
      body: 'not json at all',
      field: 'body',
    });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(
      `ecs-ops: nothing-like-it: no such record among the 4 peeked in ecs-events (${DEAD_LETTERS}) ` +
        '(ecs-ops dlq list ecs-events lists their ids)',
    );
  });
});

describe('ecs-ops dlq redrive', () => {
  it('says what it would move with --dry-run, and moves nothing', async () => {
    const { deadLetters } = await stack();

    const { code, out } = await cli('dlq', 'redrive', 'ecs-events', '--dry-run', '--max-per-second', '10');

    expect(code).toBe(0);
    expect(out).toBe(
      `dry run: would move 4 messages from ecs-events (${DEAD_LETTERS}) to ${EVENTS}, at most 10 a second; nothing moved`,
    );
    expect(deadLetters.depth().visible).toBe(4);
  });

  it('moves the records back to the queue the dead-letter queue serves and follows the task to COMPLETED', async () => {
    const { events, deadLetters } = await stack();

    const { code, out } = await cli('dlq', 'redrive', 'ecs-events', '--wait');
    const listed = await cli('dlq', 'list', '--json');

    expect(code).toBe(0);
    expect(out).toMatch(
      new RegExp(
        `^redrive started: about 4 messages from ecs-events \\(${DEAD_LETTERS}\\) to ${EVENTS}, at the rate SQS picks$`,
        'm',
      ),
    );
    expect(out).toMatch(/^task handle: \S+$/m);
    expect(out).toMatch(/^redrive COMPLETED: moved 4 of 4$/m);
    expect(bodies(deadLetters)).toEqual([]);
    expect(bodies(events)).toEqual([...REFUSED.map((record) => record.body), '{"id":"poison"}'].sort());
    const queues = JSON.parse(listed.out) as { name: string; messages: number; lastRedrive: unknown }[];
    expect(queues.find((queue) => queue.name === 'ecs-events')).toMatchObject({
      messages: 0,
      lastRedrive: {
        Status: 'COMPLETED',
        ApproximateNumberOfMessagesMoved: 4,
        DestinationArn: expect.stringMatching(new RegExp(`:${EVENTS}$`)),
      },
    });
  });

  it('without --wait prints the task handle and how to follow it', async () => {
    await stack();

    const { code, out } = await cli('dlq', 'redrive', 'ecs-events', '-o', 'json');

    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      dryRun: false,
      messages: 4,
      destination: expect.stringMatching(new RegExp(`:${EVENTS}$`)),
      taskHandle: expect.any(String),
    });
  });
});

describe('refusals', () => {
  it('takes an unknown queue for bad usage (exit 2), listing the stack’s dead-letter queues', async () => {
    await stack();

    const { code, err } = await cli('dlq', 'list', 'orders');

    expect(code).toBe(2);
    expect(err).toMatch(/^ecs-ops: orders: not a dead-letter queue of ecs-ops-dev; its dead-letter queues: /);
    expect(err).toContain('alerts (ecs-ops-dev-AlertsDeadLetterQueue)');
    expect(err).toContain(`ecs-events (${DEAD_LETTERS})`);
  });

  it.each([
    [
      ['dlq', 'redrive', 'ecs-events', '--max-per-second', '600'],
      '--max-per-second 600: expected a whole number from 1 to 500',
    ],
    [
      ['dlq', 'redrive', 'ecs-events', '--to', 'nowhere'],
      '--to nowhere: no such queue; the stack’s event queues: ',
    ],
    [['dlq', 'show', 'ecs-events'], 'dlq show needs a message id'],
    [['dlq', 'list', 'ecs-events', '-o', 'csv', '--wait'], 'dlq list does not take --wait'],
  ])('%j is bad usage: %s', async (argv, message) => {
    await stack();

    const { code, err } = await cli(...argv);

    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('says there is no SQS in local mode without a local endpoint (exit 1), and what to do', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', '');

    const unset = await cli('dlq', 'list');
    const closedUrl = await closedPort();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', closedUrl);
    const closed = await cli('dlq', 'list');

    expect(unset.code).toBe(1);
    expect(unset.err).toBe(
      'ecs-ops: dlq reads SQS, and --store local has no SQS of its own (AWS_ENDPOINT_URL_SQS is not set): start ' +
        'a local endpoint that serves SQS (a sandbox’s, a test’s) and set AWS_ENDPOINT_URL_SQS to its URL, or look ' +
        'at the deployed stack’s: ecs-ops dlq list --store aws --stage <stage>',
    );
    expect(closed.code).toBe(1);
    expect(closed.err).toMatch(
      new RegExp(
        `^ecs-ops: no local endpoint answers at ${closedUrl} \\(ECONNREFUSED\\): start a local endpoint`,
      ),
    );
  });
});

/**
 * `ecs-ops status` through the CLI entry against a local endpoint (AWS_ENDPOINT_URL_SQS) whose queues are the
 * stack's, created from the repository's serverless.yml as the sandbox creates them, and a CloudWatch that
 * answers GetMetricData and DescribeAlarms (AWS_ENDPOINT_URL_CLOUDWATCH). The local endpoint does not route
 * DescribeAlarms yet, so CloudWatch here is a canned server speaking CloudWatch's JSON protocol: every
 * scheduled function ran a minute ago, queues are 10 s old, lag is 0.2 s, and the alarms are the test's.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { statusCommand } from '../../../cli/commands/status.js';
import { type GlobalOptions, withContext } from '../../../cli/context.js';
import { runCaptured } from '../../support/cli-run.js';
import { stackQueuesAtEndpoint } from '../../support/stack-queues.js';

let dir: string;
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-status-cli-'));
  vi.stubEnv('AWS_ENDPOINT_URL', '');
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', '');
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const cli = (...argv: string[]) => runCaptured(['--dir', dir, ...argv]);

interface CannedAlarm {
  AlarmName: string;
  AlarmDescription: string;
  StateValue: 'ALARM';
  StateReason: string;
}

/** CloudWatch's JSON protocol, canned: what the test's calls asked for is in `calls`. */
async function cloudWatch(alarms: CannedAlarm[] = []) {
  const calls: { operation: string; input: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.split('.').at(-1) ?? '';
      const input =
        chunks.length === 0
          ? {}
          : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      if (operation !== '') calls.push({ operation, input });
      const minute = Math.floor(Date.now() / 60_000) * 60 - 60;
      const output =
        operation === 'GetMetricData'
          ? {
              MetricDataResults: (input.MetricDataQueries as { Id: string }[]).map(({ Id }) => ({
                Id,
                StatusCode: 'Complete',
                Timestamps: [minute],
                Values: [
                  Id.startsWith('inv') ? 1 : Id.startsWith('err') ? 0 : Id.startsWith('age') ? 10 : 200,
                ],
              })),
            }
          : operation === 'DescribeAlarms'
            ? { MetricAlarms: alarms }
            : {};
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(output));
    });
  }).listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', url);
  return { calls, url };
}

/** The stack's queues at a local endpoint the CLI is pointed at. */
const stack = stackQueuesAtEndpoint;

describe('ecs-ops status against a local endpoint', () => {
  it('is healthy with empty dead-letter queues, recent runs and no alarm (exit 0)', async () => {
    await stack();
    const { calls } = await cloudWatch();

    const { code, out } = await cli('status');

    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('healthy');
    expect(out).toMatch(/^ecs-events +ecs-ops-dev-EcsEventsQueue +0 +0 +10 s$/m);
    expect(out).toMatch(/^alerts +ecs-ops-dev-AlertsDeadLetterQueue +0 +0 *$/m);
    expect(out).toMatch(/^drain-sweeper +60 s +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +ok$/m);
    expect(out).toContain('Reconcile lag (last 5 min): p50 0.20 s, p99 0.20 s');
    expect(out).toContain('Alarms in ALARM (0):');
    const alarms = calls.find((call) => call.operation === 'DescribeAlarms');
    expect(alarms?.input).toMatchObject({ AlarmNamePrefix: 'ecs-ops-dev-', StateValue: 'ALARM' });
  });

  it('says 1 problem for a dead-lettered record, with the dlq hint (exit 1)', async () => {
    const { queues } = await stack();
    await cloudWatch();
    queues.named('ecs-ops-dev-EcsEventsDeadLetterQueue').send('{"id":"poison"}');

    const { code, out } = await cli('status');

    expect(code).toBe(1);
    expect(out.split('\n').slice(0, 2)).toEqual([
      '1 problem',
      '  - dead-letter queue ecs-events holds 1 message: ecs-ops dlq list ecs-events',
    ]);
    expect(out).toMatch(
      /^ecs-events +ecs-ops-dev-EcsEventsDeadLetterQueue +1 +0 +ecs-ops dlq list ecs-events$/m,
    );
  });

  it('lists alarms in ALARM with their severity and reason; -o json gives the whole structure', async () => {
    await stack();
    await cloudWatch([
      {
        AlarmName: 'ecs-ops-dev-alerts-dead-letters',
        AlarmDescription: '[critical] AlertsDeadLetterQueue holds messages',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).',
      },
    ]);

    const { code, out } = await cli('status', '-o', 'json');

    expect(code).toBe(1);
    const document = JSON.parse(out);
    expect(document).toMatchObject({
      verdict: '1 problem',
      problems: [{ kind: 'alarm', subject: 'ecs-ops-dev-alerts-dead-letters' }],
      deployment: { stage: 'dev', store: 'local', tableAnswers: true },
      lag: { p50Seconds: 0.2, p99Seconds: 0.2 },
      alarms: [
        {
          name: 'ecs-ops-dev-alerts-dead-letters',
          severity: 'critical',
          reason: expect.stringContaining('Threshold Crossed'),
        },
      ],
      unread: [],
      partial: null,
    });
    expect(document.queues.map((queue: { name: string }) => queue.name)).toEqual(
      expect.arrayContaining(['ecs-events', 'alerts', 'job-runs', 'drain-events', 'alarm-states']),
    );
    expect(document.deadLetterQueues).toHaveLength(5);
    expect(document.functions.map((fn: { name: string }) => fn.name)).toEqual([
      'alert-summary',
      'job-timeouts',
      'drain-sweeper',
      'scale',
      'resync',
      'launch',
    ]);
    expect(Object.keys(document.jobs[0] ?? {})).toEqual(['name', 'schedule', 'enabled', 'nextFire']);
  });

  it('counts an endpoint that does not answer as sources not read (exit 1)', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    vi.stubEnv('AWS_ENDPOINT_URL', url);

    const { code, out } = await cli('status');

    expect(code).toBe(1);
    expect(out).toContain(`could not read queues: no local endpoint answers at ${url}`);
  });
});

describe('ecs-ops status without an endpoint in local mode', () => {
  it('shows what the store alone can say, says so plainly, and exits 0 when that is fine', async () => {
    const { code, out } = await cli('status');

    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('healthy (partial view: the local store only)');
    expect(out).toContain(
      'Partial view: queues, metrics and alarms need a running local endpoint (AWS_ENDPOINT_URL, as the sandbox ' +
        'sets it) or --store aws --stage <stage>; this is what the local store alone can say.',
    );
    expect(out).toContain('Open drains (0):');
    expect(out).toMatch(/^Jobs \(\d+\):$/m);
    expect(out).not.toContain('Event queues');
  });

  it('refuses an interval without --watch, and --watch with -o json (exit 2)', async () => {
    expect((await cli('status', '5')).err).toContain('an interval follows --watch: --watch 5');
    expect((await cli('status', '--watch', 'x')).code).toBe(2);
    const json = await cli('status', '--watch', '-o', 'json');
    expect(json.code).toBe(2);
    expect(json.err).toContain('--watch redraws the table view');
  });
});

describe('ecs-ops status --watch on a pipe', () => {
  it('prints each refresh after a blank line, with its time, until stopped', async () => {
    await stack();
    await cloudWatch();
    const lines: string[] = [];
    const controller = new AbortController();
    const options: GlobalOptions = { store: 'local', dir, stage: 'dev', json: false, output: 'table' };
    const refreshes = () => lines.filter((line) => /(^|\n)healthy/.test(line)).length;

    const code = await withContext(
      options,
      (text) => {
        lines.push(text);
        if (refreshes() === 2) controller.abort();
      },
      (context) => statusCommand(context, ['0.05'], { watch: true }, { signal: controller.signal }),
    );

    expect(code).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]?.startsWith('healthy\n')).toBe(true);
    expect(lines[1]?.startsWith('\nhealthy\n')).toBe(true);
    for (const refresh of lines)
      expect(refresh).toMatch(
        /Deployment \(refreshed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, every 0\.05 s; Ctrl-C stops\):/,
      );
  });
});

/**
 * The audit commands through runCli, on both local engines (cli-stores.ts: the CLI's own dynalite store, and
 * DynamoDB Local through --store aws), against a store filled the way events fill it (`ecs-ops replay`, the
 * deployed reconcile code) and a journal written as the capabilities write it:
 * - `tasks`' window: a STOPPED task is listed when it stopped in it, a live task when it ran in it, --group and
 *   --status narrowing without changing that, --until excluded, a cut list said from the page's `more`, and its
 *   next page by --next-token (right after the last row, across live and stopped tasks; refused for another
 *   query, several clusters, a token it never printed or one the store gave another listing);
 * - ids as people paste them (`task`, `instance`), and every refusal: too short, ambiguous, unknown, wrong kind;
 * - `task` with its container instance and its alerts; `instance` with its timeline and its tasks;
 * - `stops` (default window, --class, --exit-code, --group, refusals, pages whose window is the first page's)
 *   and `timeline` (every source, a bare name).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, type JournalEntry } from '../../../lib/platform/journal.js';
import { runCaptured } from '../../support/cli-run.js';
import {
  containerInstanceArn,
  type Envelope,
  type InstanceOverrides,
  instanceEvent,
  type TaskOverrides,
  taskArn,
  taskEvent,
} from '../../support/fixtures.js';
import { cliStores, useCliStore } from './cli-stores.js';

let dir: string;
let config: string;

const CONFIG = `clusters: [prod, batch]
jobs:
  report:
    schedule: rate(1 hour)
    cluster: batch
    taskDefinition: report
    launchType: FARGATE
    network:
      subnets: [subnet-0abc1234]
`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-audit-cli-'));
  config = join(dir, 'ops.config.yml');
  writeFileSync(config, CONFIG);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const json = <T>(text: string) => JSON.parse(text) as T;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
/** Minutes after 2024-05-01 11:00Z: the fixed window [12:00, 13:00) the window rules are checked on. */
const at = (minute: number) =>
  new Date(Date.parse('2024-05-01T11:00:00.000Z') + minute * 60_000).toISOString();
const WINDOW = ['--since', '2024-05-01T12:00Z', '--until', '2024-05-01T13:00Z'];
/** A 32-hex task id from a readable seed: `id('oom')`. */
const hex = (seed: string) => String(taskEvent({ id: seed }).detail.taskArn).slice(-32);

const live = (seed: string, created: string, overrides: TaskOverrides = {}) =>
  taskEvent({
    id: seed,
    version: 4,
    group: 'service:api',
    createdAt: created,
    startedAt: created,
    ...overrides,
  });

const stopped = (seed: string, created: string, stop: string, overrides: TaskOverrides = {}) =>
  taskEvent({
    fixture: 'ecs/task/fargate-stopped-essential-exit.json',
    id: seed,
    version: 9,
    group: 'service:api',
    createdAt: created,
    startedAt: created,
    stoppedAt: stop,
    ...overrides,
    detail: { updatedAt: stop, ...overrides.detail },
  });

const ids = (text: string) => json<{ arn: string }[]>(text).map((task) => task.arn.slice(-32));

describe.each(cliStores())('on $name', (leg) => {
  const available = useCliStore(leg);
  if (available === undefined) return;
  const store = available;

  async function cli(...argv: string[]) {
    return runCaptured([...store.flags(dir), '--config', config, ...argv]);
  }

  /** Stores events through `ecs-ops replay`: the reconcile code the deployed function runs. */
  async function replay(...envelopes: Envelope[]) {
    const file = join(dir, `events-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(file, envelopes.map((envelope) => JSON.stringify(envelope)).join('\n'));
    const result = await cli('replay', file);
    expect(result.code, result.err).toBe(0);
  }

  /** Journal entries as the capabilities append them, in the store the commands read. */
  async function journal(...entries: JournalEntry[]) {
    const opened = await store.open(dir);
    try {
      const writer = new Journal({ tableName: opened.tableName, client: opened.client, retentionDays: 90 });
      for (const entry of entries) await writer.append(entry);
    } finally {
      await opened.close();
    }
  }

  /** The token a cut list's notice offers for its next page; undefined when the list is whole. */
  const tokenOf = (text: string) => /--next-token ([\w.-]+) for the next page/.exec(text)?.[1];

  /** A list read page by page, `limit` rows at a time, each page from the last one's token: the rows of each. */
  async function pages(argv: string[], limit: number, idsOf: (text: string) => string[]) {
    const read: string[][] = [];
    let token: string | undefined;
    do {
      const next = token === undefined ? [] : ['--next-token', token];
      const page = await cli(...argv, '--limit', String(limit), '--json', ...next);
      expect(page.code, page.err).toBe(0);
      read.push(idsOf(page.out));
      token = tokenOf(page.err);
    } while (token !== undefined && read.length < 20);
    return read;
  }

  describe('ecs-ops tasks: what a window means', () => {
    beforeEach(async () => {
      await replay(
        stopped('oom-inside', at(0), at(90)), // created before the window, stopped in it
        stopped('stopped-before', at(0), at(30)),
        stopped('stopped-after', at(10), at(150)), // ran through the window, stopped after it
        stopped('at-until', at(50), at(120)), // stopped exactly at --until: excluded
        stopped('at-since', at(20), at(60)), // stopped exactly at --since: included
        stopped('web-inside', at(40), at(95), { group: 'service:web' }),
        live('running-old', at(0)), // still running: ran in the window
        live('pending-inside', at(90), { lastStatus: 'PENDING' }),
        live('running-after', at(125)), // created after the window
        live('web-running', at(100), { group: 'service:web' }),
      );
    });

    it('lists a STOPPED task when it stopped in [--since, --until), a live task when it ran in it', async () => {
      const { code, out } = await cli('tasks', '--cluster', 'prod', ...WINDOW, '--json');
      expect(code).toBe(0);
      // Live ones first (newest created first), then stopped ones (newest stop first).
      expect(ids(out)).toEqual(
        ['web-running', 'pending-inside', 'running-old', 'web-inside', 'oom-inside', 'at-since'].map(hex),
      );
    });

    it('narrows by --group and --status without changing what the window means', async () => {
      const list = async (...filters: string[]) =>
        ids((await cli('tasks', '--cluster', 'prod', ...WINDOW, ...filters, '--json')).out);

      expect(await list('--group', 'service:api', '--status', 'STOPPED')).toEqual(
        ['oom-inside', 'at-since'].map(hex),
      );
      expect(await list('--group', 'service:api', '--status', 'RUNNING')).toEqual(['running-old'].map(hex));
      expect(await list('--status', 'PENDING', '--status', 'STOPPED')).toEqual(
        ['pending-inside', 'web-inside', 'oom-inside', 'at-since'].map(hex),
      );
      expect(await list('--group', 'service:web')).toEqual(['web-running', 'web-inside'].map(hex));
      expect(await list('--group', 'service:web', '--group', 'service:api', '--status', 'STOPPED')).toEqual(
        ['web-inside', 'oom-inside', 'at-since'].map(hex),
      );
    });

    it('reads --until alone as "stopped, or created, before it", and --since alone as "stopped, or running, since"', async () => {
      expect(
        ids((await cli('tasks', '--cluster', 'prod', '--until', '2024-05-01T12:00Z', '--json')).out),
      ).toEqual(['running-old', 'stopped-before'].map(hex));
      expect(
        ids(
          (
            await cli(
              'tasks',
              '--cluster',
              'prod',
              '--status',
              'STOPPED',
              '--since',
              '2024-05-01T13:00Z',
              '--json',
            )
          ).out,
        ),
      ).toEqual(['stopped-after', 'at-until'].map(hex));
    });

    it('says a list is cut from the page, where the live tasks end and the stopped ones begin', async () => {
      const cut = async (limit: string) => cli('tasks', '--cluster', 'prod', ...WINDOW, '--limit', limit);
      const three = await cut('3');
      const four = await cut('4');
      const six = await cut('6');

      expect(three.out).toMatch(/^Tasks in prod \(3; times in UTC\):$/m);
      expect(three.out.split('\n').at(-1)).toMatch(
        /^showing 3 of at least 4 — use --limit 15, --limit 0 for all, or --next-token [\w.-]+ for the next page$/,
      );
      expect(four.out).toMatch(/^Tasks in prod \(4; times in UTC\):$/m);
      expect(four.out).toContain('showing 4 of at least 5');
      expect(six.out).not.toContain('showing');
      const asJson = await cli('tasks', '--cluster', 'prod', ...WINDOW, '--limit', '3', '--json');
      expect(json<unknown[]>(asJson.out)).toHaveLength(3);
      expect(asJson.err).toMatch(
        /^ecs-ops: Tasks in prod: showing 3 of at least 4 — use --limit 15, --limit 0 for all, or --next-token [\w.-]+ for the next page$/,
      );
    });

    const WHOLE = ['web-running', 'pending-inside', 'running-old', 'web-inside', 'oom-inside', 'at-since'];

    it('--next-token lists the next page from exactly where the last was cut, live tasks then stopped ones', async () => {
      for (const [limit, sizes] of [
        [1, [1, 1, 1, 1, 1, 1]],
        [2, [2, 2, 2]],
        [3, [3, 3]],
        [4, [4, 2]],
      ] as const) {
        const listed = await pages(['tasks', '--cluster', 'prod', ...WINDOW], limit, ids);
        expect(listed.flat(), `--limit ${limit}`).toEqual(WHOLE.map(hex));
        expect(listed.map((page) => page.length)).toEqual(sizes);
      }
      // Filters narrow every page alike.
      const narrowed = await pages(
        ['tasks', '--cluster', 'prod', ...WINDOW, '--status', 'PENDING', '--status', 'STOPPED'],
        1,
        ids,
      );
      expect(narrowed.flat()).toEqual(['pending-inside', 'web-inside', 'oom-inside', 'at-since'].map(hex));
      const stoppedApi = [
        'tasks',
        '--cluster',
        'prod',
        ...WINDOW,
        '--group',
        'service:api',
        '--status',
        'STOPPED',
      ];
      expect((await pages(stoppedApi, 1, ids)).flat()).toEqual(['oom-inside', 'at-since'].map(hex));
      // --limit 0 lists the rest; a table's notice gives the token too.
      const first = await cli('tasks', '--cluster', 'prod', ...WINDOW, '--limit', '2');
      const rest = await cli(
        'tasks',
        '--cluster',
        'prod',
        ...WINDOW,
        '--limit',
        '0',
        '--next-token',
        tokenOf(first.out) as string,
        '--json',
      );
      expect({ code: rest.code, err: rest.err }).toEqual({ code: 0, err: '' });
      expect(ids(rest.out)).toEqual(WHOLE.slice(2).map(hex));
    });

    it('with several clusters, the notice names the cluster a token continues; the token wants it alone', async () => {
      await replay(
        live('batch-old', at(10), { cluster: 'batch' }),
        live('batch-new', at(20), { cluster: 'batch' }),
      );
      const both = await cli('tasks', ...WINDOW, '--limit', '1');
      expect(both.out).toMatch(
        /^showing 1 of at least 2 — use --limit 5, --limit 0 for all, or --cluster prod --next-token [\w.-]+ for the next page$/m,
      );
      const batch = /--cluster batch --next-token ([\w.-]+) for the next page/.exec(both.out)?.[1] as string;
      expect(batch).toBeDefined();

      const refused = await cli('tasks', ...WINDOW, '--next-token', batch);
      const prod = await cli('tasks', '--cluster', 'prod', ...WINDOW, '--next-token', batch);
      const next = await cli('tasks', '--cluster', 'batch', ...WINDOW, '--next-token', batch, '--json');

      expect({ code: refused.code, err: refused.err }).toEqual({
        code: 2,
        err:
          "ecs-ops: --next-token continues one cluster's list, and this lists prod, batch: name that cluster " +
          'alone with --cluster (the notice of a cut list names it)',
      });
      expect(prod.code).toBe(2);
      expect(prod.err).toContain('--next-token: printed for another query');
      expect(ids(next.out)).toEqual([hex('batch-old')]);
    });

    it('refuses a token of another query, one it never printed, and one the store gave another listing (exit 2)', async () => {
      const token = tokenOf(
        (await cli('tasks', '--cluster', 'prod', ...WINDOW, '--limit', '1', '--json')).err,
      );
      const later = ['--since', '2024-05-01T12:00Z', '--until', '2024-05-01T14:00Z'];
      const elsewhere = tokenOf(
        (await cli('tasks', '--cluster', 'prod', ...later, '--limit', '1', '--json')).err,
      );
      expect(token).toContain('.');
      expect(elsewhere).toContain('.');
      const resume = (next: string, ...argv: string[]) =>
        cli('tasks', '--cluster', 'prod', ...WINDOW, ...argv, '--next-token', next);

      const refusals = [
        await resume(token as string, '--status', 'RUNNING'),
        await cli(
          'tasks',
          '--cluster',
          'prod',
          '--since',
          '2024-05-01T12:00Z',
          '--next-token',
          token as string,
        ),
        await cli('stops', '--cluster', 'prod', ...WINDOW, '--next-token', token as string),
        await resume('not-a-token'),
        // The CLI's part of this query's token, the store's part of another's (a later --until).
        await resume(`${token?.split('.')[0]}.${elsewhere?.split('.')[1]}`),
      ];

      expect(refusals.map((result) => result.code)).toEqual([2, 2, 2, 2, 2]);
      const anotherQuery =
        'ecs-ops: --next-token: printed for another query (another cluster, window or filter); repeat the ' +
        'query it came from, changing only --limit or the output';
      expect(refusals.map((result) => result.err)).toEqual([
        anotherQuery,
        anotherQuery,
        anotherQuery,
        'ecs-ops: --next-token: not a token a cut list printed (copy the whole token from its notice)',
        'ecs-ops: --next-token: was returned by another listing (another cluster, window or filter): repeat ' +
          'the query it came from',
      ]);
    });
  });

  describe('ids as people paste them', () => {
    const twinTask = 'abcdef01aaaaaaaaaaaaaaaaaaaaaaaa';
    const twinInstance = 'abcdef01bbbbbbbbbbbbbbbbbbbbbbbb';
    const hostId = '1c462d635d829a53fd63170b903eab65';
    const ec2 = 'i-0123456789abcdef0';
    const instance = (overrides: InstanceOverrides) =>
      instanceEvent({ cluster: 'prod', ec2InstanceId: ec2, registeredAt: ago(600), ...overrides });

    beforeEach(async () => {
      await replay(
        instance({ id: hostId, version: 1, status: 'ACTIVE', runningTasksCount: 0, time: ago(600) }),
        instance({ id: hostId, version: 2, status: 'ACTIVE', runningTasksCount: 1, time: ago(300) }),
        instance({ id: hostId, version: 3, status: 'DRAINING', runningTasksCount: 0, time: ago(60) }),
        instance({
          id: twinInstance,
          version: 1,
          ec2InstanceId: 'i-0fedcba9876543210',
          registeredAt: ago(900),
        }),
        stopped('on-host', ago(300), ago(90), {
          id: 'feedc0de00000000000000000000abcd',
          containerInstanceArn: containerInstanceArn('prod', hostId),
          group: 'service:api',
        }),
        live('twin', ago(30), { id: twinTask }),
      );
    });

    it('finds a task by the 8 characters tables show, its whole id, and its ARN in either format', async () => {
      const shown = await cli('task', 'feedc0de');
      const whole = await cli('task', 'feedc0de00000000000000000000abcd', '--json');
      const oldArn = await cli(
        'task',
        'arn:aws:ecs:us-east-1:111122223333:task/feedc0de00000000000000000000abcd',
      );

      expect(shown.code).toBe(0);
      expect(shown.out.split('\n')[0]).toBe('(feedc0de is task feedc0de00000000000000000000abcd)');
      expect(shown.out).toMatch(/^task {16}arn:aws:ecs:us-east-1:111122223333:task\/prod\/feedc0de0+abcd$/m);
      expect(json<{ latest: { arn: string } }>(whole.out).latest.arn).toBe(
        taskArn('prod', 'feedc0de00000000000000000000abcd'),
      );
      expect(oldArn.code).toBe(0);
      expect(oldArn.out).toContain('status              STOPPED');
    });

    it('shows the container instance the task ran on, with its EC2 instance, and its alerts', async () => {
      const arn = taskArn('prod', 'feedc0de00000000000000000000abcd');
      await journal(
        {
          at: ago(89),
          kind: 'alert',
          subject: 'prod/service:api',
          id: `${arn}#stop`,
          fields: {
            outcome: 'sent',
            cluster: 'prod',
            group: 'service:api',
            taskArn: arn,
            exitClass: 'oom',
            severity: 'critical',
            subject: '[ecs-ops] api OOM-killed (exit 137) in prod',
            reason: 'paged',
          },
        },
        {
          at: ago(80),
          kind: 'alert',
          subject: 'prod/service:api',
          id: 'another',
          fields: {
            outcome: 'sent',
            cluster: 'prod',
            group: 'service:api',
            taskArn: taskArn('prod', twinTask),
            subject: 'not this task',
            reason: 'paged',
          },
        },
      );

      const { code, out } = await cli('task', 'feedc0de');
      const asJson = json<{
        containerInstance: { id: string; ec2InstanceId: string };
        alerts: { subject: string }[];
      }>((await cli('task', 'feedc0de', '--json')).out);

      expect(code).toBe(0);
      expect(out).toMatch(
        new RegExp(`^container instance  ${hostId} on ${ec2} \\(DRAINING\\) in prod$`, 'm'),
      );
      expect(out).toMatch(/^Alerts \(1; times in UTC\):$/m);
      expect(out).toMatch(/sent +oom +critical +\[ecs-ops\] api OOM-killed \(exit 137\) in prod/);
      expect(out).not.toContain('not this task');
      expect(asJson.containerInstance).toMatchObject({ id: hostId, ec2InstanceId: ec2 });
      expect(asJson.alerts.map((alert) => alert.subject)).toEqual([
        '[ecs-ops] api OOM-killed (exit 137) in prod',
      ]);
    });

    it('refuses an id shorter than 8 characters, saying so (exit 2)', async () => {
      const { code, out, err } = await cli('task', 'feedc0d');
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toBe(
        'ecs-ops: feedc0d is 7 characters: give at least 8 characters of the id (as tables show it), the whole id, or the ARN',
      );
    });

    it('refuses an ambiguous prefix, listing each candidate with its id, cluster, status and creation (exit 2)', async () => {
      const { code, err } = await cli('task', 'abcdef01');
      expect(code).toBe(2);
      const lines = err.split('\n');
      expect(lines[0]).toBe(
        'ecs-ops: id abcdef01 matches 2 stored resources; give more of the id, or the ARN (times in UTC):',
      );
      expect(lines[1]).toMatch(/^ {2}ID +KIND +CLUSTER +STATUS +CREATED$/);
      expect(err).toMatch(
        new RegExp(`${twinTask} +task +prod +RUNNING +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`),
      );
      expect(err).toMatch(new RegExp(`${twinInstance} +container instance +prod +ACTIVE +\\d{4}-`));
      // A longer prefix narrows it.
      expect((await cli('task', 'abcdef01a')).code).toBe(0);
    });

    it('refuses an id nothing is stored under, a foreign ARN and a malformed EC2 id (exit 2)', async () => {
      const refusals = [
        await cli('task', '00000000'),
        await cli('task', 'arn:aws:ecs:us-east-1:111122223333:service/prod/api'),
        await cli('task', 'i-12'),
        await cli('instance', 'i-0000000000000000a'),
      ];
      expect(refusals.map((result) => result.code)).toEqual([2, 2, 2, 2]);
      expect(refusals[0]?.err).toBe('ecs-ops: no task or container instance with id 00000000 is stored');
      expect(refusals[1]?.err).toContain(
        'is an ARN of ecs service; expected a task or container instance ARN',
      );
      expect(refusals[2]?.err).toContain('i-12 is no EC2 instance id');
      expect(refusals[3]?.err).toBe(
        'ecs-ops: no container instance registered for EC2 instance i-0000000000000000a is stored',
      );
    });

    it('resolves an EC2 instance id to its container instance, and says so', async () => {
      const { code, out } = await cli('task', ec2);
      expect(code).toBe(0);
      expect(out.split('\n')[0]).toBe(
        `(${ec2} is the EC2 instance of container instance ${hostId} (cluster prod))`,
      );
      expect(out).toMatch(/^status +DRAINING$/m);
    });

    it('instance: its status timeline and the tasks it ran, by EC2 id, ARN or prefix', async () => {
      const table = await cli('instance', ec2);
      const byArn = await cli('instance', containerInstanceArn('prod', hostId), '--json');
      const byPrefix = await cli('instance', hostId.slice(0, 8), '-o', 'csv');

      expect(table.code).toBe(0);
      expect(table.out).toMatch(/^Status timeline \(3 versions; times in UTC\):$/m);
      expect(table.out).toMatch(/^3 +\S+ \S+ +event +DRAINING +connected +0 +0$/m);
      expect(table.out).toMatch(
        new RegExp(`^Tasks placed on ${ec2}, newest first \\(1; times in UTC\\):$`, 'm'),
      );
      expect(table.out).toMatch(/^feedc0de0+abcd +service:api +STOPPED/m);
      const document = json<{ instance: { arn: string }; history: unknown[]; tasks: { arn: string }[] }>(
        byArn.out,
      );
      expect(document.instance.arn).toBe(containerInstanceArn('prod', hostId));
      expect(document.history).toHaveLength(3);
      expect(document.tasks.map((task) => task.arn.slice(-32))).toEqual(['feedc0de00000000000000000000abcd']);
      expect(byPrefix.out.split('\n')[0]).toMatch(/^TASK,CLUSTER,GROUP,LAST,/);
      expect(byPrefix.err).toBe(`ecs-ops: ${hostId.slice(0, 8)} is container instance ${hostId}`);
    });

    it('instance refuses a task, naming the command that shows it; and an ambiguous prefix keeps instances only', async () => {
      const task = await cli('instance', 'feedc0de');
      const twin = await cli('instance', 'abcdef01');

      expect(task.code).toBe(2);
      expect(task.err).toBe(
        'ecs-ops: feedc0de is a task, not a container instance; ecs-ops task feedc0de00000000000000000000abcd shows it',
      );
      expect(twin.code).toBe(0);
      expect(twin.out).toContain(`(abcdef01 is container instance ${twinInstance})`);
    });

    it('refuses an EC2 instance with two container instances, listing both', async () => {
      await replay(instance({ id: 'second-registration', version: 1, status: 'ACTIVE' }));
      const { code, err } = await cli('instance', ec2);
      expect(code).toBe(2);
      expect(err).toContain(
        `EC2 instance ${ec2} has 2 container instances; give the id or ARN of the one you mean`,
      );
      expect(err).toContain(hostId);
    });
  });

  describe('ecs-ops stops', () => {
    beforeEach(async () => {
      await replay(
        stopped('oom', ago(120), ago(60)),
        stopped('oom-last-week', ago(4 * 1440), ago(3 * 1440)),
        stopped('crash', ago(50), ago(40), {
          fixture: 'ecs/task/fargate-stopped.json',
          group: 'family:ingest',
          cluster: 'batch',
          detail: {
            stopCode: 'EssentialContainerExited',
            stoppedReason: 'Essential container in task exited',
            containers: [{ name: 'ingest', exitCode: 1, lastStatus: 'STOPPED' }],
          },
        }),
        stopped('pull', ago(30), ago(29), {
          fixture: 'ecs/task/fargate-stopped-image-pull.json',
          group: 'family:migrate',
          cluster: 'batch',
        }),
        stopped('scaled-in', ago(20), ago(10), {
          fixture: 'ecs/task/fargate-stopped.json',
          group: 'service:web',
        }),
        live('running', ago(30)),
      );
    });
    const listed = async (...argv: string[]) => {
      const result = await cli('stops', ...argv, '--json');
      expect(result.code, result.err).toBe(0);
      return json<{ taskArn: string; class?: string; exitCode?: number; container?: string }[]>(result.out);
    };
    const idsOf = (rows: { taskArn: string }[]) => rows.map((row) => row.taskArn.slice(-32));

    it('lists the tasks that stopped in the last 24 hours by default, newest first, with cause and class', async () => {
      const rows = await listed();
      expect(idsOf(rows)).toEqual(['scaled-in', 'oom', 'pull', 'crash'].map(hex));
      expect(rows.find((row) => row.taskArn.endsWith(hex('oom')))).toMatchObject({
        container: 'api',
        exitCode: 137,
        class: 'oom',
        stopCode: 'EssentialContainerExited',
      });
      expect(rows.find((row) => row.taskArn.endsWith(hex('crash')))).toMatchObject({
        class: 'app-error',
        exitCode: 1,
      });
      expect(rows.find((row) => row.taskArn.endsWith(hex('pull')))).toMatchObject({ class: 'image-pull' });
      expect(rows.find((row) => row.taskArn.endsWith(hex('scaled-in')))).toMatchObject({
        class: 'signal',
        exitCode: 143,
      });
    });

    it('--class, --exit-code and --group keep their tasks; --since 7d reaches last week', async () => {
      expect(idsOf(await listed('--class', 'oom'))).toEqual([hex('oom')]);
      expect(idsOf(await listed('--class', 'oom', '--since', '7d'))).toEqual([
        hex('oom'),
        hex('oom-last-week'),
      ]);
      expect(idsOf(await listed('--class', 'oom', '--class', 'image-pull'))).toEqual([
        hex('oom'),
        hex('pull'),
      ]);
      expect(idsOf(await listed('--exit-code', '1'))).toEqual([hex('crash')]);
      expect(idsOf(await listed('--group', 'family:ingest'))).toEqual([hex('crash')]);
      expect(idsOf(await listed('--cluster', 'prod', '--until', '30m'))).toEqual([hex('oom')]);
    });

    it('prints a table per cluster naming its window, the cause and the class; csv with every column', async () => {
      const table = await cli('stops', '--cluster', 'prod', '--since', '2h');
      const csv = await cli('stops', '--cluster', 'batch', '-o', 'csv');

      expect(table.out).toMatch(
        /^Tasks stopped in prod since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(2; times in UTC\):$/m,
      );
      expect(table.out).toMatch(/^STOPPED +TASK +GROUP +STOP CODE +CONTAINER +EXIT +CLASS +REASON$/m);
      expect(table.out).toMatch(/service:api +EssentialContainerExited +api +137 +oom +OutOfMemoryError/);
      expect(csv.out.split('\n')[0]).toBe(
        'STOPPED,TASK,CLUSTER,GROUP,STOP CODE,CONTAINER,EXIT,CLASS,REASON,EXIT CODES,RULE,STOPPED REASON,CREATED,STARTED,TASK DEFINITION,LAUNCH TYPE',
      );
      expect(csv.out).toContain(',family:ingest,EssentialContainerExited,ingest,1,app-error,');
    });

    it('filters before cutting at --limit, and says when the list is cut', async () => {
      const { out, err } = await cli('stops', '--class', 'oom', '--since', '7d', '--limit', '1', '--json');
      expect(idsOf(json(out))).toEqual([hex('oom')]);
      expect(err).toContain('showing 1 of at least 2');
    });

    const stopIds = (text: string) => idsOf(json(text));

    it('--next-token pages on in the window the first page read: --since 24h is that page’s', async () => {
      expect(await pages(['stops', '--cluster', 'prod'], 1, stopIds)).toEqual([
        [hex('scaled-in')],
        [hex('oom')],
      ]);
      // Filtered: the token is right after the last row kept, whatever the filter read past.
      for (const filter of [
        ['--class', 'oom'],
        ['--exit-code', '137'],
      ])
        expect(await pages(['stops', '--cluster', 'prod', '--since', '7d', ...filter], 1, stopIds)).toEqual([
          [hex('oom')],
          [hex('oom-last-week')],
        ]);
      expect(await pages(['stops', '--class', 'signal', '--cluster', 'prod'], 1, stopIds)).toEqual([
        [hex('scaled-in')],
      ]);
    });

    it('several clusters cut: each notice names its cluster, and its token lists that cluster’s next page', async () => {
      const both = await cli('stops', '--limit', '1', '--json');
      expect(idsOf(json(both.out))).toEqual([hex('scaled-in'), hex('pull')]);
      const notices = both.err.split('\n');
      expect(notices).toEqual([
        expect.stringMatching(
          /^ecs-ops: Tasks stopped in prod since .+: showing 1 of at least 2 — use --limit 5, --limit 0 for all, or --cluster prod --next-token [\w.-]+ for the next page$/,
        ),
        expect.stringMatching(
          /^ecs-ops: Tasks stopped in batch since .+ --cluster batch --next-token [\w.-]+ for/,
        ),
      ]);
      const batch = await cli(
        'stops',
        '--cluster',
        'batch',
        '--next-token',
        tokenOf(notices[1] ?? '') as string,
        '--json',
      );
      expect({ code: batch.code, err: batch.err }).toEqual({ code: 0, err: '' });
      expect(stopIds(batch.out)).toEqual([hex('crash')]);
      const refused = await cli('stops', '--next-token', tokenOf(notices[1] ?? '') as string);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain("--next-token continues one cluster's list, and this lists prod, batch");
    });

    it.each([
      [
        ['--class', 'oomkilled'],
        'ecs-ops: --class oomkilled: unknown class; use one of oom, signal, segfault, image-pull, failed-to-start, app-error, clean-exit',
      ],
      [['--exit-code', 'one'], 'ecs-ops: --exit-code one: expected a whole number, e.g. --exit-code 137'],
      [['--since', '40'], 'ecs-ops: --since 40: a bare number is not a time'],
      [
        ['prod'],
        'ecs-ops: stops takes no argument (got prod); use --cluster, --group, --class or --exit-code',
      ],
      [
        ['--status', 'STOPPED'],
        'ecs-ops: stops does not take --status; its flags: --cluster --group --class --exit-code --since --until --limit --next-token',
      ],
    ])('refuses %j (exit 2)', async (argv, message) => {
      const { code, err } = await cli('stops', ...argv);
      expect(code).toBe(2);
      expect(err).toContain(message);
    });
  });

  describe('ecs-ops timeline', () => {
    const deployment = 'ecs-svc/1111111111111111111';
    beforeEach(async () => {
      await replay(
        stopped('oom', ago(120), ago(60), { detail: { startedBy: deployment } }),
        live('replacement', ago(59), { detail: { startedBy: deployment } }),
        stopped('old-api', ago(3000), ago(2900), { detail: { startedBy: 'ecs-svc/0' } }),
        live('web', ago(30), { group: 'service:web' }),
        stopped('report-run', ago(40), ago(39), {
          fixture: 'ecs/task/fargate-stopped.json',
          cluster: 'batch',
          group: 'family:report',
          detail: {
            stopCode: 'EssentialContainerExited',
            startedBy: 'ecs-ops-job/report',
            containers: [{ name: 'report', exitCode: 1, lastStatus: 'STOPPED' }],
          },
        }),
      );
      const oom = taskArn('prod', hex('oom'));
      await journal(
        {
          at: ago(59.9),
          kind: 'alert',
          subject: 'prod/service:api',
          id: `${oom}#stop`,
          fields: {
            outcome: 'sent',
            cluster: 'prod',
            group: 'service:api',
            taskArn: oom,
            exitClass: 'oom',
            subject: '[ecs-ops] api OOM-killed (exit 137) in prod',
            reason: 'paged',
          },
        },
        {
          at: ago(59.8),
          kind: 'alert',
          subject: 'prod/service:api',
          id: 'not-incident',
          fields: {
            outcome: 'not-incident',
            cluster: 'prod',
            group: 'service:api',
            reason: 'a deployment stop',
          },
        },
        {
          at: ago(58),
          kind: 'scaling',
          subject: 'prod/api',
          id: 'out#scale#scale-out',
          fields: {
            policy: 'api-out',
            cluster: 'prod',
            service: 'api',
            action: 'scale',
            reason: 'scale-out',
            applied: true,
            previousDesired: 2,
            desired: 3,
            explanation: 'cpu 91 in step [80, +∞): 2 +1 = 3',
          },
        },
        ...[57, 56].map(
          (minutes): JournalEntry => ({
            at: ago(minutes),
            kind: 'scaling',
            subject: 'prod/api',
            id: `out#ignore#no-step#${minutes}`,
            fields: {
              policy: 'api-out',
              cluster: 'prod',
              service: 'api',
              action: 'ignore',
              reason: 'no-step',
            },
          }),
        ),
        {
          at: ago(70),
          kind: 'drain',
          subject: 'prod/i-0123456789abcdef0',
          id: 'i-0123456789abcdef0#started',
          fields: {
            ec2InstanceId: 'i-0123456789abcdef0',
            cluster: 'prod',
            trigger: 'spot',
            outcome: 'started',
            tasks: [oom],
          },
        },
        {
          at: ago(65),
          kind: 'drain',
          subject: 'prod/i-0fffffffffffffff0',
          id: 'i-0fffffffffffffff0#started',
          fields: {
            ec2InstanceId: 'i-0fffffffffffffff0',
            cluster: 'prod',
            trigger: 'lifecycle',
            outcome: 'started',
            tasks: [taskArn('prod', hex('web'))],
          },
        },
        {
          at: ago(41),
          kind: 'job',
          subject: 'report',
          id: 'slot#launched',
          fields: {
            job: 'report',
            slot: ago(41),
            outcome: 'launched',
            reason: 'launched 1 task',
            tasks: [taskArn('batch', hex('report-run'))],
          },
        },
        {
          at: ago(38),
          kind: 'job',
          subject: 'report',
          id: 'slot#completed',
          fields: {
            job: 'report',
            slot: ago(41),
            outcome: 'failed',
            reason: 'report exited 1',
            exitCodes: { report: 1 },
          },
        },
      );
    });
    type Event = { kind: string; what: string; task?: string; cluster: string; detail: string };
    const events = async (...argv: string[]) => {
      const result = await cli('timeline', ...argv, '--json');
      expect(result.code, result.err).toBe(0);
      return json<Event[]>(result.out);
    };

    it('tells a service’s story in time order: deployment, tasks, drain, alert, scaling', async () => {
      const story = await events('api');
      expect(story.map((event) => `${event.kind} ${event.what}`)).toEqual([
        'deployment first task',
        'task started',
        'drain started',
        'task stopped',
        'alert sent',
        'task started',
        'scaling scale-out',
      ]);
      expect(story.every((event) => event.cluster === 'prod')).toBe(true);
      expect(story[0]?.detail).toContain(
        `${deployment}: its first task created (2 of its tasks ran in the window)`,
      );
      expect(story[3]?.detail).toContain('oom: api exit 137');
      expect(story[4]?.detail).toBe('oom: [ecs-ops] api OOM-killed (exit 137) in prod');
    });

    it('counts the scaling evaluations that held, and names the command that lists them', async () => {
      const { out } = await cli('timeline', 'api', '--cluster', 'prod');
      expect(out).toMatch(/^Timeline of service:api in prod since .* \(7; times in UTC\):$/m);
      expect(out.split('\n').at(-1)).toBe(
        'prod/api: 2 scaling evaluations held the desired count (no-step 2); ecs-ops scaling --service prod/api lists them',
      );
    });

    it('reads a job’s family: its runs and its task', async () => {
      const story = await events('report', '--cluster', 'batch');
      expect(story.map((event) => `${event.kind} ${event.what}`)).toEqual([
        'job launched',
        'task started',
        'task stopped',
        'job failed',
      ]);
      expect(story[3]?.detail).toContain('exit report=1 — report exited 1');
    });

    it('takes a group as given, and a window: what happened before --since is left out', async () => {
      expect((await events('service:api', '--since', '59m30s')).map((event) => event.what)).toEqual([
        'started',
        'scale-out',
      ]);
      // Two days ago: the task of an earlier deployment, started and stopped.
      expect(
        (await events('service:api', '--since', '3d', '--until', '2d')).map(
          (event) => `${event.kind} ${event.what}`,
        ),
      ).toEqual(['deployment first task', 'task started', 'task stopped']);
    });

    it('refuses a name nothing is known by, and a missing one (exit 2)', async () => {
      const unknown = await cli('timeline', 'nothing');
      const missing = await cli('timeline');
      expect(unknown.code).toBe(2);
      expect(unknown.err).toContain('ecs-ops: nothing is known of nothing in prod, batch');
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('timeline needs a service, a task family or a group');
    });
  });
});

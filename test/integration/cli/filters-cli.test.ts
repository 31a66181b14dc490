/**
 * Every filter a command takes is honoured, through runCli on both local engines (cli-stores.ts: the CLI's own
 * dynalite store, and DynamoDB Local through --store aws): --cluster and --group of
 * alerts, --cluster and the window of drains, repeated filters as alternatives, --until, the --group hint, the
 * notice of a list cut by --limit and the zone tables print times in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertJournalEntry } from '../../../lib/alerts/model.js';
import { DrainStore } from '../../../lib/drain/drain-store.js';
import type { Drain } from '../../../lib/drain/model.js';
import { Journal } from '../../../lib/platform/journal.js';
import { runCaptured } from '../../support/cli-run.js';
import { drainOf } from '../../support/drains.js';
import { type TaskOverrides, taskEvent } from '../../support/fixtures.js';
import { cliStores, useCliStore } from './cli-stores.js';

let dir: string;
let config: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-filters-cli-'));
  config = join(dir, 'ops.config.yml');
  writeFileSync(config, 'clusters: [prod, batch]\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const json = <T>(text: string) => JSON.parse(text) as T;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const stopped = (id: string, cluster: string, minutesAgo: number, group = 'service:web'): TaskOverrides => ({
  id,
  cluster,
  group,
  fixture: 'ecs/task/fargate-stopped.json',
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  createdAt: ago(minutesAgo + 5),
  stoppedAt: ago(minutesAgo),
});
const running = (id: string, cluster: string, group = 'service:web'): TaskOverrides => ({
  id,
  cluster,
  group,
  lastStatus: 'RUNNING',
  createdAt: ago(30),
});

const alert = (taskArn: string, cluster: string, group: string, minutesAgo: number): AlertJournalEntry => ({
  at: ago(minutesAgo),
  outcome: 'sent',
  cluster,
  group,
  taskArn,
  severity: 'critical',
  subject: `${group} in ${cluster}`,
  reason: 'paged',
});

describe.each(cliStores())('on $name', (leg) => {
  const available = useCliStore(leg);
  if (available === undefined) return;
  const store = available;

  async function cli(...argv: string[]) {
    return runCaptured([...store.flags(dir), '--config', config, ...argv]);
  }

  /** Stores tasks through `ecs-ops replay`, the way events reach the store. */
  async function tasks(...overrides: TaskOverrides[]) {
    const file = join(dir, 'tasks.jsonl');
    writeFileSync(
      file,
      overrides.map((task) => JSON.stringify(taskEvent({ version: 3, ...task }))).join('\n'),
    );
    expect((await cli('replay', file)).code).toBe(0);
  }

  /** The store's table, opened directly: for what no command writes. */
  async function withTable(use: (table: { tableName: string; client: DynamoDBClient }) => Promise<void>) {
    const opened = await store.open(dir);
    try {
      await use(opened);
    } finally {
      await opened.close();
    }
  }

  async function alerts(...entries: AlertJournalEntry[]) {
    await withTable(async ({ tableName, client }) => {
      const journal = new Journal({ tableName, client, retentionDays: 90 });
      for (const { at, ...fields } of entries) {
        await journal.append({
          at,
          kind: 'alert',
          subject: `${fields.cluster}/${fields.group}`,
          id: fields.taskArn ?? at,
          fields,
        });
      }
    });
  }

  async function drains(...list: Drain[]) {
    await withTable(async ({ tableName, client }) => {
      const drainStore = new DrainStore({ tableName, client, retentionDays: 90 });
      for (const drain of list) await drainStore.save(drain, undefined);
    });
  }

  describe('ecs-ops tasks', () => {
    it('lists each cluster named with --cluster, and only those', async () => {
      await tasks(running('p1', 'prod'), running('b1', 'batch'), running('s1', 'staging'));

      const both = await cli('tasks', '--cluster', 'prod', '--cluster', 'batch');
      const one = json<{ arn: string }[]>((await cli('tasks', '--cluster', 'batch', '--json')).out);

      expect(both.code).toBe(0);
      expect(both.out).toMatch(/^Tasks in prod \(1; times in UTC\):$/m);
      expect(both.out).toMatch(/^Tasks in batch \(1; times in UTC\):$/m);
      expect(both.out).not.toContain('staging');
      expect(one.map((task) => task.arn)).toEqual([taskEvent({ id: 'b1', cluster: 'batch' }).detail.taskArn]);
    });

    it('takes repeated --status and --group as alternatives', async () => {
      await tasks(
        running('r1', 'prod'),
        stopped('x1', 'prod', 10),
        running('a1', 'prod', 'service:api'),
        running('w1', 'prod', 'service:worker'),
      );

      const statuses = json<{ detail: { lastStatus: string } }[]>(
        (await cli('tasks', '--cluster', 'prod', '--status', 'running', '--status', 'STOPPED', '--json')).out,
      );
      const groups = json<{ detail: { group: string } }[]>(
        (
          await cli(
            'tasks',
            '--cluster',
            'prod',
            '--group',
            'service:api',
            '--group',
            'service:worker',
            '--json',
          )
        ).out,
      );

      expect(statuses.map((task) => task.detail.lastStatus).sort()).toEqual([
        'RUNNING',
        'RUNNING',
        'RUNNING',
        'STOPPED',
      ]);
      expect(groups.map((task) => task.detail.group).sort()).toEqual(['service:api', 'service:worker']);
    });

    it('keeps tasks that stopped before --until, and after --since', async () => {
      await tasks(stopped('old', 'prod', 180), stopped('mid', 'prod', 120), stopped('new', 'prod', 10));
      const ids = async (...window: string[]) =>
        json<{ arn: string }[]>(
          (await cli('tasks', '--cluster', 'prod', '--status', 'STOPPED', ...window, '--json')).out,
        ).map((task) => task.arn.slice(-32));
      const id = (seed: string) => String(taskEvent({ id: seed }).detail.taskArn).slice(-32);

      expect(await ids('--until', '1h')).toEqual([id('mid'), id('old')]);
      expect(await ids('--since', '150m', '--until', '1h')).toEqual([id('mid')]);
      expect(await ids('--since', '1h')).toEqual([id('new')]);
    });

    it('refuses a window that ends before it starts', async () => {
      const { code, err } = await cli('tasks', '--cluster', 'prod', '--since', '1h', '--until', '2h');
      expect(code).toBe(2);
      expect(err).toMatch(/--since 1h \(.* UTC\) is after --until 2h/);
    });

    it('suggests service:<name> for a group written without its kind, when nothing is listed', async () => {
      await tasks(running('a1', 'prod', 'service:api'));

      const table = await cli('tasks', '--cluster', 'prod', '--group', 'api');
      const asJson = await cli('tasks', '--cluster', 'prod', '--group', 'api', '--json');
      const unknown = await cli('tasks', '--cluster', 'prod', '--group', 'nothing');

      expect(table.out).toContain('no tasks of group api; groups name their kind: try --group service:api');
      expect(asJson.out).toBe('[]');
      expect(asJson.err).toContain('try --group service:api');
      expect(unknown.out).toContain(
        'no tasks of group nothing; groups name their kind: --group service:nothing (a service',
      );
    });

    it('says when --limit cut the list, on standard error beside JSON', async () => {
      await tasks(running('t1', 'prod'), running('t2', 'prod'), running('t3', 'prod'));

      const table = await cli('tasks', '--cluster', 'prod', '--limit', '2');
      const asJson = await cli('tasks', '--cluster', 'prod', '--limit', '2', '--json');
      const all = await cli('tasks', '--cluster', 'prod', '--limit', '0', '--json');
      const exact = await cli('tasks', '--cluster', 'prod', '--limit', '3');

      expect(table.out).toMatch(/^Tasks in prod \(2; times in UTC\):$/m);
      expect(table.out.split('\n').at(-1)).toMatch(
        /^showing 2 of at least 3 — use --limit 10, --limit 0 for all, or --next-token [\w.-]+ for the next page$/,
      );
      expect(json<unknown[]>(asJson.out)).toHaveLength(2);
      expect(asJson.err).toMatch(
        /^ecs-ops: Tasks in prod: showing 2 of at least 3 — use --limit 10, --limit 0 for all, or --next-token [\w.-]+ for the next page$/,
      );
      expect(json<unknown[]>(all.out)).toHaveLength(3);
      expect(exact.out).not.toContain('showing');
      // csv and yaml keep standard output to the document too; the notice (and its token) goes to standard error.
      for (const format of ['csv', 'yaml']) {
        const cut = await cli('tasks', '--cluster', 'prod', '--limit', '2', '-o', format);
        expect(cut.out).not.toContain('showing');
        expect(cut.err).toMatch(
          /^ecs-ops: Tasks in prod: showing 2 of at least 3 — .* --next-token [\w.-]+ for the next page$/,
        );
      }
      // Its token lists the rest.
      const token = /--next-token ([\w.-]+)/.exec(asJson.err)?.[1] as string;
      const rest = await cli('tasks', '--cluster', 'prod', '--next-token', token, '--json');
      const arns = (text: string) => json<{ arn: string }[]>(text).map((task) => task.arn);
      expect([...arns(asJson.out), ...arns(rest.out)]).toEqual(arns(all.out));
      expect(rest.err).toBe('');
    });

    it('prints times in --tz, says so, and prints csv with ISO times in that zone', async () => {
      await tasks({ ...running('t1', 'prod'), createdAt: '2024-05-01T12:00:00.000Z' });

      const table = await cli('tasks', '--cluster', 'prod', '--tz', 'Europe/Paris');
      const csv = await cli('tasks', '--cluster', 'prod', '--tz', 'Europe/Paris', '-o', 'csv');

      expect(table.out).toMatch(/^Tasks in prod \(1; times in Europe\/Paris\):$/m);
      expect(table.out).toContain('2024-05-01 14:00:00');
      expect(csv.out.split('\n')[0]).toMatch(/^TASK,CLUSTER,GROUP,LAST,/);
      expect(csv.out).toContain(',2024-05-01T14:00:00+02:00,');
    });
  });

  describe('ecs-ops alerts', () => {
    beforeEach(async () => {
      await alerts(
        alert('t-prod-api', 'prod', 'service:api', 30),
        alert('t-prod-web', 'prod', 'service:web', 20),
        alert('t-batch-job', 'batch', 'family:report', 10),
        alert('t-old', 'prod', 'service:api', 60 * 3),
      );
    });
    const tasksOf = async (...argv: string[]) =>
      json<AlertJournalEntry[]>((await cli('alerts', ...argv, '--json')).out).map((entry) => entry.taskArn);

    it('--cluster keeps the decisions of that cluster (by name or ARN)', async () => {
      expect(await tasksOf('--cluster', 'batch')).toEqual(['t-batch-job']);
      expect(await tasksOf('--cluster', 'arn:aws:ecs:us-east-1:111122223333:cluster/prod')).toEqual([
        't-prod-web',
        't-prod-api',
        't-old',
      ]);
    });

    it('repeated --cluster and --group are alternatives; together, both must match', async () => {
      expect(await tasksOf('--cluster', 'prod', '--cluster', 'batch')).toEqual([
        't-batch-job',
        't-prod-web',
        't-prod-api',
        't-old',
      ]);
      expect(await tasksOf('--group', 'service:api', '--group', 'family:report')).toEqual([
        't-batch-job',
        't-prod-api',
        't-old',
      ]);
      expect(await tasksOf('--cluster', 'batch', '--group', 'service:api')).toEqual([]);
    });

    it('--since and --until bound the window', async () => {
      expect(await tasksOf('--since', '6h', '--until', '1h')).toEqual(['t-old']);
      expect(await tasksOf('--since', '25m')).toEqual(['t-batch-job', 't-prod-web']);
    });

    it('names the window and the zone in its heading', async () => {
      const { out } = await cli(
        'alerts',
        '--since',
        '2024-05-01T00:00Z',
        '--until',
        '2024-05-02T00:00Z',
        '--tz',
        'Asia/Tokyo',
      );
      expect(out.split('\n')[0]).toBe(
        'Alerts from 2024-05-01 09:00:00 to 2024-05-02 09:00:00 (0; times in Asia/Tokyo):',
      );
    });

    it('suggests the group with its kind when --group api finds nothing', async () => {
      const { out } = await cli('alerts', '--group', 'api');
      expect(out).toContain('groups name their kind: try --group service:api');
    });

    it('filters before cutting at --limit', async () => {
      const { out, err } = await cli('alerts', '--cluster', 'prod', '--limit', '1', '--json');
      expect(json<AlertJournalEntry[]>(out).map((entry) => entry.taskArn)).toEqual(['t-prod-web']);
      expect(err).toContain('showing 1 of at least 2');
    });
  });

  describe('ecs-ops drains', () => {
    beforeEach(async () => {
      await drains(
        drainOf({
          ec2InstanceId: 'i-0000000000000000a',
          cluster: 'prod',
          startedAt: ago(300),
          deadline: ago(240),
        }),
        drainOf({
          ec2InstanceId: 'i-0000000000000000b',
          cluster: 'batch',
          startedAt: ago(200),
          deadline: ago(140),
          state: 'released',
          release: { at: ago(150), reason: 'empty', remaining: [] },
        }),
        drainOf({
          ec2InstanceId: 'i-0000000000000000c',
          cluster: 'prod',
          startedAt: ago(20),
          deadline: ago(-40),
          state: 'released',
          release: { at: ago(10), reason: 'empty', remaining: [] },
        }),
      );
    });
    const instancesOf = async (...argv: string[]) =>
      json<Drain[]>((await cli('drains', ...argv, '--json')).out).map((drain) => drain.ec2InstanceId);

    it('--cluster keeps the drains of that cluster; repeated, of any of them', async () => {
      expect(await instancesOf('--cluster', 'batch')).toEqual(['i-0000000000000000b']);
      expect(await instancesOf('--cluster', 'prod')).toEqual(['i-0000000000000000a', 'i-0000000000000000c']);
      expect(await instancesOf('--cluster', 'prod', '--cluster', 'batch')).toHaveLength(3);
    });

    it('a window keeps the drains under way at some time in it', async () => {
      // a: under way since 5 h ago; b: from 200 to 150 min ago; c: from 20 to 10 min ago.
      expect(await instancesOf('--since', '1h')).toEqual(['i-0000000000000000a', 'i-0000000000000000c']);
      expect(await instancesOf('--until', '1h')).toEqual(['i-0000000000000000a', 'i-0000000000000000b']);
      expect(await instancesOf('--since', '3h', '--until', '2h')).toEqual([
        'i-0000000000000000a',
        'i-0000000000000000b',
      ]);
      expect(await instancesOf('--open', '--cluster', 'batch')).toEqual([]);
    });

    it('names the window in its heading', async () => {
      const { out } = await cli('drains', '--since', '2024-05-01T00:00Z', '--until', '2024-05-01T01:00Z');
      expect(out.split('\n')[0]).toBe(
        'Drains, under way first, from 2024-05-01 00:00:00 to 2024-05-01 01:00:00 (0; times in UTC):',
      );
    });
  });

  describe('commands that take no window refuse one', () => {
    it('instances --since is refused, naming its flags', async () => {
      const { code, err } = await cli('instances', '--since', '1m');
      expect(code).toBe(2);
      expect(err).toContain('instances does not take --since; its flags: --cluster --status --limit');
    });
  });
});

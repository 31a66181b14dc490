/**
 * The ecs-ops CLI as an operator uses it: commands, output and exit codes, on a local store in a fresh folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../../lib/jobs/run-store.js';
import { stateTableName } from '../../../lib/platform/store/table.js';
import {
  ensureStateTable,
  LOCAL_STATE_TABLE,
  localClient,
  startLocalEngine,
} from '../../../local/dynamodb/local-engine.js';
import { runCaptured } from '../../support/cli-run.js';
import { engines } from '../../support/engines.js';
import { EVENTS_DIR, loadEvent, PROJECT_ROOT, taskEvent } from '../../support/fixtures.js';

const root = PROJECT_ROOT;
const DEMO = join(EVENTS_DIR, 'demo/stream.jsonl');
const FARGATE_ID = 'd637d4d4159ea6d323cdeb526fc0996b';

let dir: string;
async function cli(...argv: string[]) {
  return runCaptured(['--dir', dir, ...argv]);
}
const json = <T>(text: string) => JSON.parse(text) as T;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-cli-'));
});

describe('ecs-ops replay', () => {
  it('reconciles a JSON Lines stream and counts accepted, duplicate and stale events', async () => {
    const { code, out } = await cli('replay', DEMO, '--json');
    expect(code).toBe(0);
    const summary = json<{ events: number; accepted: number; duplicate: number; stale: number }>(out);
    expect(summary.events).toBe(41);
    expect(summary.accepted + summary.duplicate + summary.stale).toBe(41);

    const again = json<{ accepted: number; duplicate: number; stale: number }>(
      (await cli('replay', DEMO, '--json')).out,
    );
    expect(again.accepted).toBe(0);
  });

  it('reads a JSON array of envelopes', async () => {
    const file = join(dir, 'events.json');
    writeFileSync(
      file,
      JSON.stringify([
        loadEvent('ecs/task/fargate-pending.json'),
        loadEvent('ecs/task/fargate-running.json'),
      ]),
    );
    const { code, out } = await cli('replay', file, '--json');
    expect(code).toBe(0);
    expect(json<{ accepted: number; stale: number }>(out)).toMatchObject({ accepted: 1, stale: 1 });
  });

  it('reads one pretty-printed envelope, as the files in events/ hold', async () => {
    const { code, out } = await cli('replay', join(EVENTS_DIR, 'ecs/task/fargate-running.json'), '--json');
    expect(code).toBe(0);
    expect(json<{ events: number; accepted: number }>(out)).toMatchObject({ events: 1, accepted: 1 });
  });

  it('stores the valid lines, reports each invalid line with its number and reason, dead-letters it, exits 2', async () => {
    const file = join(dir, 'mixed.jsonl');
    const wrongVersion = taskEvent({ id: 'bad', version: 1 });
    wrongVersion.detail.version = '7';
    writeFileSync(
      file,
      [
        JSON.stringify(taskEvent({ id: 'good', version: 3 })),
        'not json',
        '',
        JSON.stringify(wrongVersion),
      ].join('\n'),
    );
    const { code, out } = await cli('replay', file);
    expect(code).toBe(2);
    expect(out).toMatch(/line 2: \(body\): not JSON/);
    expect(out).toMatch(/line 4: detail\.version: expected a number, got "7" \(a string\)/);
    const letters = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
    expect(letters.map((line) => json<{ id: string }>(line).id)).toEqual(['line 2', 'line 4']);
    expect((await cli('tasks', '--cluster', 'prod', '--json')).out).toContain(
      taskEvent({ id: 'good' }).detail.taskArn,
    );
  });

  it('exits 2 with a message when the file cannot be read', async () => {
    const { code, err } = await cli('replay', join(dir, 'missing.jsonl'));
    expect(code).toBe(2);
    expect(err).toMatch(/cannot read .*missing\.jsonl/);
  });
});

describe('ecs-ops task, tasks, instances', () => {
  beforeEach(async () => {
    expect((await cli('replay', DEMO)).code).toBe(0);
    const lifecycle = [
      'provisioning',
      'pending',
      'activating',
      'running',
      'running-desired-stopped',
      'stopped',
    ];
    const file = join(dir, 'fargate.jsonl');
    writeFileSync(
      file,
      lifecycle.map((state) => JSON.stringify(loadEvent(`ecs/task/fargate-${state}.json`))).join('\n'),
    );
    expect((await cli('replay', file)).code).toBe(0);
  });

  it('shows a task found by its id, with its whole timeline', async () => {
    const { code, out } = await cli('task', FARGATE_ID, '--history');
    expect(code).toBe(0);
    expect(out).toMatch(/status\s+STOPPED \(desired STOPPED\)/);
    expect(out).toMatch(/^Timeline \(6 versions; times in UTC\):$/m);
    const { out: asJson } = await cli('task', FARGATE_ID, '--history', '--json');
    const shown = json<{ latest: { version: number }; history: { version: number }[] }>(asJson);
    expect(shown.latest.version).toBe(9);
    expect(shown.history.map((entry) => entry.version)).toEqual([1, 2, 3, 4, 5, 9]);
  });

  it('lists tasks of a cluster by status and by group, and container instances', async () => {
    const stopped = json<{ detail: { lastStatus: string } }[]>(
      (await cli('tasks', '--cluster', 'prod', '--status', 'stopped', '--json')).out,
    );
    expect(stopped.length).toBeGreaterThan(0);
    expect(new Set(stopped.map((task) => task.detail.lastStatus))).toEqual(new Set(['STOPPED']));

    const web = json<{ detail: { group: string } }[]>(
      (await cli('tasks', '--cluster', 'prod', '--group', 'service:web', '--json')).out,
    );
    expect(web.length).toBeGreaterThan(0);
    expect(new Set(web.map((task) => task.detail.group))).toEqual(new Set(['service:web']));

    const { code, out } = await cli('instances', '--cluster', 'prod');
    expect(code).toBe(0);
    expect(out).toMatch(/CONTAINER INSTANCE\s+EC2\s+STATUS/);
    expect(out).toMatch(/DRAINING/);
  });

  it('lists tasks in a status ECS added after this code when no --status is given, and names the way', async () => {
    // Prepare: a task stored with a last status ecs-ops does not know.
    const file = join(dir, 'hibernating.jsonl');
    writeFileSync(file, JSON.stringify(taskEvent({ id: 'sleepy', version: 4, lastStatus: 'HIBERNATING' })));
    expect((await cli('replay', file)).code).toBe(0);
    const arn = taskEvent({ id: 'sleepy' }).detail.taskArn;

    // Act
    const all = json<{ arn: string; detail: { lastStatus: string } }[]>(
      (await cli('tasks', '--cluster', 'prod', '--json')).out,
    );
    const table = await cli('tasks', '--cluster', 'prod');
    const byStatus = await cli('tasks', '--cluster', 'prod', '--status', 'HIBERNATING');

    // Assess
    expect(all.find((task) => task.arn === arn)?.detail.lastStatus).toBe('HIBERNATING');
    expect(table.out).toMatch(/HIBERNATING/);
    expect(byStatus.code).toBe(2);
    expect(byStatus.err).toMatch(/unknown status HIBERNATING; use one of PROVISIONING.*without --status/);
  });

  it('defaults to the clusters of ops.config.yml', async () => {
    const config = join(dir, 'ops.config.yml');
    writeFileSync(config, 'clusters: [prod]\n');
    const { code, out } = await cli('tasks', '--config', config);
    expect(code).toBe(0);
    expect(out).toMatch(/^Tasks in prod/);
  });
});

describe('ecs-ops usage errors', () => {
  it.each([
    [['frobnicate'], /unknown command frobnicate/],
    [['tasks', '--colour'], /^ecs-ops: tasks does not take --colour; its flags: --cluster --status --group /],
    [
      ['tasks', '--cluster', 'prod', '--status', 'SLEEPING'],
      /unknown status SLEEPING; use one of PROVISIONING/,
    ],
    [
      ['tasks', '--cluster', 'prod', '--since', '40'],
      /--since 40: a bare number is not a time; write 40m, 40h or an ISO time with its zone/,
    ],
    [['task', 'no-such-id'], /no task or container instance with id no-such-id/],
    [['replay'], /replay needs a file/],
    [['tasks', '--store', 'cloud'], /--store cloud: expected local or aws/],
  ])('%j exits 2 and says what to fix', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('names the setting when ops.config.yml is invalid', async () => {
    const config = join(dir, 'ops.config.yml');
    writeFileSync(config, 'reconcile:\n  batchsize: 10\n');
    const { code, err } = await cli('tasks', '--config', config);
    expect(code).toBe(2);
    expect(err).toContain('reconcile.batchsize: unknown setting');
  });
});

describe('ecs-ops --store aws', () => {
  const reference = engines().find((engine) => engine.name === 'dynamodb-local');

  it('reads and writes the stage table through the standard AWS endpoint variables', async ({ skip }) => {
    if (reference?.endpoint === undefined) return skip(reference?.unavailable);
    await ensureStateTable(localClient(reference.endpoint), stateTableName('e2e'));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: reference.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const aws = ['--store', 'aws', '--stage', 'e2e', '--region', 'us-east-1'];
      expect((await cli(...aws, 'replay', DEMO)).code).toBe(0);
      const { code, out } = await cli(...aws, 'instances', '--cluster', 'prod', '--json');
      expect(code).toBe(0);
      expect(json<unknown[]>(out)).toHaveLength(2);
    } finally {
      process.env = saved;
    }
  });
});

describe('the installed ecs-ops binary', () => {
  it('runs as `npx ecs-ops` does, with its exit codes', async () => {
    const bin = join(root, 'bin/ecs-ops.mjs');
    expect(existsSync(join(root, 'dist/cli/ecs-ops.mjs')), 'npm install builds the CLI').toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    expect(stdout).toMatch(/^ecs-ops — /);
    const failed = await promisify(execFile)(process.execPath, [bin, 'frobnicate', '--dir', dir]).catch(
      (error) => error,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe('ecs-ops: unknown command frobnicate; see ecs-ops --help\n');
  });

  it('stops quietly when its reader has closed the pipe (`ecs-ops tasks | head`)', async () => {
    const errors = join(dir, 'stderr.txt');
    // `true` exits without reading, so every write the CLI makes meets a closed pipe.
    await promisify(execFile)('sh', [
      '-c',
      `"${process.execPath}" "${join(root, 'bin/ecs-ops.mjs')}" --help 2>"${errors}" | true`,
    ]);
    expect(readFileSync(errors, 'utf8')).toBe('');
  });
});

describe('ecs-ops cron next', () => {
  it('prints the next fires as ISO UTC and on the zone’s wall clock, skipping the spring-forward gap', async () => {
    const { code, out } = await cli(
      'cron',
      'next',
      'cron(30 2 * * ? *)',
      '-n',
      '3',
      '--tz',
      'Europe/Berlin',
      '--from',
      '2024-03-29T12:00:00Z',
    );
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      '2024-03-30T01:30:00Z  2024-03-30 02:30 Europe/Berlin',
      '2024-04-01T00:30:00Z  2024-04-01 02:30 Europe/Berlin',
      '2024-04-02T00:30:00Z  2024-04-02 02:30 Europe/Berlin',
    ]);
  });

  it('lists five fires in UTC by default, and one JSON document with --json', async () => {
    const text = await cli('cron', 'next', 'cron(0 9 ? * 2#1 *)', '--from', '2024-05-02T00:00:00Z');
    expect(text.code).toBe(0);
    expect(text.out.split('\n')).toHaveLength(5);
    expect(text.out.split('\n')[0]).toBe('2024-05-06T09:00:00Z  2024-05-06 09:00 UTC');
    const { code, out } = await cli(
      'cron',
      'next',
      'cron(0 18 ? * MON-FRI *)',
      '-n',
      '2',
      '--from',
      '2024-05-03T00:00:00Z',
      '--json',
    );
    expect(code).toBe(0);
    expect(json(out)).toEqual({
      expression: 'cron(0 18 ? * MON-FRI *)',
      timeZone: 'UTC',
      from: '2024-05-03T00:00:00.000Z',
      fires: [
        { utc: '2024-05-03T18:00:00Z', local: '2024-05-03 18:00 UTC' },
        { utc: '2024-05-06T18:00:00Z', local: '2024-05-06 18:00 UTC' },
      ],
    });
  });

  it('counts rate() periods from --from, its start', async () => {
    const { code, out } = await cli(
      'cron',
      'next',
      'rate(2 hours)',
      '-n',
      '2',
      '--from',
      '2024-05-02T09:15:00Z',
    );
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      '2024-05-02T11:15:00Z  2024-05-02 11:15 UTC',
      '2024-05-02T13:15:00Z  2024-05-02 13:15 UTC',
    ]);
  });

  it.each([
    [['cron(0 10 * * * *)'], 'day-of-month and day-of-week cannot both be set; use ? in one'],
    [['cron(0 24 * * ? *)'], 'hours field: 24 is out of range 0-23'],
    [['rate(1 minutes)'], 'EventBridge requires rate(1 minute) for a value of 1'],
    [['cron(0 10 * * ? *)', '--tz', 'Mars/Olympus'], '--tz Mars/Olympus: unknown time zone'],
    [['cron(0 10 * * ? *)', '-n', '0'], '-n 0: expected a whole number from 1 to 1000'],
    [['cron(0 10 * * ? *)', '--from', 'soon'], '--from soon: expected a duration before now'],
    [['cron(0', '10', '*', '*', '?', '*)'], 'unexpected argument 10; quote the expression'],
    [[], 'cron next needs an expression'],
  ])('exits 2 with the reason: %j', async (args, reason) => {
    const { code, err } = await cli('cron', 'next', ...args);
    expect(code).toBe(2);
    expect(err).toContain(reason);
  });

  it('exits 2 without a known subcommand', async () => {
    expect((await cli('cron')).err).toContain('cron needs a subcommand');
    expect((await cli('cron', 'list', 'rate(1 day)')).code).toBe(2);
  });
});

describe('ecs-ops jobs (the example ops.config.yml: report, rate(1 minute), Europe/Paris)', () => {
  async function seedRuns(runs: { slot: string; status: 'succeeded' | 'failed'; reason?: string }[]) {
    const engine = await startLocalEngine(dir);
    try {
      await ensureStateTable(engine.client, LOCAL_STATE_TABLE);
      const store = new RunStore({ tableName: LOCAL_STATE_TABLE, client: engine.client, retentionDays: 0 });
      for (const run of runs) {
        await store.begin(
          {
            job: 'report',
            cluster: 'batch',
            tasks: ['arn:aws:ecs:us-east-1:123456789012:task/batch/0123456789abcdef0123456789abcdef'],
            attempts: 1,
            decisions: ['launched'],
            ...run,
          },
          new Date(run.slot),
        );
      }
    } finally {
      engine.client.destroy();
      await engine.close();
    }
  }

  it('lists each job with its schedule, zone, enabled and last run (never, on a fresh store)', async () => {
    const { code, out } = await cli('jobs');
    expect(code).toBe(0);
    expect(out).toMatch(/^Jobs of ops.config.yml \(1; times in UTC\):$/m);
    expect(out).toMatch(
      /^JOB\s+SCHEDULE\s+ZONE\s+ENABLED\s+NEXT FIRE \(JOB ZONE\)\s+NEXT FIRE \(UTC\)\s+LAST RUN\s+RESULT$/m,
    );
    expect(out).toMatch(/report\s+rate\(1 minute\)\s+Europe\/Paris\s+yes\s+every period from deploy\s+never/);
    const [report] = json<{ name: string; enabled: boolean; nextFire: null; lastRun: null }[]>(
      (await cli('jobs', '--json')).out,
    );
    expect(report).toMatchObject({ name: 'report', enabled: true, nextFire: null, lastRun: null });
  });

  it('shows a cron job’s next fire on the job’s own wall clock and in UTC, each labelled', async () => {
    const config = join(dir, 'ops.config.yml');
    writeFileSync(
      config,
      [
        'clusters: [batch]',
        'jobs:',
        '  nightly:',
        '    schedule: cron(30 6 * * ? *)',
        '    timeZone: Europe/Paris',
        '    cluster: batch',
        '    taskDefinition: report',
        '    launchType: FARGATE',
        '    network: { subnets: [subnet-0abc1234] }',
      ].join('\n'),
    );
    const [job] = json<{ nextFire: string; nextFireInZone: string }[]>(
      (await cli('jobs', '--config', config, '--json')).out,
    );
    const { code, out } = await cli('jobs', '--config', config, '--tz', 'America/New_York');

    expect(job?.nextFireInZone).toMatch(/^\d{4}-\d\d-\d\dT06:30:00\+0[12]:00$/);
    expect(Date.parse(job?.nextFireInZone ?? '')).toBe(Date.parse(job?.nextFire ?? ''));
    expect(code).toBe(0);
    expect(out).toMatch(/^Jobs of ops.config.yml \(1; times in America\/New_York\):$/m);
    const utc = (job?.nextFire ?? '').slice(0, 19).replace('T', ' ');
    expect(out).toMatch(
      new RegExp(
        `^nightly +cron\\(30 6 \\* \\* \\? \\*\\) +Europe/Paris +yes +\\S+ 06:30:00 +${utc} +never$`,
        'm',
      ),
    );
  });

  it('shows a job’s runs newest first, and the last one in the list', async () => {
    await seedRuns([
      { slot: '2024-05-02T09:01:00.000Z', status: 'succeeded' },
      { slot: '2024-05-02T09:02:00.000Z', status: 'failed', reason: 'exit 1' },
    ]);
    const history = await cli('jobs', 'history', 'report', '--json');
    expect(history.code).toBe(0);
    expect(json<{ slot: string; status: string }[]>(history.out).map((run) => run.status)).toEqual([
      'failed',
      'succeeded',
    ]);
    const limited = json<unknown[]>((await cli('jobs', 'history', 'report', '--limit', '1', '--json')).out);
    expect(limited).toHaveLength(1);
    expect((await cli('jobs', 'history', 'report')).out).toContain('exit 1');
    const [report] = json<{ lastRun: { status: string } }[]>((await cli('jobs', '--json')).out);
    expect(report?.lastRun).toMatchObject({ slot: '2024-05-02T09:02:00.000Z', status: 'failed' });
  });

  it('runs a job only where a launch function can be invoked: locally that needs AWS_ENDPOINT_URL_LAMBDA', async () => {
    const { code, err } = await cli('jobs', 'run', 'report');
    expect(code).toBe(2);
    expect(err).toContain('AWS_ENDPOINT_URL_LAMBDA');
  });

  it('says suspend and resume are config-driven, with exit 2', async () => {
    const suspend = await cli('jobs', 'suspend', 'report');
    expect(suspend.code).toBe(2);
    expect(suspend.err).toContain('set jobs.report.enabled: false in ops.config.yml');
    expect(suspend.err).toContain('redeploy');
    expect((await cli('jobs', 'resume', 'report')).err).toContain('it already is enabled: true');
  });

  it('refuses unknown jobs and subcommands with exit 2', async () => {
    expect(await cli('jobs', 'history', 'nightly')).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown job nightly; ops.config.yml's jobs are report"),
    });
    expect((await cli('jobs', 'pause', 'report')).err).toContain('unknown jobs subcommand pause');
    expect((await cli('jobs', 'history')).err).toContain('jobs history needs a job name');
    expect((await cli('jobs', 'history', 'report', 'extra')).err).toContain('unexpected argument extra');
  });
});

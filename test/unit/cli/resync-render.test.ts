/**
 * What `ecs-ops resync` prints and how it reads its flags: one line of counts per cluster, the corrections below
 * it (action, resource, from → to version, status), the dry-run banner, and what exit 1 means.
 */
import { describe, expect, it } from 'vitest';
import {
  correctionsTable,
  localEndpoints,
  renderResync,
  resyncClusters,
  summaryLine,
} from '../../../cli/commands/resync.js';
import { runCli } from '../../../cli/main.js';
import { UsageError } from '../../../cli/usage.js';
import { type ClusterReport, emptyReport } from '../../../lib/resync/model.js';

const TASK = 'arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0123456789abcdef';
const OTHER_TASK = 'arn:aws:ecs:us-east-1:111122223333:task/prod/fedcba9876543210fedcba9876543210';

function report(overrides: Partial<ClusterReport> = {}): ClusterReport {
  return { ...emptyReport('prod', '2024-05-01T12:00:00.000Z', false), ...overrides };
}

const drifted = report({
  added: 3,
  advanced: 1,
  markedMissing: 2,
  inSync: 250,
  apiCalls: { ListTasks: 2, DescribeTasks: 4, ListContainerInstances: 1 },
  seconds: 0.812,
  corrections: [
    { action: 'add', arn: TASK, kind: 'task', version: 3, status: 'RUNNING' },
    { action: 'advance', arn: OTHER_TASK, kind: 'task', from: 2, version: 4, status: 'STOPPED' },
    {
      action: 'mark-missing',
      arn: 'container-instance/aaaabbbbccccdddd',
      kind: 'instance',
      from: 5,
      version: 5,
      status: 'missing',
    },
  ],
});

describe('the counts line of a cluster', () => {
  it('says what was added, advanced, marked missing, in sync and newer in the store, and what it cost', () => {
    expect(summaryLine(drifted)).toBe(
      'prod: 3 added, 1 advanced, 2 marked missing, 250 in sync, 0 newer in the store; 7 API calls in 0.8 s',
    );
  });

  it('adds late stops, invalid states, failures and an unfinished run only when there are any', () => {
    const line = summaryLine(
      report({
        lateStops: 1,
        invalid: [{ arn: TASK, field: 'detail.version', reason: 'expected a number' }],
        failed: 2,
        complete: false,
        apiCalls: { ListTasks: 1 },
      }),
    );
    expect(line).toBe(
      'prod: 0 added, 0 advanced, 0 marked missing, 0 in sync, 0 newer in the store; 1 API call in 0.0 s; ' +
        '1 late stop published for alerting, 1 invalid, 2 failed, incomplete (ran out of time)',
    );
  });
});

describe('the corrections of a cluster', () => {
  it('lists action, resource key, from → to version and status', () => {
    expect(correctionsTable(drifted.corrections).split('\n')).toEqual([
      'ACTION        RESOURCE                               VERSION   STATUS',
      'add           task/0123456789abcdef0123456789abcdef  none → 3  RUNNING',
      'advance       task/fedcba9876543210fedcba9876543210  2 → 4     STOPPED',
      'mark-missing  container-instance/aaaabbbbccccdddd    5         missing',
    ]);
  });

  it('shows why a correction was refused, in a column of its own when one was', () => {
    const table = correctionsTable([
      { action: 'add', arn: TASK, kind: 'task', version: 3, status: 'RUNNING', refused: 'AwsFailure: boom' },
    ]);
    expect(table.split('\n')[0]).toMatch(/ACTION +RESOURCE +VERSION +STATUS +REFUSED$/);
    expect(table).toMatch(/RUNNING +AwsFailure: boom$/);
  });
});

describe('the output of a run', () => {
  it('prints each cluster’s line, its corrections indented below it', () => {
    const lines = renderResync(
      { reports: [drifted, report({ cluster: 'batch', inSync: 4 })] },
      { dryRun: false, limit: 100 },
    );
    expect(lines).toEqual([
      'prod: 3 added, 1 advanced, 2 marked missing, 250 in sync, 0 newer in the store; 7 API calls in 0.8 s',
      expect.stringMatching(/^ {2}ACTION +RESOURCE +VERSION +STATUS\n {2}add +task\/0123/),
      'batch: 0 added, 0 advanced, 0 marked missing, 4 in sync, 0 newer in the store; 0 API calls in 0.0 s',
    ]);
  });

  it('says first that a dry run wrote nothing, then prints the drift the same way', () => {
    const lines = renderResync({ reports: [{ ...drifted, dryRun: true }] }, { dryRun: true, limit: 100 });
    expect(lines[0]).toBe('dry run: nothing written');
    expect(lines[1]).toBe(summaryLine(drifted));
    expect(lines[2]).toMatch(/mark-missing +container-instance\/aaaabbbbccccdddd +5 +missing/);
  });

  it('lists at most --limit corrections per cluster and says how many more there are', () => {
    const lines = renderResync({ reports: [drifted] }, { dryRun: false, limit: 1 });
    expect(lines[1]?.split('\n')).toHaveLength(2);
    expect(lines[2]).toBe('  … and 2 more (--limit 5 or --limit 0 shows more, -o json lists them all)');
  });

  it('lists the states the event rules refuse, with field and reason', () => {
    const lines = renderResync(
      {
        reports: [report({ invalid: [{ arn: TASK, field: 'detail.version', reason: 'expected a number' }] })],
      },
      { dryRun: false, limit: 100 },
    );
    expect(lines[1]?.split('\n')).toEqual([
      '  INVALID                                FIELD           REASON',
      '  task/0123456789abcdef0123456789abcdef  detail.version  expected a number',
    ]);
  });

  it('ends with what failed and that the next run retries it (the run exits 1)', () => {
    const lines = renderResync({ reports: [report({ failed: 2 })] }, { dryRun: false, limit: 100 });
    expect(lines.at(-1)).toBe('2 corrections failed: the next run retries them');
  });

  it('says so when the account has no cluster at all', () => {
    expect(renderResync({ reports: [] }, { dryRun: false, limit: 100 })).toEqual([
      'no clusters to resync: ECS lists none in this account and region',
    ]);
  });
});

describe('the clusters a resync covers', () => {
  it('are those named (names or ARNs, once each), else the configured ones, else every one (undefined)', () => {
    expect(
      resyncClusters(['prod', 'arn:aws:ecs:us-east-1:111122223333:cluster/batch', 'prod'], ['other']),
    ).toEqual(['prod', 'batch']);
    expect(resyncClusters(undefined, ['prod', 'batch'])).toEqual(['prod', 'batch']);
    expect(resyncClusters(undefined, undefined)).toBeUndefined();
  });

  it.each(['prod cluster', 'prod/web', '', 'arn:aws:ecs:us-east-1:111122223333:service/prod/web'])(
    'refuses --cluster %j as bad usage',
    (name) => {
      expect(() => resyncClusters([name], undefined)).toThrow(UsageError);
      expect(() => resyncClusters([name], undefined)).toThrow(
        `--cluster ${name}: expected a cluster name (letters, digits, - and _, up to 255) or a cluster ARN`,
      );
    },
  );
});

describe('the local endpoint of --store local', () => {
  it('is AWS_ENDPOINT_URL_ECS, with EventBridge at its own variable, the generic one, or the same URL', () => {
    expect(localEndpoints({})).toBeUndefined();
    expect(localEndpoints({ AWS_ENDPOINT_URL_ECS: '' })).toBeUndefined();
    expect(localEndpoints({ AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:4566' })).toEqual({
      ecs: 'http://127.0.0.1:4566',
      eventBridge: 'http://127.0.0.1:4566',
    });
    expect(localEndpoints({ AWS_ENDPOINT_URL: 'http://a' })).toEqual({
      ecs: 'http://a',
      eventBridge: 'http://a',
    });
    expect(
      localEndpoints({ AWS_ENDPOINT_URL_ECS: 'http://a', AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://b' }),
    ).toEqual({ ecs: 'http://a', eventBridge: 'http://b' });
  });
});

describe('ecs-ops resync --help', () => {
  it.each([[['resync', '--help']], [['resync', '-h']], [['help', 'resync']]])(
    '%j prints the command’s own help and exits 0',
    async (argv) => {
      const out: string[] = [];
      expect(await runCli(argv, (line) => out.push(line))).toBe(0);
      const help = out.join('\n');
      expect(help).toMatch(/^ecs-ops resync — /);
      expect(help).toMatch(/--cluster <name> +a cluster to resync, by name or ARN; repeat for more/);
      expect(help).toMatch(/--dry-run +compare only/);
      expect(help).toContain(
        'prod: 3 added, 1 advanced, 2 marked missing, 250 in sync, 0 newer in the store; 7 API calls in 0.8 s',
      );
    },
  );

  it('is listed in the general help', async () => {
    const out: string[] = [];
    expect(await runCli(['--help'], (line) => out.push(line))).toBe(0);
    expect(out.join('\n')).toMatch(/^ {2}resync +compare the store with what ECS knows now/m);
  });
});

/**
 * What serverless.yml takes from the config for resync: its schedule, its role (least privilege, with and
 * without `clusters`), the environment the function reads, and which rules route the late stops it publishes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertEventPattern } from '../../../deploy/alerts.js';
import { drainEventPattern } from '../../../deploy/drain.js';
import { jobRunsEventPattern } from '../../../deploy/jobs.js';
import { ecsEventPattern } from '../../../deploy/reconcile.js';
import { resyncEcsStatements, resyncSchedules, resyncSettings } from '../../../deploy/resync.js';
import { STARTED_BY_PREFIX } from '../../../lib/jobs/identity.js';
import { parseSchedule } from '../../../lib/jobs/schedules/index.js';
import { parseOpsConfig } from '../../../lib/ops-config.js';
import { parseEcsEvent } from '../../../lib/platform/events/ecs-event.js';
import { RESYNC_SOURCE } from '../../../lib/platform/events/statuses.js';
import { envelopeOf } from '../../../lib/resync/cluster-run.js';
import { resyncEnvironment } from '../../../lib/resync/environment.js';
import { matchesPattern } from '../../../local/eventbridge/event-pattern.js';
import { loadDeployment } from '../../../local/serverless/routes.js';
import { PROJECT_ROOT, taskEvent } from '../../support/fixtures.js';

const stack = { service: 'ecs-ops', stage: 'prod' };
const listed = parseOpsConfig({ clusters: ['prod', 'batch'] });
const everyCluster = parseOpsConfig({});

const sub = (resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:${resource}` });
const regional = (service: string, resource: string) =>
  sub(`${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
const ecs = (resource: string) => regional('ecs', resource);
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
const byStatusIndex = { 'Fn::Sub': '${StateTable.Arn}/index/byStatus' };

describe('resyncSchedules', () => {
  it('runs every resync.intervalMinutes (15 by default), as a rate EventBridge accepts', () => {
    expect(resyncSchedules(everyCluster)).toEqual([{ schedule: 'rate(15 minutes)' }]);
    for (const [minutes, expression] of [
      [1, 'rate(1 minute)'],
      [2, 'rate(2 minutes)'],
      [60, 'rate(60 minutes)'],
      [1440, 'rate(1440 minutes)'],
    ] as const) {
      const schedules = resyncSchedules(parseOpsConfig({ resync: { intervalMinutes: minutes } }));
      expect(schedules).toEqual([{ schedule: expression }]);
      expect(parseSchedule(expression)).toMatchObject({ kind: 'rate', periodMs: minutes * 60_000 });
    }
  });

  it('has no schedule at 0 (the run after each deploy still happens)', () => {
    expect(resyncSchedules(parseOpsConfig({ resync: { intervalMinutes: 0 } }))).toEqual([]);
  });
});

describe('resync ECS statements', () => {
  it('with clusters listed: reads of those clusters only, no ListClusters', () => {
    expect(resyncEcsStatements(listed)).toEqual([
      {
        Sid: 'ListTasksOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:ListTasks',
        // A whole cluster's ListTasks authorizes against "*"; the ecs:cluster key scopes it.
        Resource: '*',
        Condition: { ArnEquals: { 'ecs:cluster': [ecs('cluster/prod'), ecs('cluster/batch')] } },
      },
      {
        Sid: 'ListContainerInstancesOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:ListContainerInstances',
        Resource: [ecs('cluster/prod'), ecs('cluster/batch')],
      },
      {
        Sid: 'DescribeTasksOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:DescribeTasks',
        Resource: [ecs('task/prod/*'), ecs('task/batch/*')],
      },
      {
        Sid: 'DescribeContainerInstancesOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:DescribeContainerInstances',
        Resource: [ecs('container-instance/prod/*'), ecs('container-instance/batch/*')],
      },
    ]);
  });

  it('with no clusters listed: every cluster of the stack’s account and region, and ListClusters', () => {
    expect(resyncEcsStatements(everyCluster)).toEqual([
      {
        Sid: 'ListTasksOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:ListTasks',
        Resource: '*',
        Condition: { ArnLike: { 'ecs:cluster': [ecs('cluster/*')] } },
      },
      {
        Sid: 'ListContainerInstancesOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:ListContainerInstances',
        Resource: [ecs('cluster/*')],
      },
      {
        Sid: 'DescribeTasksOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:DescribeTasks',
        Resource: [ecs('task/*/*')],
      },
      {
        Sid: 'DescribeContainerInstancesOfWatchedClusters',
        Effect: 'Allow',
        Action: 'ecs:DescribeContainerInstances',
        Resource: [ecs('container-instance/*/*')],
      },
      // ListClusters has no resource type: "*" is the only form.
      { Sid: 'ListWatchedClusters', Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' },
    ]);
  });
});

describe('ResyncRole', () => {
  type Role = {
    Properties: { Policies: { PolicyName: string; PolicyDocument: { Statement: unknown[] } }[] };
  };
  const role = (config = listed) =>
    (resyncSettings(config, stack).resources.Resources as Record<string, Role>).ResyncRole as Role;

  it('may write its logs, read and correct the table, publish late stops and continue itself: nothing more', () => {
    const [own, ecsReads] = role().Properties.Policies;
    expect(own?.PolicyName).toBe('resync');
    expect(own?.PolicyDocument.Statement).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: regional('logs', 'log-group:/aws/lambda/ecs-ops-prod-resync:*'),
      },
      {
        Sid: 'CompareAndCorrectState',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
        Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
      },
      // Query only of the byStatus index (the store's live resources), never of the table.
      { Sid: 'ListLiveResources', Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [byStatusIndex] },
      {
        Sid: 'PublishLateStops',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: regional('events', 'event-bus/default'),
        Condition: {
          StringEquals: { 'events:source': 'ecs-ops.resync', 'events:detail-type': 'ECS Task State Change' },
        },
      },
      {
        Sid: 'ContinueItself',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        // Its own name, not a GetAtt of the function: the function depends on this role.
        Resource: regional('lambda', 'function:ecs-ops-prod-resync'),
      },
    ]);
    expect(ecsReads?.PolicyName).toBe('resync-ecs-reads');
    expect(ecsReads?.PolicyDocument.Statement).toEqual(resyncEcsStatements(listed));
  });

  it('grants no write to ECS and nothing on every resource but ListTasks (scoped) and ListClusters', () => {
    for (const config of [listed, everyCluster]) {
      const statements = role(config).Properties.Policies.flatMap(
        (policy) => policy.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions.filter((action) => action.startsWith('ecs:')).sort()).toEqual(
        [
          'ecs:DescribeContainerInstances',
          'ecs:DescribeTasks',
          'ecs:ListContainerInstances',
          'ecs:ListTasks',
          ...(config === everyCluster ? ['ecs:ListClusters'] : []),
        ].sort(),
      );
      const onEverything = statements.filter((statement) => statement.Resource === '*');
      expect(onEverything.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(
        config === everyCluster ? ['ecs:ListClusters', 'ecs:ListTasks'] : ['ecs:ListTasks'],
      );
    }
  });
});

describe('the rules late stops go through', () => {
  /** A stop as resync publishes it: the API's task, as the event it stands for, from `ecs-ops.resync`. */
  const lateStop = (detail: Record<string, unknown> = {}) => {
    const { detail: task } = taskEvent({
      fixture: 'ecs/task/fargate-stopped-essential-exit.json',
      cluster: 'prod',
      detail,
    });
    const arn = String(task.taskArn);
    const envelope = envelopeOf(
      {
        key: `task/${arn.slice(arn.lastIndexOf('/') + 1)}`,
        arn,
        kind: 'task',
        version: Number(task.version),
        status: 'STOPPED',
        detail: task,
      },
      '2024-05-01T12:00:00.000Z',
      '2024-05-01T12:00:01.000Z',
    );
    expect(envelope.source).toBe(RESYNC_SOURCE);
    expect(parseEcsEvent(envelope).ok).toBe(true);
    return envelope;
  };

  it('alerting pages on a stop resync found, like the ECS event that never came', () => {
    expect(alertEventPattern(listed).source).toEqual(['aws.ecs', 'ecs-ops.resync']);
    expect(matchesPattern(alertEventPattern(listed), lateStop())).toBe(true);
  });

  it('job-runs records a job’s stop resync found', () => {
    const jobs = parseOpsConfig({
      clusters: ['prod'],
      jobs: {
        report: { schedule: 'rate(1 hour)', cluster: 'prod', taskDefinition: 'report', launchType: 'EC2' },
      },
    });
    expect(jobRunsEventPattern(jobs).source).toEqual(['aws.ecs', 'ecs-ops.resync']);
    const job = lateStop({ startedBy: `${STARTED_BY_PREFIX}report/2024-05-01T12:00:00Z` });
    expect(matchesPattern(jobRunsEventPattern(jobs), job)).toBe(true);
  });

  it('reconcile and drain take ECS’s own events only: resync has written what it found', () => {
    expect(ecsEventPattern(listed).source).toEqual(['aws.ecs']);
    expect(matchesPattern(ecsEventPattern(listed), lateStop())).toBe(false);
    const onInstance = lateStop({
      containerInstanceArn: 'arn:aws:ecs:us-east-1:111122223333:container-instance/prod/0123456789abcdef',
    });
    expect(matchesPattern(drainEventPattern(listed), onInstance)).toBe(false);
    expect(matchesPattern(drainEventPattern(listed), { ...onInstance, source: 'aws.ecs' })).toBe(true);
  });
});

describe('resync in serverless.yml, as the sandbox reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-resync-deploy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const deployment = (config: string) => {
    const file = join(dir, `ops-${Math.random().toString(36).slice(2)}.config.yml`);
    writeFileSync(file, config);
    return loadDeployment(join(PROJECT_ROOT, 'serverless.yml'), { stage: 'dev', configFile: file });
  };
  const resyncSchedulesOf = (config: string) =>
    deployment(config).schedules.filter((schedule) => schedule.function.name === 'resync');

  it('is scheduled at the configured rate, and not at all at 0', () => {
    expect(resyncSchedulesOf('resync: { intervalMinutes: 1 }\n')).toEqual([
      expect.objectContaining({
        rule: 'ResyncEventsRuleSchedule1',
        expression: 'rate(1 minute)',
        enabled: true,
      }),
    ]);
    expect(resyncSchedulesOf('{}\n').map((schedule) => schedule.expression)).toEqual(['rate(15 minutes)']);
    expect(resyncSchedulesOf('resync: { intervalMinutes: 0 }\n')).toEqual([]);
  });

  it('gets the environment its code reads, from ops.config.yml', () => {
    const [schedule] = resyncSchedulesOf(
      [
        'clusters: [prod, batch]',
        'retention: { stoppedDays: 7, historyDays: 30 }',
        'reconcile: { writeConcurrency: 8 }',
        'resync: { callsPerSecond: 4 }',
        '',
      ].join('\n'),
    );
    const environment = schedule?.function.environment ?? {};
    expect(environment.STATE_TABLE).toEqual({ Ref: 'StateTable' });
    expect(resyncEnvironment({ ...environment, STATE_TABLE: 'ecs-ops-dev-state' })).toEqual({
      STATE_TABLE: 'ecs-ops-dev-state',
      WATCHED_CLUSTERS: ['prod', 'batch'],
      RESYNC_CALLS_PER_SECOND: 4,
      RETENTION_STOPPED_DAYS: 7,
      RETENTION_HISTORY_DAYS: 30,
      WRITE_CONCURRENCY: 8,
    });
    const [every] = resyncSchedulesOf('{}\n');
    expect(every?.function.environment.WATCHED_CLUSTERS).toBe('"*"');
  });
});

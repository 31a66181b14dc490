/**
 * Self-monitoring (deploy/monitoring.ts): each alarm's metric, statistic, threshold and actions as
 * ops.config.yml's `selfMonitoring` sets them, the scheduled functions' missed-run alarms, the dashboard, the
 * `alarm` function's part (the AlarmStates rule and queue, its role, which alarms it pages) and, with
 * `enabled: false`, only that function's role. Only the alarms about the `alarm` function and its queue notify
 * the alert topic themselves; every other alarm's state changes reach on-call through the `alarm` function.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { alertsSettings } from '../../../deploy/alerts.js';
import { drainSettings } from '../../../deploy/drain.js';
import { jobsSettings } from '../../../deploy/jobs.js';
import {
  AWS_MANAGED_SNS_KEY,
  dashboardBody,
  EVENT_QUEUES,
  EVERY_MINUTE,
  FUNCTIONS,
  fitsEvaluationRange,
  monitoringSettings,
  schedulePeriods,
} from '../../../deploy/monitoring.js';
import { reconcileSettings } from '../../../deploy/reconcile.js';
import { resyncSettings } from '../../../deploy/resync.js';
import { scalingSettings } from '../../../deploy/scaling.js';
import { readAlarmDescription } from '../../../lib/alarms/description.js';
import { parseOpsConfig } from '../../../lib/ops-config.js';
import { METRIC, METRICS_NAMESPACE } from '../../../lib/platform/metrics.js';
import { SEVERITIES } from '../../../lib/platform/notification/severity.js';
import { PROJECT_ROOT } from '../../support/fixtures.js';

const stack = { service: 'ecs-ops', stage: 'prod' };
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
const REGION = '${AWS::Region}';
const TOPIC = [{ Ref: 'AlertTopic' }];
const job = (schedule: string, enabled = true) => ({
  schedule,
  cluster: 'batch',
  taskDefinition: 'report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0abc1234'] },
  enabled,
});

type Properties = Record<string, unknown>;
type Resource = { Type: string; Properties: Properties };

const resourcesOf = (document: Record<string, unknown>) =>
  monitoringSettings(parseOpsConfig(document), stack).resources.Resources as Record<string, Resource>;

/** Every alarm of a configuration, by logical id. */
const alarmsOf = (document: Record<string, unknown> = {}) =>
  Object.fromEntries(
    Object.entries(resourcesOf(document))
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([id, resource]) => [id, resource.Properties]),
  );

/** What an alarm watches and when it fires, without its name and description. */
const watched = (alarm: Properties | undefined) => {
  const { AlarmName: _name, AlarmDescription: _description, ...rest } = alarm ?? {};
  return rest;
};

/** The alarms about the `alarm` function and its queue: CloudWatch notifies the alert topic itself. */
const notifiesTheTopic = { ActionsEnabled: true, AlarmActions: TOPIC, OKActions: TOPIC };
/** Every other alarm: no action; its state changes go through EventBridge to the `alarm` function. */
const throughTheAlarmFunction = { ActionsEnabled: true };
/** The alarms that cannot wait on the `alarm` function, because they are about it. */
const DIRECT = [
  'AlarmStatesDeadLetterQueueMessagesAlarm',
  'AlarmStatesQueueAgeAlarm',
  'AlarmErrorsAlarm',
  'AlarmThrottlesAlarm',
];
const actionsOf = (id: string) => (DIRECT.includes(id) ? notifiesTheTopic : throughTheAlarmFunction);
const QUEUES = ['EcsEvents', 'Alerts', 'JobRuns', 'DrainEvents', 'AlarmStates'];

describe('self-monitoring alarms', () => {
  const alarms = alarmsOf();

  it('alarm on any message in each dead-letter queue', () => {
    for (const queue of QUEUES) {
      const id = `${queue}DeadLetterQueueMessagesAlarm`;
      expect(watched(alarms[id]), queue).toEqual({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [`${queue}DeadLetterQueue`, 'QueueName'] } },
        ],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        ...actionsOf(id),
      });
    }
    expect(alarms.AlertsDeadLetterQueueMessagesAlarm?.AlarmDescription).toMatch(
      /^\[critical\] .*`ecs-ops dlq list --store aws --stage prod` \(queue alerts;.*\/aws\/lambda\/ecs-ops-prod-alert\b/,
    );
  });

  it('alarm on the age of the oldest message of each event queue, over selfMonitoring.queueAgeSeconds', () => {
    for (const queue of QUEUES) {
      const id = `${queue}QueueAgeAlarm`;
      expect(watched(alarms[id]), queue).toEqual({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [`${queue}Queue`, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        ...actionsOf(id),
      });
    }
    const older = alarmsOf({ selfMonitoring: { queueAgeSeconds: 900 } });
    expect(older.EcsEventsQueueAgeAlarm?.Threshold).toBe(900);
    expect(older.EcsEventsQueueAgeAlarm?.AlarmDescription).toContain('over 900 s old');
  });

  it('alarm on any error and any throttle of every function, by its deployed name', () => {
    for (const fn of FUNCTIONS) {
      const id = fn.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());
      for (const metric of ['Errors', 'Throttles']) {
        const alarm = alarms[`${id}${metric}Alarm`];
        const actions = actionsOf(`${id}${metric}Alarm`);
        expect(watched(alarm), `${fn} ${metric}`).toEqual({
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: `ecs-ops-prod-${fn}` }],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          ...actions,
        });
        expect(alarm?.AlarmName).toBe(`ecs-ops-prod-${fn}-${metric.toLowerCase()}`);
        expect(alarm?.AlarmDescription).toContain(`/aws/lambda/ecs-ops-prod-${fn}`);
      }
    }
  });

  it('alarm when a scheduled function has not run for 3 of its periods, missing data breaching', () => {
    const withJobs = alarmsOf({ jobs: { report: job('rate(5 minutes)') } });
    const periods: Record<string, number> = {
      AlertSummary: 60,
      JobTimeouts: 60,
      DrainSweeper: 60,
      Scale: 60,
      Resync: 900,
      Launch: 300,
    };
    for (const [id, period] of Object.entries(periods)) {
      const fn = id.replace(/(?<=.)([A-Z])/g, '-$1').toLowerCase();
      expect(watched(withJobs[`${id}NotRunAlarm`]), id).toEqual({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: `ecs-ops-prod-${fn}` }],
        Statistic: 'Sum',
        Period: period,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        ...throughTheAlarmFunction,
      });
    }
    // Functions fed by a queue have no schedule to miss.
    const notRun = Object.keys(withJobs).filter((id) => id.endsWith('NotRunAlarm'));
    expect(notRun.sort()).toEqual(
      Object.keys(periods)
        .map((id) => `${id}NotRunAlarm`)
        .sort(),
    );
  });

  it('alarm on reconcile’s p99 event lag over selfMonitoring.lagSeconds (the EventLag metric, in ms)', () => {
    expect(watched(alarms.ReconcileLagAlarm)).toEqual({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.eventLag.name,
      Dimensions: [
        { Name: 'stage', Value: 'prod' },
        { Name: 'function', Value: 'reconcile' },
      ],
      ExtendedStatistic: 'p99',
      Unit: 'Milliseconds',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...throughTheAlarmFunction,
    });
    expect(alarms.ReconcileLagAlarm?.Statistic).toBeUndefined();
    expect(alarmsOf({ selfMonitoring: { lagSeconds: 120 } }).ReconcileLagAlarm?.Threshold).toBe(120_000);
  });

  it('alarm on resync drift above zero for selfMonitoring.resyncDriftRuns runs in a row', () => {
    expect(watched(alarms.ResyncDriftAlarm)).toEqual({
      Namespace: 'ecs-ops',
      MetricName: 'ResyncDrift',
      Dimensions: [
        { Name: 'stage', Value: 'prod' },
        { Name: 'function', Value: 'resync' },
      ],
      Statistic: 'Sum',
      Unit: 'Count',
      Period: 900,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...throughTheAlarmFunction,
    });
    const custom = alarmsOf({ resync: { intervalMinutes: 30 }, selfMonitoring: { resyncDriftRuns: 5 } });
    expect(custom.ResyncDriftAlarm).toMatchObject({
      Period: 1800,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
    expect(custom.ResyncNotRunAlarm).toMatchObject({ Period: 1800, EvaluationPeriods: 3 });
  });

  it('notify the alert topic themselves only about the alarm function and its queue; the others have no action', () => {
    const all = alarmsOf({ jobs: { report: job('rate(1 hour)') } });
    const direct = Object.keys(all).filter((id) => all[id]?.AlarmActions !== undefined);
    expect(direct.sort()).toEqual([...DIRECT].sort());
    for (const [id, alarm] of Object.entries(all)) {
      expect(alarm.ActionsEnabled, id).toBe(true);
      if (DIRECT.includes(id)) expect(alarm, id).toMatchObject({ AlarmActions: TOPIC, OKActions: TOPIC });
      else
        expect(
          Object.keys(alarm).filter((key) => key.endsWith('Actions')),
          id,
        ).toEqual([]);
    }
  });

  it('state a severity first and what to do, in every description, as the alarm function reads it back', () => {
    for (const [id, alarm] of Object.entries(alarmsOf({ jobs: { report: job('rate(1 hour)') } }))) {
      const description = alarm.AlarmDescription as string;
      const severity = /^\[(\w+)\] /.exec(description)?.[1];
      expect(SEVERITIES, id).toContain(severity);
      expect(readAlarmDescription(description).severity, id).toBe(severity);
      expect(description, id).toMatch(/`ecs-ops [^`]+`|\/aws\/lambda\/ecs-ops-prod-/);
      expect(description.length, id).toBeLessThanOrEqual(1024);
      expect(alarm.AlarmName, id).toMatch(/^ecs-ops-prod-[a-z0-9-]+$/);
    }
  });

  it('fit CloudWatch’s evaluation range at the settings’ limits', () => {
    for (const document of [
      {},
      { resync: { intervalMinutes: 59 }, selfMonitoring: { resyncDriftRuns: 7 } },
      { resync: { intervalMinutes: 1440 }, selfMonitoring: { resyncDriftRuns: 7 } },
      { jobs: { report: job('rate(2 days)') } },
    ]) {
      for (const [id, alarm] of Object.entries(alarmsOf(document))) {
        expect(
          fitsEvaluationRange(alarm.Period as number, alarm.EvaluationPeriods as number),
          `${JSON.stringify(document)} ${id}`,
        ).toBe(true);
      }
    }
  });
});

describe('the scheduled functions’ periods', () => {
  it('have no resync alarms when resync.intervalMinutes is 0', () => {
    const alarms = alarmsOf({ resync: { intervalMinutes: 0 } });
    expect(alarms.ResyncNotRunAlarm).toBeUndefined();
    expect(alarms.ResyncDriftAlarm).toBeUndefined();
    expect(alarms.ResyncErrorsAlarm).toBeDefined();
  });

  it('have no launch alarm without jobs, nor with only disabled or cron jobs', () => {
    expect(alarmsOf({}).LaunchNotRunAlarm).toBeUndefined();
    expect(alarmsOf({ jobs: { report: job('rate(1 minute)', false) } }).LaunchNotRunAlarm).toBeUndefined();
    expect(alarmsOf({ jobs: { report: job('cron(0/5 * * * ? *)') } }).LaunchNotRunAlarm).toBeUndefined();
    expect(alarmsOf({}).LaunchErrorsAlarm).toBeDefined();
  });

  it('take launch’s shortest enabled rate, which it runs at least as often as', () => {
    const config = parseOpsConfig({
      jobs: {
        hourly: job('rate(1 hour)'),
        fast: job('rate(5 minutes)'),
        off: job('rate(1 minute)', false),
        nightly: job('cron(0 2 * * ? *)'),
      },
    });
    expect(schedulePeriods(config)).toEqual({
      'alert-summary': 60,
      'job-timeouts': 60,
      'drain-sweeper': 60,
      scale: 60,
      resync: 900,
      launch: 300,
    });
  });

  it('leave launch out when 3 of its periods exceed what CloudWatch evaluates (7 days)', () => {
    expect(alarmsOf({ jobs: { report: job('rate(2 days)') } }).LaunchNotRunAlarm?.Period).toBe(172_800);
    expect(alarmsOf({ jobs: { report: job('rate(3 days)') } }).LaunchNotRunAlarm).toBeUndefined();
  });
});

type Statement = { Sid: string; Effect: string; Action: string | string[]; Resource: unknown };
const statementsOf = (role: Resource | undefined) =>
  ((role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
const ownLogs = {
  Sid: 'WriteOwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: {
    'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/ecs-ops-prod-alarm:*`,
  },
};
/** What the `alarm` function's code calls: the page, and each alarm's record (read, then a conditional update). */
const pagesAndRecords = [
  { Sid: 'PageAlarms', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'AlertTopic' } },
  {
    Sid: 'AlarmRecords',
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
  },
];

describe('the alarm function’s part', () => {
  const settings = monitoringSettings(parseOpsConfig({ jobs: { report: job('rate(1 hour)') } }), stack);
  const resources = settings.resources.Resources as Record<string, Resource>;
  const alarms = Object.entries(resources).filter(
    ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm',
  );

  it('routes the state changes of the stack’s alarms, by their name prefix, to the AlarmStates queue', () => {
    expect(resources.AlarmStatesRule?.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: 'ecs-ops-prod-' }] },
    });
    expect(resources.AlarmStatesRule?.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['AlarmStatesQueue', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlarmStatesDeadLetterQueue', 'Arn'] } },
      }),
    ]);
    // The rule catches every alarm of the stack.
    for (const [id, alarm] of alarms) expect(alarm.Properties.AlarmName, id).toMatch(/^ecs-ops-prod-/);
  });

  it('keeps a state change a day at most (a late page is no use), hidden six times the function’s 30 s', () => {
    expect(resources.AlarmStatesQueue?.Properties).toMatchObject({
      MessageRetentionPeriod: 86_400,
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['AlarmStatesDeadLetterQueue', 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(resources.AlarmStatesQueuePolicy?.Type).toBe('AWS::SQS::QueuePolicy');
    expect((settings.resources.Outputs as Record<string, unknown>).AlarmStatesDeadLetterQueueUrl).toEqual({
      Value: { Ref: 'AlarmStatesDeadLetterQueue' },
    });
  });

  it('pages exactly the alarms without actions (forwardedAlarms), never one that notifies the topic itself', () => {
    const forwarded = JSON.parse(settings.forwardedAlarms) as { prefix: string; names: string[] };
    expect(forwarded.prefix).toBe('ecs-ops-prod-');
    const nameOf = (alarm: Resource) => (alarm.Properties.AlarmName as string).slice(forwarded.prefix.length);
    const withoutActions = alarms
      .filter(([, alarm]) => alarm.Properties.AlarmActions === undefined)
      .map(([, alarm]) => nameOf(alarm));
    expect([...forwarded.names].sort()).toEqual(withoutActions.sort());
    expect(new Set(forwarded.names).size).toBe(forwarded.names.length);
    for (const id of DIRECT) expect(forwarded.names, id).not.toContain(nameOf(resources[id] as Resource));
    for (const name of forwarded.names) expect(name).not.toMatch(/^alarm-(errors|throttles)$|^alarm-states-/);
    expect(forwarded.names).toHaveLength(alarms.length - DIRECT.length);
  });

  it('is fed by its queue in small batches, reporting item failures, and dead-letters into its own', () => {
    expect(settings.alarmEvents).toEqual([
      {
        sqs: {
          arn: { 'Fn::GetAtt': ['AlarmStatesQueue', 'Arn'] },
          batchSize: 10,
          maximumBatchingWindow: 1,
          functionResponseType: 'ReportBatchItemFailures',
        },
      },
    ]);
    expect(settings.deadLetterQueueUrl).toEqual({ Ref: 'AlarmStatesDeadLetterQueue' });
  });

  it('has a role that consumes its queue, pages and keeps each alarm’s record, and nothing of CloudWatch', () => {
    expect(statementsOf(resources.AlarmRole)).toEqual([
      ownLogs,
      {
        Sid: 'ConsumeAlarmStates',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: { 'Fn::GetAtt': ['AlarmStatesQueue', 'Arn'] },
      },
      {
        Sid: 'DeadLetterInvalidEvents',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['AlarmStatesDeadLetterQueue', 'Arn'] },
      },
      ...pagesAndRecords,
    ]);
    const roles = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role');
    expect(roles.map(([id]) => id)).toEqual(['AlarmRole']);
  });
});

describe('self-monitoring off', () => {
  const settings = monitoringSettings(parseOpsConfig({ selfMonitoring: { enabled: false } }), stack);

  it('adds no alarm, no dashboard, no key, no queue, and leaves the topic on SNS’s AWS managed key', () => {
    expect(settings.topicKey).toBe(AWS_MANAGED_SNS_KEY);
    expect(Object.keys(settings.resources.Resources)).toEqual(['AlarmRole']);
    expect(settings.resources.Outputs).toEqual({});
  });

  it('keeps the alarm function with its role but no queue, no events and nothing to page', () => {
    expect(settings.alarmEvents).toEqual([]);
    expect(settings.deadLetterQueueUrl).toBe('');
    expect(JSON.parse(settings.forwardedAlarms)).toEqual({ prefix: 'ecs-ops-prod-', names: [] });
    const role = (settings.resources.Resources as Record<string, Resource>).AlarmRole;
    expect(statementsOf(role)).toEqual([ownLogs, ...pagesAndRecords]);
  });
});

describe('the alert topic with self-monitoring', () => {
  const settings = monitoringSettings(parseOpsConfig({}), stack);

  it('is encrypted with the stack’s key, which CloudWatch alarms and the account’s publishers may use', () => {
    expect(settings.topicKey).toEqual({ Ref: 'AlertTopicKey' });
    const key = (settings.resources.Resources as Record<string, Resource>).AlertTopicKey as Resource;
    expect(key.Type).toBe('AWS::KMS::Key');
    const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { AWS: '*' },
        Condition: {
          StringEquals: {
            'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
            'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' },
          },
        },
      }),
    );
  });
});

describe('the dashboard', () => {
  const config = parseOpsConfig({});
  const resources = resourcesOf({});
  const dashboard = resources.MonitoringDashboard as Resource;
  const body = (dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
  type Widget = { properties: { title: string; region: string; metrics: unknown[][] } };
  const widgets = (JSON.parse(body) as { widgets: Widget[] }).widgets;
  const titled = (prefix: string) => widgets.find((widget) => widget.properties.title.startsWith(prefix));
  const text = (widget: Widget | undefined) => JSON.stringify(widget?.properties.metrics);

  it('is named for the stage, its body a Fn::Sub of the region and the queues’ names', () => {
    expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('ecs-ops-prod');
    expect(body).toEqual(JSON.stringify(dashboardBody(config, stack)));
    const placeholders = new Set(body.match(/\$\{[^}]+\}/g));
    expect([...placeholders].sort()).toEqual(
      [
        REGION,
        ...EVENT_QUEUES.flatMap(({ name }) => [
          `\${${name}Queue.QueueName}`,
          `\${${name}DeadLetterQueue.QueueName}`,
        ]),
      ].sort(),
    );
    for (const widget of widgets) expect(widget.properties.region).toBe(REGION);
  });

  it('has the throughput, lag, dead letters, pages, drains, scaling and errors', () => {
    for (const name of ['Received', 'Accepted', 'Duplicate', 'Stale', 'Invalid', 'Failed'])
      expect(text(titled('Throughput'))).toContain(`MetricName=\\"Events${name}\\" stage=\\"prod\\"`);
    expect(titled('Lag')?.properties.metrics).toEqual([
      [
        'ecs-ops',
        'EventLag',
        'stage',
        'prod',
        'function',
        'reconcile',
        { stat: 'p50', label: 'EventLag p50' },
      ],
      [
        'ecs-ops',
        'EventLag',
        'stage',
        'prod',
        'function',
        'reconcile',
        { stat: 'p99', label: 'EventLag p99' },
      ],
    ]);
    expect(titled('Dead-letter')?.properties.metrics).toHaveLength(EVENT_QUEUES.length);
    expect(titled('Event queue age')?.properties.metrics).toHaveLength(EVENT_QUEUES.length);
    for (const name of [
      'PagesSent',
      'PagesGrouped',
      'PagesMuted',
      'SummariesSent',
      'PagesResolved',
      'AlarmPagesSent',
      'AlarmPagesResolved',
    ])
      expect(text(titled('Pages'))).toContain(`MetricName=\\"${name}\\"`);
    for (const name of ['DrainsStarted', 'DrainsReleased'])
      expect(text(titled('Drains'))).toContain(`MetricName=\\"${name}\\"`);
    expect(text(titled('Scaling'))).toContain('MetricName=\\"ScalingDecisions\\"');
    const lambda = titled('Lambda')?.properties.metrics ?? [];
    expect(lambda).toHaveLength(FUNCTIONS.length * 2);
    for (const fn of FUNCTIONS) {
      expect(lambda).toContainEqual([
        'AWS/Lambda',
        'Errors',
        'FunctionName',
        `ecs-ops-prod-${fn}`,
        expect.anything(),
      ]);
      expect(lambda).toContainEqual([
        'AWS/Lambda',
        'Throttles',
        'FunctionName',
        `ecs-ops-prod-${fn}`,
        expect.anything(),
      ]);
    }
  });

  it('is in the outputs, by name and by console URL', () => {
    const { Outputs } = monitoringSettings(config, stack).resources as { Outputs: Record<string, unknown> };
    expect(Outputs.DashboardName).toEqual({ Value: { Ref: 'MonitoringDashboard' } });
    expect(JSON.stringify(Outputs.DashboardUrl)).toContain(
      `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards:name=\${MonitoringDashboard}`,
    );
  });
});

describe('what the monitoring tables are held to', () => {
  const serverless = parseYaml(readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), {
    customTags: [
      { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
      { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value }) },
    ],
  }) as { functions: Record<string, { events?: unknown }> };

  it('FUNCTIONS lists every function of serverless.yml', () => {
    expect([...FUNCTIONS].sort()).toEqual(Object.keys(serverless.functions).sort());
  });

  it('EVERY_MINUTE lists the functions serverless.yml schedules at rate(1 minute); resync and launch are generated', () => {
    const scheduled = Object.entries(serverless.functions).flatMap(([name, fn]) =>
      Array.isArray(fn.events) &&
      fn.events.some((event) => (event as { schedule?: string }).schedule === 'rate(1 minute)')
        ? [name]
        : [],
    );
    expect(scheduled.sort()).toEqual([...EVERY_MINUTE].sort());
    expect(serverless.functions.resync?.events).toBe(`\${ecsops:resync.schedules}`);
    expect(serverless.functions.launch?.events).toBe(`\${ecsops:jobs.schedules}`);
  });

  it('EVENT_QUEUES names every queue the capabilities declare (AlarmStates: self-monitoring’s), each with its dead-letter queue', () => {
    const config = parseOpsConfig({});
    const declared = [
      reconcileSettings(config, stack),
      resyncSettings(config, stack),
      alertsSettings(config, stack),
      jobsSettings(config, stack),
      drainSettings(config, stack),
      scalingSettings(config, stack),
      monitoringSettings(config, stack),
    ].flatMap(({ resources }) =>
      Object.entries(resources.Resources as Record<string, Resource>)
        .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
        .map(([id]) => id),
    );
    expect(declared.sort()).toEqual(
      EVENT_QUEUES.flatMap(({ name }) => [`${name}Queue`, `${name}DeadLetterQueue`]).sort(),
    );
  });
});

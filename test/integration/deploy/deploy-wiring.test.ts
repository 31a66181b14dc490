/**
 * The deployed wiring, checked the way a deploy would see it: `serverless package` runs on a copy of the
 * project with no AWS credentials and no network, and the CloudFormation template it produces is inspected.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  drainEventPattern,
  drainLifecycleHooks,
  drainPolicyStatements,
  drainSweeperPolicyStatements,
} from '../../../deploy/drain.js';
import {
  jobRunsEventPattern,
  jobRunsPolicyStatements,
  launchPolicyStatements,
  launchSchedules,
} from '../../../deploy/jobs.js';
import { resyncSettings } from '../../../deploy/resync.js';
import { scalePolicyStatements } from '../../../deploy/scaling.js';
import { parseOpsConfig } from '../../../lib/ops-config.js';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  parseEcsEvent,
  TASK_STATE_CHANGE,
} from '../../../lib/platform/events/ecs-event.js';
import { loadEvent, PROJECT_ROOT } from '../../support/fixtures.js';

const root = PROJECT_ROOT;
const COPIED = [
  'serverless.yml',
  'ops.config.yml',
  'package.json',
  'deploy',
  'scripts',
  'functions',
  'lib',
  'cli',
  'local',
  'bench',
];

type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource>; Outputs: Record<string, unknown> };
let project: string;
let resources: Record<string, Resource>;
let template: Template;

/** `serverless package --stage ci` on a copy of the project, with `moreConfig` appended to its ops.config.yml. */
function packageCopy(moreConfig = '') {
  const copy = mkdtempSync(join(tmpdir(), 'ecs-ops-package-'));
  for (const entry of COPIED) cpSync(join(root, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  if (moreConfig !== '') appendFileSync(join(copy, 'ops.config.yml'), `\n${moreConfig}`);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: 'ecs-ops-none',
  };
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci'],
    {
      cwd: copy,
      env,
      stdio: 'pipe',
    },
  );
  const packaged = JSON.parse(
    readFileSync(join(copy, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { copy, template: packaged };
}

beforeAll(() => {
  ({ copy: project, template } = packageCopy());
  resources = template.Resources;
}, 120_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The logical id a `Fn::GetAtt` names. */
const getAttId = (value: unknown) => (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
/** Every statement of a role's inline policies. */
const statementsOf = (role: string, from: Record<string, Resource> = resources) => {
  const properties = from[role]?.Properties as
    | { Policies?: { PolicyDocument: { Statement: Statement[] } }[] }
    | undefined;
  return (properties?.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement);
};

describe('serverless.yml', () => {
  const serverless = parseYaml(readFileSync(join(root, 'serverless.yml'), 'utf8'), {
    customTags: [
      { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
      { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value }) },
      { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
    ],
  }) as { functions: Record<string, { handler: string }> };

  it('names, for every function, a handler whose source exists and exports that name', () => {
    for (const [name, { handler }] of Object.entries(serverless.functions)) {
      const match = /^dist\/functions\/([\w-]+)\/index\.(\w+)$/.exec(handler);
      expect(match, `${name}: handler ${handler}`).not.toBeNull();
      const source = join(root, 'functions', `${match?.[1]}.ts`);
      expect(existsSync(source), source).toBe(true);
      expect(readFileSync(source, 'utf8')).toMatch(new RegExp(`export const ${match?.[2]}\\b`));
    }
  });

  it('packages one bundle per function, holding only that bundle', () => {
    for (const name of Object.keys(serverless.functions)) {
      const listing = execFileSync('unzip', ['-Z1', join(project, `.serverless/${name}.zip`)], {
        encoding: 'utf8',
      });
      expect(listing.trim().split('\n')).toEqual([`dist/functions/${name}/index.mjs`]);
    }
  });
});

describe('packaged CloudFormation template', () => {
  it('runs every function on nodejs22.x, arm64', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('routes both ECS detail types of the configured clusters to the queue, with a schema for each', () => {
    const rule = resources.EcsEventsRule;
    const pattern = rule?.Properties.EventPattern as Record<string, unknown>;
    expect(pattern.source).toEqual(['aws.ecs']);
    expect(pattern['detail-type']).toEqual([TASK_STATE_CHANGE, CONTAINER_INSTANCE_STATE_CHANGE]);
    expect(pattern.detail).toEqual({
      clusterArn: [{ suffix: ':cluster/prod' }, { suffix: ':cluster/batch' }],
    });
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': ['EcsEventsQueue', 'Arn'] } }),
    ]);
    const samples: Record<string, string> = {
      [TASK_STATE_CHANGE]: 'ecs/task/fargate-running.json',
      [CONTAINER_INSTANCE_STATE_CHANGE]: 'ecs/container-instance/ec2-active.json',
    };
    for (const detailType of pattern['detail-type'] as string[]) {
      expect(samples[detailType], `a sample event for ${detailType}`).toBeDefined();
      const sample = loadEvent(samples[detailType] as string);
      expect(parseEcsEvent(sample).ok, detailType).toBe(true);
    }
  });

  it('feeds reconcile from the queue in batches, reporting item failures, with bounded concurrency', () => {
    const mapping = resources.ReconcileEventSourceMappingSQSEcsEventsQueue;
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['EcsEventsQueue', 'Arn'] },
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('creates the state table from the one table definition, with TTL', () => {
    const table = resources.StateTable?.Properties as Record<string, unknown>;
    expect(table.TableName).toBe('ecs-ops-ci-state');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect((table.GlobalSecondaryIndexes as { IndexName: string }[]).map((index) => index.IndexName)).toEqual(
      ['byStatus', 'byGroup', 'byHost', 'byShortId'],
    );
  });

  it('gives reconcile a role that names only its own queue, dead-letter queue and table', () => {
    for (const statement of statementsOf('ReconcileRole'))
      expect(statement.Resource, 'no action on every resource').not.toBe('*');
  });

  it('routes essential-container stops of the configured clusters to the alerts queue', () => {
    const rule = resources.AlertsRule?.Properties as Record<string, unknown>;
    expect(rule.EventPattern).toEqual({
      // ECS's events, and the stops resync found that no event told of.
      source: ['aws.ecs', 'ecs-ops.resync'],
      'detail-type': [TASK_STATE_CHANGE],
      detail: {
        lastStatus: ['STOPPED'],
        clusterArn: [{ suffix: ':cluster/prod' }, { suffix: ':cluster/batch' }],
        $or: [
          { stopCode: ['EssentialContainerExited', 'TaskFailedToStart'] },
          { stoppedReason: [{ prefix: 'Essential container in task exited' }] },
        ],
      },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['AlertsQueue', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'Arn'] } },
      }),
    ]);
    const policy = resources.AlertsQueuePolicy?.Properties as {
      PolicyDocument: { Statement: { Principal: unknown; Action: string; Condition: unknown }[] };
    };
    expect(policy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['AlertsRule', 'Arn'] } } },
      }),
    ]);
  });

  it('feeds alert from its queue in small batches, reporting item failures', () => {
    expect(resources.AlertEventSourceMappingSQSAlertsQueue?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['AlertsQueue', 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives alert the topic, its dead-letter queue, the table and the alerts config', () => {
    const alert = resources.AlertLambdaFunction?.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    const variables = alert.Environment.Variables;
    expect(variables).toMatchObject({
      STATE_TABLE: { Ref: 'StateTable' },
      ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
      DEAD_LETTER_QUEUE_URL: { Ref: 'AlertsDeadLetterQueue' },
      RETENTION_HISTORY_DAYS: '90',
    });
    expect(JSON.parse(variables.ALERTS_CONFIG as string)).toMatchObject({
      email: ['oncall@example.com'],
      crashLoop: { windowMinutes: 10 },
    });
  });

  it('runs resync every 15 minutes (resync.intervalMinutes) and alert-summary, job-timeouts, drain-sweeper and scale every minute', () => {
    const schedules = ofType('AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.ScheduleExpression !== undefined,
    );
    const target = (fn: string) => [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })];
    expect(
      schedules.map(([, rule]) => [rule.Properties.ScheduleExpression, rule.Properties.Targets]),
    ).toEqual([
      ['rate(15 minutes)', target('ResyncLambdaFunction')],
      ['rate(1 minute)', target('AlertDashsummaryLambdaFunction')],
      ['rate(1 minute)', target('JobDashtimeoutsLambdaFunction')],
      ['rate(1 minute)', target('DrainDashsweeperLambdaFunction')],
      ['rate(1 minute)', target('ScaleLambdaFunction')],
    ]);
  });

  it('has an encrypted alert topic named for the stage, with the configured email subscriptions', () => {
    expect(resources.AlertTopic?.Properties).toEqual({
      TopicName: 'ecs-ops-alerts-ci',
      DisplayName: 'ecs-ops',
      // Self-monitoring is on: the stack's own key, which CloudWatch alarms may publish through.
      KmsMasterKeyId: { Ref: 'AlertTopicKey' },
      Subscription: [{ Protocol: 'email', Endpoint: 'oncall@example.com' }],
    });
    expect(template.Outputs.AlertTopicArn).toEqual({ Value: { Ref: 'AlertTopic' } });
  });

  it('gives alert and alert-summary roles that name only what each uses', () => {
    const byAction = (role: string) =>
      Object.fromEntries(
        statementsOf(role).flatMap((statement) =>
          [statement.Action].flat().map((action) => [action, statement.Resource]),
        ),
      );
    const table = { 'Fn::GetAtt': ['StateTable', 'Arn'] };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
    const tableArn = '${StateTable.Arn}';
    const alert = byAction('AlertRole');
    expect(alert['sns:Publish']).toEqual({ Ref: 'AlertTopic' });
    expect(alert['sqs:SendMessage']).toEqual({ 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'Arn'] });
    expect(alert['sqs:ReceiveMessage']).toEqual({ 'Fn::GetAtt': ['AlertsQueue', 'Arn'] });
    expect(alert['dynamodb:UpdateItem']).toEqual(table);
    // DescribeTaskDefinition supports no resource-level permission: "*" is the only form ECS accepts.
    for (const [action, resource] of Object.entries(alert))
      if (action !== 'ecs:DescribeTaskDefinition') expect(resource, action).not.toBe('*');

    const summary = byAction('AlertSummaryRole');
    expect(summary['sns:Publish']).toEqual({ Ref: 'AlertTopic' });
    expect(summary['dynamodb:Query']).toEqual([table, { 'Fn::Sub': `${tableArn}/index/byStatus` }]);
    expect(summary['ecs:DescribeServices']).toEqual(
      ['prod', 'batch'].map((cluster) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/${cluster}/*`,
      })),
    );
  });
});

/** A queue's consumer: the event source mapping polls with the function's role; the code dead-letters. */
const eventSource = (queue: string) => ({
  'sqs:ReceiveMessage': `the event source mapping receives batches from ${queue}`,
  'sqs:DeleteMessage': `the event source mapping deletes what a batch settled from ${queue}`,
  'sqs:GetQueueAttributes': `the event source mapping reads ${queue}'s attributes`,
  'sqs:SendMessage': `refused records go to ${queue}'s dead-letter queue (SendMessageBatch)`,
});
const ownLogs = {
  'logs:CreateLogStream': 'Lambda writes the function’s log group with its role',
  'logs:PutLogEvents': 'Lambda writes the function’s log group with its role',
};

/**
 * Every role of the stack (with this repository's ops.config.yml) and every action it allows, each with why:
 * what its code calls or its event source needs, and nothing more.
 */
const ROLE_ACTIONS: Record<string, Record<string, string>> = {
  ReconcileRole: {
    ...ownLogs,
    ...eventSource('EcsEventsQueue'),
    'dynamodb:PutItem': 'latest states, each a conditional put',
    'dynamodb:BatchWriteItem': 'timeline entries',
  },
  AlertRole: {
    ...ownLogs,
    ...eventSource('AlertsQueue'),
    'sns:Publish': 'the page',
    'ecs:DescribeTaskDefinition': 'which containers are essential',
    'dynamodb:GetItem': 'the idempotency record; the container instance’s state',
    'dynamodb:PutItem': 'the idempotency record; the journal',
    'dynamodb:UpdateItem': 'the idempotency record’s result; the crash-loop window',
    'dynamodb:DeleteItem': 'the idempotency record, when the page failed',
  },
  AlertSummaryRole: {
    ...ownLogs,
    'sns:Publish': 'the summary of an ended crash-loop window; the resolved message of an outage',
    'dynamodb:Query': 'listed windows, through the byStatus index',
    'dynamodb:BatchGetItem': 'the listed windows themselves (the index holds keys only)',
    'dynamodb:UpdateItem': 'closing a window early; claiming and settling its summary and resolution',
    'dynamodb:PutItem': 'the journal',
    'ecs:DescribeServices': 'is a paged service back to its desired count? (services of the paging clusters)',
  },
  LaunchRole: {
    ...ownLogs,
    'dynamodb:GetItem': 'the run of a slot or request; earlier runs’ task state',
    'dynamodb:PutItem': 'a new run (conditional); the journal',
    'dynamodb:UpdateItem': 'the run’s tasks, attempts and result',
    'dynamodb:Query': 'the job’s previous runs (concurrency)',
    'sns:Publish': 'a run that failed to launch',
    'ecs:RunTask': 'the jobs’ task definitions, on the jobs’ clusters',
    'ecs:StopTask': 'concurrency Replace',
    'iam:PassRole': 'the task and execution roles, to ECS tasks only',
  },
  JobTimeoutsRole: {
    ...ownLogs,
    'dynamodb:Query': 'open runs of each job with a timeout',
    'dynamodb:UpdateItem': 'claiming the timeout',
    'dynamodb:PutItem': 'the journal',
    'ecs:StopTask': 'the tasks of a run past its timeout',
  },
  LaunchSchedulerRole: {
    'lambda:InvokeFunction': 'EventBridge Scheduler invokes launch, and nothing else',
  },
  JobRunsRole: {
    ...ownLogs,
    ...eventSource('JobRunsQueue'),
    'sns:Publish': 'a failed run',
    'dynamodb:GetItem': 'the run; its tasks’ state',
    'dynamodb:PutItem': 'the journal',
    'dynamodb:UpdateItem': 'the run’s result and its page claim',
    'dynamodb:Query': 'the job’s runs',
    'ecs:DescribeTaskDefinition': 'which containers are essential decides a run’s result',
    'ecs:DescribeTasks': 'a run’s other tasks, when the table has not got them yet',
  },
  DrainRole: {
    ...ownLogs,
    ...eventSource('DrainEventsQueue'),
    'sns:Publish': 'an instance that left with tasks still on it',
    'dynamodb:GetItem': 'the drain; the instance',
    'dynamodb:PutItem': 'the drain (conditional); the journal',
    'dynamodb:Query': 'the instance and its tasks, through the byHost index',
    'dynamodb:BatchGetItem': 'the tasks the byHost index lists',
    'ecs:UpdateContainerInstancesState': 'setting the instance DRAINING',
    'ecs:ListContainerInstances': 'finding the container instance of an EC2 instance',
    'autoscaling:CompleteLifecycleAction': 'releasing the instance',
    'autoscaling:RecordLifecycleActionHeartbeat': 'a heartbeat that falls due when an event is settled',
  },
  DrainSweeperRole: {
    ...ownLogs,
    'sns:Publish': 'an instance released at its deadline with tasks still on it',
    'dynamodb:GetItem': 'each open drain; the instance',
    'dynamodb:PutItem': 'the drain (conditional); the journal',
    'dynamodb:Query': 'open drains (byStatus index); the instance’s tasks (byHost index)',
    'dynamodb:BatchGetItem': 'the tasks the byHost index lists',
    'autoscaling:CompleteLifecycleAction': 'releasing at the deadline, finishing an interrupted release',
    'autoscaling:RecordLifecycleActionHeartbeat': 'heartbeats half-way through the hook’s timeout',
  },
  ResyncRole: {
    ...ownLogs,
    'dynamodb:GetItem': 'when watching began',
    'dynamodb:PutItem': 'latest states and timeline entries (conditional); when watching began; the journal',
    'dynamodb:UpdateItem': 'marking what ECS no longer knows',
    'dynamodb:BatchGetItem': 'the stored versions of what ECS listed',
    'dynamodb:Query': 'the cluster’s live resources, through the byStatus index',
    'events:PutEvents': 'late stops, for the alert and job-runs rules',
    'lambda:InvokeFunction': 'itself, to go on where a run ran short of time',
    'ecs:ListTasks': 'the watched clusters’ tasks, running and recently stopped',
    'ecs:ListContainerInstances': 'the watched clusters’ container instances',
    'ecs:DescribeTasks': 'the tasks listed, and the store’s live ones ECS did not list',
    'ecs:DescribeContainerInstances': 'the container instances listed, and the store’s live ones',
  },
  AlarmRole: {
    ...ownLogs,
    ...eventSource('AlarmStatesQueue'),
    'sns:Publish': 'the page about one of ecs-ops’ own alarms, and its resolve',
    'dynamodb:GetItem': 'the alarm’s record',
    'dynamodb:UpdateItem': 'the alarm’s record, a conditional update (once per page, once per resolve)',
  },
  ScaleRole: {
    ...ownLogs,
    'dynamodb:GetItem': 'the service’s recent scaling activities',
    'dynamodb:PutItem': 'claiming a change (conditional); the journal',
    'dynamodb:Query': 'state-store counts, through the byGroup index',
    'dynamodb:BatchGetItem': 'the tasks the byGroup index lists',
    'ecs:DescribeServices': 'the running and desired counts',
    'ecs:UpdateService': 'the new desired count',
    'sqs:GetQueueUrl': 'the backlog queue of an SQS metric source',
    'sqs:GetQueueAttributes': 'the backlog (ApproximateNumberOfMessages)',
    'application-autoscaling:DescribeScalableTargets': 'min, max and suspension of a registered service',
    'application-autoscaling:DescribeScalingPolicies': 'native policies on the same service',
  },
};

describe('execution roles in the packaged template', () => {
  it('are exactly the roles of the table', () => {
    expect(
      ofType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(Object.keys(ROLE_ACTIONS).sort());
  });

  it.each(Object.entries(ROLE_ACTIONS))(
    '%s allows exactly what its code and its event source need',
    (role, why) => {
      const statements = statementsOf(role);
      expect(statements.filter((statement) => statement.Effect !== 'Allow')).toEqual([]);
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(new Set(actions).size, `${role}: an action granted twice`).toBe(actions.length);
      expect(actions.sort()).toEqual(Object.keys(why).sort());
    },
  );

  it('let Lambda, and only Lambda, assume the functions’ roles', () => {
    for (const [id, role] of ofType('AWS::IAM::Role').filter(([id]) => id !== 'LaunchSchedulerRole')) {
      expect(role.Properties.AssumeRolePolicyDocument, id).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
    }
  });

  it('let each function write its own log group only', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const role = getAttId(fn.Properties.Role);
      const logs = statementsOf(role).find((statement) => statement.Sid === 'WriteOwnLogs');
      expect(logs?.Resource, role).toEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${fn.Properties.FunctionName}:*`,
      });
    }
  });
});

describe('SQS event sources in the packaged template', () => {
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const mappings = () => ofType('AWS::Lambda::EventSourceMapping');

  it('are the five queues of reconcile, alert, job-runs, drain and alarm', () => {
    expect(mappings().map(([id]) => id)).toEqual([
      'ReconcileEventSourceMappingSQSEcsEventsQueue',
      'AlertEventSourceMappingSQSAlertsQueue',
      'JobDashrunsEventSourceMappingSQSJobRunsQueue',
      'DrainEventSourceMappingSQSDrainEventsQueue',
      'AlarmEventSourceMappingSQSAlarmStatesQueue',
    ]);
  });

  it('each have a rule, a dead-letter queue, a policy for that rule only, and the consumer’s role, wired alike', () => {
    for (const [id, mapping] of mappings()) {
      const queue = getAttId(mapping.Properties.EventSourceArn);
      const name = queue.replace(/Queue$/, '');
      const [rule, deadLetters] = [`${name}Rule`, `${name}DeadLetterQueue`];
      const fn = resources[getAttId(mapping.Properties.FunctionName)] as Resource;
      const properties = resources[queue]?.Properties as Record<string, unknown>;
      expect(properties.RedrivePolicy, id).toEqual({
        deadLetterTargetArn: getAtt(deadLetters),
        maxReceiveCount: 5,
      });
      // A throttled batch is retried before its messages reappear (six times the function's timeout).
      expect(properties.VisibilityTimeout, id).toBeGreaterThanOrEqual(6 * (fn.Properties.Timeout as number));
      expect(resources[deadLetters]?.Properties, id).toEqual({
        MessageRetentionPeriod: 1_209_600,
        SqsManagedSseEnabled: true,
      });
      expect(resources[rule]?.Properties.Targets, id).toEqual([
        expect.objectContaining({ Arn: getAtt(queue), DeadLetterConfig: { Arn: getAtt(deadLetters) } }),
      ]);
      expect(resources[`${name}QueuePolicy`]?.Properties, id).toEqual({
        Queues: [{ Ref: queue }, { Ref: deadLetters }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            expect.objectContaining({
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: [getAtt(queue), getAtt(deadLetters)],
              Condition: { ArnEquals: { 'aws:SourceArn': getAtt(rule) } },
            }),
          ],
        },
      });
      const sqs = statementsOf(getAttId(fn.Properties.Role)).filter((statement) =>
        [statement.Action].flat()[0]?.startsWith('sqs:'),
      );
      expect(sqs, id).toEqual([
        expect.objectContaining({
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: getAtt(queue),
        }),
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: getAtt(deadLetters) }),
      ]);
      expect(fn.Properties.Environment, id).toMatchObject({
        Variables: { DEAD_LETTER_QUEUE_URL: { Ref: deadLetters } },
      });
      expect(template.Outputs[`${deadLetters}Url`], id).toEqual({ Value: { Ref: deadLetters } });
    }
  });
});

const ecsArn = (resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});

describe('scheduled jobs in the packaged template', () => {
  it('lets job-timeouts stop only the tasks of the jobs’ clusters, and read and note runs', () => {
    const statements = statementsOf('JobTimeoutsRole');
    for (const statement of statements) expect(statement.Resource, statement.Sid).not.toBe('*');
    expect(statements.find((s) => s.Action === 'ecs:StopTask')?.Resource).toEqual([ecsArn('task/batch/*')]);
  });

  it('gives each job an EventBridge Scheduler schedule in its time zone, invoking launch with the scheduled time', () => {
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules.map(([id]) => id)).toEqual(['LaunchSchedulerSchedule1']);
    const [, schedule] = schedules[0] as [string, Resource];
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': ['LaunchLambdaFunction', 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['LaunchSchedulerRole', 'Arn'] },
      },
    });
    const input = (schedule.Properties.Target as { Input: string }).Input;
    expect(JSON.parse(input)).toEqual({ job: 'report', scheduledTime: '<aws.scheduler.scheduled-time>' });
  });

  it('lets Scheduler invoke launch, and nothing else, through its own role', () => {
    const role = resources.LaunchSchedulerRole?.Properties as {
      AssumeRolePolicyDocument: { Statement: { Principal: unknown }[] };
    };
    expect(role.AssumeRolePolicyDocument.Statement[0]?.Principal).toEqual({
      Service: 'scheduler.amazonaws.com',
    });
    expect(statementsOf('LaunchSchedulerRole')).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': ['LaunchLambdaFunction', 'Arn'] },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression
          { 'Fn::Sub': '${LaunchLambdaFunction.Arn}:*' },
        ],
      }),
    ]);
  });

  it('runs launch for up to 300 s with the jobs config, the table and the topic', () => {
    const launch = resources.LaunchLambdaFunction?.Properties as {
      Timeout: number;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(launch.Timeout).toBe(300);
    expect(launch.Environment.Variables).toMatchObject({
      STATE_TABLE: { Ref: 'StateTable' },
      ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
      RETENTION_HISTORY_DAYS: '90',
    });
    expect(JSON.parse(launch.Environment.Variables.JOBS_CONFIG as string)).toMatchObject({
      report: { cluster: 'batch', taskDefinition: 'report', concurrency: 'Forbid' },
    });
  });

  it('tells every function that pages without the alerts section what HTTPS subscribers get (alerts.https)', () => {
    for (const fn of ['Launch', 'JobDashruns', 'Drain', 'DrainDashsweeper', 'Alarm']) {
      const properties = resources[`${fn}LambdaFunction`]?.Properties as {
        Environment: { Variables: Record<string, unknown> };
      };
      expect(JSON.parse(properties.Environment.Variables.ALERT_OUTPUTS as string), fn).toEqual({
        https: 'json',
      });
    }
  });

  it('gives launch RunTask of the jobs’ task definitions on their clusters only, and PassRole to ECS tasks only', () => {
    const statements = statementsOf('LaunchRole');
    const byAction = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));
    expect(byAction('ecs:RunTask')).toEqual([
      expect.objectContaining({
        Resource: [ecsArn('task-definition/report:*')],
        Condition: { ArnEquals: { 'ecs:cluster': [ecsArn('cluster/batch')] } },
      }),
    ]);
    expect(byAction('ecs:StopTask')[0]?.Resource).toEqual([ecsArn('task/batch/*')]);
    expect(byAction('iam:PassRole')[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    expect(byAction('sns:Publish')[0]?.Resource).toEqual({ Ref: 'AlertTopic' });
    for (const statement of statements) expect(statement.Resource, statement.Sid).not.toBe('*');
  });

  it('routes the jobs’ STOPPED tasks to job-runs through its queue', () => {
    const rule = resources.JobRunsRule?.Properties as Record<string, unknown>;
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs', 'ecs-ops.resync'],
      'detail-type': [TASK_STATE_CHANGE],
      detail: {
        lastStatus: ['STOPPED'],
        startedBy: [{ prefix: 'ecs-ops-job/' }],
        clusterArn: [{ suffix: ':cluster/batch' }],
      },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['JobRunsQueue', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['JobRunsDeadLetterQueue', 'Arn'] } },
      }),
    ]);
    expect(resources.JobDashrunsEventSourceMappingSQSJobRunsQueue?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['JobRunsQueue', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const statements = statementsOf('JobRunsRole');
    // DescribeTaskDefinition supports no resource-level permission: "*" is the only form ECS accepts.
    for (const statement of statements)
      if (statement.Action !== 'ecs:DescribeTaskDefinition')
        expect(statement.Resource, statement.Sid).not.toBe('*');
    expect(statements.find((s) => s.Action === 'ecs:DescribeTaskDefinition')?.Resource).toBe('*');
    expect(statements.find((s) => s.Action === 'ecs:DescribeTasks')?.Resource).toEqual([
      ecsArn('task/batch/*'),
    ]);
  });
});

describe('scheduled jobs with no jobs configured', () => {
  // The launch function is kept (it packages with an empty events list); its job statements become one Deny.
  const config = parseOpsConfig({}, 'ops.config.yml');

  it('has no schedules, a Deny instead of RunTask, and a pattern for ecs-ops jobs on any cluster', () => {
    expect(launchSchedules(config)).toEqual([]);
    expect(launchPolicyStatements(config)).toEqual([
      { Sid: 'NoJobsConfigured', Effect: 'Deny', Action: 'ecs:RunTask', Resource: '*' },
    ]);
    expect(jobRunsPolicyStatements(config)).toEqual([
      { Sid: 'NoJobsConfigured', Effect: 'Deny', Action: 'ecs:DescribeTasks', Resource: '*' },
    ]);
    expect(jobRunsEventPattern(config).detail).toEqual({
      lastStatus: ['STOPPED'],
      startedBy: [{ prefix: 'ecs-ops-job/' }],
    });
  });

  it('scopes RunTask to the revision or ARN a job names', () => {
    const jobs = parseOpsConfig(
      {
        jobs: {
          a: { schedule: 'rate(1 hour)', cluster: 'x', taskDefinition: 'a:3', launchType: 'EC2' },
          b: {
            schedule: 'rate(1 hour)',
            cluster: 'x',
            taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/b',
            launchType: 'EC2',
          },
        },
      },
      'ops.config.yml',
    );
    expect(launchPolicyStatements(jobs)[0]?.Resource).toEqual([
      ecsArn('task-definition/a:3'),
      'arn:aws:ecs:us-east-1:123456789012:task-definition/b:*',
    ]);
  });
});

describe('draining in the packaged template', () => {
  const drainPattern = () =>
    resources.DrainEventsRule?.Properties.EventPattern as { $or: Record<string, unknown>[] };

  it('routes the listed groups’ terminate lifecycle actions, Spot warnings and the drains’ ECS events to the drain queue', () => {
    const [lifecycle, spot, instances, tasks] = drainPattern().$or;
    expect(lifecycle).toEqual({
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
      detail: {
        AutoScalingGroupName: ['ecs-ops-sandbox-asg'],
        LifecycleHookName: ['ecs-ops-drain'],
        LifecycleTransition: ['autoscaling:EC2_INSTANCE_TERMINATING'],
      },
    });
    expect(spot).toEqual({ source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] });
    expect(instances?.detail).toMatchObject({ status: ['DRAINING', 'INACTIVE'] });
    expect(tasks?.detail).toMatchObject({
      lastStatus: ['STOPPED'],
      containerInstanceArn: [{ exists: true }],
    });
    expect(resources.DrainEventsRule?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': ['DrainEventsQueue', 'Arn'] } }),
    ]);
  });

  it('creates the termination lifecycle hook on each listed group, CONTINUE by default', () => {
    const hooks = ofType('AWS::AutoScaling::LifecycleHook').map(([, hook]) => hook.Properties);
    expect(hooks).toEqual([
      {
        AutoScalingGroupName: 'ecs-ops-sandbox-asg',
        LifecycleHookName: 'ecs-ops-drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 600,
        DefaultResult: 'CONTINUE',
      },
    ]);
  });

  it('feeds drain with no batching window, reporting item failures', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings).toContainEqual(
      expect.objectContaining({
        EventSourceArn: { 'Fn::GetAtt': ['DrainEventsQueue', 'Arn'] },
        MaximumBatchingWindowInSeconds: 0,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    // Its every-minute schedule: see 'runs alert-summary, job-timeouts and drain-sweeper every minute'.
  });

  it('lets drain set DRAINING on the watched clusters only and complete only the listed groups’ actions', () => {
    const statements = statementsOf('DrainRole');
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid('DrainContainerInstances')).toMatchObject({
      Action: 'ecs:UpdateContainerInstancesState',
      Resource: [ecsArn('container-instance/prod/*'), ecsArn('container-instance/batch/*')],
    });
    expect(bySid('ReleaseListedGroupsInstances')).toMatchObject({
      Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
      Resource: [
        {
          'Fn::Sub':
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
            'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/ecs-ops-sandbox-asg',
        },
      ],
    });
    // standaloneTasks: wait — no StopTask at all; no ListClusters, as clusters are listed.
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).not.toContain('ecs:StopTask');
    expect(actions).not.toContain('ecs:ListClusters');
    const sweeper = statementsOf('DrainSweeperRole').flatMap((statement) => [statement.Action].flat());
    expect(sweeper).not.toContain('ecs:UpdateContainerInstancesState');
    expect(sweeper).toContain('autoscaling:RecordLifecycleActionHeartbeat');
  });
});

describe('draining with nothing listed', () => {
  const config = parseOpsConfig({ drain: { spot: false } }, 'ops.config.yml');

  it('watches only the ECS events of manual drains, may complete no lifecycle action, and creates no hook', () => {
    expect(drainEventPattern(config).$or.map((part) => part.source)).toEqual([['aws.ecs'], ['aws.ecs']]);
    expect(drainSweeperPolicyStatements(config)).toEqual([
      {
        Sid: 'NoGroupsNorStops',
        Effect: 'Deny',
        Action: 'autoscaling:CompleteLifecycleAction',
        Resource: '*',
      },
    ]);
    expect(drainLifecycleHooks(config)).toEqual({});
  });

  it('may list clusters to find an instance when every cluster is watched', () => {
    const sids = drainPolicyStatements(config).map((statement) => statement.Sid);
    expect(sids).toContain('ListWatchedClusters');
  });
});

describe('resync in the packaged template', () => {
  it('runs resync for up to 300 s with the watched clusters, retention and its call rate', () => {
    const resync = resources.ResyncLambdaFunction?.Properties as {
      Handler: string;
      Timeout: number;
      MemorySize: number;
      Role: unknown;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(resync).toMatchObject({
      Handler: 'dist/functions/resync/index.handler',
      Timeout: 300,
      MemorySize: 512,
      Role: { 'Fn::GetAtt': ['ResyncRole', 'Arn'] },
    });
    expect(resync.Environment.Variables).toEqual({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'ecs-ops',
      STAGE: 'ci',
      STATE_TABLE: { Ref: 'StateTable' },
      WATCHED_CLUSTERS: '["prod","batch"]',
      RESYNC_CALLS_PER_SECOND: '10',
      RETENTION_STOPPED_DAYS: '30',
      RETENTION_HISTORY_DAYS: '90',
      WRITE_CONCURRENCY: '16',
    });
  });

  it('gives resync the role deploy/resync.ts declares: ECS reads of the watched clusters only', () => {
    const stack = { service: 'ecs-ops', stage: 'ci' };
    const declared = resyncSettings(parseOpsConfig({ clusters: ['prod', 'batch'] }), stack).resources
      .Resources.ResyncRole as Resource;
    expect(resources.ResyncRole).toEqual(declared);
    const bySid = (sid: string) => statementsOf('ResyncRole').find((statement) => statement.Sid === sid);
    expect(bySid('ListTasksOfWatchedClusters')).toMatchObject({
      Resource: '*',
      Condition: { ArnEquals: { 'ecs:cluster': [ecsArn('cluster/prod'), ecsArn('cluster/batch')] } },
    });
    expect(bySid('DescribeTasksOfWatchedClusters')?.Resource).toEqual([
      ecsArn('task/prod/*'),
      ecsArn('task/batch/*'),
    ]);
    expect(bySid('ListWatchedClusters')).toBeUndefined();
  });
});

describe('step scaling in the packaged template', () => {
  it('lets scale read and update only its policies’ services and read only their queues', () => {
    const statements = statementsOf('ScaleRole');
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid('ScaleConfiguredServices')).toMatchObject({
      Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
      Resource: [ecsArn('service/prod/queue-worker')],
    });
    expect(bySid('ReadQueueBacklogs')).toMatchObject({
      Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
      Resource: [
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
        { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:ecs-ops-sandbox-work' },
      ],
    });
    // No CloudWatch metric source and no registration asked for: neither is granted.
    expect(bySid('ReadMetricsAndScalableTargets')?.Action).toEqual([
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:DescribeScalingPolicies',
    ]);
  });

  it('with no policies, may update no service', () => {
    expect(scalePolicyStatements(parseOpsConfig({}, 'ops.config.yml'))).toEqual([
      { Sid: 'NoPoliciesConfigured', Effect: 'Deny', Action: 'ecs:UpdateService', Resource: '*' },
    ]);
  });
});

describe('self-monitoring in the packaged template', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm');
  const topic = [{ Ref: 'AlertTopic' }];

  /**
   * Every alarm of the stack with this repository's ops.config.yml (selfMonitoring left to its defaults, resync
   * every 15 minutes, one job at rate(1 minute)): its metric, statistic, threshold and comparison, its periods,
   * and its severity.
   */
  const dlq = (queue: string, severity: string) => [
    `${queue}DeadLetterQueueMessagesAlarm`,
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', '> 0', 60, 1, severity],
  ];
  const age = (queue: string, severity: string) => [
    `${queue}QueueAgeAlarm`,
    ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', '> 300', 60, 1, severity],
  ];
  const failures = (id: string, errors: string, throttles: string) => [
    [`${id}ErrorsAlarm`, ['AWS/Lambda', 'Errors', 'Sum', '> 0', 60, 1, errors]],
    [`${id}ThrottlesAlarm`, ['AWS/Lambda', 'Throttles', 'Sum', '> 0', 60, 1, throttles]],
  ];
  const notRun = (id: string, period: number, severity: string) => [
    `${id}NotRunAlarm`,
    ['AWS/Lambda', 'Invocations', 'Sum', '< 1', period, 3, severity],
  ];
  const ALARMS = Object.fromEntries([
    dlq('EcsEvents', 'high'),
    dlq('Alerts', 'critical'),
    dlq('JobRuns', 'high'),
    dlq('DrainEvents', 'high'),
    dlq('AlarmStates', 'high'),
    age('EcsEvents', 'high'),
    age('Alerts', 'critical'),
    age('JobRuns', 'medium'),
    age('DrainEvents', 'high'),
    age('AlarmStates', 'high'),
    ...failures('Reconcile', 'high', 'medium'),
    ...failures('Resync', 'medium', 'medium'),
    ...failures('Alert', 'critical', 'high'),
    ...failures('AlertSummary', 'high', 'medium'),
    ...failures('Launch', 'high', 'high'),
    ...failures('JobTimeouts', 'high', 'medium'),
    ...failures('JobRuns', 'high', 'medium'),
    ...failures('Drain', 'high', 'high'),
    ...failures('DrainSweeper', 'high', 'medium'),
    ...failures('Scale', 'high', 'medium'),
    ...failures('Alarm', 'high', 'high'),
    notRun('AlertSummary', 60, 'high'),
    notRun('JobTimeouts', 60, 'high'),
    notRun('DrainSweeper', 60, 'high'),
    notRun('Scale', 60, 'high'),
    notRun('Resync', 900, 'medium'),
    notRun('Launch', 60, 'high'),
    ['ReconcileLagAlarm', ['ecs-ops', 'EventLag', 'p99', '> 60000', 60, 3, 'high']],
    ['ResyncDriftAlarm', ['ecs-ops', 'ResyncDrift', 'Sum', '> 0', 900, 3, 'medium']],
  ]) as Record<string, [string, string, string, string, number, number, string]>;

  it('are exactly the alarms of the table, each with its metric, threshold and severity', () => {
    const found = Object.fromEntries(
      alarms().map(([id, { Properties: p }]) => [
        id,
        [
          p.Namespace,
          p.MetricName,
          p.Statistic ?? p.ExtendedStatistic,
          `${p.ComparisonOperator === 'GreaterThanThreshold' ? '>' : '<'} ${p.Threshold}`,
          p.Period,
          p.EvaluationPeriods,
          /^\[(\w+)\] /.exec(p.AlarmDescription as string)?.[1],
        ],
      ]),
    );
    expect(found).toEqual(ALARMS);
  });

  /** The alarms about the alarm function and its queue, which cannot wait on that function. */
  const DIRECT = [
    'AlarmStatesDeadLetterQueueMessagesAlarm',
    'AlarmStatesQueueAgeAlarm',
    'AlarmErrorsAlarm',
    'AlarmThrottlesAlarm',
  ];

  it('notify the alert topic themselves, when they fire and when they clear, only about the alarm function and its queue', () => {
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties.ActionsEnabled, id).toBe(true);
      expect(alarm.Properties.AlarmName, id).toMatch(/^ecs-ops-ci-/);
      if (DIRECT.includes(id))
        expect(alarm.Properties, id).toMatchObject({ AlarmActions: topic, OKActions: topic });
      else {
        // The others' state changes go through the AlarmStates rule to the alarm function.
        expect(alarm.Properties.AlarmActions, id).toBeUndefined();
        expect(alarm.Properties.OKActions, id).toBeUndefined();
        expect(alarm.Properties.InsufficientDataActions, id).toBeUndefined();
      }
    }
    expect(alarms().filter(([id]) => DIRECT.includes(id))).toHaveLength(DIRECT.length);
  });

  it('route every alarm’s state changes, by the stack’s name prefix, to the AlarmStates queue', () => {
    const rule = resources.AlarmStatesRule?.Properties as Record<string, unknown>;
    expect(rule.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: 'ecs-ops-ci-' }] },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['AlarmStatesQueue', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlarmStatesDeadLetterQueue', 'Arn'] } },
      }),
    ]);
    expect(resources.AlarmStatesQueue?.Properties.MessageRetentionPeriod).toBe(86_400);
    expect(template.Outputs.AlarmStatesDeadLetterQueueUrl).toEqual({
      Value: { Ref: 'AlarmStatesDeadLetterQueue' },
    });
  });

  it('run the alarm function for up to 30 s with the table, the topic and the alarms it pages, fed by its queue', () => {
    const fn = resources.AlarmLambdaFunction?.Properties as {
      Handler: string;
      Timeout: number;
      Role: unknown;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn).toMatchObject({
      Handler: 'dist/functions/alarm/index.handler',
      Timeout: 30,
      Role: { 'Fn::GetAtt': ['AlarmRole', 'Arn'] },
    });
    const { FORWARDED_ALARMS, ...variables } = fn.Environment.Variables;
    expect(variables).toEqual({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'ecs-ops',
      STAGE: 'ci',
      STATE_TABLE: { Ref: 'StateTable' },
      ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
      ALERT_OUTPUTS: '{"https":"json"}',
      DEAD_LETTER_QUEUE_URL: { Ref: 'AlarmStatesDeadLetterQueue' },
      RETENTION_HISTORY_DAYS: '90',
    });
    // Exactly the alarms with no action of their own: never one that notifies the topic itself (no double page).
    const forwarded = JSON.parse(FORWARDED_ALARMS as string) as { prefix: string; names: string[] };
    expect(forwarded.prefix).toBe('ecs-ops-ci-');
    expect(forwarded.names.map((name) => `ecs-ops-ci-${name}`).sort()).toEqual(
      alarms()
        .filter(([id]) => !DIRECT.includes(id))
        .map(([, alarm]) => alarm.Properties.AlarmName)
        .sort(),
    );
    expect(forwarded.names).toHaveLength(alarms().length - DIRECT.length);
    expect(resources.AlarmEventSourceMappingSQSAlarmStatesQueue?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['AlarmStatesQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['AlarmLambdaFunction', 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('give the alarm function its queue, the topic and the alarms’ records by name, nothing on "*"', () => {
    const bySid = Object.fromEntries(
      statementsOf('AlarmRole').map((statement) => [statement.Sid, [statement.Action, statement.Resource]]),
    );
    expect(bySid).toEqual({
      WriteOwnLogs: [
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        {
          'Fn::Sub':
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
            'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ecs-ops-ci-alarm:*',
        },
      ],
      ConsumeAlarmStates: [
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        { 'Fn::GetAtt': ['AlarmStatesQueue', 'Arn'] },
      ],
      DeadLetterInvalidEvents: ['sqs:SendMessage', { 'Fn::GetAtt': ['AlarmStatesDeadLetterQueue', 'Arn'] }],
      PageAlarms: ['sns:Publish', { Ref: 'AlertTopic' }],
      AlarmRecords: [['dynamodb:GetItem', 'dynamodb:UpdateItem'], { 'Fn::GetAtt': ['StateTable', 'Arn'] }],
    });
  });

  it('watch every dead-letter queue and every event queue of the template', () => {
    const watchedQueues = alarms().flatMap(([, alarm]) =>
      (alarm.Properties.Dimensions as { Name: string; Value: unknown }[])
        .filter((dimension) => dimension.Name === 'QueueName')
        .map((dimension) => [alarm.Properties.MetricName, dimension.Value]),
    );
    const queues = ofType('AWS::SQS::Queue').map(([id]) => id);
    expect(queues).toHaveLength(10);
    for (const queue of queues) {
      const metric = queue.endsWith('DeadLetterQueue')
        ? 'ApproximateNumberOfMessagesVisible'
        : 'ApproximateAgeOfOldestMessage';
      expect(watchedQueues, queue).toContainEqual([metric, { 'Fn::GetAtt': [queue, 'QueueName'] }]);
    }
  });

  it('watch the errors and throttles of every function, by its deployed name', () => {
    const byFunction = alarms().flatMap(([, alarm]) =>
      (alarm.Properties.Dimensions as { Name: string; Value: unknown }[])
        .filter((dimension) => dimension.Name === 'FunctionName')
        .map((dimension) => `${dimension.Value} ${alarm.Properties.MetricName}`),
    );
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(11);
    for (const [, fn] of functions) {
      expect(byFunction).toContain(`${fn.Properties.FunctionName} Errors`);
      expect(byFunction).toContain(`${fn.Properties.FunctionName} Throttles`);
    }
  });

  it('give no role any CloudWatch or KMS permission, the alarm function’s neither: the alarms and dashboard are the stack’s alone', () => {
    const roles = ofType('AWS::IAM::Role').map(([id]) => id);
    expect(roles).toContain('AlarmRole');
    for (const role of roles) {
      const actions = statementsOf(role).flatMap((statement) => [statement.Action].flat());
      expect(
        actions.filter((action) => /^(cloudwatch|kms):/.test(action)),
        role,
      ).toEqual([]);
    }
  });

  it('encrypt the alert topic with a key CloudWatch alarms may publish through', () => {
    const key = resources.AlertTopicKey?.Properties as {
      KeyPolicy: { Statement: { Principal: unknown; Action: unknown }[] };
    };
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      }),
    );
  });

  it('have a dashboard, its name and URL in the outputs', () => {
    const dashboard = resources.MonitoringDashboard as Resource;
    expect(dashboard.Properties.DashboardName).toBe('ecs-ops-ci');
    const body = (dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const titles = (JSON.parse(body) as { widgets: { properties: { title: string } }[] }).widgets.map(
      (widget) => widget.properties.title.split(/[ :]/)[0],
    );
    expect(titles).toEqual([
      'Throughput',
      'Lag',
      'Dead-letter',
      'Event',
      'Pages',
      'Drains',
      'Scaling',
      'Resync',
      'Lambda',
    ]);
    expect(template.Outputs.DashboardName).toEqual({ Value: { Ref: 'MonitoringDashboard' } });
    expect(JSON.stringify(template.Outputs.DashboardUrl)).toContain(
      `#dashboards:name=\${MonitoringDashboard}`,
    );
  });
});

describe('the packaged template with self-monitoring off', () => {
  let off: { copy: string; template: Template };
  beforeAll(() => {
    off = packageCopy('selfMonitoring:\n  enabled: false\n');
  }, 120_000);
  afterAll(() => rmSync(off.copy, { recursive: true, force: true }));

  it('has no alarm, no dashboard, no key and no AlarmStates queue; the topic stays on SNS’s AWS managed key', () => {
    const types = new Set(Object.values(off.template.Resources).map((resource) => resource.Type));
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::KMS::Key'])
      expect(types, type).not.toContain(type);
    expect(Object.keys(off.template.Resources).filter((id) => id.startsWith('AlarmStates'))).toEqual([]);
    expect(off.template.Resources.AlertTopic?.Properties.KmsMasterKeyId).toBe('alias/aws/sns');
    expect(Object.keys(off.template.Outputs).filter((id) => /Dashboard|AlarmStates/.test(id))).toEqual([]);
  });

  it('keeps the alarm function, with no event source, no dead-letter queue and no alarm to page', () => {
    const fn = off.template.Resources.AlarmLambdaFunction?.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables).toMatchObject({
      DEAD_LETTER_QUEUE_URL: '',
      FORWARDED_ALARMS: '{"prefix":"ecs-ops-ci-","names":[]}',
    });
    const mappings = Object.values(off.template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::EventSourceMapping',
    );
    expect(JSON.stringify(mappings)).not.toContain('AlarmLambdaFunction');
  });

  it('keeps the alarm function’s role, without the queue’s statements', () => {
    expect(
      statementsOf('AlarmRole', off.template.Resources).map((statement) => [statement.Sid, statement.Action]),
    ).toEqual([
      ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents']],
      ['PageAlarms', 'sns:Publish'],
      ['AlarmRecords', ['dynamodb:GetItem', 'dynamodb:UpdateItem']],
    ]);
  });
});

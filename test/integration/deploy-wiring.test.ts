/**
 * The deployed wiring, checked the way a deploy would see it: `serverless package` runs on a copy of the
 * project with no AWS credentials and no network, and the CloudFormation template it produces is inspected.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  parseEcsEvent,
  TASK_STATE_CHANGE,
} from '../../lib/events/ecs-event.js';
import { loadEvent } from '../support/fixtures.js';

const root = resolve(import.meta.dirname, '../..');
const COPIED = [
  'serverless.yml',
  'ops.config.yml',
  'package.json',
  'deploy',
  'scripts',
  'functions',
  'lib',
  'bench',
];

type Resource = { Type: string; Properties: Record<string, unknown> };
let project: string;
let resources: Record<string, Resource>;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'ecs-ops-package-'));
  for (const entry of COPIED) cpSync(join(root, entry), join(project, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
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
      cwd: project,
      env,
      stdio: 'pipe',
    },
  );
  const template = JSON.parse(
    readFileSync(join(project, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, Resource> };
  resources = template.Resources;
}, 120_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

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
    const [[, rule] = []] = ofType('AWS::Events::Rule');
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
    const [[, mapping] = []] = ofType('AWS::Lambda::EventSourceMapping');
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['EcsEventsQueue', 'Arn'] },
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('has a queue whose redrive policy ends in the dead-letter queue', () => {
    expect(resources.EcsEventsQueue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['EcsEventsDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(resources.EcsEventsDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
  });

  it('creates the state table from the one table definition, with TTL', () => {
    const table = resources.StateTable?.Properties as Record<string, unknown>;
    expect(table.TableName).toBe('ecs-ops-ci-state');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect((table.GlobalSecondaryIndexes as { IndexName: string }[]).map((index) => index.IndexName)).toEqual(
      ['byStatus', 'byGroup', 'byHost'],
    );
  });

  it('gives reconcile a role that names only its own queue, dead-letter queue and table', () => {
    const role = resources.ReconcileRole?.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }[];
    };
    const statements = role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
    for (const statement of statements)
      expect(statement.Resource, 'no action on every resource').not.toBe('*');
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ].sort(),
    );
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecsEventPattern } from '../../../deploy/stack.js';
import { loadOpsConfig } from '../../../lib/config/ops-config.js';
import { deploymentFromYaml, loadDeployment, RoutingError } from '../../../lib/local-bus/routes.js';

const root = resolve(import.meta.dirname, '../../..');
const CONFIG = join(root, 'ops.config.yml');

describe('loadDeployment on the repository’s serverless.yml and ops.config.yml', () => {
  const deployment = loadDeployment(join(root, 'serverless.yml'), { stage: 'dev', configFile: CONFIG });

  it('routes ECS state changes through the ecs-events queue to reconcile, as deployed', () => {
    expect(deployment.routes).toHaveLength(1);
    const [route] = deployment.routes;
    expect(route).toMatchObject({
      kind: 'queue',
      rule: 'EcsEventsRule',
      eventBus: 'default',
      queue: {
        logicalId: 'EcsEventsQueue',
        name: 'ecs-ops-dev-EcsEventsQueue',
        visibilityTimeoutSeconds: 360,
        maxReceiveCount: 5,
        deadLetterQueue: 'EcsEventsDeadLetterQueue',
      },
      function: {
        name: 'reconcile',
        handler: 'dist/functions/reconcile/index.handler',
        batchSize: 500,
        maximumBatchingWindowSeconds: 5,
        functionResponseType: 'ReportBatchItemFailures',
      },
    });
  });

  it('takes the pattern from deploy/stack.ts ecsEventPattern for the configured clusters', () => {
    expect(deployment.routes[0]?.pattern).toEqual(ecsEventPattern(loadOpsConfig(CONFIG)));
  });

  it('gives the function its deployed environment, intrinsics kept for the caller to map', () => {
    expect(deployment.routes[0]?.function.environment).toEqual({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      STATE_TABLE: { Ref: 'StateTable' },
      DEAD_LETTER_QUEUE_URL: { Ref: 'EcsEventsDeadLetterQueue' },
      RETENTION_STOPPED_DAYS: '30',
      RETENTION_HISTORY_DAYS: '90',
      WRITE_CONCURRENCY: '16',
    });
  });

  it('lists every queue of the stack, the dead-letter queue included, named for the stage', () => {
    const prod = loadDeployment(join(root, 'serverless.yml'), { stage: 'prod', configFile: CONFIG });
    expect(prod.queues.map((queue) => queue.name).sort()).toEqual([
      'ecs-ops-prod-EcsEventsDeadLetterQueue',
      'ecs-ops-prod-EcsEventsQueue',
    ]);
    expect(prod).toMatchObject({ service: 'ecs-ops', stage: 'prod', region: 'us-east-1' });
  });
});

/** A minimal stack: a rule → queue → function, plus whatever a test adds. */
const stack = (extra = '') => `
service: shop
provider:
  name: aws
  stage: \${opt:stage, 'dev'}
  region: \${opt:region, 'eu-west-1'}
  environment:
    STAGE: \${sls:stage}
    SERVICE: \${self:service}
functions:
  orders:
    handler: dist/functions/orders/index.handler
    environment:
      QUEUE_NAME: \${self:service}-\${sls:stage}-orders
      LOG_GROUP: !Sub arn:\${AWS::Partition}:logs:\${AWS::Region}:log-group:/aws/lambda/\${self:service}-\${sls:stage}-orders
    events:
      - sqs: !GetAtt OrdersQueue.Arn
resources:
  Resources:
    OrdersRule:
      Type: AWS::Events::Rule
      Properties:
        EventPattern:
          source: [shop.orders]
        Targets:
          - Id: orders
            Arn: !GetAtt OrdersQueue.Arn
    OrdersQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: shop-orders
${extra}`;

describe('deploymentFromYaml', () => {
  it('applies the SQS event source defaults (batch of 10, no window, whole-batch failures)', () => {
    const { routes } = deploymentFromYaml(stack());
    expect(routes).toEqual([
      expect.objectContaining({
        kind: 'queue',
        rule: 'OrdersRule',
        queue: { logicalId: 'OrdersQueue', name: 'shop-orders', visibilityTimeoutSeconds: 30 },
        function: expect.objectContaining({ name: 'orders', batchSize: 10, maximumBatchingWindowSeconds: 0 }),
      }),
    ]);
    expect(routes[0]?.function).not.toHaveProperty('functionResponseType');
  });

  it('resolves opt, sls and self variables, and leaves CloudFormation substitutions alone', () => {
    const deployment = deploymentFromYaml(stack(), { stage: 'qa' });
    expect(deployment).toMatchObject({ service: 'shop', stage: 'qa', region: 'eu-west-1' });
    expect(deployment.routes[0]?.function.environment).toEqual({
      STAGE: 'qa',
      SERVICE: 'shop',
      QUEUE_NAME: 'shop-qa-orders',
      LOG_GROUP: {
        'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:log-group:/aws/lambda/shop-qa-orders`,
      },
    });
    expect(deploymentFromYaml(stack(), { region: 'ap-south-1' }).region).toBe('ap-south-1');
  });

  it('routes a function’s eventBridge events straight to it, without a queue', () => {
    const yaml = stack().replace(
      'functions:\n',
      `functions:
  alert:
    handler: dist/functions/alert/index.handler
    events:
      - eventBridge:
          pattern:
            source: [aws.ecs]
            detail-type: [ECS Task State Change]
            detail:
              lastStatus: [STOPPED]
      - eventBridge:
          schedule: rate(5 minutes)
`,
    );
    const direct = deploymentFromYaml(yaml).routes.filter((route) => route.kind === 'direct');
    expect(direct).toEqual([
      {
        kind: 'direct',
        rule: 'AlertEventBridgeRule1',
        eventBus: 'default',
        pattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: { lastStatus: ['STOPPED'] },
        },
        function: {
          name: 'alert',
          handler: 'dist/functions/alert/index.handler',
          environment: { STAGE: 'dev', SERVICE: 'shop' },
        },
      },
    ]);
  });

  it('routes a rule that targets a function of the stack directly', () => {
    const yaml = stack(`
    DrainRule:
      Type: AWS::Events::Rule
      Properties:
        EventPattern: { source: [aws.autoscaling] }
        Targets:
          - Id: drain
            Arn: !GetAtt OrdersLambdaFunction.Arn`);
    const drain = deploymentFromYaml(yaml).routes.find((route) => route.rule === 'DrainRule');
    expect(drain).toMatchObject({ kind: 'direct', function: { name: 'orders' } });
  });

  it('skips disabled rules and schedules: they route no events', () => {
    const yaml = stack(`
    Paused:
      Type: AWS::Events::Rule
      Properties:
        State: DISABLED
        EventPattern: { source: [shop.orders] }
        Targets: [{ Id: orders, Arn: !GetAtt OrdersQueue.Arn }]
    Nightly:
      Type: AWS::Events::Rule
      Properties:
        ScheduleExpression: cron(0 3 * * ? *)
        Targets: [{ Id: orders, Arn: !GetAtt OrdersQueue.Arn }]`);
    expect(deploymentFromYaml(yaml).routes.map((route) => route.rule)).toEqual(['OrdersRule']);
  });

  it('reads a redrive policy written as a JSON string', () => {
    const yaml = stack(`
    Retried:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 90
        RedrivePolicy: '{"deadLetterTargetArn": {"Fn::GetAtt": ["OrdersQueue", "Arn"]}, "maxReceiveCount": 3}'`);
    const retried = deploymentFromYaml(yaml).queues.find((queue) => queue.logicalId === 'Retried');
    expect(retried).toEqual({
      logicalId: 'Retried',
      name: 'shop-dev-Retried',
      visibilityTimeoutSeconds: 90,
      maxReceiveCount: 3,
      deadLetterQueue: 'OrdersQueue',
    });
  });

  const errors: { name: string; yaml: string; message: RegExp }[] = [
    {
      name: 'a rule targets a queue that is not in the stack',
      yaml: stack().replace('Arn: !GetAtt OrdersQueue.Arn', 'Arn: !GetAtt PaymentsQueue.Arn'),
      message:
        /resources\.OrdersRule: target orders: PaymentsQueue is not an SQS queue or a function of this stack/,
    },
    {
      name: 'no function consumes the targeted queue',
      yaml: stack().replace(
        '- sqs: !GetAtt OrdersQueue.Arn',
        '- sqs: { arn: !GetAtt OrdersQueue.Arn, enabled: false }',
      ),
      message:
        /no function consumes queue OrdersQueue; add events: - sqs: \{ arn: !GetAtt OrdersQueue\.Arn \}/,
    },
    {
      name: 'a target ARN is not a GetAtt',
      yaml: stack().replace('Arn: !GetAtt OrdersQueue.Arn', 'Arn: arn:aws:sqs:eu-west-1:1:elsewhere'),
      message: /target orders: expected Arn: !GetAtt <Resource>\.Arn/,
    },
    {
      name: 'the pattern is not valid',
      yaml: stack().replace('source: [shop.orders]', 'source: shop.orders'),
      message:
        /resources\.OrdersRule\.Properties\.EventPattern: invalid event pattern:\n {2}source: expected an array/,
    },
    {
      name: 'a variable has no value and no default',
      yaml: stack().replace(`\${opt:region, 'eu-west-1'}`, `\${opt:region}`),
      message: /\$\{opt:region\} has no value; give a default or set the option/,
    },
    {
      name: 'a self reference does not exist',
      yaml: stack().replace(`\${self:service}`, `\${self:custom.nope}`),
      message: /\$\{self:custom\.nope\} does not exist/,
    },
    {
      name: 'an ecsops address does not exist',
      yaml: stack().replace(`\${self:service}`, `\${ecsops:config.nope}`),
      message: /\$\{ecsops:config\.nope\} does not exist; see deploy\/stack\.ts/,
    },
  ];

  it.each(errors)('says what to fix when $name', ({ yaml, message }) => {
    expect(() => deploymentFromYaml(yaml, { configFile: CONFIG })).toThrow(RoutingError);
    expect(() => deploymentFromYaml(yaml, { configFile: CONFIG })).toThrow(message);
  });

  it('validates ops.config.yml through deploy/stack.ts, naming the setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-routes-'));
    const configFile = join(dir, 'ops.config.yml');
    writeFileSync(configFile, 'reconcile:\n  batchsize: 10\n');
    const yaml = stack().replace(`\${self:service}`, `\${ecsops:config.reconcile.batchSize}`);
    expect(() => deploymentFromYaml(yaml, { configFile })).toThrow(/reconcile\.batchsize/);
  });
});

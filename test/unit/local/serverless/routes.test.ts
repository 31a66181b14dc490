import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecsEventPattern } from '../../../../deploy/reconcile.js';
import { loadOpsConfig } from '../../../../lib/ops-config.js';
import { deploymentFromYaml, loadDeployment, RoutingError } from '../../../../local/serverless/routes.js';
import { PROJECT_ROOT } from '../../../support/fixtures.js';

const root = PROJECT_ROOT;
const CONFIG = join(root, 'ops.config.yml');

describe('loadDeployment on the repository’s serverless.yml and ops.config.yml', () => {
  const deployment = loadDeployment(join(root, 'serverless.yml'), { stage: 'dev', configFile: CONFIG });

  const reconcile = deployment.routes.find((route) => route.rule === 'EcsEventsRule');

  it('routes ECS state changes through the ecs-events queue to reconcile, as deployed', () => {
    expect(deployment.routes.filter((route) => route.function.name === 'reconcile')).toHaveLength(1);
    expect(reconcile).toMatchObject({
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
    expect(reconcile?.pattern).toEqual(ecsEventPattern(loadOpsConfig(CONFIG)));
  });

  it('gives the function its deployed environment, intrinsics kept for the caller to map', () => {
    expect(reconcile?.function.environment).toEqual({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'ecs-ops',
      STAGE: 'dev',
      STATE_TABLE: { Ref: 'StateTable' },
      DEAD_LETTER_QUEUE_URL: { Ref: 'EcsEventsDeadLetterQueue' },
      RETENTION_STOPPED_DAYS: '30',
      RETENTION_HISTORY_DAYS: '90',
      WRITE_CONCURRENCY: '16',
    });
  });

  it('reads whatever topics and schedules it declares into names SNS and EventBridge accept', () => {
    for (const topic of deployment.topics) expect(topic.name).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    for (const schedule of deployment.schedules) expect(schedule.expression).toMatch(/^(rate|cron)\(.+\)$/);
  });

  it('lists every queue of the stack, the dead-letter queue included, named for the stage', () => {
    const prod = loadDeployment(join(root, 'serverless.yml'), { stage: 'prod', configFile: CONFIG });
    expect(prod.queues.map((queue) => queue.name)).toEqual(
      expect.arrayContaining(['ecs-ops-prod-EcsEventsDeadLetterQueue', 'ecs-ops-prod-EcsEventsQueue']),
    );
    for (const queue of prod.queues) expect(queue.name).toBe(`ecs-ops-prod-${queue.logicalId}`);
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

  describe('SNS topics', () => {
    const topics = (extra: string) => deploymentFromYaml(stack(extra), { stage: 'qa' }).topics;

    it('reads a topic, its name and its subscriptions (resources and inline), intrinsics kept', () => {
      expect(
        topics(`
    AlertTopic:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: \${self:service}-\${sls:stage}-alerts
        KmsMasterKeyId: alias/aws/sns
        Subscription:
          - { Protocol: sqs, Endpoint: !GetAtt OrdersQueue.Arn }
    OnCallEmail:
      Type: AWS::SNS::Subscription
      Properties:
        Protocol: email
        Endpoint: oncall@example.com
        TopicArn: !Ref AlertTopic
    ElsewhereEmail:
      Type: AWS::SNS::Subscription
      Properties:
        Protocol: email
        Endpoint: someone@example.com
        TopicArn: arn:aws:sns:eu-west-1:123456789012:another-stack`),
      ).toEqual([
        {
          logicalId: 'AlertTopic',
          name: 'shop-qa-alerts',
          subscriptions: [
            { protocol: 'sqs', endpoint: { 'Fn::GetAtt': ['OrdersQueue', 'Arn'] } },
            { protocol: 'email', endpoint: 'oncall@example.com' },
          ],
        },
      ]);
    });

    it('names a topic without TopicName <service>-<stage>-<LogicalId>', () => {
      expect(topics('\n    Pages:\n      Type: AWS::SNS::Topic')).toEqual([
        { logicalId: 'Pages', name: 'shop-qa-Pages', subscriptions: [] },
      ]);
    });

    it('says what to fix when a subscription names no topic of the stack or has no endpoint', () => {
      const subscription = (properties: string) => `
    Pages:
      Type: AWS::SNS::Topic
    Email:
      Type: AWS::SNS::Subscription
      Properties: ${properties}`;
      expect(() =>
        topics(subscription('{ Protocol: email, Endpoint: a@b.c, TopicArn: !Ref OrdersQueue }')),
      ).toThrow(
        /resources\.Email\.Properties\.TopicArn: expected !Ref <Topic> naming an AWS::SNS::Topic of this stack/,
      );
      expect(() => topics(subscription('{ Protocol: email, TopicArn: !Ref Pages }'))).toThrow(
        /resources\.Email\.Properties\.Endpoint: expected the email endpoint, got undefined/,
      );
      expect(() => topics(subscription('{ Endpoint: a@b.c, TopicArn: !Ref Pages }'))).toThrow(RoutingError);
    });
  });

  describe('schedules', () => {
    const withFunction = (events: string) =>
      stack().replace(
        'functions:\n',
        `functions:
  alert-summary:
    handler: dist/functions/alert-summary/index.handler
    environment:
      TOPIC: !Ref AlertTopic
    events:
${events}
`,
      );
    const schedules = (events: string) => deploymentFromYaml(withFunction(events)).schedules;

    it('reads the short form: an enabled rule named as the framework names it', () => {
      expect(schedules('      - schedule: rate(1 minute)')).toEqual([
        {
          rule: 'AlertDashsummaryEventsRuleSchedule1',
          ruleName: 'shop-dev-AlertDashsummaryEventsRuleSchedule1',
          function: {
            name: 'alert-summary',
            handler: 'dist/functions/alert-summary/index.handler',
            environment: { STAGE: 'dev', SERVICE: 'shop', TOPIC: { Ref: 'AlertTopic' } },
          },
          expression: 'rate(1 minute)',
          enabled: true,
          method: 'rule',
          timeZone: 'UTC',
        },
      ]);
    });

    it('reads the long form: a list of rates, enabled, input and name', () => {
      const read = schedules(`      - schedule:
          rate: ['rate(1 minute)', 'cron(0 9 * * ? *)']
          enabled: false
          input: { digest: true }
      - schedule:
          rate: rate(2 hours)
          name: nightly-digest
          input: '{"digest": "nightly"}'
      - eventBridge:
          schedule: rate(5 minutes)`);
      expect(read.map(({ function: fn, ...schedule }) => ({ fn: fn.name, ...schedule }))).toEqual([
        {
          fn: 'alert-summary',
          rule: 'AlertDashsummaryEventsRuleSchedule1',
          ruleName: 'shop-dev-AlertDashsummaryEventsRuleSchedule1',
          expression: 'rate(1 minute)',
          enabled: false,
          input: { digest: true },
          method: 'rule',
          timeZone: 'UTC',
        },
        {
          fn: 'alert-summary',
          rule: 'AlertDashsummaryEventsRuleSchedule2',
          ruleName: 'shop-dev-AlertDashsummaryEventsRuleSchedule2',
          expression: 'cron(0 9 * * ? *)',
          enabled: false,
          input: { digest: true },
          method: 'rule',
          timeZone: 'UTC',
        },
        {
          fn: 'alert-summary',
          rule: 'AlertDashsummaryEventsRuleSchedule3',
          ruleName: 'nightly-digest',
          expression: 'rate(2 hours)',
          enabled: true,
          input: { digest: 'nightly' },
          method: 'rule',
          timeZone: 'UTC',
        },
        {
          fn: 'alert-summary',
          rule: 'AlertDashsummaryEventBridgeRule3',
          ruleName: 'shop-dev-AlertDashsummaryEventBridgeRule3',
          expression: 'rate(5 minutes)',
          enabled: true,
          method: 'rule',
          timeZone: 'UTC',
        },
      ]);
    });

    it('reads an EventBridge Scheduler schedule: its time zone, its input with the scheduled-time placeholder', () => {
      const [read] = schedules(`      - schedule:
          method: scheduler
          timezone: Europe/Paris
          rate: ['cron(0 6 * * ? *)']
          input: { job: report, scheduledTime: '<aws.scheduler.scheduled-time>' }`);
      expect(read).toMatchObject({
        rule: 'AlertDashsummarySchedulerSchedule1',
        method: 'scheduler',
        timeZone: 'Europe/Paris',
        expression: 'cron(0 6 * * ? *)',
        input: { job: 'report', scheduledTime: '<aws.scheduler.scheduled-time>' },
      });
    });

    it('resolves a rate given by a variable, and routes no events for a schedule', () => {
      const deployment = deploymentFromYaml(
        withFunction(`      - schedule:
          rate: \${self:custom.every}
          enabled: true`).replace('functions:\n', 'custom:\n  every: rate(10 minutes)\nfunctions:\n'),
      );
      expect(deployment.schedules.map((schedule) => schedule.expression)).toEqual(['rate(10 minutes)']);
      expect(deployment.routes.map((route) => route.function.name)).toEqual(['orders']);
    });

    it('says what to fix when a schedule is neither rate(…) nor cron(…)', () => {
      expect(() => schedules('      - schedule: every minute')).toThrow(
        /functions\.alert-summary\.events\[0\]\.schedule: expected rate\(<value> <unit>\) or cron\(<fields>\), got "every minute"/,
      );
      expect(() => schedules('      - schedule: { enabled: true }')).toThrow(RoutingError);
    });
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

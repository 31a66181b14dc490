/**
 * The sandbox's self-monitoring: the stack's alarms, read from serverless.yml as the sandbox deploys it, with
 * their references resolved to the local queues and topic; AWS/Lambda's metrics from invocations and AWS/SQS's
 * from the queues, evaluated into alarm states, CloudWatch's state-change events and, for the alarms that have
 * actions, notifications.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '../../../../local/cloudwatch/metrics.js';
import type { LocalResources } from '../../../../local/sandbox/environment.js';
import { localAlarms, SelfMonitoring } from '../../../../local/sandbox/self-monitoring.js';
import { loadDeployment } from '../../../../local/serverless/routes.js';
import { PROJECT_ROOT } from '../../../support/fixtures.js';

const deployment = loadDeployment(join(PROJECT_ROOT, 'serverless.yml'), {
  stage: 'local',
  region: 'us-east-1',
  configFile: join(PROJECT_ROOT, 'ops.config.yml'),
});
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:ecs-ops-local-alerts';
const resources: LocalResources = {
  AlertTopic: { Ref: TOPIC, TopicArn: TOPIC },
  ...Object.fromEntries(
    deployment.queues.map((q) => [
      q.logicalId,
      { Ref: `http://local/${q.name}`, Arn: `arn:${q.name}`, QueueName: q.name },
    ]),
  ),
};

describe('the stack’s alarms in the sandbox', () => {
  const alarms = localAlarms(deployment.alarms, resources);
  const named = (name: string) => alarms.find((a) => a.name === `ecs-ops-local-${name}`);

  it('are read from serverless.yml (deploy/monitoring.ts); only those about the alarm function notify the topic', () => {
    expect(alarms.length).toBeGreaterThan(20);
    const direct = alarms.filter((a) => a.alarmActions.length > 0);
    expect(direct.map((a) => a.name).sort()).toEqual(
      ['alarm-errors', 'alarm-states-dead-letters', 'alarm-states-queue-age', 'alarm-throttles'].map(
        (name) => `ecs-ops-local-${name}`,
      ),
    );
    expect(direct.every((a) => a.alarmActions[0] === TOPIC && a.okActions[0] === TOPIC)).toBe(true);
    expect(named('reconcile-errors')).toMatchObject({
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: [{ Name: 'FunctionName', Value: 'ecs-ops-local-reconcile' }],
      statistic: 'Sum',
      periodSeconds: 60,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });
    expect(named('reconcile-lag-p99')).toMatchObject({
      statistic: 'p99',
      extended: true,
      unit: 'Milliseconds',
    });
  });

  it('resolve !GetAtt <Queue>.QueueName to the local queue’s name', () => {
    const dlq = deployment.queues.find((q) => q.logicalId === 'EcsEventsDeadLetterQueue');
    expect(named('ecs-events-dead-letters')?.dimensions).toEqual([{ Name: 'QueueName', Value: dlq?.name }]);
  });

  it('fire on an invocation that threw, and tell EventBridge when they fire and when they clear', async () => {
    const start = Date.parse('2026-12-06T12:00:00Z');
    const sent: string[] = [];
    const changes: string[] = [];
    const monitoring = new SelfMonitoring({
      deployment,
      metrics: new CloudWatchMetrics({ now: () => new Date(start) }),
      queues: { list: () => [] },
      resources,
      startedAt: start,
      region: 'us-east-1',
      account: '000000000000',
      notify: async (topic, subject) => void sent.push(`${topic} ${subject}`),
      stateChanged: async ({ detail }) =>
        void changes.push(`${detail.alarmName} ${(detail.state as { value: string }).value}`),
    });
    monitoring.invoked('drain', false, start + 10_000);
    monitoring.invoked('reconcile', true, start + 20_000);
    await monitoring.tick(start + 60_000);
    await monitoring.tick(start + 120_000);
    expect(sent).toEqual([]);
    expect(changes.filter((change) => change.startsWith('ecs-ops-local-reconcile-errors'))).toEqual([
      'ecs-ops-local-reconcile-errors ALARM',
      'ecs-ops-local-reconcile-errors OK',
    ]);
    expect(monitoring.summary().fired).toEqual([
      { alarm: 'ecs-ops-local-reconcile-errors', severity: 'high', firedAt: 60, clearedAt: 120 },
    ]);
  });
});

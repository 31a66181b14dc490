/**
 * CloudWatch DescribeAlarms through the SDK client, on the sandbox's alarms (local/cloudwatch/alarm-driver.ts):
 * each alarm with its definition and state, filtered by AlarmNamePrefix and StateValue as CloudWatch does.
 */
import * as CW from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { LocalAlarms } from '../../../../local/cloudwatch/alarm-driver.js';
import type { AlarmDefinition } from '../../../../local/cloudwatch/alarms.js';
import { CloudWatchMetrics } from '../../../../local/cloudwatch/metrics.js';
import { endpointFor } from '../../../support/local-endpoint.js';

const start = Date.parse('2026-12-06T12:00:00Z');
const topic = 'arn:aws:sns:us-east-1:000000000000:ecs-ops-local-alerts';
const alarm = (fn: string): AlarmDefinition => ({
  name: `ecs-ops-local-${fn}-errors`,
  description: `[high] ecs-ops-local-${fn} failed`,
  namespace: 'AWS/Lambda',
  metricName: 'Errors',
  dimensions: [{ Name: 'FunctionName', Value: `ecs-ops-local-${fn}` }],
  statistic: 'Sum',
  extended: false,
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 0,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
  alarmActions: [topic],
  okActions: [topic],
});

async function setup() {
  const metrics = new CloudWatchMetrics({ now: () => new Date(start + 10_000) });
  const alarms = new LocalAlarms({
    alarms: [
      alarm('reconcile'),
      alarm('drain'),
      { ...alarm('reconcile'), name: 'ecs-ops-local-reconcile-lag-p99', statistic: 'p99', extended: true },
    ],
    metrics,
    startedAt: start,
    region: 'us-east-1',
    account: '000000000000',
    notify: async () => undefined,
    stateChanged: async () => undefined,
  });
  metrics.record('AWS/Lambda', {
    MetricName: 'Errors',
    Dimensions: [{ Name: 'FunctionName', Value: 'ecs-ops-local-reconcile' }],
    Value: 1,
  });
  await alarms.evaluate(start + 60_000);
  const { config } = await endpointFor({
    cloudWatch: {
      getMetricData: (input) => metrics.getMetricData(input),
      putMetricData: (input) => metrics.putMetricData(input),
      describeAlarms: (input) => alarms.describeAlarms(input),
    },
  });
  return new CW.CloudWatchClient(config);
}

describe('DescribeAlarms', () => {
  it('lists every metric alarm with its definition, state and times', async () => {
    const cw = await setup();
    const { MetricAlarms, CompositeAlarms } = await cw.send(new CW.DescribeAlarmsCommand({}));
    expect(CompositeAlarms).toEqual([]);
    expect(MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['ecs-ops-local-reconcile-errors', 'ALARM'],
      ['ecs-ops-local-drain-errors', 'OK'],
      ['ecs-ops-local-reconcile-lag-p99', 'ALARM'],
    ]);
    expect(MetricAlarms?.[0]).toMatchObject({
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:ecs-ops-local-reconcile-errors',
      AlarmDescription: '[high] ecs-ops-local-reconcile failed',
      ActionsEnabled: true,
      AlarmActions: [topic],
      OKActions: [topic],
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: 'ecs-ops-local-reconcile' }],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      StateUpdatedTimestamp: new Date(start + 60_000),
    });
    expect(MetricAlarms?.[0]?.StateReason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoint \[1\.0/,
    );
    expect(MetricAlarms?.[2]).toMatchObject({ ExtendedStatistic: 'p99' });
  });

  it('filters by StateValue and AlarmNamePrefix', async () => {
    const cw = await setup();
    const names = async (input: CW.DescribeAlarmsInput) =>
      (await cw.send(new CW.DescribeAlarmsCommand(input))).MetricAlarms?.map((a) => a.AlarmName);
    expect(await names({ StateValue: 'ALARM' })).toEqual([
      'ecs-ops-local-reconcile-errors',
      'ecs-ops-local-reconcile-lag-p99',
    ]);
    expect(await names({ StateValue: 'OK' })).toEqual(['ecs-ops-local-drain-errors']);
    expect(await names({ AlarmNamePrefix: 'ecs-ops-local-reconcile-e' })).toEqual([
      'ecs-ops-local-reconcile-errors',
    ]);
    expect(await names({ AlarmNamePrefix: 'ecs-ops-local-drain', StateValue: 'ALARM' })).toEqual([]);
    expect(await names({ AlarmNames: ['ecs-ops-local-drain-errors'] })).toEqual([
      'ecs-ops-local-drain-errors',
    ]);
  });

  it('refuses AlarmNames with AlarmNamePrefix, as CloudWatch does', async () => {
    const cw = await setup();
    await expect(
      cw.send(new CW.DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('answers no alarms where the endpoint has none (the bare metric store)', async () => {
    const { config } = await endpointFor({ cloudWatch: new CloudWatchMetrics() });
    const cw = new CW.CloudWatchClient(config);
    expect(await cw.send(new CW.DescribeAlarmsCommand({}))).toMatchObject({
      MetricAlarms: [],
      CompositeAlarms: [],
    });
  });
});

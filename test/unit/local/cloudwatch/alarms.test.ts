/**
 * The alarm evaluator: CloudWatch's state from the last N periods' datapoints (M of N, TreatMissingData, periods
 * not evaluated yet), its notification, and the driver that evaluates each period's end over the local metrics,
 * notifies changes to the alarm's actions and tells EventBridge of every change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAlarmDescription } from '../../../../lib/alarms/description.js';
import { parseAlarmStateChange } from '../../../../lib/alarms/state-change.js';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import { LocalAlarms } from '../../../../local/cloudwatch/alarm-driver.js';
import {
  type AlarmDefinition,
  type AlarmState,
  alarmNotification,
  breaches,
  type Datapoint,
  evaluateAlarm,
  type TreatMissingData,
} from '../../../../local/cloudwatch/alarms.js';
import { CloudWatchMetrics } from '../../../../local/cloudwatch/metrics.js';

const errors: AlarmDefinition = {
  name: 'ecs-ops-local-reconcile-errors',
  description: '[high] ecs-ops-local-reconcile failed (an error or a timeout): ECS events are not stored.',
  namespace: 'AWS/Lambda',
  metricName: 'Errors',
  dimensions: [{ Name: 'FunctionName', Value: 'ecs-ops-local-reconcile' }],
  statistic: 'Sum',
  extended: false,
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 0,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
  alarmActions: ['arn:aws:sns:us-east-1:000000000000:alerts'],
  okActions: ['arn:aws:sns:us-east-1:000000000000:alerts'],
};
/** A scheduled function's missed runs: Invocations < 1 for 3 periods, missing data breaching. */
const notRun: AlarmDefinition = {
  ...errors,
  name: 'ecs-ops-local-scale-not-run',
  metricName: 'Invocations',
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 1,
  comparison: 'LessThanThreshold',
  treatMissingData: 'breaching',
};

describe('evaluateAlarm', () => {
  it.each<[string, AlarmDefinition, Datapoint[], AlarmState, AlarmState]>([
    ['an error breaches', errors, [2], 'OK', 'ALARM'],
    ['no error', errors, [0], 'ALARM', 'OK'],
    ['no datapoint, not breaching', errors, [null], 'ALARM', 'OK'],
    ['a period not evaluated yet', errors, [undefined], 'INSUFFICIENT_DATA', 'INSUFFICIENT_DATA'],
    ['too few periods', notRun, [1, 1], 'OK', 'INSUFFICIENT_DATA'],
    ['not run for 3 periods (missing breaches)', notRun, [null, null, null], 'OK', 'ALARM'],
    ['ran once in 3', notRun, [null, 1, null], 'ALARM', 'OK'],
    [
      'not run, but a period before the start',
      notRun,
      [undefined, null, null],
      'INSUFFICIENT_DATA',
      'INSUFFICIENT_DATA',
    ],
    [
      'ignore keeps the state when all missing',
      { ...errors, treatMissingData: 'ignore' },
      [null],
      'ALARM',
      'ALARM',
    ],
    [
      'missing is INSUFFICIENT_DATA when all missing',
      { ...errors, treatMissingData: 'missing' },
      [null],
      'OK',
      'INSUFFICIENT_DATA',
    ],
    [
      '2 of 3',
      { ...notRun, datapointsToAlarm: 2, treatMissingData: 'notBreaching' },
      [0, 5, 0],
      'OK',
      'ALARM',
    ],
    ['only the last N count', errors, [5, 0], 'ALARM', 'OK'],
    [
      '>= threshold',
      { ...errors, comparison: 'GreaterThanOrEqualToThreshold', threshold: 3 },
      [3],
      'OK',
      'ALARM',
    ],
    [
      '<= threshold',
      { ...errors, comparison: 'LessThanOrEqualToThreshold', threshold: 3 },
      [4],
      'ALARM',
      'OK',
    ],
  ])('%s', (_what, alarm, datapoints, previous, expected) => {
    expect(evaluateAlarm(alarm, datapoints, previous).state).toBe(expected);
  });

  it("says why, as CloudWatch's state reason does", () => {
    const t = Date.parse('2026-12-06T12:30:00Z');
    expect(evaluateAlarm(errors, [3], 'OK', [t]).reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoint [3.0 (06/12/26 12:30:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  const datapoint = fc.oneof(fc.constant(null), fc.double({ min: -10, max: 10, noNaN: true }));
  const treat = fc.constantFrom<TreatMissingData>('breaching', 'notBreaching', 'ignore', 'missing');
  const state = fc.constantFrom<AlarmState>('OK', 'ALARM', 'INSUFFICIENT_DATA');

  it('is ALARM exactly when at least M of the last N periods breach (missing as TreatMissingData says)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            m: fc.integer({ min: 1, max: n }),
            points: fc.array(datapoint, { minLength: n, maxLength: n + 3 }),
            treat,
            previous: state,
            threshold: fc.integer({ min: -3, max: 3 }),
          }),
        ),
        ({ n, m, points, treat: treatMissingData, previous, threshold }) => {
          const alarm = {
            ...errors,
            evaluationPeriods: n,
            datapointsToAlarm: m,
            threshold,
            treatMissingData,
          };
          const window = points.slice(-n);
          const { state: result } = evaluateAlarm(alarm, points, previous);
          const allMissing = window.every((d) => d === null);
          const breaching =
            window.filter((d) => d !== null && breaches(alarm, d)).length +
            (treatMissingData === 'breaching' ? window.filter((d) => d === null).length : 0);
          if (allMissing && treatMissingData === 'ignore') return result === previous;
          if (allMissing && treatMissingData === 'missing') return result === 'INSUFFICIENT_DATA';
          return result === (breaching >= m ? 'ALARM' : 'OK');
        },
      ),
    );
  });

  it('is INSUFFICIENT_DATA whenever a period of the window was not evaluated', () => {
    fc.assert(
      fc.property(
        fc.array(datapoint, { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 2 }),
        treat,
        state,
        (points, hole, treatMissingData, previous) => {
          const withHole: Datapoint[] = points.map((p, i) => (i <= hole ? undefined : p));
          return (
            evaluateAlarm({ ...notRun, treatMissingData }, withHole, previous).state === 'INSUFFICIENT_DATA'
          );
        },
      ),
    );
  });
});

describe('alarmNotification', () => {
  it("is CloudWatch's JSON and subject", () => {
    const at = Date.parse('2026-12-06T12:31:00Z');
    const { subject, message } = alarmNotification(
      errors,
      { oldState: 'OK', newState: 'ALARM', reason: 'Threshold Crossed: …', at },
      { region: 'us-east-1', account: '000000000000' },
    );
    expect(subject).toBe('ALARM: "ecs-ops-local-reconcile-errors" in US East (N. Virginia)');
    expect(JSON.parse(message)).toMatchObject({
      AlarmName: errors.name,
      AlarmDescription: errors.description,
      AWSAccountId: '000000000000',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: …',
      StateChangeTime: '2026-12-06T12:31:00.000+0000',
      Region: 'US East (N. Virginia)',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:ecs-ops-local-reconcile-errors',
      OldStateValue: 'OK',
      Trigger: {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        StatisticType: 'Statistic',
        Statistic: 'SUM',
        Dimensions: [{ value: 'ecs-ops-local-reconcile', name: 'FunctionName' }],
        Period: 60,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      },
    });
    expect(readAlarmDescription(errors.description).severity).toBe('high');
  });
});

describe('LocalAlarms', () => {
  const start = Date.parse('2026-12-06T12:00:00Z');
  const setup = (alarms: AlarmDefinition[]) => {
    let now = start;
    const metrics = new CloudWatchMetrics({ now: () => new Date(now) });
    const sent: { topic: string; subject: string }[] = [];
    const events: EventEnvelope[] = [];
    const driver = new LocalAlarms({
      alarms,
      metrics,
      startedAt: start,
      region: 'us-east-1',
      account: '000000000000',
      notify: async (topic, subject) => void sent.push({ topic, subject }),
      stateChanged: async (event) => void events.push(event),
    });
    const error = (at: number, value: number) => {
      now = at;
      metrics.record('AWS/Lambda', { MetricName: 'Errors', Dimensions: errors.dimensions, Value: value });
    };
    return { driver, sent, events, error };
  };

  it('fires at the end of the period of the error, clears a period later, notifying both', async () => {
    const { driver, sent, error } = setup([errors]);
    error(start + 25_000, 1);
    expect(await driver.evaluate(start + 59_999)).toEqual([]);
    const fired = await driver.evaluate(start + 60_000);
    expect(fired).toMatchObject([
      { from: 'INSUFFICIENT_DATA', to: 'ALARM', at: start + 60_000, notified: true },
    ]);
    error(start + 70_000, 0);
    expect(await driver.evaluate(start + 120_000)).toMatchObject([
      { from: 'ALARM', to: 'OK', notified: true },
    ]);
    expect(sent.map((s) => s.subject)).toEqual([
      'ALARM: "ecs-ops-local-reconcile-errors" in US East (N. Virginia)',
      'OK: "ecs-ops-local-reconcile-errors" in US East (N. Virginia)',
    ]);
    expect(driver.describeAlarms({ StateValue: 'OK' }).MetricAlarms?.map((a) => a.AlarmName)).toEqual([
      errors.name,
    ]);
    expect(driver.describeAlarms({ StateValue: 'ALARM' }).MetricAlarms).toEqual([]);
  });

  it('does not notify the first OK, nor fire a missed-run alarm before 3 periods have elapsed', async () => {
    const { driver, sent } = setup([errors, notRun]);
    await driver.evaluate(start + 179_999);
    expect(driver.state(notRun.name)).toBe('INSUFFICIENT_DATA');
    expect(driver.state(errors.name)).toBe('OK');
    expect(sent).toEqual([]);
    await driver.evaluate(start + 180_000);
    expect(driver.state(notRun.name)).toBe('ALARM');
    expect(sent.map((s) => s.subject)).toEqual([
      'ALARM: "ecs-ops-local-scale-not-run" in US East (N. Virginia)',
    ]);
  });

  it('describes alarms by name prefix and state', () => {
    const { driver } = setup([errors, notRun]);
    expect(driver.describeAlarms({ AlarmNamePrefix: 'ecs-ops-local-scale' }).MetricAlarms).toMatchObject([
      { AlarmName: notRun.name, StateValue: 'INSUFFICIENT_DATA', Statistic: 'Sum', EvaluationPeriods: 3 },
    ]);
    expect(() => driver.describeAlarms({ StateValue: 'BAD' as never })).toThrow(/stateValue/);
  });

  it('tells EventBridge of every change, in the form the alarm function reads, actions or not', async () => {
    const silent = { ...errors, alarmActions: [], okActions: [] };
    const { driver, sent, events, error } = setup([silent, { ...notRun, alarmActions: [], okActions: [] }]);
    error(start + 25_000, 1);
    await driver.evaluate(start + 60_000);
    error(start + 70_000, 0);
    await driver.evaluate(start + 180_000);
    expect(sent).toEqual([]);
    expect(driver.transitions().every((t) => !t.notified)).toBe(true);
    const changes = events.map((event) => {
      const parsed = parseAlarmStateChange(JSON.stringify(event));
      if (!parsed.ok) throw new Error(parsed.error.reason);
      return parsed.change;
    });
    expect(
      changes.map(({ alarm, previous, state, changedAt }) => [alarm, previous, state, changedAt]),
    ).toEqual([
      [silent.name, 'INSUFFICIENT_DATA', 'ALARM', new Date(start + 60_000).toISOString()],
      [silent.name, 'ALARM', 'OK', new Date(start + 120_000).toISOString()],
      [notRun.name, 'INSUFFICIENT_DATA', 'ALARM', new Date(start + 180_000).toISOString()],
    ]);
    expect(changes[0]).toMatchObject({
      description: silent.description,
      alarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${silent.name}`,
      region: 'us-east-1',
    });
  });
});

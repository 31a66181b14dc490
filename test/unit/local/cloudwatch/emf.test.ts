/**
 * EMF records into the local CloudWatch: what a function's log line says becomes datapoints per namespace,
 * dimension set and metric — arrays of values included — read back per period as alarms and GetMetricData do.
 */
import { describe, expect, it } from 'vitest';
import { emfDatums, isEmfRecord } from '../../../../local/cloudwatch/emf.js';
import { CloudWatchMetrics } from '../../../../local/cloudwatch/metrics.js';

const t0 = Date.parse('2026-12-06T12:00:00.000Z');

/** As Powertools Metrics prints it (reconcile's batch, and scale's decisions in total and per outcome). */
const reconcileLine = {
  _aws: {
    Timestamp: t0 + 5_000,
    CloudWatchMetrics: [
      {
        Namespace: 'ecs-ops',
        Dimensions: [['stage', 'function']],
        Metrics: [
          { Name: 'EventsReceived', Unit: 'Count' },
          { Name: 'EventLag', Unit: 'Milliseconds' },
        ],
      },
    ],
  },
  stage: 'local',
  function: 'reconcile',
  EventsReceived: 3,
  EventLag: [2000, 6000, 5000],
};
const scaleLine = {
  _aws: {
    Timestamp: t0 + 65_000,
    CloudWatchMetrics: [
      {
        Namespace: 'ecs-ops',
        Dimensions: [
          ['stage', 'function'],
          ['stage', 'function', 'outcome'],
        ],
        Metrics: [{ Name: 'ScalingDecisions', Unit: 'Count' }],
      },
    ],
  },
  stage: 'local',
  function: 'scale',
  outcome: 'ignore',
  ScalingDecisions: 2,
};
const own = (fn: string, extra: { Name: string; Value: string }[] = []) => [
  { Name: 'stage', Value: 'local' },
  { Name: 'function', Value: fn },
  ...extra,
];

describe('EMF records', () => {
  it('gives one datum per metric and dimension set, a value or the array of values, with unit and timestamp', () => {
    expect(emfDatums(reconcileLine, 0)).toEqual([
      {
        namespace: 'ecs-ops',
        datum: {
          MetricName: 'EventsReceived',
          Dimensions: own('reconcile'),
          Timestamp: new Date(t0 + 5_000),
          Value: 3,
          Unit: 'Count',
        },
      },
      {
        namespace: 'ecs-ops',
        datum: {
          MetricName: 'EventLag',
          Dimensions: own('reconcile'),
          Timestamp: new Date(t0 + 5_000),
          Values: [2000, 6000, 5000],
          Unit: 'Milliseconds',
        },
      },
    ]);
    expect(emfDatums(scaleLine, 0).map((d) => d.datum.Dimensions)).toEqual([
      own('scale'),
      own('scale', [{ Name: 'outcome', Value: 'ignore' }]),
    ]);
  });

  it.each([
    ['a plain log line', { level: 'INFO', message: 'batch reconciled' }],
    ['no CloudWatchMetrics', { _aws: { Timestamp: t0 } }],
    ['not an object', 'text'],
  ])('ignores %s', (_what, entry) => {
    expect(isEmfRecord(entry)).toBe(false);
    expect(emfDatums(entry, t0)).toEqual([]);
  });

  it('skips a metric without a numeric value and a dimension set the record lacks; stamps now without Timestamp', () => {
    const entry = {
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'ecs-ops',
            Dimensions: [['stage'], ['stage', 'missing']],
            Metrics: [{ Name: 'A' }, { Name: 'B' }, { Name: 'C' }],
          },
        ],
      },
      stage: 'local',
      A: 1,
      B: 'two',
      C: [],
    };
    expect(emfDatums(entry, t0)).toEqual([
      {
        namespace: 'ecs-ops',
        datum: {
          MetricName: 'A',
          Dimensions: [{ Name: 'stage', Value: 'local' }],
          Timestamp: new Date(t0),
          Value: 1,
        },
      },
    ]);
  });

  it('lands in the metric store: sums, maxima and percentiles per period, by exact dimension set', () => {
    const metrics = new CloudWatchMetrics({ now: () => new Date(t0) });
    expect(metrics.putEmf(reconcileLine)).toBe(2);
    expect(metrics.putEmf({ ...reconcileLine, EventsReceived: 4, EventLag: 9000 })).toBe(2);
    expect(metrics.putEmf(scaleLine)).toBe(2);
    expect(metrics.putEmf({ message: 'not EMF' })).toBe(0);
    const metric = (name: string, fn: string) => ({ namespace: 'ecs-ops', name, dimensions: own(fn) });
    expect(metrics.statistic(metric('EventsReceived', 'reconcile'), 'Sum', t0, t0 + 60_000)).toBe(7);
    expect(metrics.statistic(metric('EventLag', 'reconcile'), 'Maximum', t0, t0 + 60_000)).toBe(9000);
    expect(metrics.statistic(metric('EventLag', 'reconcile'), 'p50', t0, t0 + 60_000)).toBe(5000);
    expect(metrics.statistic(metric('EventLag', 'reconcile'), 'p99', t0, t0 + 60_000)).toBe(9000);
    expect(metrics.statistic(metric('EventLag', 'reconcile'), 'SampleCount', t0, t0 + 60_000)).toBe(4);
    // Unit filter, as an alarm's Unit does.
    expect(
      metrics.statistic(metric('EventLag', 'reconcile'), 'Sum', t0, t0 + 60_000, 'Count'),
    ).toBeUndefined();
    // The total and the per-outcome set are two metrics.
    expect(metrics.statistic(metric('ScalingDecisions', 'scale'), 'Sum', t0 + 60_000, t0 + 120_000)).toBe(2);
    expect(metrics.statistic(metric('ScalingDecisions', 'scale'), 'Sum', t0, t0 + 60_000)).toBeUndefined();
  });

  it('records AWS namespaces for the account itself, which PutMetricData refuses', () => {
    const metrics = new CloudWatchMetrics({ now: () => new Date(t0) });
    const datum = { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'f' }], Value: 1 };
    expect(() => metrics.putMetricData({ Namespace: 'AWS/Lambda', MetricData: [datum] })).toThrow();
    metrics.record('AWS/Lambda', datum);
    metrics.record('AWS/Lambda', { ...datum, Value: 0 });
    expect(
      metrics.statistic(
        { namespace: 'AWS/Lambda', name: 'Errors', dimensions: datum.Dimensions },
        'Sum',
        t0,
        t0 + 1,
      ),
    ).toBe(1);
  });
});

/**
 * CloudWatch metrics over query-compatible AWS JSON 1.0, on the in-memory store: what PutMetricData records,
 * GetMetricData aggregates per period, newest first, for each statistic the scaler uses.
 */
import * as CW from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '../../../../local/cloudwatch/metrics.js';
import { endpointFor } from '../../../support/local-endpoint.js';

const t0 = Date.parse('2024-05-01T12:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const queueDepth = {
  Namespace: 'ecs-ops/jobs',
  MetricName: 'QueueDepth',
  Dimensions: [{ Name: 'Service', Value: 'web' }],
};

async function setup() {
  const { config } = await endpointFor({ cloudWatch: new CloudWatchMetrics({ now: () => at(30) }) });
  const cw = new CW.CloudWatchClient(config);
  await cw.send(
    new CW.PutMetricDataCommand({
      Namespace: queueDepth.Namespace,
      MetricData: [
        {
          MetricName: 'QueueDepth',
          Dimensions: queueDepth.Dimensions,
          Timestamp: at(5),
          Value: 10,
          Unit: 'Count',
        },
        {
          MetricName: 'QueueDepth',
          Dimensions: queueDepth.Dimensions,
          Timestamp: at(50),
          Value: 30,
          Unit: 'Count',
        },
        {
          MetricName: 'QueueDepth',
          Dimensions: queueDepth.Dimensions,
          Timestamp: at(70),
          Values: [4, 8],
          Counts: [1, 3],
        },
        {
          MetricName: 'QueueDepth',
          Dimensions: queueDepth.Dimensions,
          Timestamp: at(130),
          StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2 },
        },
        // Another dimension set is another metric.
        {
          MetricName: 'QueueDepth',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
          Timestamp: at(5),
          Value: 999,
        },
      ],
    }),
  );
  return cw;
}

const query = (Stat: string, extra: Partial<CW.MetricDataQuery> = {}): CW.MetricDataQuery => ({
  Id: Stat.toLowerCase(),
  MetricStat: { Metric: queueDepth, Period: 60, Stat },
  ...extra,
});

describe('metric store', () => {
  it('aggregates each statistic per period, newest first', async () => {
    const cw = await setup();

    const { MetricDataResults } = await cw.send(
      new CW.GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(180),
        MetricDataQueries: ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'].map((s) => query(s)),
      }),
    );

    const timestamps = [at(120), at(60), at(0)];
    expect(MetricDataResults).toEqual([
      {
        Id: 'sum',
        Label: 'QueueDepth',
        Timestamps: timestamps,
        Values: [3, 28, 40],
        StatusCode: 'Complete',
        Messages: [],
      },
      {
        Id: 'average',
        Label: 'QueueDepth',
        Timestamps: timestamps,
        Values: [1.5, 7, 20],
        StatusCode: 'Complete',
        Messages: [],
      },
      {
        Id: 'minimum',
        Label: 'QueueDepth',
        Timestamps: timestamps,
        Values: [1, 4, 10],
        StatusCode: 'Complete',
        Messages: [],
      },
      {
        Id: 'maximum',
        Label: 'QueueDepth',
        Timestamps: timestamps,
        Values: [2, 8, 30],
        StatusCode: 'Complete',
        Messages: [],
      },
      {
        Id: 'samplecount',
        Label: 'QueueDepth',
        Timestamps: timestamps,
        Values: [2, 4, 2],
        StatusCode: 'Complete',
        Messages: [],
      },
    ]);
  });

  it('serves percentiles of the periods whose datapoints gave values (nearest rank), as the status command reads lag', async () => {
    const cw = await setup();

    const { MetricDataResults } = await cw.send(
      new CW.GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(180),
        MetricDataQueries: [query('p50'), query('p99')],
      }),
    );

    // The third period's datum gave statistic values only: it has no percentile.
    expect(MetricDataResults?.map(({ Id, Timestamps, Values }) => ({ Id, Timestamps, Values }))).toEqual([
      { Id: 'p50', Timestamps: [at(60), at(0)], Values: [8, 10] },
      { Id: 'p99', Timestamps: [at(60), at(0)], Values: [8, 30] },
    ]);
  });

  it('keeps to the time window, matches dimensions as a set, and honours Label, ReturnData, Unit and ScanBy', async () => {
    const cw = await setup();

    const { MetricDataResults } = await cw.send(
      new CW.GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(120),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          query('Sum', { Label: 'queue depth' }),
          query('Maximum', { ReturnData: false }),
          { Id: 'counted', MetricStat: { Metric: queueDepth, Period: 60, Stat: 'Sum', Unit: 'Count' } },
          { Id: 'other', MetricStat: { Metric: { ...queueDepth, Dimensions: [] }, Period: 60, Stat: 'Sum' } },
        ],
      }),
    );

    expect(MetricDataResults?.map((r) => [r.Id, r.Label, r.Timestamps, r.Values])).toEqual([
      ['sum', 'queue depth', [at(0), at(60)], [40, 28]],
      ['counted', 'QueueDepth', [at(0)], [40]],
      ['other', 'QueueDepth', [], []],
    ]);
  });

  it('stamps a datum without a timestamp with the current time', async () => {
    const cw = await setup();
    await cw.send(
      new CW.PutMetricDataCommand({ Namespace: 'ecs-ops', MetricData: [{ MetricName: 'Now', Value: 7 }] }),
    );

    const { MetricDataResults } = await cw.send(
      new CW.GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(60),
        MetricDataQueries: [
          {
            Id: 'now',
            MetricStat: { Metric: { Namespace: 'ecs-ops', MetricName: 'Now' }, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );

    expect(MetricDataResults?.[0]).toMatchObject({ Timestamps: [at(0)], Values: [7] });
  });

  it('answers metric math with ValidationException (code ValidationError) that says it is not served locally', async () => {
    const cw = await setup();

    const call = cw.send(
      new CW.GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(60),
        MetricDataQueries: [query('Sum', { ReturnData: false }), { Id: 'double', Expression: 'sum * 2' }],
      }),
    );

    await expect(call).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Metric math (query double) is not supported by the local endpoint',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    ['a statistic CloudWatch does not have', [query('Median')], /Stat Median is not supported/],
    [
      'a period that is not a whole minute',
      [query('Sum', { MetricStat: { Metric: queueDepth, Period: 90, Stat: 'Sum' } })],
      /Invalid Period 90/,
    ],
    ['an id that does not start lowercase', [{ ...query('Sum'), Id: 'Sum' }], /Invalid Id Sum/],
    ['duplicate ids', [query('Sum'), query('Sum')], /not unique/],
  ] satisfies [string, CW.MetricDataQuery[], RegExp][])(
    'refuses %s with ValidationException (code ValidationError)',
    async (_case, MetricDataQueries, message) => {
      const cw = await setup();

      await expect(
        cw.send(new CW.GetMetricDataCommand({ StartTime: at(0), EndTime: at(60), MetricDataQueries })),
      ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(message) });
    },
  );

  it('refuses bad PutMetricData input with the exceptions CloudWatch raises', async () => {
    const cw = await setup();

    await expect(
      cw.send(
        new CW.PutMetricDataCommand({ Namespace: 'AWS/ECS', MetricData: [{ MetricName: 'm', Value: 1 }] }),
      ),
    ).rejects.toBeInstanceOf(CW.InvalidParameterValueException);
    await expect(
      cw.send(new CW.PutMetricDataCommand({ Namespace: 'ecs-ops', MetricData: [{ MetricName: 'm' }] })),
    ).rejects.toBeInstanceOf(CW.InvalidParameterCombinationException);
    await expect(
      cw.send(
        new CW.PutMetricDataCommand({ Namespace: 'ecs-ops', MetricData: [{ MetricName: '', Value: 1 }] }),
      ),
    ).rejects.toMatchObject({
      name: 'MissingRequiredParameterException',
      message: 'The parameter MetricData.member.1.MetricName is required.',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

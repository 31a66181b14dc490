/**
 * CloudWatch metrics without AWS: datapoints kept in memory by metric (namespace, name, exact dimension set),
 * aggregated on read into the statistics the toolkit's scaler asks GetMetricData for (and, for the alarms,
 * percentiles: `statistic(…, 'p99', …)`).
 * Datapoints come from PutMetricData, from the functions' EMF log lines (`putEmf`, as CloudWatch Logs turns
 * them into metrics) and from the sandbox itself for AWS's own namespaces (`record`: AWS/Lambda, AWS/SQS).
 * Metric math is AWS's job; the local endpoint says so instead of guessing.
 */
import type * as CW from '@aws-sdk/client-cloudwatch';
import { AwsError } from '../endpoint/aws-error.js';
import type { CloudWatchBackend } from '../endpoint/backends.js';
import { emfDatums } from './emf.js';

export interface CloudWatchMetricsOptions {
  now?: () => Date;
}

/** One PutMetricData datum, reduced to what every served statistic can be computed from. */
interface Sample {
  time: number;
  unit: string | undefined;
  sum: number;
  min: number;
  max: number;
  count: number;
  /** The values and their counts, when the datum gave them (not StatisticValues): what percentiles read. */
  values?: readonly (readonly [number, number])[];
}

/** A metric: its namespace, name and exact dimension set. */
export interface MetricId {
  namespace: string;
  name: string;
  dimensions?: CW.Dimension[];
}

const stats: Record<string, (samples: Sample[]) => number | undefined> = {
  Sum: (s) => total(s, 'sum'),
  SampleCount: (s) => total(s, 'count'),
  Minimum: (s) => Math.min(...s.map((x) => x.min)),
  Maximum: (s) => Math.max(...s.map((x) => x.max)),
  Average: (s) => total(s, 'sum') / total(s, 'count'),
};
const percentileStat = /^p(\d{1,2}(\.\d+)?|100)$/;
const queryId = /^[a-z][a-zA-Z0-9_]{0,254}$/;
const highResolutionPeriods = new Set([1, 5, 10, 30]);
const maxMetricData = 1000;
const maxDimensions = 30;

export class CloudWatchMetrics implements CloudWatchBackend {
  readonly #now: () => Date;
  readonly #series = new Map<string, Sample[]>();

  constructor(options: CloudWatchMetricsOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  putMetricData(input: CW.PutMetricDataInput): void {
    const namespace = input.Namespace;
    if (!namespace) throw missing('Namespace');
    if (namespace.startsWith('AWS/')) throw invalidValue('Namespace', namespace);
    const data = input.MetricData ?? [];
    if (data.length === 0) throw missing('MetricData');
    if (data.length > maxMetricData) throw invalidValue('MetricData', `${data.length} items`);
    // Validate the whole batch first: CloudWatch accepts all of it or none.
    const samples = data.map((datum, i) => {
      if (!datum.MetricName) throw missing(`MetricData.member.${i + 1}.MetricName`);
      return [
        seriesKey(namespace, datum.MetricName, datum.Dimensions),
        sample(datum, i, this.#now()),
      ] as const;
    });
    for (const [key, s] of samples) this.#add(key, s);
  }

  /**
   * A datum the account itself produces, in any namespace (AWS/Lambda's invocations, AWS/SQS's queue depths):
   * what PutMetricData refuses to take from a caller.
   */
  record(namespace: string, datum: CW.MetricDatum): void {
    if (!datum.MetricName) throw missing('MetricName');
    this.#add(seriesKey(namespace, datum.MetricName, datum.Dimensions), sample(datum, 0, this.#now()));
  }

  /**
   * An EMF record a function logged (a parsed JSON log line): each metric of each dimension set becomes a
   * datapoint, as CloudWatch Logs extracts them. Returns how many; a line that is not EMF gives none.
   */
  putEmf(entry: unknown): number {
    const datums = emfDatums(entry, this.#now().getTime());
    for (const { namespace, datum } of datums) this.record(namespace, datum);
    return datums.length;
  }

  /**
   * One statistic of a metric over `[from, to)` (epoch ms): `Sum`, `Maximum`, …, or a percentile `p99`;
   * undefined when the metric has no datapoint there (a percentile: no datapoint with values). `unit`, when
   * given, keeps only datapoints of that unit, as an alarm's Unit does.
   */
  statistic(metric: MetricId, stat: string, from: number, to: number, unit?: string): number | undefined {
    const samples = (
      this.#series.get(seriesKey(metric.namespace, metric.name, metric.dimensions)) ?? []
    ).filter((s) => s.time >= from && s.time < to && (unit === undefined || s.unit === unit));
    if (samples.length === 0) return undefined;
    return statisticOf(stat)?.(samples);
  }

  #add(key: string, s: Sample) {
    const series = this.#series.get(key) ?? [];
    series.push(s);
    this.#series.set(key, series);
  }

  /** No alarms here: the sandbox serves its evaluated alarms (alarm-driver.ts) beside these metrics. */
  describeAlarms(_input: CW.DescribeAlarmsInput = {}): CW.DescribeAlarmsOutput {
    return { MetricAlarms: [], CompositeAlarms: [] };
  }

  getMetricData(input: CW.GetMetricDataInput): CW.GetMetricDataOutput {
    const start = input.StartTime?.getTime();
    const end = input.EndTime?.getTime();
    if (start === undefined || Number.isNaN(start)) throw validationError('StartTime is required');
    if (end === undefined || Number.isNaN(end)) throw validationError('EndTime is required');
    if (start >= end)
      throw validationError('The parameter StartTime must be less than the parameter EndTime.');
    if (input.NextToken !== undefined)
      throw validationError('NextToken is not supported by the local endpoint');
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) throw validationError('MetricDataQueries must not be empty');
    const ids = new Set<string>();
    for (const q of queries) {
      if (!queryId.test(q.Id ?? '')) {
        throw validationError(
          `Invalid Id ${q.Id ?? '(none)'}: it must start with a lowercase letter and contain only letters, numbers and underscores`,
        );
      }
      if (ids.has(q.Id as string))
        throw validationError(`The values for parameter id in MetricDataQueries are not unique: ${q.Id}`);
      ids.add(q.Id as string);
      if (q.Expression !== undefined) {
        throw validationError(`Metric math (query ${q.Id}) is not supported by the local endpoint`);
      }
      if (!q.MetricStat) throw validationError(`Query ${q.Id} needs a MetricStat`);
    }
    const ascending = input.ScanBy === 'TimestampAscending';
    return {
      MetricDataResults: queries
        .filter((q) => q.ReturnData !== false)
        .map((q) => this.#result(q, q.MetricStat as CW.MetricStat, start, end, ascending)),
      Messages: [],
    };
  }

  #result(q: CW.MetricDataQuery, stat: CW.MetricStat, start: number, end: number, ascending: boolean) {
    // The plain statistics, and percentiles (`p99`) of the metrics given as values (EMF lines, Values).
    const statistic = statisticOf(stat.Stat ?? '');
    if (!statistic)
      throw validationError(
        `Stat ${stat.Stat ?? '(none)'} is not supported by the local endpoint; use ${Object.keys(stats).join(', ')} or a percentile such as p99`,
      );
    const period = stat.Period ?? 0;
    if (
      !Number.isInteger(period) ||
      period <= 0 ||
      (period < 60 ? !highResolutionPeriods.has(period) : period % 60 !== 0)
    ) {
      throw validationError(
        `Invalid Period ${period} in query ${q.Id}: use 1, 5, 10, 30 or a multiple of 60`,
      );
    }
    const metric = stat.Metric ?? {};
    if (!metric.Namespace || !metric.MetricName) {
      throw validationError(`Query ${q.Id} needs MetricStat.Metric.Namespace and MetricName`);
    }
    const key = seriesKey(metric.Namespace, metric.MetricName, metric.Dimensions);
    const samples = (this.#series.get(key) ?? []).filter(
      (s) => s.time >= start && s.time < end && (stat.Unit === undefined || s.unit === stat.Unit),
    );
    // Buckets start on whole multiples of the period since the epoch, so every query agrees on them.
    const buckets = new Map<number, Sample[]>();
    const periodMs = period * 1000;
    for (const s of samples) {
      const bucket = Math.floor(s.time / periodMs) * periodMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), s]);
    }
    const times = [...buckets.keys()]
      .filter((t) => statistic(buckets.get(t) ?? []) !== undefined)
      .sort((a, b) => (ascending ? a - b : b - a));
    return {
      Id: q.Id,
      Label: q.Label ?? metric.MetricName,
      Timestamps: times.map((t) => new Date(t)),
      Values: times.map((t) => statistic(buckets.get(t) ?? []) as number),
      StatusCode: 'Complete' as const,
      Messages: [],
    };
  }
}

/** The aggregate a statistic's name asks for: one of `stats`, or a percentile `pNN` (nearest rank). */
function statisticOf(stat: string): ((samples: Sample[]) => number | undefined) | undefined {
  if (Object.hasOwn(stats, stat)) return stats[stat];
  if (!percentileStat.test(stat)) return undefined;
  const p = Number(stat.slice(1));
  return (samples) => percentile(samples, p);
}

/** The nearest-rank percentile of the values given; undefined when a datum gave only statistic values. */
function percentile(samples: Sample[], p: number): number | undefined {
  if (samples.some((s) => s.values === undefined)) return undefined;
  const values = samples.flatMap((s) => s.values ?? []).sort(([a], [b]) => a - b);
  const count = values.reduce((acc, [, c]) => acc + c, 0);
  if (count <= 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * count));
  let seen = 0;
  for (const [value, c] of values) {
    seen += c;
    if (seen >= rank) return value;
  }
  return values.at(-1)?.[0];
}

/** A metric is its namespace, name and exact set of dimensions (order does not matter). */
function seriesKey(namespace: string, name: string, dimensions: CW.Dimension[] = []): string {
  if (dimensions.length > maxDimensions) throw invalidValue('Dimensions', `${dimensions.length} dimensions`);
  for (const d of dimensions) {
    if (!d.Name || !d.Value) throw invalidValue('Dimensions', 'a dimension without a name or value');
  }
  const names = dimensions
    .map((d) => [d.Name, d.Value])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  return JSON.stringify([namespace, name, names]);
}

function sample(datum: CW.MetricDatum, i: number, now: Date): Sample {
  const time = (datum.Timestamp ?? now).getTime();
  const unit = datum.Unit;
  const where = `MetricData.member.${i + 1}`;
  const given = [datum.Value, datum.Values, datum.StatisticValues].filter((v) => v !== undefined).length;
  if (given !== 1) throw invalidCombination(`${where} needs exactly one of Value, Values or StatisticValues`);
  if (datum.Value !== undefined) {
    if (!Number.isFinite(datum.Value)) throw invalidValue(`${where}.Value`, String(datum.Value));
    const value = datum.Value;
    return { time, unit, sum: value, min: value, max: value, count: 1, values: [[value, 1]] };
  }
  if (datum.Values !== undefined) {
    const counts = datum.Counts ?? datum.Values.map(() => 1);
    if (datum.Values.length === 0 || counts.length !== datum.Values.length) {
      throw invalidCombination(
        `${where}: Values must be non-empty and Counts, when given, as long as Values`,
      );
    }
    if (![...datum.Values, ...counts].every(Number.isFinite))
      throw invalidValue(`${where}.Values`, 'a non-finite number');
    const values = datum.Values;
    return {
      time,
      unit,
      sum: values.reduce((acc, v, j) => acc + v * (counts[j] ?? 1), 0),
      min: Math.min(...values),
      max: Math.max(...values),
      count: counts.reduce((a, b) => a + b, 0),
      values: values.map((v, j) => [v, counts[j] ?? 1] as const),
    };
  }
  const { Sum, Minimum, Maximum, SampleCount } = datum.StatisticValues ?? {};
  if (![Sum, Minimum, Maximum, SampleCount].every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw missing(`${where}.StatisticValues (Sum, Minimum, Maximum and SampleCount)`);
  }
  return {
    time,
    unit,
    sum: Sum as number,
    min: Minimum as number,
    max: Maximum as number,
    count: SampleCount as number,
  };
}

const total = (samples: Sample[], field: 'sum' | 'count') => samples.reduce((acc, s) => acc + s[field], 0);
const missing = (parameter: string) =>
  new AwsError('MissingParameter', `The parameter ${parameter} is required.`);
const invalidValue = (parameter: string, value: string) =>
  new AwsError('InvalidParameterValue', `The value ${value} for parameter ${parameter} is invalid.`);
const invalidCombination = (message: string) => new AwsError('InvalidParameterCombination', message);
const validationError = (message: string) => new AwsError('ValidationError', message);

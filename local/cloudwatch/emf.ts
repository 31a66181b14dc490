/**
 * The embedded metric format (EMF), as CloudWatch Logs reads it: a JSON log line whose `_aws` key holds
 * `Timestamp` (epoch ms) and `CloudWatchMetrics` — per directive a `Namespace`, `Dimensions` (a list of
 * dimension sets, each a list of keys of the record) and `Metrics` (`Name`, optional `Unit`). Each metric's
 * value is the record's member of that name: a number or an array of numbers. One datum per metric and
 * dimension set; a line that is not EMF, or a metric without a value, gives none (CloudWatch drops it too).
 */
import type * as CW from '@aws-sdk/client-cloudwatch';

/** One metric datum read from an EMF record, with its namespace. */
export interface EmfDatum {
  namespace: string;
  datum: CW.MetricDatum;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a parsed log entry is an EMF record (has `_aws.CloudWatchMetrics`). */
export const isEmfRecord = (entry: unknown): entry is Record<string, unknown> =>
  isObject(entry) && isObject(entry._aws) && Array.isArray(entry._aws.CloudWatchMetrics);

/** The datums an EMF record carries; `now` stamps a record without a valid `_aws.Timestamp`. */
export function emfDatums(entry: unknown, now: number): EmfDatum[] {
  if (!isEmfRecord(entry)) return [];
  const aws = entry._aws as Record<string, unknown>;
  const stamp = Number(aws.Timestamp);
  const timestamp = new Date(Number.isFinite(stamp) && stamp > 0 ? stamp : now);
  const datums: EmfDatum[] = [];
  for (const directive of aws.CloudWatchMetrics as unknown[]) {
    if (!isObject(directive) || typeof directive.Namespace !== 'string' || directive.Namespace === '')
      continue;
    const sets = Array.isArray(directive.Dimensions) ? directive.Dimensions : [];
    // A directive without dimension sets is one metric without dimensions.
    const dimensionSets = (sets.length === 0 ? [[]] : sets).flatMap((set): CW.Dimension[][] => {
      if (!Array.isArray(set)) return [];
      const dimensions = set.map((key) =>
        typeof key === 'string' && typeof entry[key] === 'string' && entry[key] !== ''
          ? { Name: key, Value: entry[key] as string }
          : undefined,
      );
      // A dimension whose value the record lacks makes the set invalid: CloudWatch skips it.
      return dimensions.every((d) => d !== undefined) ? [dimensions as CW.Dimension[]] : [];
    });
    for (const metric of Array.isArray(directive.Metrics) ? directive.Metrics : []) {
      if (!isObject(metric) || typeof metric.Name !== 'string') continue;
      const values = valuesOf(entry[metric.Name]);
      if (values === undefined) continue;
      const unit = typeof metric.Unit === 'string' ? (metric.Unit as CW.StandardUnit) : undefined;
      for (const dimensions of dimensionSets) {
        datums.push({
          namespace: directive.Namespace,
          datum: {
            MetricName: metric.Name,
            Dimensions: dimensions,
            Timestamp: timestamp,
            ...(values.length === 1 ? { Value: values[0] } : { Values: values }),
            ...(unit === undefined ? {} : { Unit: unit }),
          },
        });
      }
    }
  }
  return datums;
}

/** A metric's value: a finite number or a non-empty array of them; anything else is no value. */
function valuesOf(value: unknown): number[] | undefined {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v)))
    return undefined;
  return values as number[];
}

/**
 * Reads a policy's metric source: the raw datapoints `decide` aggregates (the whole backlog for SQS — decide
 * divides it per running task when `perTask`, so the activation threshold still sees the whole backlog), or
 * undefined when the read failed or returned no data, which decide turns into a hold. Never throws: a failed
 * read is a reading with an error, so one broken source never stops an evaluation.
 */
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { lastSegment } from '../platform/arn.js';
import type { StateStore } from '../platform/store/state-store.js';
import { type CallTally, describeError } from './calls.js';
import type { ScalingPolicyConfig } from './config.js';

export interface MetricReading {
  /** Raw datapoints, newest first; undefined when the read failed or found no data. */
  datapoints: number[] | undefined;
  /** What was read, for the journal: `ApproximateNumberOfMessages of jobs: 120`. */
  read: string;
  /** Why the read failed, when it did. */
  error?: string;
}

export interface MetricSources {
  sqs: Pick<SQSClient, 'send'>;
  cloudWatch: Pick<CloudWatchClient, 'send'>;
  state: Pick<StateStore, 'tasksByGroup'>;
  /** Queue URLs by name, kept across evaluations of a warm function (one GetQueueUrl per queue, not per minute). */
  queueUrls?: Map<string, string>;
}

/** How many of the metric's periods a CloudWatch read covers: late datapoints still count, old ones do not. */
export const CLOUDWATCH_PERIODS = 3;
/** A BatchGetItem reads at most 100 items. */
const BATCH_GET_LIMIT = 100;

export async function readMetric(
  policy: ScalingPolicyConfig,
  sources: MetricSources,
  now: Date,
  calls: CallTally,
): Promise<MetricReading> {
  const { sqs, cloudWatch, state } = policy.metric;
  try {
    if (sqs !== undefined) return await readQueue(sqs.queue, sources, calls);
    if (cloudWatch !== undefined) return await readCloudWatch(cloudWatch, sources, now, calls);
    if (state !== undefined) return await readState(policy.cluster, state, sources, calls);
    return { datapoints: undefined, read: 'no metric source', error: 'the policy names no metric source' };
  } catch (error) {
    const message = describeError(error);
    return {
      datapoints: undefined,
      read: `${sourceLabel(policy)}: read failed (${message})`,
      error: message,
    };
  }
}

async function readQueue(queue: string, sources: MetricSources, calls: CallTally): Promise<MetricReading> {
  const isUrl = queue.startsWith('https://');
  const name = isUrl ? lastSegment(queue) : queue;
  let url = isUrl ? queue : sources.queueUrls?.get(queue);
  if (url === undefined) {
    calls.count('sqs:GetQueueUrl');
    const { QueueUrl } = await sources.sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
    if (QueueUrl === undefined) throw new Error(`GetQueueUrl returned no URL for ${queue}`);
    url = QueueUrl;
    sources.queueUrls?.set(queue, url);
  }
  calls.count('sqs:GetQueueAttributes');
  let attributes: Record<string, string> | undefined;
  try {
    ({ Attributes: attributes } = await sources.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    ));
  } catch (error) {
    // A queue re-created under the same name has a new URL only if it moved; look it up again next time.
    sources.queueUrls?.delete(queue);
    throw error;
  }
  const backlog = Number(attributes?.ApproximateNumberOfMessages);
  if (attributes?.ApproximateNumberOfMessages === undefined || !Number.isFinite(backlog)) {
    return {
      datapoints: undefined,
      read: `ApproximateNumberOfMessages of ${name}: missing`,
      error: 'GetQueueAttributes returned no ApproximateNumberOfMessages',
    };
  }
  return { datapoints: [backlog], read: `ApproximateNumberOfMessages of ${name}: ${backlog}` };
}

type CloudWatchSource = NonNullable<ScalingPolicyConfig['metric']['cloudWatch']>;

/** The GetMetricData window: the last CLOUDWATCH_PERIODS periods up to now. */
export function metricWindow(now: Date, periodSeconds: number) {
  return {
    StartTime: new Date(now.getTime() - CLOUDWATCH_PERIODS * periodSeconds * 1000),
    EndTime: now,
  };
}

async function readCloudWatch(
  metric: CloudWatchSource,
  sources: MetricSources,
  now: Date,
  calls: CallTally,
): Promise<MetricReading> {
  calls.count('cloudwatch:GetMetricData');
  const label = `${metric.namespace} ${metric.name} ${metric.statistic} per ${metric.periodSeconds} s`;
  const { MetricDataResults = [] } = await sources.cloudWatch.send(
    new GetMetricDataCommand({
      ...metricWindow(now, metric.periodSeconds),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'm',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: metric.namespace,
              MetricName: metric.name,
              Dimensions: Object.entries(metric.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: metric.periodSeconds,
            Stat: metric.statistic,
          },
        },
      ],
    }),
  );
  const result = MetricDataResults.find((candidate) => candidate.Id === 'm');
  if (result?.StatusCode === 'InternalError' || result?.StatusCode === 'Forbidden') {
    const why = result.Messages?.map((message) => message.Value).join('; ') || result.StatusCode;
    return { datapoints: undefined, read: `${label}: ${why}`, error: why };
  }
  const values = result?.Values ?? [];
  if (values.length === 0) {
    return {
      datapoints: undefined,
      read: `${label}: no datapoints in the last ${CLOUDWATCH_PERIODS} periods`,
    };
  }
  return { datapoints: [...values], read: `${label}: ${values.map(show).join(', ')} (newest first)` };
}

type StateSource = NonNullable<ScalingPolicyConfig['metric']['state']>;

/**
 * The tasks of the group in the status. The group's byGroup partition is the cheapest exact listing: it holds
 * that group's tasks only, where the byStatus buckets hold every task of the cluster (over 4 shards), so the
 * cost of a read follows the group, not how busy the cluster is. Only the bucket that holds the status is read
 * (`live` for every status but STOPPED), so the stopped tasks a service piles up until they expire cost nothing.
 * The status is checked on the items themselves.
 */
async function readState(
  cluster: string,
  source: StateSource,
  sources: MetricSources,
  calls: CallTally,
): Promise<MetricReading> {
  const tasks = await sources.state.tasksByGroup(cluster, source.group, {
    only: source.status === 'STOPPED' ? 'stopped' : 'live',
  });
  calls.count('dynamodb:Query');
  if (tasks.length > 0) calls.count('dynamodb:BatchGetItem', Math.ceil(tasks.length / BATCH_GET_LIMIT));
  const count = tasks.filter((task) => task.detail.lastStatus === source.status).length;
  return { datapoints: [count], read: `${source.status} tasks of ${cluster}|${source.group}: ${count}` };
}

function sourceLabel(policy: ScalingPolicyConfig): string {
  const { sqs, cloudWatch, state } = policy.metric;
  if (sqs !== undefined) return `the backlog of ${sqs.queue}`;
  if (cloudWatch !== undefined) return `${cloudWatch.namespace} ${cloudWatch.name}`;
  return `the ${state?.status} tasks of ${state?.group}`;
}

const show = (value: number) => String(Number(value.toFixed(3)));

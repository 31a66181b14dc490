/**
 * The ports of `ecs-ops status` (cli/status-gather.ts) over SDK clients. With --store aws: SQS and CloudWatch
 * with the caller's credentials, region and profile. With --store local: the local endpoint the SDK's own
 * AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_CLOUDWATCH (else AWS_ENDPOINT_URL) name — the sandbox's, a test's;
 * without any, no port (the partial view), and an endpoint that does not answer is a source not read.
 */

import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DrainStore } from '../lib/drain/drain-store.js';
import { awsClient } from '../lib/platform/aws/clients.js';
import type { CommandContext } from './context.js';
import { probeEndpoint } from './endpoint-probe.js';
import { stackQueues } from './sqs-dead-letters.js';
import type {
  Datapoint,
  MetricsPort,
  QueueDepth,
  QueuesPort,
  StackPort,
  StatusPorts,
  StorePort,
} from './status-gather.js';

export interface OpenPorts {
  ports: Omit<StatusPorts, 'now'>;
  close(): void;
}

/** Where --store local reads queues and metrics: the SDK's own variables. */
export function localStatusEndpoints(env: NodeJS.ProcessEnv = process.env) {
  const sqs = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL || undefined;
  const cloudWatch = env.AWS_ENDPOINT_URL_CLOUDWATCH || env.AWS_ENDPOINT_URL || undefined;
  return sqs === undefined && cloudWatch === undefined ? undefined : { sqs, cloudWatch };
}

export async function openStatusPorts(context: CommandContext): Promise<OpenPorts> {
  const { options, config, store } = context;
  const storePort: StorePort = {
    table: store.tableName,
    answers: async () => {
      await store.client.send(new DescribeTableCommand({ TableName: store.tableName }));
    },
    openDrains: () =>
      new DrainStore({ tableName: store.tableName, client: store.client, retentionDays: 0 }).list({
        openOnly: true,
      }),
  };
  const base = { stage: options.stage, store: options.store, storePort, config };
  const common = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
  if (options.store === 'aws') {
    const sqs = awsClient(SQSClient, common);
    const cloudWatch = awsClient(CloudWatchClient, common);
    const cloudFormation = awsClient(CloudFormationClient, common);
    const region = await sqs.config.region().catch(() => options.region ?? null);
    return {
      ports: {
        ...base,
        region,
        stack: stackPort(cloudFormation, options.stage),
        queues: queuesPort(sqs, options.stage),
        metrics: metricsPort(cloudWatch),
      },
      close: () => {
        sqs.destroy();
        cloudWatch.destroy();
        cloudFormation.destroy();
      },
    };
  }
  const endpoints = localStatusEndpoints();
  if (endpoints === undefined) return { ports: { ...base, region: null, endpoint: null }, close: () => {} };
  const region = options.region ?? (process.env.AWS_REGION || 'us-east-1');
  // The local endpoint checks no signature, and a developer's machine may have no AWS configuration at all.
  const local = { region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const sqs = endpoints.sqs && awsClient(SQSClient, { ...local, endpoint: endpoints.sqs });
  const cloudWatch =
    endpoints.cloudWatch && awsClient(CloudWatchClient, { ...local, endpoint: endpoints.cloudWatch });
  const queues = sqs ? probed(endpoints.sqs as string, queuesPort(sqs, options.stage)) : notSet('SQS');
  const metrics = cloudWatch
    ? probedMetrics(endpoints.cloudWatch as string, metricsPort(cloudWatch))
    : notSetMetrics();
  return {
    ports: { ...base, region, endpoint: endpoints.sqs ?? endpoints.cloudWatch ?? null, queues, metrics },
    close: () => {
      if (sqs) sqs.destroy();
      if (cloudWatch) cloudWatch.destroy();
    },
  };
}

/** The stack `serverless deploy --stage <stage>` creates (`<service>-<stage>`), and its outputs by key. */
export function stackPort(client: CloudFormationClient, stage: string): StackPort {
  const name = `ecs-ops-${stage}`;
  return {
    name,
    outputs: async () => {
      const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: name }));
      return Object.fromEntries(
        (Stacks[0]?.Outputs ?? []).flatMap(({ OutputKey, OutputValue }) =>
          OutputKey === undefined ? [] : [[OutputKey, OutputValue ?? '']],
        ),
      );
    },
  };
}

export function queuesPort(client: SQSClient, stage: string): QueuesPort {
  return {
    async depths() {
      const queues = await stackQueues(client, stage);
      return Promise.all(
        queues.map(async (queue): Promise<QueueDepth> => {
          const { Attributes = {} } = await client.send(
            new GetQueueAttributesCommand({
              QueueUrl: queue.url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return {
            name: queue.name,
            queue: queue.queue,
            deadLetters: queue.deadLetters,
            messages: Number(Attributes.ApproximateNumberOfMessages ?? 0),
            inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          };
        }),
      );
    },
  };
}

export function metricsPort(client: CloudWatchClient): MetricsPort {
  return {
    async data(queries, start, end) {
      const series = new Map<string, Datapoint[]>();
      const metricQueries: MetricDataQuery[] = queries.map((query) => ({
        Id: query.id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: query.namespace,
            MetricName: query.metric,
            Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: query.periodSeconds,
          Stat: query.stat,
        },
      }));
      // GetMetricData takes up to 500 queries a call.
      for (let from = 0; from < metricQueries.length; from += 500) {
        let next: string | undefined;
        do {
          const page: GetMetricDataCommandOutput = await client.send(
            new GetMetricDataCommand({
              MetricDataQueries: metricQueries.slice(from, from + 500),
              StartTime: start,
              EndTime: end,
              ScanBy: 'TimestampDescending',
              ...(next === undefined ? {} : { NextToken: next }),
            }),
          );
          for (const result of page.MetricDataResults ?? []) {
            const points = (result.Timestamps ?? []).map((time, index) => ({
              time: new Date(time),
              value: result.Values?.[index] ?? 0,
            }));
            series.set(result.Id ?? '', [...(series.get(result.Id ?? '') ?? []), ...points]);
          }
          next = page.NextToken;
        } while (next !== undefined);
      }
      return series;
    },
    async firing(prefix) {
      const alarms: { name: string; description?: string; reason: string; since?: Date }[] = [];
      let next: string | undefined;
      do {
        const page: DescribeAlarmsCommandOutput = await client.send(
          new DescribeAlarmsCommand({
            AlarmNamePrefix: prefix,
            StateValue: 'ALARM',
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            ...(next === undefined ? {} : { NextToken: next }),
          }),
        );
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          alarms.push({
            name: alarm.AlarmName ?? '',
            ...(alarm.AlarmDescription === undefined ? {} : { description: alarm.AlarmDescription }),
            reason: alarm.StateReason ?? '',
            ...(alarm.StateUpdatedTimestamp === undefined
              ? {}
              : { since: new Date(alarm.StateUpdatedTimestamp) }),
          });
        }
        next = page.NextToken;
      } while (next !== undefined);
      return alarms;
    },
  };
}

const probed = (url: string, port: QueuesPort): QueuesPort => ({
  depths: async () => {
    // Probed on every read: a watch sees an endpoint come and go.
    await probeEndpoint(url);
    return port.depths();
  },
});

const probedMetrics = (url: string, port: MetricsPort): MetricsPort => ({
  data: async (...args) => {
    await probeEndpoint(url);
    return port.data(...args);
  },
  firing: async (prefix) => {
    await probeEndpoint(url);
    return port.firing(prefix);
  },
});

const notSet = (service: string): QueuesPort => ({
  depths: () => Promise.reject(new Error(`AWS_ENDPOINT_URL_${service.toUpperCase()} is not set`)),
});

const notSetMetrics = (): MetricsPort => {
  const reject = () => Promise.reject(new Error('AWS_ENDPOINT_URL_CLOUDWATCH is not set'));
  return { data: reject, firing: reject };
};

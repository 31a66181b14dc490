/**
 * The SDK's standard `AWS_ENDPOINT_URL_<SERVICE>` variables route unmodified clients — built with no
 * `endpoint` — to the local endpoint: how the deployed code runs locally unchanged.
 */
import * as AAS from '@aws-sdk/client-application-auto-scaling';
import * as ASG from '@aws-sdk/client-auto-scaling';
import * as CW from '@aws-sdk/client-cloudwatch';
import * as ECS from '@aws-sdk/client-ecs';
import * as EB from '@aws-sdk/client-eventbridge';
import * as SNS from '@aws-sdk/client-sns';
import * as SQS from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { ApplicationAutoScalingRegistry } from '../../../../local/application-auto-scaling/application-auto-scaling.js';
import { CloudWatchMetrics } from '../../../../local/cloudwatch/metrics.js';
import {
  type AutoScalingBackend,
  type EcsBackend,
  eventBridgeBackend,
  localServiceEndpoints,
  type SqsBackend,
} from '../../../../local/endpoint/index.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { cannedBackend, clientConfig, endpointFor } from '../../../support/local-endpoint.js';
import { tempDir } from '../../../support/temp-dir.js';

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

describe('endpoint environment variables', () => {
  it('names one variable per service, as the SDK spells it', () => {
    expect(localServiceEndpoints('http://127.0.0.1:4566')).toEqual({
      AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_AUTO_SCALING: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:4566',
    });
  });

  it('routes SNS by AWS_ENDPOINT_URL_SNS alone', async () => {
    const { endpoint } = await endpointFor({ sns: new SnsMailbox({ dir: await tempDir() }) });
    process.env.AWS_ENDPOINT_URL_SNS = endpoint.url;

    const { TopicArn } = await new SNS.SNSClient(clientConfig()).send(
      new SNS.CreateTopicCommand({ Name: 'alerts' }),
    );

    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:alerts');
    expect(endpoint.requests()).toEqual({ 'sns.CreateTopic': 1 });
  });

  it('routes every client the toolkit uses by localServiceEndpoints', async () => {
    const { endpoint } = await endpointFor({
      ecs: cannedBackend<EcsBackend>({ listTasks: {} }).backend,
      autoScaling: cannedBackend<AutoScalingBackend>({ describeAutoScalingInstances: {} }).backend,
      sqs: cannedBackend<SqsBackend>({ getQueueUrl: { QueueUrl: 'http://q' } }).backend,
      sns: new SnsMailbox({ dir: await tempDir() }),
      applicationAutoScaling: new ApplicationAutoScalingRegistry(),
      cloudWatch: new CloudWatchMetrics(),
      eventBridge: eventBridgeBackend(async () => {}, { account: '000000000000', region: 'us-east-1' }),
    });
    Object.assign(process.env, localServiceEndpoints(endpoint.url));
    const config = clientConfig();

    await new ECS.ECSClient(config).send(new ECS.ListTasksCommand({}));
    await new SNS.SNSClient(config).send(new SNS.CreateTopicCommand({ Name: 'alerts' }));
    await new AAS.ApplicationAutoScalingClient(config).send(
      new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }),
    );
    await new ASG.AutoScalingClient(config).send(new ASG.DescribeAutoScalingInstancesCommand({}));
    await new SQS.SQSClient(config).send(new SQS.GetQueueUrlCommand({ QueueName: 'q' }));
    await new CW.CloudWatchClient(config).send(
      new CW.PutMetricDataCommand({ Namespace: 'ecs-ops', MetricData: [{ MetricName: 'm', Value: 1 }] }),
    );
    await new EB.EventBridgeClient(config).send(
      new EB.PutEventsCommand({ Entries: [{ Source: 'ecs-ops.resync', DetailType: 'd', Detail: '{}' }] }),
    );

    expect(endpoint.requests()).toEqual({
      'ecs.ListTasks': 1,
      'sns.CreateTopic': 1,
      'applicationAutoScaling.DescribeScalableTargets': 1,
      'autoScaling.DescribeAutoScalingInstances': 1,
      'sqs.GetQueueUrl': 1,
      'cloudWatch.PutMetricData': 1,
      'eventBridge.PutEvents': 1,
    });
  });
});

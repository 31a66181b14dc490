/**
 * Errors reach callers the way AWS sends them, so the SDK raises the same named exception, with the same
 * message and HTTP status, as it would against AWS — in each protocol.
 */
import * as ASG from '@aws-sdk/client-auto-scaling';
import * as ECS from '@aws-sdk/client-ecs';
import * as SNS from '@aws-sdk/client-sns';
import * as SQS from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  type AutoScalingBackend,
  AwsError,
  type EcsBackend,
  type SqsBackend,
} from '../../../../local/endpoint/index.js';
import { type ClientConfig, endpointFor } from '../../../support/local-endpoint.js';

const failing = <B>(method: string, error: Error) =>
  ({
    [method]: () => {
      throw error;
    },
  }) as B;

describe('a backend AwsError', () => {
  it('is a named exception over AWS JSON 1.1 (ECS)', async () => {
    const ecs = failing<EcsBackend>(
      'describeServices',
      new AwsError('ClusterNotFoundException', 'Cluster not found.'),
    );
    const { config } = await endpointFor({ ecs });

    const call = new ECS.ECSClient(config).send(
      new ECS.DescribeServicesCommand({ cluster: 'gone', services: ['web'] }),
    );

    await expect(call).rejects.toBeInstanceOf(ECS.ClusterNotFoundException);
    await expect(call).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
      message: 'Cluster not found.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('is a named exception over query-compatible AWS JSON 1.0 (SQS), by shape name or legacy Query code', async () => {
    for (const code of ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']) {
      const sqs = failing<SqsBackend>(
        'getQueueUrl',
        new AwsError(code, 'The specified queue does not exist.'),
      );
      const { config } = await endpointFor({ sqs });

      const call = new SQS.SQSClient(config).send(new SQS.GetQueueUrlCommand({ QueueName: 'nope' }));

      await expect(call).rejects.toBeInstanceOf(SQS.QueueDoesNotExist);
      await expect(call).rejects.toMatchObject({
        name: 'QueueDoesNotExist',
        message: 'The specified queue does not exist.',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('is an <ErrorResponse> over AWS Query (EC2 Auto Scaling)', async () => {
    const message = 'No active Lifecycle Action found with token bcd2f1b8';
    const autoScaling = failing<AutoScalingBackend>(
      'completeLifecycleAction',
      new AwsError('ValidationError', message),
    );
    const { config } = await endpointFor({ autoScaling });

    const call = new ASG.AutoScalingClient(config).send(
      new ASG.CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'ecs-prod',
        LifecycleHookName: 'drain',
        LifecycleActionToken: 'bcd2f1b8',
        LifecycleActionResult: 'CONTINUE',
      }),
    );

    await expect(call).rejects.toMatchObject({
      name: 'ValidationError',
      message,
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('that is not an AwsError is an InternalFailure (500) carrying its message', async () => {
    const ecs = failing<EcsBackend>(
      'listTasks',
      new TypeError("Cannot read properties of undefined (reading 'arn')"),
    );
    const { config } = await endpointFor({ ecs });

    const call = new ECS.ECSClient({ ...config, maxAttempts: 1 }).send(new ECS.ListTasksCommand({}));

    await expect(call).rejects.toMatchObject({
      name: 'InternalFailure',
      message: "Cannot read properties of undefined (reading 'arn')",
      $metadata: { httpStatusCode: 500 },
    });
  });
});

describe('a request the endpoint does not serve', () => {
  it('is UnknownOperationException for a JSON operation outside the served subset', async () => {
    const { config } = await endpointFor({ ecs: {} as EcsBackend });

    const call = new ECS.ECSClient(config).send(new ECS.DeleteClusterCommand({ cluster: 'prod' }));

    await expect(call).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: 'Unknown operation AmazonEC2ContainerServiceV20141113.DeleteCluster',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('is InvalidAction for a Query action outside the served subset', async () => {
    const { config } = await endpointFor({});

    const call = new SNS.SNSClient(config).send(new SNS.ListTopicsCommand({}));

    await expect(call).rejects.toMatchObject({
      name: 'InvalidAction',
      message: 'The action ListTopics is not valid for this web service.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    ['ECS', (config: ClientConfig) => new ECS.ECSClient(config).send(new ECS.ListTasksCommand({}))],
    [
      'SNS',
      (config: ClientConfig) =>
        new SNS.SNSClient(config).send(new SNS.CreateTopicCommand({ Name: 'alerts' })),
    ],
  ])('is UnknownOperationException naming %s when its backend is absent', async (serviceId, send) => {
    const { config } = await endpointFor({});

    await expect(send(config)).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining(`no ${serviceId} backend`),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('is SerializationException for a body that is not JSON', async () => {
    const { endpoint } = await endpointFor({ ecs: {} as EcsBackend });

    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListTasks',
      },
      body: '{"cluster": ',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('SerializationException');
    expect(await response.json()).toEqual({
      __type: 'SerializationException',
      message: 'The request body is not a JSON object',
    });
  });
});

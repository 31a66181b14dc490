/**
 * ECS over AWS JSON 1.1: every operation the toolkit calls reaches the backend with the SDK's input shape and
 * comes back to the SDK exactly as the backend answered — nested lists, maps and Date fields included.
 */
import * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { EcsBackend } from '../../../../local/endpoint/index.js';
import { body, cannedBackend, endpointFor } from '../../../support/local-endpoint.js';

const clusterArn = 'arn:aws:ecs:us-east-1:123456789012:cluster/prod';
const taskArn = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0a1b2c3d4e5f';
const instanceArn = 'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/9f8e7d6c';
const taskDefinitionArn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:42';

const task: ECS.Task = {
  taskArn,
  clusterArn,
  taskDefinitionArn,
  containerInstanceArn: instanceArn,
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  group: 'service:web',
  launchType: 'EC2',
  version: 7,
  createdAt: new Date('2024-05-01T12:00:00.125Z'),
  startedAt: new Date('2024-05-01T12:00:05.000Z'),
  stoppedAt: new Date('2024-05-01T12:09:59.999Z'),
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [
    {
      containerArn: `${taskArn}/app`,
      name: 'app',
      lastStatus: 'STOPPED',
      exitCode: 137,
      reason: 'OutOfMemoryError: Container killed due to memory usage',
      networkBindings: [{ containerPort: 8080, hostPort: 32768, protocol: 'tcp' }],
    },
  ],
  attachments: [
    {
      id: 'eni-1',
      type: 'ElasticNetworkInterface',
      status: 'DELETED',
      details: [{ name: 'subnetId', value: 'subnet-1' }],
    },
  ],
  overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'MODE', value: 'batch' }] }] },
  tags: [{ key: 'job', value: 'nightly' }],
};

const instance: ECS.ContainerInstance = {
  containerInstanceArn: instanceArn,
  ec2InstanceId: 'i-0123456789abcdef0',
  status: 'DRAINING',
  agentConnected: true,
  runningTasksCount: 2,
  pendingTasksCount: 0,
  version: 12,
  registeredAt: new Date('2024-04-30T08:00:00.000Z'),
  remainingResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 1024 }],
  attributes: [{ name: 'ecs.instance-type', value: 'm6g.large' }],
};

const service: ECS.Service = {
  serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
  serviceName: 'web',
  clusterArn,
  status: 'ACTIVE',
  desiredCount: 3,
  runningCount: 3,
  pendingCount: 0,
  createdAt: new Date('2024-01-02T03:04:05.000Z'),
  deployments: [
    { id: 'ecs-svc/1', status: 'PRIMARY', desiredCount: 3, updatedAt: new Date('2024-05-01T11:00:00.500Z') },
  ],
  events: [
    {
      id: 'e1',
      createdAt: new Date('2024-05-01T11:01:00.000Z'),
      message: '(service web) has reached a steady state.',
    },
  ],
};

const outputs = {
  runTask: { tasks: [task], failures: [{ arn: instanceArn, reason: 'RESOURCE:MEMORY' }] },
  startTask: { tasks: [task], failures: [] },
  stopTask: { task },
  describeTasks: { tasks: [task], failures: [{ arn: `${taskArn}-gone`, reason: 'MISSING' }] },
  listTasks: { taskArns: [taskArn], nextToken: 'page-2' },
  listClusters: { clusterArns: [clusterArn], nextToken: 'page-2' },
  describeServices: { services: [service], failures: [] },
  updateService: { service },
  listContainerInstances: { containerInstanceArns: [instanceArn] },
  describeContainerInstances: { containerInstances: [instance], failures: [] },
  updateContainerInstancesState: { containerInstances: [instance], failures: [] },
  describeTaskDefinition: {
    taskDefinition: {
      taskDefinitionArn,
      family: 'web',
      revision: 42,
      registeredAt: new Date('2024-03-03T03:03:03.000Z'),
      containerDefinitions: [{ name: 'app', image: 'web:1.2.3', essential: true, memory: 512 }],
    },
    tags: [{ key: 'team', value: 'platform' }],
  },
};

/** Each operation with the fields the toolkit sends. */
const cases: [keyof typeof outputs, { input: object }][] = [
  [
    'runTask',
    new ECS.RunTaskCommand({
      cluster: 'prod',
      taskDefinition: 'web:42',
      count: 1,
      startedBy: 'ecs-ops/nightly',
      clientToken: 'nightly-2024-05-01T12:00Z',
      launchType: 'EC2',
      overrides: { containerOverrides: [{ name: 'app', command: ['run', '--fast'] }] },
      tags: [{ key: 'job', value: 'nightly' }],
    }),
  ],
  [
    'startTask',
    new ECS.StartTaskCommand({
      cluster: 'prod',
      taskDefinition: 'web:42',
      containerInstances: [instanceArn],
    }),
  ],
  ['stopTask', new ECS.StopTaskCommand({ cluster: 'prod', task: taskArn, reason: 'drained' })],
  ['describeTasks', new ECS.DescribeTasksCommand({ cluster: 'prod', tasks: [taskArn], include: ['TAGS'] })],
  [
    'listTasks',
    new ECS.ListTasksCommand({ cluster: 'prod', containerInstance: instanceArn, desiredStatus: 'RUNNING' }),
  ],
  ['listClusters', new ECS.ListClustersCommand({ maxResults: 10, nextToken: 'page-1' })],
  ['describeServices', new ECS.DescribeServicesCommand({ cluster: 'prod', services: ['web'] })],
  ['updateService', new ECS.UpdateServiceCommand({ cluster: 'prod', service: 'web', desiredCount: 4 })],
  [
    'listContainerInstances',
    new ECS.ListContainerInstancesCommand({ cluster: 'prod', status: 'ACTIVE', maxResults: 100 }),
  ],
  [
    'describeContainerInstances',
    new ECS.DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: [instanceArn] }),
  ],
  [
    'updateContainerInstancesState',
    new ECS.UpdateContainerInstancesStateCommand({
      cluster: 'prod',
      containerInstances: [instanceArn],
      status: 'DRAINING',
    }),
  ],
  [
    'describeTaskDefinition',
    new ECS.DescribeTaskDefinitionCommand({ taskDefinition: 'web:42', include: ['TAGS'] }),
  ],
];

describe('ECS over AWS JSON 1.1', () => {
  it.each(cases)(
    '%s: the backend gets the SDK input, the SDK gets the backend output',
    async (method, command) => {
      const { backend, calls } = cannedBackend<EcsBackend>(outputs);
      const { endpoint, config } = await endpointFor({ ecs: backend });
      const client = new ECS.ECSClient(config);

      const response = await (client.send as (c: unknown) => Promise<{ $metadata: unknown }>)(command);

      expect(calls[method]).toEqual([command.input]);
      expect(body(response)).toEqual(outputs[method]);
      expect(endpoint.requests()).toEqual({ [`ecs.${method[0]?.toUpperCase()}${method.slice(1)}`]: 1 });
    },
  );

  it('keeps millisecond timestamps exact', async () => {
    const { backend } = cannedBackend<EcsBackend>(outputs);
    const { config } = await endpointFor({ ecs: backend });

    const { tasks } = await new ECS.ECSClient(config).send(
      new ECS.DescribeTasksCommand({ tasks: [taskArn] }),
    );

    expect(tasks?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(tasks?.[0]?.createdAt?.toISOString()).toBe('2024-05-01T12:00:00.125Z');
  });
});

/** Renders internal state as the ECS API describes it (SDK types, Date timestamps). */
import type * as ECS from '@aws-sdk/client-ecs';
import { isPending, type TaskStatus } from './lifecycle.js';
import type { InstanceState, NetworkInterface, ServiceState, TaskDefinition, TaskState } from './model.js';
import { RESERVED_PORTS } from './model.js';

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function describeTask(task: TaskState, clusterArn: string): ECS.Task {
  return {
    taskArn: task.arn,
    clusterArn,
    taskDefinitionArn: task.definition.arn,
    containerInstanceArn: task.containerInstanceArn,
    availabilityZone: task.availabilityZone,
    launchType: task.launchType,
    capacityProviderName: task.capacityProviderName,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    group: task.group,
    startedBy: task.startedBy,
    cpu: String(task.cpu),
    memory: String(task.memory),
    overrides: task.overrides,
    attachments: task.eni ? [eniAttachment(task.eni, task.lastStatus)] : [],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    containers: task.containers.map((container) => ({
      containerArn: container.arn,
      taskArn: task.arn,
      name: container.spec.name,
      image: container.spec.image,
      lastStatus: container.lastStatus,
      exitCode: container.exitCode,
      reason: container.reason,
      cpu: String(container.spec.cpu),
      memory: String(container.spec.memory),
      networkBindings:
        container.bindings.length === 0
          ? undefined
          : container.bindings.map((binding) => ({ bindIP: '0.0.0.0', ...binding })),
      networkInterfaces: task.eni
        ? [{ attachmentId: task.eni.attachmentId, privateIpv4Address: task.eni.privateIpv4Address }]
        : [],
    })),
    createdAt: date(task.createdAt),
    pullStartedAt: date(task.pullStartedAt),
    pullStoppedAt: date(task.pullStoppedAt),
    connectivity: task.connectivityAt === undefined ? undefined : 'CONNECTED',
    connectivityAt: date(task.connectivityAt),
    startedAt: date(task.startedAt),
    stoppingAt: date(task.stoppingAt),
    executionStoppedAt: date(task.executionStoppedAt),
    stoppedAt: date(task.stoppedAt),
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    platformVersion: task.launchType === 'FARGATE' ? '1.4.0' : undefined,
    platformFamily: task.launchType === 'FARGATE' ? 'Linux' : undefined,
    enableExecuteCommand: false,
    version: task.version,
  };
}

/** The task's ENI as an attachment whose status follows the task: created, attached, detached, deleted. */
function eniAttachment(eni: NetworkInterface, status: TaskStatus): ECS.Attachment {
  const details = [
    { name: 'subnetId', value: eni.subnetId },
    { name: 'networkInterfaceId', value: eni.eniId },
    { name: 'macAddress', value: eni.macAddress },
    { name: 'privateDnsName', value: `ip-${eni.privateIpv4Address.replaceAll('.', '-')}.ec2.internal` },
    { name: 'privateIPv4Address', value: eni.privateIpv4Address },
  ];
  const attachmentStatus =
    status === 'PROVISIONING'
      ? 'PRECREATED'
      : status === 'STOPPED'
        ? 'DELETED'
        : status === 'DEPROVISIONING'
          ? 'DETACHED'
          : 'ATTACHED';
  return {
    id: eni.attachmentId,
    type: 'eni',
    status: attachmentStatus,
    details: attachmentStatus === 'PRECREATED' ? details.slice(0, 1) : details,
  };
}

/** The fields that change with the tasks an instance runs; part of its published state. */
export function instanceLoad(instance: InstanceState, tasks: readonly TaskState[]) {
  const held = tasks.filter(
    (task) => task.containerInstanceArn === instance.arn && task.lastStatus !== 'STOPPED',
  );
  const ports = held.flatMap((task) => task.hostPorts);
  return {
    runningTasksCount: held.filter((task) => !isPending(task.lastStatus)).length,
    pendingTasksCount: held.filter((task) => isPending(task.lastStatus)).length,
    remainingCpu: instance.cpu - sum(held.map((task) => task.cpu)),
    remainingMemory: instance.memory - sum(held.map((task) => task.memory)),
    usedPorts: ports,
  };
}

export function describeInstance(
  instance: InstanceState,
  tasks: readonly TaskState[],
): ECS.ContainerInstance {
  const load = instanceLoad(instance, tasks);
  return {
    containerInstanceArn: instance.arn,
    ec2InstanceId: instance.ec2InstanceId,
    status: instance.status,
    agentConnected: instance.agentConnected,
    runningTasksCount: load.runningTasksCount,
    pendingTasksCount: load.pendingTasksCount,
    registeredResources: resources(instance.cpu, instance.memory, []),
    remainingResources: resources(load.remainingCpu, load.remainingMemory, load.usedPorts),
    attributes: [
      { name: 'ecs.availability-zone', value: instance.availabilityZone },
      { name: 'ecs.os-type', value: 'linux' },
      { name: 'ecs.cpu-architecture', value: 'x86_64' },
      ...(instance.autoScalingGroup === undefined
        ? []
        : [{ name: 'ecs.asg-name', value: instance.autoScalingGroup }]),
    ],
    versionInfo: { agentVersion: '1.82.3', agentHash: '5e1a9b3c', dockerVersion: 'DockerVersion: 20.10.25' },
    attachments: [],
    registeredAt: date(instance.registeredAt),
    version: instance.version,
  };
}

function resources(cpu: number, memory: number, usedPorts: readonly number[]): ECS.Resource[] {
  return [
    { name: 'CPU', type: 'INTEGER', integerValue: cpu },
    { name: 'MEMORY', type: 'INTEGER', integerValue: memory },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: [...RESERVED_PORTS, ...usedPorts].map(String) },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] },
  ];
}

export function describeService(
  service: ServiceState,
  tasks: readonly TaskState[],
  clusterArn: string,
): ECS.Service {
  const live = tasks.filter(
    (task) => task.group === `service:${service.name}` && task.desiredStatus === 'RUNNING',
  );
  const runningCount = live.filter((task) => task.lastStatus === 'RUNNING').length;
  const pendingCount = live.length - runningCount;
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn,
    status: 'ACTIVE',
    desiredCount: service.desiredCount,
    runningCount,
    pendingCount,
    launchType: service.launchType,
    taskDefinition: service.definition.arn,
    schedulingStrategy: 'REPLICA',
    deploymentConfiguration: {
      minimumHealthyPercent: service.minimumHealthyPercent,
      maximumPercent: service.maximumPercent,
    },
    deployments: [
      {
        id: service.deploymentId,
        status: 'PRIMARY',
        taskDefinition: service.definition.arn,
        desiredCount: service.desiredCount,
        runningCount,
        pendingCount,
        launchType: service.launchType,
        rolloutState: 'COMPLETED',
        createdAt: date(service.createdAt),
        updatedAt: date(service.updatedAt),
      },
    ],
    events: [],
    createdAt: date(service.createdAt),
  };
}

export function describeTaskDefinition(definition: TaskDefinition): ECS.TaskDefinition {
  return {
    taskDefinitionArn: definition.arn,
    family: definition.family,
    revision: definition.revision,
    status: 'ACTIVE',
    networkMode: definition.networkMode ?? 'bridge',
    requiresCompatibilities: definition.requiresCompatibilities,
    cpu: definition.cpu === undefined ? undefined : String(definition.cpu),
    memory: definition.memory === undefined ? undefined : String(definition.memory),
    containerDefinitions: definition.containers.map((container) => ({
      name: container.name,
      image: container.image,
      cpu: container.cpu,
      memory: container.memory,
      essential: container.essential,
      portMappings: container.portMappings?.map((mapping) => ({ protocol: 'tcp', ...mapping })),
    })),
    registeredAt: date(definition.registeredAt),
  };
}

/** The JSON form EventBridge carries: ISO time strings, no undefined fields. */
export function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    return Object.fromEntries(entries.map(([key, field]) => [key, toJson(field)]));
  }
  return value;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The simulator's internal state: what ECS knows about each resource, before it is rendered for the API. */
import type { LifecyclePath, TaskStatus } from './lifecycle.js';

/** How a container ends, decided when its task definition is registered (or overridden per task). */
export type ContainerBehaviour =
  /** Runs until the task is stopped; then exits with `sigtermExitCode` (143 by default: killed by SIGTERM). */
  | { kind: 'run'; sigtermExitCode?: number }
  /** Exits by itself `afterMs` after the task reached RUNNING. */
  | { kind: 'exit'; exitCode: number; afterMs: number }
  /** Killed by the kernel for exceeding its memory `afterMs` after RUNNING: exit 137. */
  | { kind: 'oom'; afterMs: number }
  /** Its image cannot be pulled: the task stops before RUNNING. */
  | { kind: 'pullFailure'; reason?: string };

export interface PortMapping {
  containerPort: number;
  /** 0 or absent in bridge mode: a dynamic port; in host and awsvpc mode it equals containerPort. */
  hostPort?: number;
  protocol?: 'tcp' | 'udp';
}

export interface ContainerSpec {
  name: string;
  image: string;
  cpu: number;
  memory: number;
  essential: boolean;
  portMappings?: PortMapping[];
  behaviour?: ContainerBehaviour;
}

export interface TaskDefinitionSpec {
  family: string;
  containers: ContainerSpec[];
  cpu?: number;
  memory?: number;
  requiresCompatibilities?: ('EC2' | 'FARGATE')[];
  networkMode?: 'bridge' | 'host' | 'awsvpc';
}

export interface TaskDefinition extends TaskDefinitionSpec {
  arn: string;
  revision: number;
  registeredAt: number;
}

export interface ContainerState {
  arn: string;
  spec: ContainerSpec;
  behaviour: ContainerBehaviour;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
  /** Host ports bound on an EC2 instance (static and dynamic). */
  bindings: { containerPort: number; hostPort: number; protocol: 'tcp' | 'udp' }[];
}

export interface NetworkInterface {
  attachmentId: string;
  eniId: string;
  subnetId: string;
  macAddress: string;
  privateIpv4Address: string;
}

export type StopCode =
  | 'EssentialContainerExited'
  | 'TaskFailedToStart'
  | 'UserInitiated'
  | 'ServiceSchedulerInitiated'
  | 'SpotInterruption'
  | 'TerminationNotice';

/** The one transition a task is waiting for, and when it is due. */
export type TaskTimer =
  | { at: number; kind: 'start' }
  | { at: number; kind: 'stop' }
  | { at: number; kind: 'containerExit'; container: string };

export interface TaskState {
  arn: string;
  id: string;
  cluster: string;
  definition: TaskDefinition;
  launchType: 'FARGATE' | 'EC2';
  capacityProviderName?: string;
  containerInstanceArn?: string;
  availabilityZone: string;
  path: LifecyclePath;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  group: string;
  startedBy?: string;
  overrides: Record<string, unknown>;
  cpu: number;
  memory: number;
  /** Static host ports the task holds on its instance. */
  hostPorts: number[];
  /** The elastic network interface of a full-path (awsvpc) task. */
  eni?: NetworkInterface;
  containers: ContainerState[];
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  stopCode?: StopCode;
  stoppedReason?: string;
  version: number;
  timer?: TaskTimer;
}

export interface InstanceState {
  arn: string;
  id: string;
  cluster: string;
  ec2InstanceId: string;
  autoScalingGroup?: string;
  availabilityZone: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  agentConnected: boolean;
  cpu: number;
  memory: number;
  registeredAt: number;
  updatedAt: number;
  version: number;
  /** The counts and remaining resources last published, to tell whether a task change changed the instance. */
  published: string;
}

export interface ServiceState {
  arn: string;
  name: string;
  cluster: string;
  definition: TaskDefinition;
  desiredCount: number;
  launchType: 'FARGATE' | 'EC2';
  minimumHealthyPercent: number;
  maximumPercent: number;
  deploymentId: string;
  createdAt: number;
  updatedAt: number;
}

export interface ClusterState {
  name: string;
  arn: string;
  /** Capacity provider name → Auto Scaling group name, for EC2 capacity providers. */
  capacityProviders: Map<string, string>;
}

/** Ports every ECS-optimised AMI reserves (SSH, Docker, the agent's introspection API). */
export const RESERVED_PORTS = [22, 2376, 2375, 51678, 51679];

/**
 * The ECS API over the simulated cluster, with AWS's semantics and error codes: what the local endpoint
 * serves for ECS. Names and ARNs are accepted wherever ECS accepts both.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { AwsError } from '../endpoint/aws-error.js';
import type { EcsBackend } from '../endpoint/backends.js';
import { EcsEngine } from './engine.js';
import type { ClusterState, InstanceState, ServiceState, TaskDefinition, TaskState } from './model.js';
import { describeInstance, describeService, describeTask, describeTaskDefinition } from './render.js';
import { invalidParameter, lastSegment, paginate, parseInstanceFilter } from './requests.js';
import { containerOverrides } from './task-spec.js';

interface RememberedRun {
  fingerprint: string;
  at: number;
  taskArns: string[];
  failures: ECS.Failure[];
}

const FARGATE_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

export class SimulatedEcs extends EcsEngine implements EcsBackend {
  /** RunTask clientTokens by cluster and token. */
  private readonly runs = new Map<string, RememberedRun>();

  runTask(input: ECS.RunTaskRequest): ECS.RunTaskResponse {
    const cluster = this.cluster(input.cluster);
    const definition = this.definition(input.taskDefinition);
    const count = input.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 10) {
      throw invalidParameter('count must be an integer between 1 and 10.');
    }
    const now = this.options.now();
    const remembered = this.remembered(cluster, input, now);
    if (remembered) return remembered;
    const placement = this.launchTarget(cluster, definition, input);
    const overrides = this.overrides(definition, input.overrides);
    if (placement.launchType === 'EC2' && !this.hasInstances(cluster)) {
      throw invalidParameter('No Container Instances were found in your cluster.');
    }
    const { tasks, failures } = this.launch(
      {
        cluster,
        definition,
        count,
        ...placement,
        group: input.group ?? `family:${definition.family}`,
        startedBy: input.startedBy,
        overrides,
      },
      now,
    );
    const response = { tasks: tasks.map((task) => this.describe(task)), failures: dedupe(failures) };
    if (input.clientToken) {
      this.runs.set(`${cluster.name}/${input.clientToken}`, {
        fingerprint: fingerprint(input),
        at: now,
        taskArns: tasks.map((task) => task.arn),
        failures: response.failures,
      });
    }
    return response;
  }

  startTask(input: ECS.StartTaskRequest): ECS.StartTaskResponse {
    const cluster = this.cluster(input.cluster);
    const definition = this.definition(input.taskDefinition);
    const references = input.containerInstances ?? [];
    if (references.length < 1 || references.length > 10) {
      throw invalidParameter('containerInstances must list between 1 and 10 container instances.');
    }
    const missing: ECS.Failure[] = [];
    const instances = references.flatMap((reference) => {
      const instance = this.instance(cluster, reference);
      if (!instance) missing.push({ arn: reference, reason: 'MISSING' });
      return instance ? [instance] : [];
    });
    const { tasks, failures } = this.launch(
      {
        cluster,
        definition,
        count: instances.length,
        launchType: 'EC2',
        containerInstances: instances,
        group: input.group ?? `family:${definition.family}`,
        startedBy: input.startedBy,
        overrides: this.overrides(definition, input.overrides),
      },
      this.options.now(),
    );
    return { tasks: tasks.map((task) => this.describe(task)), failures: [...missing, ...failures] };
  }

  stopTask(input: ECS.StopTaskRequest): ECS.StopTaskResponse {
    const cluster = this.cluster(input.cluster);
    const task = input.task === undefined ? undefined : this.task(cluster, input.task);
    if (!task) throw invalidParameter('The referenced task was not found.');
    const now = this.options.now();
    this.requestStop(task, now, 'UserInitiated', input.reason ?? 'Task stopped by user');
    this.runServices(now);
    return { task: this.describe(task) };
  }

  describeTasks(input: ECS.DescribeTasksRequest): ECS.DescribeTasksResponse {
    const cluster = this.cluster(input.cluster);
    const { found: tasks, failures } = describeEach(
      input.tasks,
      100,
      'tasks must list between 1 and 100 tasks.',
      {
        find: (reference) => this.task(cluster, reference),
        describe: (task) => this.describe(task),
      },
    );
    return { tasks, failures };
  }

  listTasks(input: ECS.ListTasksRequest): ECS.ListTasksResponse {
    const cluster = this.cluster(input.cluster);
    // ECS lists RUNNING by default: tasks meant to run, including those still on their way up.
    const desiredStatus = input.desiredStatus ?? 'RUNNING';
    const instance = input.containerInstance && this.instance(cluster, input.containerInstance);
    if (input.containerInstance && !instance) return { taskArns: [] };
    const matches = [...this.tasks.values()].filter(
      (task) =>
        task.cluster === cluster.name &&
        task.desiredStatus === desiredStatus &&
        (!instance || task.containerInstanceArn === instance.arn) &&
        (input.startedBy === undefined || task.startedBy === input.startedBy) &&
        (input.family === undefined || task.definition.family === input.family) &&
        (input.serviceName === undefined || task.group === `service:${lastSegment(input.serviceName)}`) &&
        (input.launchType === undefined || task.launchType === input.launchType),
    );
    const { page, nextToken } = paginate(matches, input.maxResults, input.nextToken);
    return { taskArns: page.map((task) => task.arn), nextToken };
  }

  /** Every cluster, in the order it was created (ECS lists no inactive ones; the simulator deletes none). */
  listClusters(input: ECS.ListClustersRequest): ECS.ListClustersResponse {
    const { page, nextToken } = paginate([...this.clusters.values()], input.maxResults, input.nextToken);
    return { clusterArns: page.map((cluster) => cluster.arn), nextToken };
  }

  describeServices(input: ECS.DescribeServicesRequest): ECS.DescribeServicesResponse {
    const cluster = this.cluster(input.cluster);
    const { found: services, failures } = describeEach(
      input.services,
      10,
      'services must list between 1 and 10 services.',
      {
        find: (reference) => this.service(cluster, reference),
        describe: (service) => describeService(service, this.clusterTasks(cluster), cluster.arn),
        arnOf: (reference) => this.serviceArn(cluster, reference),
      },
    );
    return { services, failures };
  }

  updateService(input: ECS.UpdateServiceRequest): ECS.UpdateServiceResponse {
    const cluster = this.cluster(input.cluster);
    const service = input.service === undefined ? undefined : this.service(cluster, input.service);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    if (input.taskDefinition !== undefined && this.definition(input.taskDefinition) !== service.definition) {
      throw invalidParameter(
        'The simulated cluster does not deploy new task definitions; only desiredCount changes.',
      );
    }
    if (input.desiredCount !== undefined) {
      if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) {
        throw invalidParameter('desiredCount must be a non-negative integer.');
      }
      service.desiredCount = input.desiredCount;
    }
    const deployment = input.deploymentConfiguration;
    service.minimumHealthyPercent = deployment?.minimumHealthyPercent ?? service.minimumHealthyPercent;
    service.maximumPercent = deployment?.maximumPercent ?? service.maximumPercent;
    const now = this.options.now();
    service.updatedAt = now;
    this.runServices(now);
    return { service: describeService(service, this.clusterTasks(cluster), cluster.arn) };
  }

  listContainerInstances(input: ECS.ListContainerInstancesRequest): ECS.ListContainerInstancesResponse {
    const cluster = this.cluster(input.cluster);
    const ec2InstanceId = input.filter === undefined ? undefined : parseInstanceFilter(input.filter);
    const matches = [...this.instances.values()].filter(
      (instance) =>
        instance.cluster === cluster.name &&
        (input.status === undefined ? instance.status !== 'INACTIVE' : instance.status === input.status) &&
        (ec2InstanceId === undefined || instance.ec2InstanceId === ec2InstanceId),
    );
    const { page, nextToken } = paginate(matches, input.maxResults, input.nextToken);
    return { containerInstanceArns: page.map((instance) => instance.arn), nextToken };
  }

  describeContainerInstances(
    input: ECS.DescribeContainerInstancesRequest,
  ): ECS.DescribeContainerInstancesResponse {
    const cluster = this.cluster(input.cluster);
    const { found: containerInstances, failures } = describeEach(
      input.containerInstances,
      100,
      'containerInstances must list between 1 and 100 container instances.',
      {
        find: (reference) => this.instance(cluster, reference),
        describe: (instance) => describeInstance(instance, this.clusterTasks(cluster)),
      },
    );
    return { containerInstances, failures };
  }

  updateContainerInstancesState(
    input: ECS.UpdateContainerInstancesStateRequest,
  ): ECS.UpdateContainerInstancesStateResponse {
    const cluster = this.cluster(input.cluster);
    const status = input.status;
    if (status !== 'ACTIVE' && status !== 'DRAINING') {
      throw invalidParameter('Container instance status can only be updated to ACTIVE or DRAINING.');
    }
    const now = this.options.now();
    const containerInstances: InstanceState[] = [];
    const failures: ECS.Failure[] = [];
    for (const reference of input.containerInstances ?? []) {
      const instance = this.instance(cluster, reference);
      if (!instance) failures.push({ arn: reference, reason: 'MISSING' });
      else if (instance.status === 'INACTIVE') failures.push({ arn: instance.arn, reason: 'INACTIVE' });
      else {
        this.setInstanceStatus(instance, status, now);
        containerInstances.push(instance);
      }
    }
    // Draining moves service tasks elsewhere; standalone tasks keep running until they end or are stopped.
    this.runServices(now);
    const tasks = this.clusterTasks(cluster);
    return {
      containerInstances: containerInstances.map((instance) => describeInstance(instance, tasks)),
      failures,
    };
  }

  describeTaskDefinition(input: ECS.DescribeTaskDefinitionRequest): ECS.DescribeTaskDefinitionResponse {
    return { taskDefinition: describeTaskDefinition(this.definition(input.taskDefinition)) };
  }

  // ---- request helpers -----------------------------------------------------------------------------------

  private cluster(reference: string | undefined): ClusterState {
    const cluster = this.clusters.get(lastSegment(reference ?? 'default'));
    if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }

  private definition(reference: string | undefined): TaskDefinition {
    const definition = reference === undefined ? undefined : this.findDefinition(reference);
    if (!definition) throw new AwsError('ClientException', 'Unable to describe task definition.');
    return definition;
  }

  private task(cluster: ClusterState, reference: string): TaskState | undefined {
    const id = lastSegment(reference);
    return [...this.tasks.values()].find((task) => task.cluster === cluster.name && task.id === id);
  }

  private instance(cluster: ClusterState, reference: string): InstanceState | undefined {
    const id = lastSegment(reference);
    return [...this.instances.values()].find(
      (instance) => instance.cluster === cluster.name && instance.id === id,
    );
  }

  private service(cluster: ClusterState, reference: string): ServiceState | undefined {
    return this.services.get(this.serviceArn(cluster, reference));
  }

  private serviceArn(cluster: ClusterState, reference: string): string {
    return `arn:aws:ecs:${this.region}:${this.account}:service/${cluster.name}/${lastSegment(reference)}`;
  }

  private clusterTasks(cluster: ClusterState): TaskState[] {
    return [...this.tasks.values()].filter((task) => task.cluster === cluster.name);
  }

  private hasInstances(cluster: ClusterState): boolean {
    return [...this.instances.values()].some(
      (instance) => instance.cluster === cluster.name && instance.status !== 'INACTIVE',
    );
  }

  private describe(task: TaskState): ECS.Task {
    return describeTask(task, this.clusterArn(task.cluster));
  }

  /** A repeated clientToken: the tasks of the first call, or an error if the request is not the same. */
  private remembered(
    cluster: ClusterState,
    input: ECS.RunTaskRequest,
    now: number,
  ): ECS.RunTaskResponse | undefined {
    if (!input.clientToken) return undefined;
    const key = `${cluster.name}/${input.clientToken}`;
    const run = this.runs.get(key);
    if (!run || now - run.at >= this.timings.clientTokenWindowMs) return undefined;
    if (run.fingerprint !== fingerprint(input)) {
      throw invalidParameter('The clientToken was already used with different parameters.');
    }
    const tasks = run.taskArns.flatMap((arn) => {
      const task = this.tasks.get(arn);
      return task ? [this.describe(task)] : [];
    });
    return { tasks, failures: run.failures };
  }

  /** Launch type and placement restrictions from launchType or a capacity provider strategy. */
  private launchTarget(
    cluster: ClusterState,
    definition: TaskDefinition,
    input: ECS.RunTaskRequest,
  ): { launchType: 'FARGATE' | 'EC2'; capacityProviderName?: string; autoScalingGroup?: string } {
    const strategy = input.capacityProviderStrategy ?? [];
    if (input.launchType && strategy.length > 0) {
      throw invalidParameter(
        'Specifying both a launch type and capacity provider strategy is not supported.',
      );
    }
    // The simulator honours the first provider of a strategy; weights and bases only matter across providers.
    const provider = strategy[0]?.capacityProvider;
    let target: { launchType: 'FARGATE' | 'EC2'; capacityProviderName?: string; autoScalingGroup?: string };
    if (provider === undefined) {
      const launchType = input.launchType ?? 'EC2';
      if (launchType !== 'EC2' && launchType !== 'FARGATE') {
        throw invalidParameter(`The simulated cluster does not support launch type ${launchType}.`);
      }
      target = { launchType };
    } else if (FARGATE_PROVIDERS.has(provider)) {
      target = { launchType: 'FARGATE', capacityProviderName: provider };
    } else {
      const autoScalingGroup = cluster.capacityProviders.get(provider);
      if (autoScalingGroup === undefined) {
        throw invalidParameter(
          'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.',
        );
      }
      target = { launchType: 'EC2', capacityProviderName: provider, autoScalingGroup };
    }
    const compatibilities = definition.requiresCompatibilities;
    if (target.launchType === 'FARGATE' && !compatibilities?.includes('FARGATE')) {
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    }
    return target;
  }

  /** Overrides as the task will carry them; naming a container the definition lacks is a client error. */
  private overrides(
    definition: TaskDefinition,
    overrides: ECS.TaskOverride | undefined,
  ): Record<string, unknown> {
    const given = { ...overrides } as Record<string, unknown>;
    for (const override of containerOverrides(given)) {
      if (!definition.containers.some((container) => container.name === override.name)) {
        throw invalidParameter(
          `Override for container named ${override.name} is not a container in the TaskDefinition.`,
        );
      }
    }
    return given;
  }
}

/** The request as it matters for idempotency: everything but the token itself, keys in a stable order. */
function fingerprint(input: ECS.RunTaskRequest): string {
  const { clientToken: _token, ...rest } = input;
  return canonical(rest);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonical(field)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function dedupe(failures: readonly ECS.Failure[]): ECS.Failure[] {
  const seen = new Set<string>();
  return failures.filter((failure) => {
    const key = `${failure.arn} ${failure.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A Describe* call's answer, as ECS gives it: each reference described, or listed in `failures` as MISSING;
 * a list that is empty or longer than `limit` is refused with `refusal`.
 */
function describeEach<Found, Described>(
  references: readonly string[] | undefined,
  limit: number,
  refusal: string,
  lookUp: {
    find: (reference: string) => Found | undefined;
    describe: (found: Found) => Described;
    arnOf?: (reference: string) => string;
  },
): { found: Described[]; failures: ECS.Failure[] } {
  if (references === undefined || references.length === 0 || references.length > limit) {
    throw invalidParameter(refusal);
  }
  const found: Described[] = [];
  const failures: ECS.Failure[] = [];
  for (const reference of references) {
    const item = lookUp.find(reference);
    if (item !== undefined) found.push(lookUp.describe(item));
    else failures.push({ arn: lookUp.arnOf?.(reference) ?? reference, reason: 'MISSING' });
  }
  return { found, failures };
}

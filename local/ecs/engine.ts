/**
 * The cluster's state and how it moves: task lifecycles driven by timers, container instances whose counts
 * follow their tasks, the service scheduler, and injected faults. Every change to a task or container
 * instance bumps its `version` by one and emits exactly one event, stamped with the time the change was due
 * (so the story does not depend on how often the driver calls `step`).
 */
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { SimulatedAutoScaling } from '../auto-scaling/auto-scaling.js';
import { digits, hexId, uuid } from '../random.js';
import { envelope } from './events.js';
import {
  containersStopped,
  DEFAULT_TIMINGS,
  dwellMs,
  initialStatus,
  type LifecycleTimings,
  nextStartStatus,
  nextStopStatus,
  pathFor,
  stopDelayMs,
} from './lifecycle.js';
import type {
  ClusterState,
  ContainerState,
  InstanceState,
  NetworkInterface,
  ServiceState,
  StopCode,
  TaskDefinition,
  TaskDefinitionSpec,
  TaskState,
} from './model.js';
import { type HostCapacity, misfit, placeTasks } from './placement.js';
import { describeInstance, describeTask, instanceLoad, toJson } from './render.js';
import { parseTaskDefinition } from './requests.js';
import { decide } from './scheduler.js';
import { bindPorts, containerOverrides, sigtermExitCode, taskDemand } from './task-spec.js';

export interface SimulatedEcsOptions {
  now: () => number;
  random: () => number;
  emit: (event: EventEnvelope) => void;
  account?: string;
  region?: string;
  timings?: Partial<LifecycleTimings>;
}

export interface LaunchRequest {
  cluster: ClusterState;
  definition: TaskDefinition;
  count: number;
  launchType: 'FARGATE' | 'EC2';
  capacityProviderName?: string;
  /** EC2 only: the Auto Scaling group a capacity provider restricts placement to. */
  autoScalingGroup?: string;
  /** StartTask: one task on each of these container instances instead of placement. */
  containerInstances?: InstanceState[];
  group: string;
  startedBy?: string;
  overrides: Record<string, unknown>;
}

/** A task that could not be launched: the container instance at fault and why (RESOURCE:MEMORY, AGENT, …). */
export interface LaunchFailure {
  arn: string;
  reason: string;
}

/** What the sandbox sees: every task and container instance as its latest event's `detail` carries it. */
export interface SimSnapshot {
  tasks: Record<string, unknown>[];
  containerInstances: Record<string, unknown>[];
}

const OOM_EXIT = 137;
const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

export class EcsEngine {
  readonly account: string;
  readonly region: string;
  /** The EC2 Auto Scaling backend for the same sandbox; its terminations deregister container instances. */
  readonly autoScaling: SimulatedAutoScaling;
  protected readonly timings: LifecycleTimings;
  protected readonly clusters = new Map<string, ClusterState>();
  protected readonly definitions = new Map<string, TaskDefinition[]>();
  /** By ARN, in launch order (which is also ListTasks order). */
  protected readonly tasks = new Map<string, TaskState>();
  protected readonly instances = new Map<string, InstanceState>();
  protected readonly services = new Map<string, ServiceState>();

  constructor(protected readonly options: SimulatedEcsOptions) {
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.autoScaling = new SimulatedAutoScaling({
      now: options.now,
      random: options.random,
      emit: options.emit,
      account: this.account,
      region: this.region,
      onTerminated: (ec2InstanceId) => this.deregister(ec2InstanceId),
    });
  }

  // ---- sandbox setup -------------------------------------------------------------------------------------

  /** Creates a cluster (idempotent). `capacityProviders` maps EC2 capacity provider names to their ASGs. */
  createCluster(name: string, options: { capacityProviders?: Record<string, string> } = {}): string {
    const existing = this.clusters.get(name);
    if (existing) return existing.arn;
    const arn = `arn:aws:ecs:${this.region}:${this.account}:cluster/${name}`;
    this.clusters.set(name, {
      name,
      arn,
      capacityProviders: new Map(Object.entries(options.capacityProviders ?? {})),
    });
    return arn;
  }

  /** Registers the next revision of a family and returns its ARN. */
  registerTaskDefinition(spec: TaskDefinitionSpec): string {
    if (spec.containers.length === 0)
      throw new Error(`task definition ${spec.family} needs at least one container`);
    if (!spec.containers.some((container) => container.essential)) {
      throw new Error(`task definition ${spec.family} needs at least one essential container`);
    }
    const revisions = this.definitions.get(spec.family) ?? [];
    const revision = revisions.length + 1;
    const arn = `arn:aws:ecs:${this.region}:${this.account}:task-definition/${spec.family}:${revision}`;
    revisions.push({ ...spec, arn, revision, registeredAt: this.options.now() });
    this.definitions.set(spec.family, revisions);
    return arn;
  }

  /** Registers an EC2 instance with a cluster (ACTIVE, agent connected) and returns its container instance ARN. */
  registerContainerInstance(input: {
    cluster: string;
    ec2InstanceId: string;
    cpu: number;
    memory: number;
    autoScalingGroup?: string;
    availabilityZone?: string;
  }): string {
    const cluster = this.requireCluster(input.cluster);
    const id = hexId(this.options.random);
    const now = this.options.now();
    const availabilityZone = input.availabilityZone ?? `${this.region}a`;
    const instance: InstanceState = {
      arn: `arn:aws:ecs:${this.region}:${this.account}:container-instance/${cluster.name}/${id}`,
      id,
      cluster: cluster.name,
      ec2InstanceId: input.ec2InstanceId,
      autoScalingGroup: input.autoScalingGroup,
      availabilityZone,
      status: 'ACTIVE',
      agentConnected: true,
      cpu: input.cpu,
      memory: input.memory,
      registeredAt: now,
      updatedAt: now,
      version: 0,
      published: '',
    };
    this.instances.set(instance.arn, instance);
    if (input.autoScalingGroup) {
      this.autoScaling.addInstance(input.autoScalingGroup, input.ec2InstanceId, availabilityZone);
    }
    this.commitInstance(instance, now);
    this.runServices(now);
    return instance.arn;
  }

  /** Creates a replica service and lets the scheduler start its tasks; returns the service ARN. */
  createService(input: {
    cluster: string;
    serviceName: string;
    taskDefinition: string;
    desiredCount: number;
    launchType: 'FARGATE' | 'EC2';
    minimumHealthyPercent?: number;
    maximumPercent?: number;
  }): string {
    const cluster = this.requireCluster(input.cluster);
    const definition = this.findDefinition(input.taskDefinition);
    if (!definition) throw new Error(`unknown task definition ${input.taskDefinition}`);
    const now = this.options.now();
    const service: ServiceState = {
      arn: `arn:aws:ecs:${this.region}:${this.account}:service/${cluster.name}/${input.serviceName}`,
      name: input.serviceName,
      cluster: cluster.name,
      definition,
      desiredCount: input.desiredCount,
      launchType: input.launchType,
      minimumHealthyPercent: input.minimumHealthyPercent ?? 100,
      maximumPercent: input.maximumPercent ?? 200,
      deploymentId: `ecs-svc/${digits(this.options.random, 19)}`,
      createdAt: now,
      updatedAt: now,
    };
    this.services.set(service.arn, service);
    this.runServices(now);
    return service.arn;
  }

  // ---- faults --------------------------------------------------------------------------------------------

  /** The task's first essential container exits now, as if it crashed. */
  crashTask(taskArn: string, crash: { exitCode: number; reason?: string }): void {
    const task = this.tasks.get(taskArn);
    if (task?.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') {
      throw new Error(`task ${taskArn} is not running`);
    }
    const container = task.containers.find((candidate) => candidate.spec.essential) as ContainerState;
    this.exitContainer(task, container, this.options.now(), crash.exitCode, crash.reason);
    this.runServices(this.options.now());
  }

  /**
   * A Spot interruption notice: EC2 emits its two-minute warning, and the instance drains with ECS stopping its
   * tasks (ECS_ENABLE_SPOT_INSTANCE_DRAINING).
   */
  interruptSpot(ec2InstanceId: string): void {
    const instance = this.requireLiveInstance(ec2InstanceId);
    const now = this.options.now();
    const context = { id: uuid(this.options.random), account: this.account, region: this.region, at: now };
    this.options.emit(
      envelope(
        context,
        'aws.ec2',
        'EC2 Spot Instance Interruption Warning',
        [`arn:aws:ec2:${this.region}:${this.account}:instance/${ec2InstanceId}`],
        { 'instance-id': ec2InstanceId, 'instance-action': 'terminate' },
      ),
    );
    this.setInstanceStatus(instance, 'DRAINING', now);
    for (const task of this.liveTasksOn(instance)) {
      this.requestStop(task, now, 'SpotInterruption', 'Your Spot Task was interrupted.');
    }
    this.runServices(now);
  }

  /**
   * Scale-in of the instance. In an Auto Scaling group it waits in Terminating:Wait for its lifecycle hook
   * (see `autoScaling`); otherwise it terminates at once.
   */
  terminateInstance(ec2InstanceId: string): void {
    this.requireLiveInstance(ec2InstanceId);
    if (!this.autoScaling.beginTermination(ec2InstanceId)) this.deregister(ec2InstanceId);
  }

  /** The ECS agent loses (or regains) its connection; disconnected instances get no new tasks. */
  setAgentConnected(ec2InstanceId: string, connected: boolean): void {
    const instance = this.requireLiveInstance(ec2InstanceId);
    if (instance.agentConnected === connected) return;
    instance.agentConnected = connected;
    this.commitInstance(instance, this.options.now());
  }

  // ---- time ----------------------------------------------------------------------------------------------

  /** Applies every transition due at or before now(), then lets the service scheduler act once. */
  step(): void {
    const now = this.options.now();
    this.autoScaling.step();
    for (let task = this.nextDueTask(now); task; task = this.nextDueTask(now)) this.fire(task);
    this.runServices(now);
  }

  /**
   * Moves time to `until` through every transition due on the way, each applied at its own time: a crashed
   * task is replaced when it crashes, not whenever the driver next looks. The driver owns the clock `now`
   * reads; `moveClock` sets it.
   */
  advanceTo(until: number, moveClock: (at: number) => void): void {
    for (let due = this.nextDueAt(); due !== undefined && due <= until; due = this.nextDueAt()) {
      moveClock(Math.max(this.options.now(), due));
      this.step();
    }
    moveClock(until);
    this.step();
  }

  /** When the next transition is due, so a driver can jump the clock there; undefined when all is quiet. */
  nextDueAt(): number | undefined {
    const times = [...this.tasks.values()].flatMap((task) => (task.timer ? [task.timer.at] : []));
    const hook = this.autoScaling.nextDueAt();
    if (hook !== undefined) times.push(hook);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  snapshot(): SimSnapshot {
    return {
      tasks: [...this.tasks.values()].map((task) => this.taskDetail(task)),
      containerInstances: [...this.instances.values()].map((instance) => this.instanceDetail(instance)),
    };
  }

  // ---- lookups shared with the API -----------------------------------------------------------------------

  protected requireCluster(name: string): ClusterState {
    const cluster = this.clusters.get(name);
    if (!cluster) throw new Error(`unknown cluster ${name}`);
    return cluster;
  }

  protected findDefinition(reference: string): TaskDefinition | undefined {
    const { family, revision } = parseTaskDefinition(reference);
    const revisions = this.definitions.get(family) ?? [];
    return revision === undefined ? revisions.at(-1) : revisions.find((item) => item.revision === revision);
  }

  protected clusterArn(name: string): string {
    return `arn:aws:ecs:${this.region}:${this.account}:cluster/${name}`;
  }

  protected liveTasksOn(instance: InstanceState): TaskState[] {
    return [...this.tasks.values()].filter(
      (task) => task.containerInstanceArn === instance.arn && task.lastStatus !== 'STOPPED',
    );
  }

  protected hostCapacity(instance: InstanceState): HostCapacity {
    const load = instanceLoad(instance, [...this.tasks.values()]);
    return {
      arn: instance.arn,
      status: instance.status,
      agentConnected: instance.agentConnected,
      cpu: load.remainingCpu,
      memory: load.remainingMemory,
      usedPorts: load.usedPorts,
    };
  }

  // ---- launching -----------------------------------------------------------------------------------------

  /** Places and creates tasks; what cannot be placed comes back as RunTask failures. */
  protected launch(request: LaunchRequest, at: number): { tasks: TaskState[]; failures: LaunchFailure[] } {
    const demand = taskDemand(request.definition, request.overrides);
    let hostsFor: (string | undefined)[];
    let failures: LaunchFailure[] = [];
    if (request.launchType === 'FARGATE') {
      hostsFor = Array.from({ length: request.count }, () => undefined);
    } else if (request.containerInstances) {
      hostsFor = [];
      for (const instance of request.containerInstances) {
        // StartTask names its instances, but ECS still refuses ones that are not ACTIVE or lack resources.
        const reason =
          instance.status === 'ACTIVE' ? misfit(this.hostCapacity(instance), demand) : instance.status;
        if (reason) failures.push({ arn: instance.arn, reason });
        else hostsFor.push(instance.arn);
      }
    } else {
      const candidates = [...this.instances.values()].filter(
        (instance) =>
          instance.cluster === request.cluster.name &&
          (request.autoScalingGroup === undefined || instance.autoScalingGroup === request.autoScalingGroup),
      );
      const result = placeTasks(
        candidates.map((instance) => this.hostCapacity(instance)),
        demand,
        request.count,
        this.options.random,
      );
      hostsFor = result.placements;
      failures = result.failures;
    }
    const tasks = hostsFor.map((host) =>
      this.createTask(request, host ? this.instances.get(host) : undefined, at),
    );
    return { tasks, failures };
  }

  private createTask(request: LaunchRequest, instance: InstanceState | undefined, at: number): TaskState {
    const { definition, cluster } = request;
    const id = hexId(this.options.random);
    const arn = `arn:aws:ecs:${this.region}:${this.account}:task/${cluster.name}/${id}`;
    const networkMode = definition.networkMode ?? (request.launchType === 'FARGATE' ? 'awsvpc' : 'bridge');
    const path = pathFor(request.launchType, networkMode);
    const overrides = containerOverrides(request.overrides);
    const taken = instance ? this.hostCapacity(instance).usedPorts.concat(this.dynamicPortsOn(instance)) : [];
    const containers: ContainerState[] = definition.containers.map((spec) => {
      const override = overrides.find((candidate) => candidate.name === spec.name);
      const sized = { ...spec, cpu: override?.cpu ?? spec.cpu, memory: override?.memory ?? spec.memory };
      return {
        arn: `arn:aws:ecs:${this.region}:${this.account}:container/${cluster.name}/${id}/${uuid(this.options.random)}`,
        spec: sized,
        behaviour: spec.behaviour ?? { kind: 'run' },
        lastStatus: 'PENDING',
        bindings: instance && networkMode !== 'awsvpc' ? bindPorts(spec, networkMode, taken) : [],
      };
    });
    const demand = taskDemand(definition, request.overrides);
    const status = initialStatus(path);
    const task: TaskState = {
      arn,
      id,
      cluster: cluster.name,
      definition,
      launchType: request.launchType,
      capacityProviderName: request.capacityProviderName,
      containerInstanceArn: instance?.arn,
      availabilityZone:
        instance?.availabilityZone ?? `${this.region}${'abc'[Math.floor(this.options.random() * 3)]}`,
      path,
      lastStatus: status,
      desiredStatus: 'RUNNING',
      group: request.group,
      startedBy: request.startedBy,
      overrides: {
        ...request.overrides,
        containerOverrides: definition.containers.map(
          (spec) => overrides.find((o) => o.name === spec.name) ?? { name: spec.name },
        ),
      },
      cpu: demand.cpu,
      memory: demand.memory,
      hostPorts: instance ? [...demand.hostPorts] : [],
      eni: path === 'full' ? this.networkInterface() : undefined,
      containers,
      createdAt: at,
      updatedAt: at,
      version: 0,
      timer: { at: at + dwellMs(status, this.timings), kind: 'start' },
    };
    this.tasks.set(arn, task);
    this.commitTask(task, at);
    return task;
  }

  private networkInterface(): NetworkInterface {
    const random = this.options.random;
    const byte = () => Math.floor(random() * 256);
    const mac = Array.from({ length: 6 }, () => byte().toString(16).padStart(2, '0'));
    return {
      attachmentId: uuid(random),
      eniId: `eni-${hexId(random, 17)}`,
      subnetId: 'subnet-0a1b2c3d4e5f60711',
      macAddress: ['0e', ...mac.slice(1)].join(':'),
      privateIpv4Address: `10.0.${byte()}.${1 + Math.floor(random() * 254)}`,
    };
  }

  private dynamicPortsOn(instance: InstanceState): number[] {
    return this.liveTasksOn(instance).flatMap((task) =>
      task.containers.flatMap((container) => container.bindings.map((binding) => binding.hostPort)),
    );
  }

  // ---- transitions ---------------------------------------------------------------------------------------

  private nextDueTask(now: number): TaskState | undefined {
    let due: TaskState | undefined;
    for (const task of this.tasks.values()) {
      if (task.timer && task.timer.at <= now && (!due || task.timer.at < (due.timer?.at ?? 0))) due = task;
    }
    return due;
  }

  private fire(task: TaskState): void {
    const timer = task.timer;
    if (!timer) return;
    task.timer = undefined;
    if (timer.kind === 'start') this.advanceStart(task, timer.at);
    else if (timer.kind === 'stop') this.advanceStop(task, timer.at);
    else {
      const container = task.containers.find((candidate) => candidate.spec.name === timer.container);
      const behaviour = container?.behaviour;
      if (!container || (behaviour?.kind !== 'exit' && behaviour?.kind !== 'oom')) return;
      const oom = behaviour.kind === 'oom';
      this.exitContainer(
        task,
        container,
        timer.at,
        oom ? OOM_EXIT : behaviour.exitCode,
        oom ? OOM_REASON : undefined,
      );
    }
  }

  private advanceStart(task: TaskState, at: number): void {
    if (task.lastStatus === 'PENDING') {
      const failing = task.containers.find((container) => container.behaviour.kind === 'pullFailure');
      if (failing) {
        this.failToStart(task, failing, at);
        return;
      }
      task.pullStartedAt = at - this.timings.pullMs;
      task.pullStoppedAt = at;
    }
    const next = nextStartStatus(task.path, task.lastStatus);
    if (!next) return;
    task.lastStatus = next;
    if (next === 'PENDING') task.connectivityAt = at;
    if (next === 'RUNNING') {
      task.startedAt = at;
      for (const container of task.containers) container.lastStatus = 'RUNNING';
      this.scheduleExit(task, at);
    } else {
      task.timer = { at: at + dwellMs(next, this.timings), kind: 'start' };
    }
    this.commitTask(task, at);
  }

  private advanceStop(task: TaskState, at: number): void {
    const next = nextStopStatus(task.path, task.lastStatus);
    if (!next) return;
    task.lastStatus = next;
    if (containersStopped(next) && task.executionStoppedAt === undefined) {
      task.executionStoppedAt = at;
      for (const container of task.containers) {
        if (container.lastStatus === 'STOPPED') continue;
        const ran = container.lastStatus === 'RUNNING';
        container.lastStatus = 'STOPPED';
        if (ran) container.exitCode = sigtermExitCode(container);
      }
    }
    if (next === 'STOPPED') task.stoppedAt = at;
    else task.timer = { at: at + dwellMs(next, this.timings), kind: 'stop' };
    this.commitTask(task, at);
  }

  /** The image pull failed: the task never runs (ECS reports TaskFailedToStart with the container's reason). */
  private failToStart(task: TaskState, failing: ContainerState, at: number): void {
    const behaviour = failing.behaviour as { kind: 'pullFailure'; reason?: string };
    const reason =
      behaviour.reason ??
      `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${failing.spec.image}: not found`;
    for (const container of task.containers) container.lastStatus = 'STOPPED';
    failing.reason = reason;
    task.desiredStatus = 'STOPPED';
    task.stopCode = 'TaskFailedToStart';
    task.stoppedReason = reason;
    task.pullStartedAt = at - this.timings.pullMs;
    task.pullStoppedAt = at;
    task.stoppingAt = at;
    task.executionStoppedAt = at;
    task.lastStatus = task.path === 'full' ? 'DEPROVISIONING' : 'STOPPED';
    if (task.lastStatus === 'STOPPED') task.stoppedAt = at;
    else task.timer = { at: at + this.timings.deprovisioningMs, kind: 'stop' };
    this.commitTask(task, at);
  }

  /** A container exits on its own; if it is essential, ECS stops the whole task in the same change. */
  private exitContainer(
    task: TaskState,
    container: ContainerState,
    at: number,
    exitCode: number,
    reason?: string,
  ) {
    container.lastStatus = 'STOPPED';
    container.exitCode = exitCode;
    container.reason = reason;
    if (container.spec.essential) {
      this.requestStop(task, at, 'EssentialContainerExited', 'Essential container in task exited');
    } else {
      this.scheduleExit(task, at);
      this.commitTask(task, at);
    }
  }

  /** Arms the timer for the earliest container that will exit by itself, if any. */
  private scheduleExit(task: TaskState, at: number): void {
    const startedAt = task.startedAt ?? at;
    let earliest: { at: number; name: string } | undefined;
    for (const container of task.containers) {
      const behaviour = container.behaviour;
      if (container.lastStatus !== 'RUNNING' || (behaviour.kind !== 'exit' && behaviour.kind !== 'oom'))
        continue;
      const exitAt = Math.max(at, startedAt + behaviour.afterMs);
      if (!earliest || exitAt < earliest.at) earliest = { at: exitAt, name: container.spec.name };
    }
    task.timer = earliest && { at: earliest.at, kind: 'containerExit', container: earliest.name };
  }

  /** Sets desiredStatus STOPPED with the stop code and reason; the lifecycle then runs down to STOPPED. */
  protected requestStop(task: TaskState, at: number, stopCode: StopCode, reason: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAt = at;
    task.timer = { at: at + stopDelayMs(task.path, task.lastStatus, this.timings), kind: 'stop' };
    this.commitTask(task, at);
  }

  /** The EC2 instance is gone: its tasks stop at once and the container instance becomes INACTIVE. */
  private deregister(ec2InstanceId: string): void {
    const instance = [...this.instances.values()].find(
      (candidate) => candidate.ec2InstanceId === ec2InstanceId && candidate.status !== 'INACTIVE',
    );
    if (!instance) return;
    const at = this.options.now();
    for (const task of this.liveTasksOn(instance)) {
      task.desiredStatus = 'STOPPED';
      task.lastStatus = 'STOPPED';
      task.stopCode ??= 'TerminationNotice';
      task.stoppedReason ??= `Host EC2 (instance ${ec2InstanceId}) terminated.`;
      task.stoppingAt ??= at;
      task.executionStoppedAt ??= at;
      task.stoppedAt = at;
      task.timer = undefined;
      for (const container of task.containers) container.lastStatus = 'STOPPED';
      this.commitTask(task, at);
    }
    instance.status = 'INACTIVE';
    instance.agentConnected = false;
    this.commitInstance(instance, at);
    this.runServices(at);
  }

  // ---- the service scheduler -----------------------------------------------------------------------------

  protected runServices(at: number): void {
    for (const service of this.services.values()) this.schedule(service, at);
  }

  private schedule(service: ServiceState, at: number): void {
    const live = [...this.tasks.values()].filter(
      (task) =>
        task.group === `service:${service.name}` &&
        task.cluster === service.cluster &&
        task.desiredStatus === 'RUNNING',
    );
    const onDraining = (task: TaskState) =>
      task.containerInstanceArn !== undefined &&
      this.instances.get(task.containerInstanceArn)?.status !== 'ACTIVE';
    const draining = live.filter(onDraining);
    const active = live.filter((task) => !onDraining(task));
    const healthy = active.filter((task) => task.lastStatus === 'RUNNING');
    const decision = decide({
      desiredCount: service.desiredCount,
      minimumHealthyPercent: service.minimumHealthyPercent,
      maximumPercent: service.maximumPercent,
      healthy: healthy.length,
      starting: active.length - healthy.length,
      draining: draining.length,
    });
    const reason = `Scaling activity initiated by (deployment ${service.deploymentId})`;
    // Scale-in removes tasks that are not serving yet first, then the newest.
    const byPreference = [...active].sort(
      (a, b) =>
        Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING') || b.createdAt - a.createdAt,
    );
    const victims = [
      ...byPreference.slice(0, decision.stopExcess),
      ...draining.slice(0, decision.stopDraining),
    ];
    for (const task of victims) this.requestStop(task, at, 'ServiceSchedulerInitiated', reason);
    if (decision.start > 0) {
      const cluster = this.requireCluster(service.cluster);
      this.launch(
        {
          cluster,
          definition: service.definition,
          count: decision.start,
          launchType: service.launchType,
          group: `service:${service.name}`,
          startedBy: service.deploymentId,
          overrides: {},
        },
        at,
      );
    }
  }

  // ---- publishing ----------------------------------------------------------------------------------------

  private commitTask(task: TaskState, at: number): void {
    task.version += 1;
    task.updatedAt = at;
    this.publish(at, 'ECS Task State Change', task.arn, this.taskDetail(task));
    const instance = task.containerInstanceArn ? this.instances.get(task.containerInstanceArn) : undefined;
    if (instance) this.commitInstanceIfChanged(instance, at);
  }

  /** ECS bumps an instance's version whenever its task counts or remaining resources change. */
  private commitInstanceIfChanged(instance: InstanceState, at: number): void {
    if (JSON.stringify(instanceLoad(instance, [...this.tasks.values()])) !== instance.published) {
      this.commitInstance(instance, at);
    }
  }

  protected setInstanceStatus(instance: InstanceState, status: 'ACTIVE' | 'DRAINING', at: number): void {
    if (instance.status === status) return;
    instance.status = status;
    this.commitInstance(instance, at);
  }

  private commitInstance(instance: InstanceState, at: number): void {
    instance.version += 1;
    instance.updatedAt = at;
    instance.published = JSON.stringify(instanceLoad(instance, [...this.tasks.values()]));
    this.publish(at, 'ECS Container Instance State Change', instance.arn, this.instanceDetail(instance));
  }

  private publish(at: number, detailType: string, arn: string, detail: object): void {
    const context = { id: uuid(this.options.random), account: this.account, region: this.region, at };
    this.options.emit(envelope(context, 'aws.ecs', detailType, [arn], detail));
  }

  protected taskDetail(task: TaskState): Record<string, unknown> {
    const detail = {
      ...describeTask(task, this.clusterArn(task.cluster)),
      updatedAt: new Date(task.updatedAt),
    };
    return toDetail(detail);
  }

  protected instanceDetail(instance: InstanceState): Record<string, unknown> {
    const described = describeInstance(instance, [...this.tasks.values()]);
    return toDetail({
      ...described,
      clusterArn: this.clusterArn(instance.cluster),
      updatedAt: new Date(instance.updatedAt),
    });
  }

  private requireLiveInstance(ec2InstanceId: string): InstanceState {
    const instance = [...this.instances.values()].find(
      (candidate) => candidate.ec2InstanceId === ec2InstanceId && candidate.status !== 'INACTIVE',
    );
    if (!instance) throw new Error(`no registered container instance runs on ${ec2InstanceId}`);
    return instance;
  }
}

function toDetail(value: object): Record<string, unknown> {
  return toJson(value) as Record<string, unknown>;
}

/**
 * Is this STOPPED task an incident? Pure: the task as ECS reported it, the facts the caller looked up (the task
 * definition and which containers it marks essential, the container instance: draining or not, its EC2
 * instance and zone) and the alerts config. An incident carries what its page tells the responder beyond the
 * exit: the container's image and limits, where its logs went, where it ran, and the runbook.
 *
 * An incident is a stop caused by an essential container: stop code `EssentialContainerExited` (or, in older
 * events without a stop code, the stopped reason "Essential container in task exited"), or `TaskFailedToStart`.
 * Stops someone meant — deployments and scale-in, StopTask, draining instances — are not incidents unless
 * `alerts.pageOn` asks for them; a host that went away (Spot interruption, termination) is never the
 * application's fault.
 */

import { clusterName, parseArn, parseTaskDefinitionArn, resourceId } from '../platform/arn.js';
import { containerLogs } from '../platform/container-logs.js';
import type { Container, TaskDetail } from '../platform/events/ecs-event.js';
import { HOST_GONE_REASON, StopCode, StoppedReasonPrefix } from '../platform/events/stop-codes.js';
import {
  type ContainerDefinition,
  containerDefinition,
  type TaskDefinition,
} from '../platform/task-definitions.js';
import { classifyExit } from './classify.js';
import { type AlertsConfig, severityOf } from './config.js';
import type { Cause, Detection, Incident, Limits } from './model.js';
import { runbookFor } from './runbooks.js';

/** What the caller knows besides the event. */
export interface DetectionFacts {
  /** Names of the containers the task definition marks essential. */
  essentialContainers: ReadonlySet<string>;
  /** The task ran on a container instance that was DRAINING when it stopped. */
  instanceDraining: boolean;
  /** The task's definition as DescribeTaskDefinition gave it; absent when it is not known. */
  taskDefinition?: TaskDefinition;
  /** The EC2 instance of the task's container instance (EXTERNAL: the managed instance), as last stored. */
  ec2InstanceId?: string;
  /** The container instance's Availability Zone, for a task event that gives none. */
  instanceZone?: string;
  region: string;
  account: string;
  /**
   * When resync found the stop (the envelope's time), set when the task comes from resync reading the ECS API
   * instead of from its ECS event (which never arrived): the incident is the same, its page is late.
   */
  foundByResyncAt?: string;
}

type StopKind = 'essential-exit' | 'failed-to-start' | 'deployment' | 'user' | 'host-gone' | 'other';

/** Why ECS stopped the task, from its stop code and (for older events without one) its stopped reason. */
export function stopKind(task: { stopCode?: string; stoppedReason?: string }): StopKind {
  const reason = task.stoppedReason ?? '';
  switch (task.stopCode) {
    case StopCode.EssentialContainerExited:
      return 'essential-exit';
    case StopCode.TaskFailedToStart:
      return 'failed-to-start';
    case StopCode.ServiceSchedulerInitiated:
      return 'deployment';
    case StopCode.UserInitiated:
      return 'user';
    case StopCode.SpotInterruption:
    case StopCode.TerminationNotice:
      return 'host-gone';
  }
  if (reason.startsWith(StoppedReasonPrefix.essentialContainerExited)) return 'essential-exit';
  if (reason.startsWith(StoppedReasonPrefix.serviceScheduler)) return 'deployment';
  if (
    reason.startsWith(StoppedReasonPrefix.userStop) ||
    reason.startsWith(StoppedReasonPrefix.userDeregistration)
  )
    return 'user';
  if (HOST_GONE_REASON.test(reason)) return 'host-gone';
  return 'other';
}

/** What a stored container instance tells a page: its EC2 instance and its `ecs.availability-zone` attribute. */
export function instanceFacts(
  detail: Record<string, unknown> | undefined,
): Pick<DetectionFacts, 'ec2InstanceId' | 'instanceZone'> {
  const found: Pick<DetectionFacts, 'ec2InstanceId' | 'instanceZone'> = {};
  const ec2InstanceId = text(detail?.ec2InstanceId);
  if (ec2InstanceId !== undefined) found.ec2InstanceId = ec2InstanceId;
  const attributes: unknown[] = Array.isArray(detail?.attributes) ? detail.attributes : [];
  const zone = text(
    attributes
      .map((attribute) => attribute as { name?: unknown; value?: unknown } | null)
      .find((attribute) => attribute?.name === 'ecs.availability-zone')?.value,
  );
  if (zone !== undefined) found.instanceZone = zone;
  return found;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const describeStop = (task: TaskDetail): string =>
  [task.stopCode, task.stoppedReason && `"${task.stoppedReason}"`].filter(Boolean).join(' ') ||
  'no stop code';

/** Decides whether a task event is an incident, and if so, describes it. */
export function detectIncident(task: TaskDetail, facts: DetectionFacts, config: AlertsConfig): Detection {
  if (task.lastStatus !== 'STOPPED') {
    return notIncident(`the task is ${task.lastStatus}, not STOPPED`);
  }
  const cluster = clusterName(task.clusterArn);
  if (config.clusters !== undefined && !config.clusters.includes(cluster)) {
    return notIncident(`cluster ${cluster} is not in alerts.clusters (${config.clusters.join(', ')})`);
  }
  const definition = task.taskDefinitionArn ? parseTaskDefinitionArn(task.taskDefinitionArn) : undefined;
  const family =
    definition?.family ??
    (task.group?.startsWith('family:') ? task.group.slice('family:'.length) : 'unknown');
  const group = task.group ?? `family:${family}`;
  if (config.groups !== undefined && !config.groups.includes(group)) {
    return notIncident(`group ${group} is not in alerts.groups (${config.groups.join(', ')})`);
  }

  const kind = stopKind(task);
  const stop = describeStop(task);
  if (kind === 'host-gone') {
    return notIncident(`the host went away (${stop}): not the application's fault`);
  }
  if (kind === 'deployment' && !config.pageOn.deployments) {
    return notIncident(
      `stopped by the service scheduler (${stop}): a deployment or scale-in; alerts.pageOn.deployments is off`,
    );
  }
  if (kind === 'user' && !config.pageOn.userStops) {
    return notIncident(`stopped by a user (${stop}); alerts.pageOn.userStops is off`);
  }
  if (facts.instanceDraining && !config.pageOn.drainingInstances) {
    return notIncident(
      `stopped on a DRAINING container instance (${stop}); alerts.pageOn.drainingInstances is off`,
    );
  }
  // Intended stops that pageOn lets through are paged like essential exits; anything else is not ours to page.
  const paged =
    kind === 'essential-exit' ||
    kind === 'failed-to-start' ||
    kind === 'deployment' ||
    kind === 'user' ||
    facts.instanceDraining;
  if (!paged) {
    return notIncident(`not stopped by an essential container (${stop})`);
  }

  const container = chooseCause(task.containers ?? [], facts.essentialContainers, kind === 'failed-to-start');
  if (container === undefined) {
    const essential = [...facts.essentialContainers].join(', ') || 'none known';
    return notIncident(
      `no essential container (${essential}) of the task reported an exit code or a reason (${stop})`,
    );
  }
  const exitCode = typeof container.exitCode === 'number' ? container.exitCode : undefined;
  const exitClass = classifyExit(container, task);
  if (exitClass === 'clean-exit' && !group.startsWith('service:') && !config.pageOn.finishedTasks) {
    return notIncident(
      `a standalone task finished: its essential container ${container.name} exited 0; alerts.pageOn.finishedTasks is off`,
    );
  }
  const cause: Cause = { container: container.name, exitClass };
  if (exitCode !== undefined) cause.exitCode = exitCode;
  if (container.reason !== undefined) cause.reason = container.reason;

  const stoppedAt = task.stoppedAt ?? task.stoppingAt ?? task.updatedAt ?? '';
  const declared = containerDefinition(facts.taskDefinition, container.name);
  const incident: Incident = {
    key: `${task.taskArn}#${task.stoppedAt ?? `v${task.version}`}`,
    cluster,
    group,
    family,
    revision: definition?.revision ?? 0,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn ?? '',
    cause,
    severity: severityOf(config, exitClass),
    stoppedAt,
    region: facts.region,
    account: facts.account,
    partition: parseArn(task.taskArn)?.partition ?? '',
    limits: limitsOf(task, container, facts.taskDefinition, declared),
    logs: containerLogs(facts.taskDefinition, {
      container: container.name,
      taskId: resourceId(task.taskArn),
      region: facts.region,
      launchType: task.launchType,
    }),
  };
  if (group.startsWith('service:')) incident.service = group.slice('service:'.length);
  if (task.stopCode !== undefined) incident.stopCode = task.stopCode;
  if (task.stoppedReason !== undefined) incident.stoppedReason = task.stoppedReason;
  if (task.launchType !== undefined) incident.launchType = task.launchType;
  if (task.containerInstanceArn !== undefined) incident.containerInstanceArn = task.containerInstanceArn;
  const zone = text(task.availabilityZone) ?? facts.instanceZone;
  if (zone !== undefined) incident.availabilityZone = zone;
  if (facts.ec2InstanceId !== undefined) incident.ec2InstanceId = facts.ec2InstanceId;
  const image = text(container.image) ?? declared?.image;
  if (image !== undefined) incident.image = image;
  const imageDigest = text(container.imageDigest);
  if (imageDigest !== undefined) incident.imageDigest = imageDigest;
  const runtimeId = text(container.runtimeId);
  if (runtimeId !== undefined) incident.runtimeId = runtimeId;
  const runbook = runbookFor(config.runbooks, { group, family, exitClass });
  if (runbook !== undefined) incident.runbook = runbook;
  if (task.createdAt !== undefined) incident.createdAt = task.createdAt;
  if (task.startedAt !== undefined) incident.startedAt = task.startedAt;
  if (facts.foundByResyncAt !== undefined) incident.foundByResyncAt = facts.foundByResyncAt;
  return { kind: 'incident', incident };
}

/** The task's and the container's limits: as the event reports them, else as their definitions declare them. */
function limitsOf(
  task: TaskDetail,
  container: Container,
  definition: TaskDefinition | undefined,
  declared: ContainerDefinition | undefined,
): Limits {
  const limits: Limits = {};
  const set = (key: keyof Limits, reported: unknown, defined: unknown) => {
    const value = amount(reported) ?? amount(defined);
    if (value !== undefined) limits[key] = value;
  };
  set('taskCpu', task.cpu, definition?.cpu);
  set('taskMemory', task.memory, definition?.memory);
  set('cpu', container.cpu, declared?.cpu);
  set('memory', container.memory, declared?.memory);
  set('memoryReservation', container.memoryReservation, declared?.memoryReservation);
  return limits;
}

/**
 * CPU units or MiB: strings in task events and a definition's task-level fields (ECS turns `1 vCPU` and `1 GB`
 * into units and MiB when it registers one), numbers in container definitions. 0 is none set (CPU shared).
 */
function amount(value: unknown): number | undefined {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : 0;
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

/**
 * The essential container that stopped the task: the first with a non-zero exit code, else the first with a
 * reason, else the first that exited at all. A task that failed to start may have no exit or reason on any
 * container; then it is the first essential container. Non-essential containers are never the cause.
 */
function chooseCause(
  containers: readonly Container[],
  essential: ReadonlySet<string>,
  failedToStart: boolean,
): Container | undefined {
  const candidates = containers.filter((container) => essential.has(container.name));
  const exited = (container: Container) => typeof container.exitCode === 'number';
  return (
    candidates.find((container) => exited(container) && container.exitCode !== 0) ??
    candidates.find((container) => container.reason !== undefined && container.reason !== '') ??
    candidates.find(exited) ??
    (failedToStart ? candidates[0] : undefined)
  );
}

const notIncident = (reason: string): Detection => ({ kind: 'not-incident', reason });

/**
 * The words of an alert, in the form every page takes (lib/platform/notification/message.ts). Pure: an incident
 * (or a crash-loop summary) in, an SNS-ready message out. The subject keeps the words that say what happened
 * (an OOM kill with the memory limit it hit); the body reads on a phone at 3 am: short labelled lines answering
 * what broke (container, exit code and reason, image, limits), where (service, task, instance and zone), when,
 * and then what to do next — the runbook, the container's logs, console links in the task's own partition and
 * the ecs-ops commands that show the rest. The JSON has the same facts and a schema version. A stop that resync
 * found (its ECS event never arrived) is paged late, and the page says so: `[late]` in the subject, and first in
 * the body when it was found and how long after the stop.
 */

import { parseArn, resourceId } from '../platform/arn.js';
import {
  type ConsoleScope,
  logGroupConsoleUrl,
  logStreamConsoleUrl,
  serviceConsoleUrl,
  taskConsoleUrl,
} from '../platform/console-links.js';
import {
  type AlertMessage,
  formatDuration,
  foundLateLines,
  LATE_MARK,
  messageAttributes,
  pageSubject,
  severityHeading,
  truncateText,
} from '../platform/notification/message.js';
import type { ExitClass } from './config.js';
import type { CrashLoopSummary, Outage } from './crash-loop.js';
import type { Incident, Limits } from './model.js';
import { type Runbook, type RunbooksConfig, runbookFor } from './runbooks.js';

/** Bumped when a field of `json` changes meaning or goes away. */
export const ALERT_SCHEMA_VERSION = 1;

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

/** `143` → `SIGTERM`; `158` → `signal 30`; undefined when the code is not 128 + a signal. */
export function signalOf(exitCode: number | undefined): string | undefined {
  if (exitCode === undefined || exitCode <= 128 || exitCode > 128 + 64) return undefined;
  const signal = exitCode - 128;
  return SIGNALS[signal] ?? `signal ${signal}`;
}

/** `CannotPullContainerError: pull image manifest…` → `CannotPullContainerError`. */
export function errorName(reason: string | undefined): string | undefined {
  return reason === undefined
    ? undefined
    : /^\s*([A-Za-z][A-Za-z0-9]*(?:Error|Exception))\b/.exec(reason)?.[1];
}

/** The name an on-call engineer knows the workload by: the service, else the family or group. */
export function workloadName(x: { service?: string; group: string }): string {
  if (x.service !== undefined) return x.service;
  const colon = x.group.indexOf(':');
  return colon >= 0 && colon < x.group.length - 1 ? x.group.slice(colon + 1) : x.group;
}

/**
 * What happened, in a few words, e.g. `OOM-killed (exit 137, limit 1024 MiB)`: an OOM kill says the memory limit
 * it hit, the first thing to weigh against the container's needs. `{detail}` stands for the error name.
 */
function whatHappened(
  exitClass: ExitClass,
  exitCode: number | undefined,
  memoryLimit: number | undefined,
): string {
  const code = exitCode === undefined ? '' : ` (exit ${exitCode})`;
  switch (exitClass) {
    case 'oom': {
      const facts = [
        exitCode === undefined ? undefined : `exit ${exitCode}`,
        memoryLimit === undefined ? undefined : `limit ${memoryLimit} MiB`,
      ].filter((fact) => fact !== undefined);
      return `OOM-killed${facts.length === 0 ? '' : ` (${facts.join(', ')})`}`;
    }
    case 'segfault':
      return `crashed: segfault${code}`;
    case 'signal':
      return `killed by ${signalOf(exitCode) ?? 'a signal'}${code}`;
    case 'image-pull':
      return 'failed: image pull{detail}';
    case 'failed-to-start':
      return 'failed to start{detail}';
    case 'app-error':
      return exitCode === undefined ? 'exited with an error' : `exited with code ${exitCode}`;
    case 'clean-exit':
      return exitCode === undefined
        ? 'stopped: essential container exited'
        : `stopped: container exited ${exitCode}`;
  }
}

/** A short label of an exit for a summary: `137 OOM`, `1`, `image pull`. */
function shortExit(exitClass: ExitClass, exitCode: number | undefined): string {
  const label: Record<ExitClass, string> = {
    oom: 'OOM',
    segfault: 'segfault',
    signal: signalOf(exitCode) ?? 'signal',
    'image-pull': 'image pull',
    'failed-to-start': 'failed to start',
    'app-error': '',
    'clean-exit': '',
  };
  const words = label[exitClass];
  if (exitCode === undefined) return `: ${words || exitClass}`;
  return ` exit ${exitCode}${words ? ` ${words}` : ''}`;
}

const isoOrAsGiven = (time: string | undefined): string | undefined => {
  if (time === undefined || time === '') return undefined;
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? time : new Date(parsed).toISOString();
};

function runTime(startedAt: string | undefined, stoppedAt: string | undefined): number | undefined {
  if (startedAt === undefined || stoppedAt === undefined) return undefined;
  const ms = Date.parse(stoppedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Where the task ran: Fargate, or the instance (its EC2 id when the store knows it), and the zone. */
function whereItRan(incident: Incident): string[] {
  const zone = incident.availabilityZone ? `, ${incident.availabilityZone}` : '';
  if (incident.launchType === 'FARGATE') return [`Ran on: Fargate${zone}`];
  const instance = incident.containerInstanceArn ? resourceId(incident.containerInstanceArn) : undefined;
  if (instance === undefined) return [`Ran on: ${incident.launchType ?? 'unknown launch type'}${zone}`];
  const kind = incident.launchType === 'EXTERNAL' ? 'external' : 'EC2';
  if (incident.ec2InstanceId === undefined) return [`Ran on: ${kind} container instance ${instance}${zone}`];
  return [`Ran on: ${kind} instance ${incident.ec2InstanceId}${zone}`, `Container instance: ${instance}`];
}

/** `448 CPU units, 896 MiB hard, 768 MiB soft`; undefined when none is set. */
function limitsText(
  cpu: number | undefined,
  memory: number | undefined,
  reservation?: number,
): string | undefined {
  const parts = [
    cpu === undefined ? undefined : `${cpu} CPU units`,
    memory === undefined ? undefined : `${memory} MiB${reservation === undefined ? '' : ' hard'}`,
    reservation === undefined ? undefined : `${reservation} MiB soft`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(', ');
}

function limitLines(limits: Limits, definitionKnown: boolean): string[] {
  const none = definitionKnown ? 'none set' : `${NO_DEFINITION}: none in the event`;
  return [
    `Container limits: ${limitsText(limits.cpu, limits.memory, limits.memoryReservation) ?? none}`,
    `Task limits: ${limitsText(limits.taskCpu, limits.taskMemory) ?? none}`,
  ];
}

/** The memory the kernel enforced: the container's hard limit, else the task's memory. */
const memoryLimit = (limits: Limits): number | undefined => limits.memory ?? limits.taskMemory;

const NO_DEFINITION = 'task definition not known';

/** Where the failed container's output went, in words; logsUrl links it when it is in CloudWatch Logs. */
function logLines(incident: Incident): string[] {
  const { logs, cause } = incident;
  const onHost = incident.launchType === 'EC2' || incident.launchType === 'EXTERNAL';
  // On an instance the runtime id is the Docker container id: the awslogs stream name, or what `docker logs` takes.
  const containerId =
    onHost && incident.runtimeId !== undefined ? [`Container id: ${incident.runtimeId}`] : [];
  const inRegion = (region: string) => (region === incident.region ? '' : ` in ${region}`);
  switch (logs.kind) {
    case 'awslogs':
      return [
        `Logs: CloudWatch log group ${logs.group}${inRegion(logs.region)}`,
        ...(logs.stream === undefined
          ? ['Log stream: named after the container id (no stream prefix)', ...containerId]
          : [`Log stream: ${logs.stream}`]),
      ];
    case 'firelens': {
      const to = logs.destination;
      if (to?.service === 'cloudwatch')
        return [`Logs: routed by FireLens to CloudWatch log group ${to.group}${inRegion(to.region)}`];
      if (to?.service === 'firehose')
        return [`Logs: routed by FireLens to Firehose stream ${to.deliveryStream}`];
      if (to?.service === 'kinesis') return [`Logs: routed by FireLens to Kinesis stream ${to.stream}`];
      return [
        logs.output === undefined
          ? "Logs: routed by FireLens, where its log router's own configuration says"
          : `Logs: routed by FireLens to its ${logs.output} output`,
      ];
    }
    case 'driver':
      if (!logs.onInstance) return [`Logs: sent by the ${logs.driver} log driver`];
      return [
        `Logs: ${logs.driver} log driver, kept on the instance ${incident.ec2InstanceId ?? 'that ran it'}`,
        ...containerId,
      ];
    case 'not-kept':
      return [`Logs: none kept: ${cause.container} has no log configuration`];
    case 'unknown':
      return logs.missing === 'task-definition'
        ? [`Logs: ${NO_DEFINITION}: cannot tell where ${cause.container}'s output went`]
        : [`Logs: ${cause.container} is not in its task definition: cannot tell where its output went`];
  }
}

/** The console page of the failed container's logs: its stream, else its group, when in CloudWatch Logs. */
function logsUrl({ logs }: Incident, scope: ConsoleScope): string | undefined {
  if (logs.kind === 'awslogs') {
    const where = { ...scope, region: logs.region };
    return logs.stream === undefined
      ? logGroupConsoleUrl(where, logs.group)
      : logStreamConsoleUrl(where, logs.group, logs.stream);
  }
  if (logs.kind === 'firelens' && logs.destination?.service === 'cloudwatch')
    return logGroupConsoleUrl({ ...scope, region: logs.destination.region }, logs.destination.group);
  return undefined;
}

const runbookLine = (runbook: Runbook | undefined): string =>
  `Runbook: ${runbook?.url ?? 'none configured (alerts.runbooks)'}`;

/** A word a shell passes on as is, quoted when it holds anything a shell would read otherwise. */
const shellWord = (word: string): string =>
  /^[\w:./@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;

/**
 * What a page says beyond its incident: the flags that point the ecs-ops CLI at this deployment's store, and the
 * outage the page continues.
 */
export interface PageContext {
  /** Appended to each ecs-ops command (` --store aws --stage prod --region eu-west-1`); none in the sandbox. */
  cliFlags?: string;
  /** The outage this page belongs to when it is not its first page (its crash-loop window was reopened). */
  continues?: Outage;
}

/** The ecs-ops command that shows a group's tasks, deployments and alerts around the incident. */
export const timelineCommand = (group: string, cluster: string, cliFlags = ''): string =>
  `ecs-ops timeline ${shellWord(group)} --cluster ${shellWord(cluster)}${cliFlags}`;

const line = (label: string, value: string | undefined): string[] =>
  value === undefined || value === '' ? [] : [`${label}: ${value.replace(/\s+/g, ' ').trim()}`];

const links = (label: string, url: string | undefined): string[] => (url === undefined ? [] : [label, url]);

/** Keys whose value is undefined are left out. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** The page for one incident; late when resync found it. */
export function renderAlert(
  incident: Incident,
  { cliFlags = '', continues }: PageContext = {},
): AlertMessage {
  const { cause, foundByResyncAt, runbook } = incident;
  const name = workloadName(incident);
  const taskId = resourceId(incident.taskArn);
  const what = whatHappened(cause.exitClass, cause.exitCode, memoryLimit(incident.limits));
  const detail = errorName(cause.reason) ?? errorName(incident.stoppedReason);
  const late = foundByResyncAt === undefined ? '' : LATE_MARK;
  const subject = pageSubject(
    severityHeading(incident.severity),
    `${late}{0} ${what.replace('{detail}', detail ? ' ({2})' : '')} in {1}`,
    [name, incident.cluster, detail ?? ''],
  );
  const headline = `${name} ${what.replace('{detail}', detail ? ` (${detail})` : '')} in ${incident.cluster}.`;
  const ms = runTime(incident.startedAt, incident.stoppedAt);
  const scope = { partition: incident.partition, region: incident.region };
  const taskLink = taskConsoleUrl(scope, incident.cluster, taskId);
  const serviceLink =
    incident.service === undefined ? undefined : serviceConsoleUrl(scope, incident.cluster, incident.service);
  const logsLink = logsUrl(incident, scope);
  const definition = incident.family ? `${incident.family}:${incident.revision}` : incident.taskDefinitionArn;
  const definitionKnown = !(incident.logs.kind === 'unknown' && incident.logs.missing === 'task-definition');
  const commands = [
    `ecs-ops task ${taskId}${cliFlags}`,
    timelineCommand(incident.group, incident.cluster, cliFlags),
  ];

  const text = [
    ...(foundByResyncAt === undefined ? [] : [...foundLateLines(foundByResyncAt, incident.stoppedAt), '']),
    ...(continues === undefined
      ? []
      : [`Still failing: this outage was first paged at ${isoOrAsGiven(continues.since)}.`, '']),
    headline,
    '',
    ...line('Container', cause.container),
    `Exit code: ${cause.exitCode ?? 'none reported'}`,
    ...line('Reason', cause.reason && truncateText(cause.reason)),
    `Class: ${cause.exitClass}, severity ${incident.severity}`,
    `Image: ${incident.image ?? (definitionKnown ? 'not known' : `${NO_DEFINITION}: not in the event`)}`,
    ...line('Digest', incident.imageDigest),
    ...limitLines(incident.limits, definitionKnown),
    '',
    ...(incident.service === undefined ? line('Group', incident.group) : line('Service', incident.service)),
    ...line('Task definition', definition),
    ...line('Task', taskId),
    ...line('Cluster', incident.cluster),
    ...whereItRan(incident),
    '',
    ...line('Created', isoOrAsGiven(incident.createdAt)),
    `Started: ${isoOrAsGiven(incident.startedAt) ?? 'never'}`,
    ...line('Stopped', isoOrAsGiven(incident.stoppedAt)),
    `Run time: ${ms === undefined ? (incident.startedAt === undefined ? 'unknown (no start time)' : 'unknown') : formatDuration(ms)}`,
    '',
    ...line('Stop code', incident.stopCode),
    ...line('Stopped reason', incident.stoppedReason && truncateText(incident.stoppedReason)),
    '',
    'What to do next:',
    runbookLine(runbook),
    ...logLines(incident),
    ...(logsLink === undefined ? [] : [logsLink]),
    ...links('Task in the console:', taskLink),
    ...links('Service in the console:', serviceLink),
    'With ecs-ops:',
    ...commands,
    '',
    `Account ${incident.account}, region ${incident.region}`,
    `Incident ${incident.key}`,
    ...(continues === undefined ? [] : [`Outage ${continues.incidentKey}`]),
  ].join('\n');

  const json = compact({
    schemaVersion: ALERT_SCHEMA_VERSION,
    kind: 'incident',
    key: incident.key,
    cluster: incident.cluster,
    group: incident.group,
    service: incident.service,
    family: incident.family,
    revision: incident.revision,
    taskArn: incident.taskArn,
    taskId,
    taskDefinitionArn: incident.taskDefinitionArn,
    container: cause.container,
    exitCode: cause.exitCode,
    reason: cause.reason,
    exitClass: cause.exitClass,
    severity: incident.severity,
    image: incident.image,
    imageDigest: incident.imageDigest,
    runtimeId: incident.runtimeId,
    limits: incident.limits,
    logs: incident.logs,
    stopCode: incident.stopCode,
    stoppedReason: incident.stoppedReason,
    launchType: incident.launchType,
    containerInstanceArn: incident.containerInstanceArn,
    ec2InstanceId: incident.ec2InstanceId,
    availabilityZone: incident.availabilityZone,
    createdAt: incident.createdAt,
    startedAt: incident.startedAt,
    stoppedAt: incident.stoppedAt,
    runTimeSeconds: ms === undefined ? undefined : Math.floor(ms / 1000),
    foundBy: foundByResyncAt === undefined ? undefined : 'resync',
    foundByResyncAt,
    partition: incident.partition,
    region: incident.region,
    account: incident.account,
    runbook,
    commands,
    links: compact({ task: taskLink, service: serviceLink, logs: logsLink }),
    outage: continues,
  });

  return {
    subject,
    text,
    json,
    attributes: messageAttributes({
      kind: 'incident',
      cluster: incident.cluster,
      group: incident.group,
      service: incident.service,
      family: incident.family,
      severity: incident.severity,
      class: cause.exitClass,
    }),
    severity: incident.severity,
    // A page that continues an outage joins its first page's incident at the pager.
    dedupKey: continues?.incidentKey ?? incident.key,
    action: 'trigger',
  };
}

/**
 * The one message that closes a crash-loop window: how many more exits, the last of them, and what to do next.
 * The runbook is chosen as the page's was, by group, the family (known only from a `family:` group: a window
 * does not keep its service's family) and the last exit's class.
 */
export function renderCrashLoopSummary(
  s: CrashLoopSummary,
  runbooks: RunbooksConfig,
  cliFlags = '',
): AlertMessage {
  const name = workloadName(s);
  const { lastExit } = s;
  const minutes = Math.round((Date.parse(s.windowEndsAt) - Date.parse(s.windowStartedAt)) / 60_000);
  const span = Number.isFinite(minutes) ? `${minutes} min` : 'the window';
  const exits = `${s.count} more exit${s.count === 1 ? '' : 's'}`;
  const last = shortExit(lastExit.exitClass, lastExit.exitCode);
  const subject = pageSubject(severityHeading(s.severity), `{0}: ${exits} in ${span} in {1}, last${last}`, [
    name,
    s.cluster,
  ]);
  const arn = parseArn(lastExit.taskArn);
  const region = arn?.region || undefined;
  const scope = { partition: arn?.partition ?? '', region: region ?? '' };
  const taskId = resourceId(lastExit.taskArn);
  const taskLink = taskConsoleUrl(scope, s.cluster, taskId);
  const serviceLink = s.service === undefined ? undefined : serviceConsoleUrl(scope, s.cluster, s.service);
  const runbook = runbookFor(runbooks, {
    group: s.group,
    ...(s.group.startsWith('family:') ? { family: s.group.slice('family:'.length) } : {}),
    exitClass: lastExit.exitClass,
  });
  const commands = [timelineCommand(s.group, s.cluster, cliFlags)];

  const text = [
    `${name} in ${s.cluster}: ${exits} in ${span} after the page.`,
    '',
    `Exits after the page: ${s.count}`,
    `Window: ${isoOrAsGiven(s.windowStartedAt)} to ${isoOrAsGiven(s.windowEndsAt)}`,
    ...(s.service === undefined ? line('Group', s.group) : line('Service', s.service)),
    ...line('Cluster', s.cluster),
    '',
    'Last exit',
    `Class: ${lastExit.exitClass}`,
    `Exit code: ${lastExit.exitCode ?? 'none reported'}`,
    ...line('Reason', lastExit.reason && truncateText(lastExit.reason)),
    ...line('Task', taskId),
    ...line('Stopped', isoOrAsGiven(lastExit.stoppedAt)),
    '',
    'What to do next:',
    runbookLine(runbook),
    ...links('Last task in the console:', taskLink),
    ...links('Service in the console:', serviceLink),
    'With ecs-ops:',
    ...commands,
  ].join('\n');

  const json = compact({
    schemaVersion: ALERT_SCHEMA_VERSION,
    kind: 'crash-loop-summary',
    cluster: s.cluster,
    group: s.group,
    service: s.service,
    windowStartedAt: s.windowStartedAt,
    windowEndsAt: s.windowEndsAt,
    windowMinutes: Number.isFinite(minutes) ? minutes : undefined,
    count: s.count,
    severity: s.severity,
    incident: s.incidentKey,
    lastExit: compact({ ...lastExit, taskId }),
    partition: arn?.partition,
    region,
    runbook,
    commands,
    links: compact({ task: taskLink, service: serviceLink }),
  });

  return {
    subject,
    text,
    json,
    attributes: messageAttributes({
      kind: 'crash-loop-summary',
      cluster: s.cluster,
      group: s.group,
      service: s.service,
      severity: s.severity,
      class: lastExit.exitClass,
    }),
    severity: s.severity,
    dedupKey: s.incidentKey,
    action: 'trigger',
  };
}

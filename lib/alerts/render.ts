/**
 * The words of an alert, in the form every page takes (lib/platform/notification/message.ts). Pure: an incident
 * (or a crash-loop summary) in, an SNS-ready message out. The subject keeps the words that say what happened;
 * the body reads on a phone: short labelled lines, the facts an on-call engineer asks first (what, which
 * container, exit code and reason, where, when, how long it ran) and console links; the JSON has a schema
 * version. A stop that resync found (its ECS event never arrived) is paged late, and the page says so: `[late]`
 * in the subject, and first in the body when it was found and how long after the stop.
 */

import { parseArn, resourceId } from '../platform/arn.js';
import {
  type AlertMessage,
  formatDuration,
  foundLateLines,
  LATE_MARK,
  messageAttributes,
  pageSubject,
  truncateText,
} from '../platform/notification/message.js';
import type { ExitClass } from './config.js';
import type { CrashLoopSummary } from './crash-loop.js';
import type { Incident } from './model.js';

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

/** The console page of a task. */
export const taskConsoleUrl = (region: string, cluster: string, taskId: string): string =>
  `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/configuration?region=${region}`;

/** The console page of a service's health. */
export const serviceConsoleUrl = (region: string, cluster: string, service: string): string =>
  `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/health?region=${region}`;

/** The name an on-call engineer knows the workload by: the service, else the family or group. */
export function workloadName(x: { service?: string; group: string }): string {
  if (x.service !== undefined) return x.service;
  const colon = x.group.indexOf(':');
  return colon >= 0 && colon < x.group.length - 1 ? x.group.slice(colon + 1) : x.group;
}

/** What happened, in a few words, e.g. `OOM-killed (exit 137)`; `{detail}` stands for the error name. */
function whatHappened(exitClass: ExitClass, exitCode: number | undefined): string {
  const code = exitCode === undefined ? '' : ` (exit ${exitCode})`;
  switch (exitClass) {
    case 'oom':
      return `OOM-killed${code}`;
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

function whereItRan(incident: Incident): string {
  const instance = incident.containerInstanceArn ? resourceId(incident.containerInstanceArn) : undefined;
  const zone = incident.availabilityZone ? `, ${incident.availabilityZone}` : '';
  if (incident.launchType === 'FARGATE') return `Fargate${zone}`;
  if (instance !== undefined) {
    const kind = incident.launchType === 'EXTERNAL' ? 'external instance' : 'EC2 container instance';
    return `${kind} ${instance}${zone}`;
  }
  return `${incident.launchType ?? 'unknown launch type'}${zone}`;
}

const line = (label: string, value: string | undefined): string[] =>
  value === undefined || value === '' ? [] : [`${label}: ${value.replace(/\s+/g, ' ').trim()}`];

/** Keys whose value is undefined are left out. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** The page for one incident; late when resync found it. */
export function renderAlert(incident: Incident): AlertMessage {
  const { cause, foundByResyncAt } = incident;
  const name = workloadName(incident);
  const taskId = resourceId(incident.taskArn);
  const what = whatHappened(cause.exitClass, cause.exitCode);
  const detail = errorName(cause.reason) ?? errorName(incident.stoppedReason);
  const late = foundByResyncAt === undefined ? '' : LATE_MARK;
  const subject = pageSubject(`${late}{0} ${what.replace('{detail}', detail ? ' ({2})' : '')} in {1}`, [
    name,
    incident.cluster,
    detail ?? '',
  ]);
  const headline = `${name} ${what.replace('{detail}', detail ? ` (${detail})` : '')} in ${incident.cluster}.`;
  const ms = runTime(incident.startedAt, incident.stoppedAt);
  const taskLink = taskConsoleUrl(incident.region, incident.cluster, taskId);
  const serviceLink =
    incident.service === undefined
      ? undefined
      : serviceConsoleUrl(incident.region, incident.cluster, incident.service);
  const definition = incident.family ? `${incident.family}:${incident.revision}` : incident.taskDefinitionArn;

  const text = [
    ...(foundByResyncAt === undefined ? [] : [...foundLateLines(foundByResyncAt, incident.stoppedAt), '']),
    headline,
    '',
    ...line('Container', cause.container),
    `Exit code: ${cause.exitCode ?? 'none reported'}`,
    ...line('Reason', cause.reason && truncateText(cause.reason)),
    `Class: ${cause.exitClass}, severity ${incident.severity}`,
    '',
    ...(incident.service === undefined ? line('Group', incident.group) : line('Service', incident.service)),
    ...line('Task definition', definition),
    ...line('Task', taskId),
    ...line('Cluster', incident.cluster),
    ...line('Ran on', whereItRan(incident)),
    '',
    ...line('Created', isoOrAsGiven(incident.createdAt)),
    `Started: ${isoOrAsGiven(incident.startedAt) ?? 'never'}`,
    ...line('Stopped', isoOrAsGiven(incident.stoppedAt)),
    `Run time: ${ms === undefined ? (incident.startedAt === undefined ? 'unknown (no start time)' : 'unknown') : formatDuration(ms)}`,
    '',
    ...line('Stop code', incident.stopCode),
    ...line('Stopped reason', incident.stoppedReason && truncateText(incident.stoppedReason)),
    '',
    'Task in the console:',
    taskLink,
    ...(serviceLink === undefined ? [] : ['Service in the console:', serviceLink]),
    '',
    `Account ${incident.account}, region ${incident.region}`,
    `Incident ${incident.key}`,
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
    stopCode: incident.stopCode,
    stoppedReason: incident.stoppedReason,
    launchType: incident.launchType,
    containerInstanceArn: incident.containerInstanceArn,
    availabilityZone: incident.availabilityZone,
    createdAt: incident.createdAt,
    startedAt: incident.startedAt,
    stoppedAt: incident.stoppedAt,
    runTimeSeconds: ms === undefined ? undefined : Math.floor(ms / 1000),
    foundBy: foundByResyncAt === undefined ? undefined : 'resync',
    foundByResyncAt,
    region: incident.region,
    account: incident.account,
    links: compact({ task: taskLink, service: serviceLink }),
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
  };
}

/** The one message that closes a crash-loop window: how many more exits, and the last of them. */
export function renderCrashLoopSummary(s: CrashLoopSummary): AlertMessage {
  const name = workloadName(s);
  const { lastExit } = s;
  const minutes = Math.round((Date.parse(s.windowEndsAt) - Date.parse(s.windowStartedAt)) / 60_000);
  const span = Number.isFinite(minutes) ? `${minutes} min` : 'the window';
  const exits = `${s.count} more exit${s.count === 1 ? '' : 's'}`;
  const last = shortExit(lastExit.exitClass, lastExit.exitCode);
  const subject = pageSubject(`{0}: ${exits} in ${span} in {1}, last${last}`, [name, s.cluster]);
  const region = parseArn(lastExit.taskArn)?.region || undefined;
  const taskId = resourceId(lastExit.taskArn);
  const taskLink = region === undefined ? undefined : taskConsoleUrl(region, s.cluster, taskId);
  const serviceLink =
    region === undefined || s.service === undefined
      ? undefined
      : serviceConsoleUrl(region, s.cluster, s.service);

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
    ...(taskLink === undefined ? [] : ['Last task in the console:', taskLink]),
    ...(serviceLink === undefined ? [] : ['Service in the console:', serviceLink]),
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
    lastExit: compact({ ...lastExit, taskId }),
    region,
    links: compact({ task: taskLink, service: serviceLink }),
  });

  return {
    subject,
    text: text.replace(/\n+$/, ''),
    json,
    attributes: messageAttributes({
      kind: 'crash-loop-summary',
      cluster: s.cluster,
      group: s.group,
      service: s.service,
      class: lastExit.exitClass,
    }),
  };
}

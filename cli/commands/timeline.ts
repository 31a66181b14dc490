/**
 * `ecs-ops timeline <service|family|group>`: one chronological view of what happened to a service's (or a task
 * family's) tasks in a window (default: the last 24 hours), from what the store and the journal hold:
 * - its tasks started and stopped (StateStore.tasksInWindow of the group): stop code, the exit and its class;
 * - deployments: each `ecs-svc/…` deployment id its tasks were started by, when its first task was created;
 * - alerts sent, grouped (crash loop), muted and summarised (journal kind `alert`, subject `<cluster>/<group>`);
 * - scaling decisions that scaled or failed (journal kind `scaling`, subject `<cluster>/<service>`); the
 *   evaluations that held are counted in a note, by reason;
 * - drains of container instances that list its tasks (journal kind `drain`), each step of such a drain;
 * - job runs, when the family is a job's (journal kind `job`, subject the job's name in ops.config.yml).
 */
import { JOURNAL_KIND as ALERT_KIND } from '../../lib/alerts/alerting.js';
import { JOB_JOURNAL_KIND } from '../../lib/jobs/journal.js';
import type { OpsConfig } from '../../lib/ops-config.js';
import { resourceId } from '../../lib/platform/arn.js';
import type { JournalEntry } from '../../lib/platform/journal.js';
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import { SCALING_JOURNAL_KIND } from '../../lib/scaling/executor.js';
import { type CommandContext, journalOf } from '../context.js';
import { clusterFlag, clustersOf, sinceFlag, windowFlags } from '../flags.js';
import { shortId, text } from '../format.js';
import { type Column, printList, type Section } from '../list.js';
import { type CommandSpec, listOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { parseWindow, type Window, windowText } from '../time.js';
import { UsageError } from '../usage.js';
import { stopRow } from './stops.js';

export const TIMELINE: CommandSpec = {
  name: 'timeline',
  args: '<service|family|group>',
  maxArgs: 1,
  list: true,
  summary:
    "one service's or task family's story in time order: tasks started and stopped, deployments, alerts, " +
    'scaling decisions, drains of its tasks, job runs',
  flags: {
    cluster: clusterFlag(),
    since: sinceFlag('what happened', '24h'),
    until: {
      type: 'string',
      value: '<time>',
      help: 'what happened before this time, excluded (default: now); the forms of --since',
    },
  },
  about:
    'The group: web is service:web when a service of that name is known (its tasks are stored, or a scaling\n' +
    'policy names it), else family:web (tasks of that family, or a job that runs it); service:web,\n' +
    'family:report or any task group are taken as given. Nothing is cut: every event of the window is listed.\n' +
    'Scaling evaluations that held (no change) are counted in a note, by reason; ecs-ops scaling lists them.',
  more: 'Exit codes: 0 listed; 2 a name no service, family or job of the clusters is known by.',
};

/** The kinds of events, in the order events of one instant are listed (a deployment before its task, a stop before its page). */
export const TIMELINE_KINDS = ['deployment', 'scaling', 'drain', 'task', 'alert', 'job'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One line of a timeline. */
export interface TimelineEvent {
  at: string;
  cluster: string;
  kind: TimelineKind;
  /** started, stopped, sent, grouped, scale-out, launched, … */
  what: string;
  /** The task it is about, if one. */
  task?: string;
  detail: string;
}

const COLUMNS: readonly Column<TimelineEvent>[] = [
  { header: 'TIME', cell: (event, show) => show.time(event.at) },
  { header: 'KIND', cell: (event) => event.kind },
  { header: 'WHAT', tone: true, cell: (event) => event.what },
  { header: 'TASK', cell: (event) => (event.task === undefined ? '' : shortId(event.task)) },
  { header: 'DETAIL', free: 120, cell: (event) => event.detail },
  { header: 'CLUSTER', wide: true, cell: (event) => event.cluster },
  { header: 'TASK ARN', wide: true, cell: (event) => text(event.task) },
];

const time = (value: unknown): number => {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? Number.NaN : at;
};

/** [since, until): `until` unset is no bound (the store's times may run ahead of this machine's clock). */
export const inWindow = (window: Window) => (at: unknown) => {
  const t = time(at);
  return (
    !Number.isNaN(t) &&
    (window.since === undefined || t >= time(window.since)) &&
    (window.until === undefined || t < time(window.until))
  );
};

/** Each task started (or created, when it never started) and stopped in the window. */
export function taskEvents(
  cluster: string,
  tasks: readonly StoredResource[],
  window: Window,
): TimelineEvent[] {
  const within = inWindow(window);
  const events: TimelineEvent[] = [];
  for (const task of tasks) {
    const { detail } = task;
    const stoppedTask = detail.lastStatus === 'STOPPED' || task.missingSince !== undefined;
    if (typeof detail.startedAt === 'string' && within(detail.startedAt)) {
      events.push({
        at: detail.startedAt,
        cluster,
        kind: 'task',
        what: 'started',
        task: task.arn,
        detail: startDetail(task),
      });
    } else if (detail.startedAt === undefined && within(detail.createdAt)) {
      events.push({
        at: String(detail.createdAt),
        cluster,
        kind: 'task',
        what: 'created',
        task: task.arn,
        detail: `${startDetail(task)}${stoppedTask ? '; never started' : `; ${text(detail.lastStatus)}`}`,
      });
    }
    if (!stoppedTask) continue;
    const row = stopRow(task);
    if (!within(row.stoppedAt)) continue;
    const exit =
      row.container === undefined
        ? ''
        : `: ${row.container}${row.exitCode === undefined ? '' : ` exit ${row.exitCode}`}`;
    events.push({
      at: row.stoppedAt,
      cluster,
      kind: 'task',
      what: row.missingSince === undefined ? 'stopped' : 'missing',
      task: task.arn,
      detail:
        row.missingSince === undefined
          ? [row.stopCode || 'no stop code', `${text(row.class)}${exit}`, row.reason]
              .filter(Boolean)
              .join(' — ')
          : row.reason,
    });
  }
  return events;
}

const startDetail = (task: StoredResource) =>
  [
    task.detail.taskDefinitionArn === undefined ? '' : resourceId(text(task.detail.taskDefinitionArn)),
    text(task.detail.startedBy) === '' ? '' : `started by ${text(task.detail.startedBy)}`,
  ]
    .filter(Boolean)
    .join(', ');

/** The group's tasks that stopped before the window, as far as they were read: to tell a deployment's first task. */
export interface EarlierTasks {
  tasks: readonly StoredResource[];
  /** False when more stopped before the window than were read. */
  complete: boolean;
}

/**
 * Each `ecs-svc/…` deployment the tasks were started by, when its first task was created, if that is in the
 * window: a deployment that had a task before the window (one of `earlier`) started before it and is left out.
 * When `earlier` is not complete, a deployment not found in it says its earlier tasks were not all read.
 */
export function deploymentEvents(
  cluster: string,
  tasks: readonly StoredResource[],
  window: Window,
  earlier: EarlierTasks = { tasks: [], complete: true },
): TimelineEvent[] {
  const first = new Map<string, { at: string; task: StoredResource; count: number }>();
  for (const task of tasks) {
    const by = text(task.detail.startedBy);
    const created = text(task.detail.createdAt);
    if (!by.startsWith('ecs-svc/') || Number.isNaN(time(created))) continue;
    const seen = first.get(by);
    if (seen === undefined) first.set(by, { at: created, task, count: 1 });
    else {
      seen.count++;
      if (time(created) < time(seen.at)) Object.assign(seen, { at: created, task });
    }
  }
  const before = new Set(earlier.tasks.map((task) => text(task.detail.startedBy)));
  const within = inWindow(window);
  return [...first.entries()]
    .filter(([id, seen]) => within(seen.at) && !before.has(id))
    .map(([id, seen]) => ({
      at: seen.at,
      cluster,
      kind: 'deployment' as const,
      what: 'first task',
      task: seen.task.arn,
      detail:
        `${id}: its first task created (${seen.count} of its task${seen.count === 1 ? '' : 's'} ran in the ` +
        `window), ${startDetail(seen.task).split(',')[0]}` +
        (earlier.complete
          ? ''
          : `; of the tasks that stopped before the window, the ${earlier.tasks.length} latest were read`),
    }));
}

/** Alerts sent, grouped, muted and summarised about the group (not-incident decisions are the stops themselves). */
export function alertEvents(
  cluster: string,
  group: string,
  entries: readonly JournalEntry[],
): TimelineEvent[] {
  return entries
    .filter(
      (entry) =>
        entry.kind === ALERT_KIND &&
        entry.subject === `${cluster}/${group}` &&
        entry.fields.outcome !== 'not-incident',
    )
    .map((entry) => {
      const { outcome, subject, reason, exitClass, taskArn } = entry.fields;
      const said = outcome === 'sent' || outcome === 'summary-sent' ? text(subject) : text(reason);
      return {
        at: entry.at,
        cluster,
        kind: 'alert' as const,
        what: text(outcome),
        ...(typeof taskArn === 'string' ? { task: taskArn } : {}),
        detail: exitClass === undefined ? said : `${text(exitClass)}: ${said}`,
      };
    });
}

export interface ScalingTally {
  events: TimelineEvent[];
  /** Evaluations that held the service as it was, by reason. */
  held: Record<string, number>;
}

/** Scaling decisions about the service that scaled or failed; the ones that held, counted by reason. */
export function scalingEvents(
  cluster: string,
  service: string,
  entries: readonly JournalEntry[],
): ScalingTally {
  const held: Record<string, number> = {};
  const events: TimelineEvent[] = [];
  for (const entry of entries) {
    if (entry.kind !== SCALING_JOURNAL_KIND || entry.subject !== `${cluster}/${service}`) continue;
    const { action, reason, explanation, policy, previousDesired, desired, applied } = entry.fields;
    if (action === 'ignore') {
      held[text(reason)] = (held[text(reason)] ?? 0) + 1;
      continue;
    }
    const counts = applied === true ? ` (desired ${text(previousDesired)} → ${text(desired)})` : '';
    events.push({
      at: entry.at,
      cluster,
      kind: 'scaling',
      what: action === 'scale' ? text(reason) : `${text(action)}: ${text(reason)}`,
      detail: `${text(policy)}${counts}: ${text(explanation)}`,
    });
  }
  return { events, held };
}

/** The task ARNs a drain's journal entry names (started: the tasks it waits for; released: those left; …). */
const drainTasks = (entry: JournalEntry): string[] =>
  ['tasks', 'remaining'].flatMap((field) => {
    const value = entry.fields[field];
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  });

/**
 * Every step of the drains (journal kind `drain`, by instance) of which a step names one of `taskIds`: a drain
 * that touched the group's tasks, from its start to its release.
 */
export function drainEvents(
  cluster: string,
  taskIds: ReadonlySet<string>,
  entries: readonly JournalEntry[],
): TimelineEvent[] {
  const drains = entries.filter(
    (entry) => entry.kind === 'drain' && (entry.fields.cluster ?? cluster) === cluster,
  );
  const touched = new Map<string, string[]>();
  for (const entry of drains) {
    const ours = drainTasks(entry).filter((arn) => taskIds.has(resourceId(arn)));
    const instance = text(entry.fields.ec2InstanceId);
    if (ours.length > 0) touched.set(instance, [...(touched.get(instance) ?? []), ...ours]);
  }
  return drains
    .filter((entry) => touched.has(text(entry.fields.ec2InstanceId)))
    .map((entry) => {
      const { ec2InstanceId, trigger, outcome, reason, lifecycleResult, note } = entry.fields;
      const ours = drainTasks(entry).filter((arn) => taskIds.has(resourceId(arn)));
      const listed = drainTasks(entry);
      const what = text(outcome) || entry.id.slice(entry.id.indexOf('#') + 1).replace(/-\d.*$/, '');
      const parts = [`${text(ec2InstanceId)} (${text(trigger)})`];
      if (listed.length > 0)
        parts.push(
          `${listed.length} task${listed.length === 1 ? '' : 's'} on it, ${ours.length} of the group's: ${ours
            .map(resourceId)
            .map((id) => id.slice(0, 8))
            .join(' ')}`,
        );
      if (reason !== undefined) parts.push(text(reason));
      if (lifecycleResult !== undefined) parts.push(text(lifecycleResult));
      if (note !== undefined) parts.push(text(note));
      return {
        at: entry.at,
        cluster,
        kind: 'drain' as const,
        what,
        ...(ours.length === 1 ? { task: ours[0] as string } : {}),
        detail: parts.join(' — '),
      };
    });
}

/** The steps of the runs of `jobs` (job names in ops.config.yml). */
export function jobEvents(
  cluster: string,
  jobs: readonly string[],
  entries: readonly JournalEntry[],
): TimelineEvent[] {
  return entries
    .filter((entry) => entry.kind === JOB_JOURNAL_KIND && jobs.includes(entry.subject))
    .map((entry) => {
      const { job, slot, outcome, reason, exitCodes, tasks } = entry.fields;
      const listed = Array.isArray(tasks) ? tasks.filter((t): t is string => typeof t === 'string') : [];
      const codes =
        exitCodes !== undefined && exitCodes !== null && typeof exitCodes === 'object'
          ? Object.entries(exitCodes as Record<string, unknown>)
              .map(([name, code]) => `${name}=${text(code)}`)
              .join(' ')
          : '';
      return {
        at: entry.at,
        cluster,
        kind: 'job' as const,
        what: text(outcome) || entry.id.slice(entry.id.indexOf('#') + 1),
        ...(listed.length === 1 ? { task: listed[0] as string } : {}),
        detail: [`${text(job)} slot ${text(slot)}`, codes === '' ? '' : `exit ${codes}`, text(reason)]
          .filter(Boolean)
          .join(' — '),
      };
    });
}

/** A task definition (family, family:revision or ARN) → its family. */
export const familyOf = (taskDefinition: string) =>
  taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1).split(':')[0] ?? taskDefinition;

/** The jobs of ops.config.yml that run `family`, by name. */
export const jobsOfFamily = (config: Pick<OpsConfig, 'jobs'>, family: string): string[] =>
  Object.entries(config.jobs)
    .filter(([, job]) => familyOf(job.taskDefinition) === family)
    .map(([name]) => name);

/** Chronological; events of one instant in the order of TIMELINE_KINDS. */
export function chronological(events: readonly TimelineEvent[]): TimelineEvent[] {
  const rank = (kind: TimelineKind) => TIMELINE_KINDS.indexOf(kind);
  return events
    .map((event, index) => ({ event, index, at: time(event.at) }))
    .sort((a, b) => a.at - b.at || rank(a.event.kind) - rank(b.event.kind) || a.index - b.index)
    .map(({ event }) => event);
}

/** What a name given to timeline means: the group, and a remark when another reading exists too. */
interface GroupChoice {
  group: string;
  note?: string;
}

async function chooseGroup(
  context: CommandContext,
  name: string,
  clusters: readonly string[],
): Promise<GroupChoice> {
  if (name.includes(':')) return { group: name };
  const hasTasks = async (group: string) => {
    for (const cluster of clusters) {
      if ((await context.store.tasksInWindow(cluster, { group, limit: 1 })).resources.length > 0) return true;
    }
    return false;
  };
  const scaled = Object.values(context.config.scaling ?? {}).some(
    (policy) => policy.service === name && clusters.includes(policy.cluster),
  );
  const jobs = jobsOfFamily(context.config, name);
  const service = scaled || (await hasTasks(`service:${name}`));
  const family = jobs.length > 0 || (await hasTasks(`family:${name}`));
  if (service)
    return {
      group: `service:${name}`,
      ...(family
        ? { note: `${name} is read as service:${name}; ecs-ops timeline family:${name} shows the family` }
        : {}),
    };
  if (family) return { group: `family:${name}` };
  if (await hasTasks(name)) return { group: name };
  throw new UsageError(
    `nothing is known of ${name} in ${clusters.join(', ')}: no tasks of service:${name} or family:${name} are ` +
      'stored, and no scaling policy or job of ops.config.yml names it; name the group as its tasks have it ' +
      '(service:<name>, family:<name>), or the cluster with --cluster',
  );
}

/** How many of the group's tasks that stopped before the window are read to tell a deployment's first task. */
const EARLIER_READ = 500;

/** The group's latest tasks that stopped before the window, read only when a deployment may have begun there. */
async function earlierTasks(
  context: CommandContext,
  cluster: string,
  group: string,
  window: Window,
  tasks: readonly StoredResource[],
): Promise<EarlierTasks> {
  const deployed = tasks.some((task) => text(task.detail.startedBy).startsWith('ecs-svc/'));
  if (window.since === undefined || !deployed) return { tasks: [], complete: true };
  const page = await context.store.stoppedTasks(cluster, { group, until: window.since, limit: EARLIER_READ });
  return { tasks: page.resources, complete: !page.more };
}

export async function timelineCommand(
  context: CommandContext,
  args: readonly string[],
  values: Values,
  now: () => Date = () => new Date(),
): Promise<number> {
  const [name] = args;
  if (name === undefined || name.trim() === '')
    throw new UsageError(
      'timeline needs a service, a task family or a group: ecs-ops timeline web, family:report',
    );
  const printer = printerOf(context);
  const at = now();
  const window = parseWindow(windowFlags(values), { now: at, timeZone: printer.timeZone }, '24h');
  const clusters = clustersOf(listOf(values, 'cluster'), context.config.clusters);
  const { group, note } = await chooseGroup(context, name.trim(), clusters);
  const service = group.startsWith('service:') ? group.slice('service:'.length) : undefined;
  const jobs = group.startsWith('family:') ? jobsOfFamily(context.config, group.slice('family:'.length)) : [];
  const journal = journalOf(context);
  // One read of the window's journal: a day's partition holds every capability's (rare) entries.
  const entries = (await journal.list({ ...window, until: window.until ?? at.toISOString() })).filter(
    (entry) => inWindow(window)(entry.at),
  );
  const span = windowText(window, printer.timeZone);
  const sections: Section<TimelineEvent>[] = [];
  const held: string[] = [];
  for (const cluster of clusters) {
    const tasks = (await context.store.tasksInWindow(cluster, { ...window, group })).resources;
    const earlier = await earlierTasks(context, cluster, group, window, tasks);
    const scaling =
      service === undefined ? { events: [], held: {} } : scalingEvents(cluster, service, entries);
    const events = [
      ...taskEvents(cluster, tasks, window),
      ...deploymentEvents(cluster, tasks, window, earlier),
      ...alertEvents(cluster, group, entries),
      ...scaling.events,
      ...drainEvents(cluster, new Set(tasks.map((task) => resourceId(task.arn))), entries),
      ...jobEvents(
        cluster,
        jobs.filter((job) => context.config.jobs[job]?.cluster === cluster),
        entries,
      ),
    ];
    sections.push({
      title: `Timeline of ${group} in ${cluster} ${span}`,
      rows: chronological(events),
      more: false,
    });
    const counts = Object.entries(scaling.held);
    if (counts.length > 0) {
      const total = counts.reduce((sum, [, count]) => sum + count, 0);
      held.push(
        `${cluster}/${service}: ${total} scaling evaluation${total === 1 ? '' : 's'} held the desired count ` +
          `(${counts.map(([reason, count]) => `${reason} ${count}`).join(', ')}); ecs-ops scaling --service ${cluster}/${service} lists them`,
      );
    }
  }
  if (note !== undefined) printer.note(note);
  printList(printer, { columns: COLUMNS, sections, limit: 0 });
  for (const line of held) printer.note(line);
  return 0;
}

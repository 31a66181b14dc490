/**
 * `ecs-ops tasks`, `ecs-ops instances`: the reconciled state of a cluster, listed. Repeated filters are
 * alternatives (`--cluster prod --cluster batch`, `--status RUNNING --status PENDING`); a list cut by --limit
 * says so. A resource resync found ECS no longer knows lists with its last status and "(missing since …)".
 */
import { clusterName, lastSegment } from '../../lib/platform/arn.js';
import { INSTANCE_STATUSES, TASK_STATUSES } from '../../lib/platform/events/statuses.js';
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import { OTHER_INSTANCE_STATUSES } from '../../lib/platform/store/table.js';
import type { CommandContext } from '../context.js';
import { clusterFlag, clustersOf, limitFlag, sinceFlag, untilFlag } from '../flags.js';
import { renderTable, shortId, shortTime, text } from '../format.js';
import {
  type Column,
  cut,
  FIT_ONLY,
  fetchSize,
  parseLimit,
  printList,
  type Section,
  type Show,
} from '../list.js';
import { type CommandSpec, listOf, stringOf, type Values } from '../options.js';
import { type Printer, printerOf } from '../output.js';
import { parseWindow, type Window } from '../time.js';
import { UsageError } from '../usage.js';
import { exitCodes, statusOf } from './task.js';

export const TASKS: CommandSpec = {
  name: 'tasks',
  noArgs: 'use --cluster',
  list: true,
  summary: 'tasks of a cluster, newest in their status first',
  flags: {
    cluster: clusterFlag(),
    status: {
      type: 'string',
      repeatable: true,
      value: '<STATUS>',
      help: 'e.g. RUNNING, STOPPED; repeat for more (default: every status, unknown ones too)',
    },
    group: {
      type: 'string',
      repeatable: true,
      value: '<group>',
      help: 'e.g. service:web or family:report; repeat for more',
    },
    since: sinceFlag('tasks that entered their status (with --group: were created)'),
    until: untilFlag('and'),
    limit: limitFlag('tasks per cluster'),
  },
};

export const INSTANCES: CommandSpec = {
  name: 'instances',
  noArgs: 'use --cluster',
  list: true,
  summary:
    'container instances of a cluster, those in statuses ecs-ops does not know too (an inventory: no ' +
    'time window)',
  flags: {
    cluster: clusterFlag(),
    status: {
      type: 'string',
      repeatable: true,
      value: '<STATUS>',
      help: 'e.g. ACTIVE, DRAINING; repeat for more (default: every status, unknown ones too)',
    },
    limit: limitFlag('container instances per cluster'),
  },
};

const UTC: Show = { time: shortTime };

export const TASK_COLUMNS: readonly Column<StoredResource>[] = [
  { header: 'TASK', cell: (task) => shortId(task.arn) },
  { header: 'CLUSTER', wide: true, cell: (task) => clusterName(text(task.detail.clusterArn)) },
  { header: 'GROUP', free: FIT_ONLY, cell: (task) => text(task.detail.group) },
  { header: 'LAST', tone: true, cell: (task, show) => statusOf(task, show) },
  { header: 'DESIRED', cell: (task) => text(task.detail.desiredStatus) },
  { header: 'VER', cell: (task) => String(task.version) },
  { header: 'CREATED', cell: (task, show) => show.time(task.detail.createdAt) },
  { header: 'STARTED', wide: true, cell: (task, show) => show.time(task.detail.startedAt) },
  { header: 'STOPPED', cell: (task, show) => show.time(task.detail.stoppedAt) },
  { header: 'STOP CODE', free: FIT_ONLY, cell: (task) => text(task.detail.stopCode) },
  { header: 'EXIT CODES', free: FIT_ONLY, cell: (task) => exitCodes(task.detail) },
  { header: 'LAUNCH TYPE', wide: true, cell: (task) => text(task.detail.launchType) },
  {
    header: 'TASK DEFINITION',
    wide: true,
    cell: (task) => (task.detail.taskDefinitionArn ? lastSegment(text(task.detail.taskDefinitionArn)) : ''),
  },
  { header: 'STOPPED REASON', wide: true, free: 80, cell: (task) => text(task.detail.stoppedReason) },
];

export const INSTANCE_COLUMNS: readonly Column<StoredResource>[] = [
  { header: 'CONTAINER INSTANCE', cell: (instance) => shortId(instance.arn) },
  { header: 'CLUSTER', wide: true, cell: (instance) => clusterName(text(instance.detail.clusterArn)) },
  { header: 'EC2', cell: (instance) => text(instance.detail.ec2InstanceId) },
  { header: 'STATUS', tone: true, cell: (instance, show) => statusOf(instance, show) },
  {
    header: 'AGENT',
    tone: true,
    cell: (instance) => (instance.detail.agentConnected === false ? 'disconnected' : 'connected'),
  },
  { header: 'RUNNING', cell: (instance) => text(instance.detail.runningTasksCount) },
  { header: 'PENDING', cell: (instance) => text(instance.detail.pendingTasksCount) },
  { header: 'VER', cell: (instance) => String(instance.version) },
  { header: 'REGISTERED', cell: (instance, show) => show.time(instance.detail.registeredAt) },
  {
    header: 'AGENT VERSION',
    wide: true,
    cell: (instance) =>
      text((instance.detail.versionInfo as { agentVersion?: string } | undefined)?.agentVersion),
  },
  { header: 'UPDATED', wide: true, cell: (instance, show) => show.time(instance.detail.updatedAt) },
];

/** The columns of a plain table, as `ecs-ops tasks` prints them (times in UTC unless `show` says otherwise). */
export const taskTable = (tasks: readonly StoredResource[], show: Show = UTC) =>
  plainTable(TASK_COLUMNS, tasks, show);
export const instanceTable = (instances: readonly StoredResource[], show: Show = UTC) =>
  plainTable(INSTANCE_COLUMNS, instances, show);

function plainTable(columns: readonly Column<StoredResource>[], rows: readonly StoredResource[], show: Show) {
  const shown = columns.filter((column) => !column.wide);
  return renderTable(
    shown.map((column) => column.header),
    rows.map((row) => shown.map((column) => column.cell(row, show))),
  );
}

export async function tasksCommand(
  context: CommandContext,
  values: Values,
  now: () => Date = () => new Date(),
) {
  const printer = printerOf(context);
  const limit = parseLimit(stringOf(values, 'limit'));
  const window = parseWindow(
    { since: stringOf(values, 'since'), until: stringOf(values, 'until') },
    { now: now(), timeZone: printer.timeZone },
  );
  const named = listOf(values, 'status');
  const statuses = checkStatuses(
    named,
    TASK_STATUSES,
    ' (without --status, tasks in every status are listed, unknown ones too)',
  );
  const groups = [...new Set(listOf(values, 'group'))];
  const clusters = clustersOf(listOf(values, 'cluster'), context.config.clusters);
  const sections: Section<StoredResource>[] = [];
  for (const cluster of clusters) {
    const tasks =
      groups.length > 0
        ? await tasksOfGroups(context, cluster, groups, statuses, window, limit)
        : await tasksByStatus(context, cluster, statuses, window, limit);
    sections.push({ title: `Tasks in ${cluster}`, ...cut(tasks, limit) });
  }
  printList(printer, { columns: TASK_COLUMNS, sections, limit });
  if (groups.length > 0 && sections.every((section) => section.rows.length === 0))
    await suggestGroups(context, printer, clusters, groups);
  return 0;
}

/** Newest in their status first, status after status (unknown statuses last, without --status). */
async function tasksByStatus(
  context: CommandContext,
  cluster: string,
  statuses: readonly string[],
  window: Window,
  limit: number,
): Promise<StoredResource[]> {
  const options = { ...window, limit: fetchSize(limit) };
  const tasks: StoredResource[] = [];
  const enough = () => limit !== 0 && tasks.length > limit;
  for (const status of statuses.length > 0 ? statuses : TASK_STATUSES) {
    if (enough()) return tasks;
    tasks.push(...(await context.store.tasksByStatus(cluster, status, options)));
  }
  // Without --status, tasks in statuses ECS added after this code (stored, never dropped) are listed last.
  if (statuses.length === 0 && !enough())
    tasks.push(...(await context.store.tasksInOtherStatuses(cluster, TASK_STATUSES, options)));
  return tasks;
}

/** The tasks of any of the groups, newest created first; only those in one of `statuses`, if given. */
async function tasksOfGroups(
  context: CommandContext,
  cluster: string,
  groups: readonly string[],
  statuses: readonly string[],
  window: Window,
  limit: number,
): Promise<StoredResource[]> {
  // Filtering by status happens after the read, so the limit can only be applied then.
  const options = { ...window, limit: statuses.length > 0 ? undefined : fetchSize(limit) };
  const tasks: StoredResource[] = [];
  for (const group of groups) tasks.push(...(await context.store.tasksByGroup(cluster, group, options)));
  const kept =
    statuses.length === 0 ? tasks : tasks.filter((task) => statuses.includes(text(task.detail.lastStatus)));
  return groups.length === 1
    ? kept
    : kept.sort((a, b) => text(b.detail.createdAt).localeCompare(text(a.detail.createdAt)));
}

/**
 * Nothing listed for a group written without its kind (`api`): says which of `service:api` and `family:api` the
 * store holds tasks of (one read of one item each), or how groups are written.
 */
async function suggestGroups(
  context: CommandContext,
  printer: Printer,
  clusters: readonly string[],
  groups: readonly string[],
): Promise<void> {
  for (const group of groups.filter((name) => !name.includes(':'))) {
    const found: string[] = [];
    for (const candidate of [`service:${group}`, `family:${group}`]) {
      for (const cluster of clusters) {
        if ((await context.store.tasksByGroup(cluster, candidate, { limit: 1 })).length > 0) {
          found.push(candidate);
          break;
        }
      }
    }
    printer.note(
      found.length > 0
        ? `no tasks of group ${group}; groups name their kind: try ${found.map((name) => `--group ${name}`).join(' or ')}`
        : `no tasks of group ${group}; groups name their kind: --group service:${group} (a service's tasks) or ` +
            `--group family:${group} (a task definition family's), and none of either is stored`,
    );
  }
}

export async function instancesCommand(context: CommandContext, values: Values) {
  const printer = printerOf(context);
  const limit = parseLimit(stringOf(values, 'limit'));
  const named = listOf(values, 'status');
  // Without --status, container instances in a status ECS added after this code (stored under `other`, never
  // dropped) are listed last, with their own status.
  const statuses: readonly string[] =
    named.length === 0
      ? [...INSTANCE_STATUSES, OTHER_INSTANCE_STATUSES]
      : checkStatuses(
          named,
          INSTANCE_STATUSES,
          ' (without --status, container instances in every status are listed, unknown ones too)',
        );
  const sections: Section<StoredResource>[] = [];
  for (const cluster of clustersOf(listOf(values, 'cluster'), context.config.clusters)) {
    const instances: StoredResource[] = [];
    for (const status of statuses) {
      if (limit !== 0 && instances.length > limit) break;
      instances.push(
        ...(await context.store.instancesByStatus(cluster, status, { limit: fetchSize(limit) })),
      );
    }
    sections.push({ title: `Container instances in ${cluster}`, ...cut(instances, limit) });
  }
  printList(printer, { columns: INSTANCE_COLUMNS, sections, limit });
  return 0;
}

/** The statuses named, upper-cased and each once; a UsageError names one that is not known. */
function checkStatuses<T extends string>(named: readonly string[], known: readonly T[], hint: string): T[] {
  return [...new Set(named.map((status) => checkStatus(status, known, hint)))];
}

function checkStatus<T extends string>(status: string, known: readonly T[], hint = ''): T {
  const upper = status.toUpperCase() as T;
  if (!known.includes(upper))
    throw new UsageError(`unknown status ${status}; use one of ${known.join(', ')}${hint}`);
  return upper;
}

/**
 * `ecs-ops tasks`, `ecs-ops instances`: the reconciled state of a cluster, listed. Repeated filters are
 * alternatives (`--cluster prod --cluster batch`, `--status RUNNING --status PENDING`); a list cut by --limit
 * says so, and `tasks` gives the --next-token of its next page (cli/pages.ts). A resource resync found ECS no
 * longer knows lists with its last status and "(missing since …)".
 *
 * `tasks` lists live tasks first (newest created first), then STOPPED ones (newest stop first). Its window
 * [--since, --until) means one thing whatever else is asked: a STOPPED task is listed when it stopped in it, a
 * live task when it ran in it (it was created before --until and still runs); --group and --status only narrow
 * that (StateStore.tasksInWindow for the live part, stoppedTasks for the stopped one). Its --next-token names
 * the part it stops in and the store's token there: a page goes on from the live tasks into the stopped ones.
 */
import { clusterName, lastSegment } from '../../lib/platform/arn.js';
import { INSTANCE_STATUSES, TASK_STATUSES } from '../../lib/platform/events/statuses.js';
import type { StateStore, StoredResource } from '../../lib/platform/store/state-store.js';
import { OTHER_INSTANCE_STATUSES } from '../../lib/platform/store/table.js';
import type { CommandContext } from '../context.js';
import { clusterFlag, clustersOf, limitFlag, sinceFlag, windowFlags } from '../flags.js';
import { renderTable, shortId, text } from '../format.js';
import {
  type Column,
  cut,
  FIT_ONLY,
  fetchSize,
  parseLimit,
  printList,
  type Section,
  type Show,
  UTC,
} from '../list.js';
import { type CommandSpec, listOf, stringOf, type Values } from '../options.js';
import { type Printer, printerOf } from '../output.js';
import {
  decodeNextToken,
  encodeNextToken,
  nextPageFlags,
  nextTokenFlag,
  onlyCluster,
  type Position,
  queryOf,
  readCut,
} from '../pages.js';
import { parseWindow, type Window } from '../time.js';
import { UsageError } from '../usage.js';
import { exitCodes, statusOf } from './resources.js';

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
    since: sinceFlag('STOPPED tasks that stopped, and live tasks still running,'),
    until: {
      type: 'string',
      value: '<time>',
      help:
        'the end of the window, excluded: STOPPED tasks that stopped, and live tasks created, before this time ' +
        '(default: now); the forms of --since',
    },
    limit: limitFlag('tasks per cluster'),
    'next-token': nextTokenFlag,
  },
  about:
    'Live tasks first, newest created first, then STOPPED tasks, newest stop first. A window means the same\n' +
    'whatever else is asked: a STOPPED task is listed when it stopped in [--since, --until), a live task when it\n' +
    'ran in it (created before --until, still running). --group and --status narrow it; a task resync found\n' +
    'ECS no longer knows counts as STOPPED (stopped when resync noticed), shown with its last status. A list cut\n' +
    'by --limit prints the --next-token of its next page (one cluster’s: with several, the notice names it).',
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
  const flags = windowFlags(values);
  let window = parseWindow(flags, { now: now(), timeZone: printer.timeZone });
  const named = listOf(values, 'status');
  const statuses = checkStatuses(
    named,
    TASK_STATUSES,
    ' (without --status, tasks in every status are listed, unknown ones too)',
  );
  const groups = [...new Set(listOf(values, 'group'))];
  const clusters = clustersOf(listOf(values, 'cluster'), context.config.clusters);
  // The query a --next-token belongs to: the flags that choose rows, as written.
  const queryIn = (cluster: string) =>
    queryOf('tasks', cluster, { ...flags, groups: [...groups].sort(), statuses: [...statuses].sort() });
  const token = stringOf(values, 'next-token');
  let from: Position | undefined;
  if (token !== undefined) {
    const resumed = decodeNextToken(token, queryIn(onlyCluster(clusters)), TASK_PARTS);
    window = resumed.window;
    from = resumed;
  }
  const sections: Section<StoredResource>[] = [];
  for (const cluster of clusters) {
    const listed = await tasksInWindow(context.store, cluster, { ...window, groups, statuses }, limit, from);
    const next =
      listed.next === undefined
        ? undefined
        : nextPageFlags(encodeNextToken(queryIn(cluster), window, listed.next), cluster, clusters);
    sections.push({ title: `Tasks in ${cluster}`, rows: listed.rows, more: listed.more, next });
  }
  printList(printer, { columns: TASK_COLUMNS, sections, limit });
  if (groups.length > 0 && sections.every((section) => section.rows.length === 0))
    await suggestGroups(context, printer, clusters, groups);
  return 0;
}

export interface TaskQuery extends Window {
  groups: readonly string[];
  /** Known statuses, upper case; none: every status, unknown ones too. */
  statuses: readonly string[];
}

/** The parts of a task list, in order: live tasks, then stopped ones; a --next-token names the one it stops in. */
const TASK_PARTS = ['live', 'stopped'] as const;

/** With --limit 0, live tasks are read a page at a time while they last (the first task that is over ends them). */
const LIVE_PAGE = 200;

/**
 * A cluster's tasks in the window: live ones that ran in it (newest created first), then STOPPED ones that
 * stopped in it (newest stop first), up to `limit` (0: all) from `from` (a --next-token's position; undefined:
 * the start); whether more match than it let through, and then where the next page starts.
 */
export async function tasksInWindow(
  store: Pick<StateStore, 'tasksInWindow' | 'stoppedTasks'>,
  cluster: string,
  query: TaskQuery,
  limit: number,
  from?: Position,
): Promise<{ rows: StoredResource[]; more: boolean; next?: Position }> {
  const { since, until, groups, statuses } = query;
  const bounds = {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(groups.length === 0 ? {} : { group: groups }),
  };
  const wanted = limit === 0 ? undefined : limit;
  const liveStatuses = statuses.filter((status) => status !== STOPPED);
  const rows: StoredResource[] = [];
  if ((statuses.length === 0 || liveStatuses.length > 0) && from?.part !== 'stopped') {
    // The live part of tasksInWindow comes first, its stopped part (tasks that ran in the window, stopped or
    // not in it) after: the first task that is over ends the live ones.
    const live = await readCut(
      (nextToken, size) =>
        store.tasksInWindow(cluster, {
          ...bounds,
          ...(liveStatuses.length === 0 ? {} : { statuses: liveStatuses }),
          ...(size === undefined ? {} : { limit: size }),
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      { start: from?.token, limit: wanted, ends: isOver, page: LIVE_PAGE },
    );
    rows.push(...live.rows);
    if (live.more) return { rows, more: true, next: { part: 'live', token: live.nextToken } };
  }
  if (statuses.length > 0 && !statuses.includes(STOPPED)) return { rows, more: false };
  // When the live tasks fill the limit, one stopped task says whether the list is cut.
  const stopped = await readCut(
    (nextToken, size) =>
      store.stoppedTasks(cluster, {
        ...bounds,
        ...(size === undefined ? {} : { limit: size }),
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    {
      start: from?.part === 'stopped' ? from.token : undefined,
      limit: wanted === undefined ? undefined : wanted - rows.length,
    },
  );
  rows.push(...stopped.rows);
  return stopped.more
    ? { rows, more: true, next: { part: 'stopped', token: stopped.nextToken } }
    : { rows, more: false };
}

const STOPPED = 'STOPPED';

/** A task that is STOPPED, or that resync found ECS no longer knows: listed as stopped. */
export const isOver = (task: StoredResource) =>
  task.detail.lastStatus === STOPPED || task.missingSince !== undefined;

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
        if (
          (await context.store.tasksInWindow(cluster, { group: candidate, limit: 1 })).resources.length > 0
        ) {
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

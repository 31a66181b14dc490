/**
 * `ecs-ops stops`: the tasks that stopped in a window (default: the last 24 hours), newest stop first, each with
 * its stop code, the exit code and reason of the container that stopped it, and the class of that exit — the
 * alerts capability's pure classification (lib/alerts/classify.ts): oom, app-error, image-pull, …
 *
 * Alerting knows which containers the task definition marks essential (it asks ECS); the store does not. Here
 * every container counts as essential, and the cause is chosen as detect.ts chooses among essential ones: the
 * first with a non-zero exit code, else the first with a reason, else the first that exited (else, for a task
 * none of whose containers exited, the first container). The CONTAINER column says which one was classified.
 */
import { matchExitRule } from '../../lib/alerts/classify.js';
import { EXIT_CLASSES, type ExitClass } from '../../lib/alerts/config.js';
import { stopKind } from '../../lib/alerts/detect.js';
import { clusterName, lastSegment } from '../../lib/platform/arn.js';
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import type { CommandContext } from '../context.js';
import { clusterFlag, clustersOf, limitFlag, sinceFlag, windowFlags } from '../flags.js';
import { shortId, text } from '../format.js';
import { type Column, FIT_ONLY, parseLimit, printList, type Section } from '../list.js';
import { type CommandSpec, listOf, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import {
  decodeNextToken,
  encodeNextToken,
  nextPageFlags,
  nextTokenFlag,
  onlyCluster,
  queryOf,
  readCut,
} from '../pages.js';
import { parseWindow, type Window, windowText } from '../time.js';
import { UsageError } from '../usage.js';
import { type ContainerView, containersOf, exitCodes } from './resources.js';

export const STOPS: CommandSpec = {
  name: 'stops',
  noArgs: 'use --cluster, --group, --class or --exit-code',
  list: true,
  summary:
    'tasks that stopped in a window (default: the last 24 h), newest first: stop code, the exit code and ' +
    'reason of the container that stopped it, and its class (oom, app-error, image-pull, …)',
  flags: {
    cluster: clusterFlag(),
    group: {
      type: 'string',
      repeatable: true,
      value: '<group>',
      help: 'e.g. service:api or family:ingest; repeat for more',
    },
    class: {
      type: 'string',
      repeatable: true,
      value: '<class>',
      help: `the class of the exit that stopped the task: ${EXIT_CLASSES.join(', ')}; repeat for more`,
    },
    'exit-code': {
      type: 'string',
      value: '<n>',
      help: 'only tasks whose classified container exited with this code',
    },
    since: sinceFlag('tasks that stopped', '24h'),
    until: {
      type: 'string',
      value: '<time>',
      help: 'tasks that stopped before this time, excluded (default: now); the forms of --since',
    },
    limit: limitFlag('tasks per cluster'),
    'next-token': nextTokenFlag,
  },
  about:
    'Classes come from the alerts capability (lib/alerts/classify.ts), rule by rule: oom (a reason that says\n' +
    'OutOfMemory, or 137 with a memory reason), image-pull, failed-to-start, segfault (139), signal (129-159),\n' +
    'app-error (any other non-zero exit), clean-exit (0). Alerting classifies the essential container the task\n' +
    'definition names; the store does not know which containers are essential, so every container counts as\n' +
    'one here: the cause is the first with a non-zero exit code, else the first with a reason, else the first\n' +
    'that exited (CONTAINER names it; -o wide adds every exit code and the rule that matched). A stop no\n' +
    'container caused (a scale-in or StopTask before any container ran) has no class, nor has a task resync\n' +
    'found ECS no longer knows (STOP CODE missing): --class never lists them. A list cut by --limit prints the\n' +
    '--next-token of its next page (one cluster’s: with several, the notice names it).',
};

/** One stopped task as `stops` lists it. */
export interface StopRow {
  taskArn: string;
  cluster: string;
  group: string;
  /** When it stopped: stoppedAt, or when resync found ECS no longer knows it. */
  stoppedAt: string;
  stopCode: string;
  stoppedReason: string;
  /** The container classified (see the module's comment); undefined when the task lists none. */
  container?: string;
  exitCode?: number;
  /** The container's own reason, else the task's stopped reason. */
  reason: string;
  /**
   * Undefined when no container caused the stop (none exited or gave a reason: a scale-in or StopTask before
   * any ran), and for a task resync marked missing (ECS never said how it ended).
   */
  class?: ExitClass;
  /** The classifier's rule that matched (lib/alerts/classify.ts EXIT_RULES). */
  rule?: string;
  exitCodes: string;
  createdAt?: string;
  startedAt?: string;
  taskDefinitionArn?: string;
  launchType?: string;
  containerInstanceArn?: string;
  missingSince?: string;
}

/**
 * The container that stopped a task, without its task definition: as detect.ts chooses among the essential
 * containers, with every container counted as essential — the first with a non-zero exit code, else the first
 * with a reason, else the first that exited; for a task that failed to start, else its first container. None
 * when no container exited or gave a reason (a task stopped before any container ran: a scale-in, StopTask).
 */
export function causeOf(
  containers: readonly ContainerView[],
  failedToStart: boolean,
): ContainerView | undefined {
  const exited = (container: ContainerView) => typeof container.exitCode === 'number';
  return (
    containers.find((container) => exited(container) && container.exitCode !== 0) ??
    containers.find((container) => container.reason !== undefined && container.reason !== '') ??
    containers.find(exited) ??
    (failedToStart ? containers[0] : undefined)
  );
}

/** A stopped task's row: its cause and the class of its exit. */
export function stopRow(task: StoredResource): StopRow {
  const { detail } = task;
  const optional = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const head = {
    taskArn: task.arn,
    cluster: clusterName(text(detail.clusterArn)),
    group: text(detail.group),
  };
  const tail = {
    stoppedReason: text(detail.stoppedReason),
    exitCodes: exitCodes(detail),
    ...defined({
      createdAt: optional(detail.createdAt),
      startedAt: optional(detail.startedAt),
      taskDefinitionArn: optional(detail.taskDefinitionArn),
      launchType: optional(detail.launchType),
      containerInstanceArn: optional(detail.containerInstanceArn),
    }),
  };
  if (detail.lastStatus !== 'STOPPED' && task.missingSince !== undefined) {
    return {
      ...head,
      stoppedAt: task.missingSince,
      stopCode: text(detail.stopCode),
      reason: `ECS no longer knows it (found by resync); last status ${text(detail.lastStatus)}`,
      ...tail,
      missingSince: task.missingSince,
    };
  }
  const taskFacts = defined({
    stopCode: optional(detail.stopCode),
    stoppedReason: optional(detail.stoppedReason),
  });
  const failedToStart = stopKind(taskFacts) === 'failed-to-start';
  const cause = causeOf(containersOf(detail), failedToStart);
  // A task that failed to start before ECS listed its containers is classified by its stop code and reason.
  const rule = cause !== undefined || failedToStart ? matchExitRule(cause ?? {}, taskFacts) : undefined;
  const exitCode = typeof cause?.exitCode === 'number' ? cause.exitCode : undefined;
  return {
    ...head,
    stoppedAt: text(detail.stoppedAt ?? detail.updatedAt ?? task.eventTime),
    stopCode: text(detail.stopCode),
    ...defined({ container: cause?.name, exitCode, class: rule?.exitClass, rule: rule?.name }),
    reason: text(cause?.reason) || text(detail.stoppedReason),
    ...tail,
    ...(task.missingSince === undefined ? {} : { missingSince: task.missingSince }),
  };
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export const STOP_COLUMNS: readonly Column<StopRow>[] = [
  { header: 'STOPPED', cell: (row, show) => show.time(row.stoppedAt) },
  { header: 'TASK', cell: (row) => shortId(row.taskArn) },
  { header: 'CLUSTER', wide: true, cell: (row) => row.cluster },
  { header: 'GROUP', free: FIT_ONLY, cell: (row) => row.group },
  { header: 'STOP CODE', cell: (row) => (row.missingSince === undefined ? row.stopCode : 'missing') },
  { header: 'CONTAINER', cell: (row) => text(row.container) },
  { header: 'EXIT', cell: (row) => text(row.exitCode) },
  { header: 'CLASS', cell: (row) => text(row.class) },
  { header: 'REASON', free: 60, cell: (row) => row.reason },
  { header: 'EXIT CODES', wide: true, cell: (row) => row.exitCodes },
  { header: 'RULE', wide: true, cell: (row) => text(row.rule) },
  { header: 'STOPPED REASON', wide: true, cell: (row) => row.stoppedReason },
  { header: 'CREATED', wide: true, cell: (row, show) => show.time(row.createdAt) },
  { header: 'STARTED', wide: true, cell: (row, show) => show.time(row.startedAt) },
  {
    header: 'TASK DEFINITION',
    wide: true,
    cell: (row) => (row.taskDefinitionArn === undefined ? '' : lastSegment(row.taskDefinitionArn)),
  },
  { header: 'LAUNCH TYPE', wide: true, cell: (row) => text(row.launchType) },
];

/** --class: classes of the classifier's vocabulary, each once; an unknown one is refused, naming them all. */
export function parseClasses(named: readonly string[]): ExitClass[] {
  const classes = named.map((name) => name.trim().toLowerCase());
  for (const [index, name] of classes.entries()) {
    if (!(EXIT_CLASSES as readonly string[]).includes(name))
      throw new UsageError(
        `--class ${named[index]}: unknown class; use one of ${EXIT_CLASSES.join(', ')} (lib/alerts/classify.ts)`,
      );
  }
  return [...new Set(classes as ExitClass[])];
}

/** --exit-code: a whole number (ECS reports 0-255; a negative code is taken as given). */
export function parseExitCode(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const code = Number(value);
  if (value.trim() === '' || !Number.isInteger(code))
    throw new UsageError(`--exit-code ${value}: expected a whole number, e.g. --exit-code 137`);
  return code;
}

export interface StopFilter {
  classes: readonly ExitClass[];
  exitCode?: number | undefined;
}

export const keepsStop = (filter: StopFilter) => (row: StopRow) =>
  (filter.classes.length === 0 || (row.class !== undefined && filter.classes.includes(row.class))) &&
  (filter.exitCode === undefined || row.exitCode === filter.exitCode);

/**
 * A cluster's tasks that stopped in the window, newest first, that pass the filter: up to `limit` (0: all) after
 * `start` (a --next-token's store token; undefined: from the newest), whether more match (read on, page by page,
 * until one more than the limit matched or the window is done), and then the store's token of the next page.
 */
export async function stopsIn(
  context: Pick<CommandContext, 'store'>,
  cluster: string,
  window: Window,
  groups: readonly string[],
  filter: StopFilter,
  limit: number,
  start?: string,
): Promise<{ rows: StopRow[]; more: boolean; nextToken?: string }> {
  const keep = keepsStop(filter);
  const filtered = filter.classes.length > 0 || filter.exitCode !== undefined;
  const cut = await readCut(
    (nextToken, size) =>
      context.store.stoppedTasks(cluster, {
        ...window,
        ...(groups.length === 0 ? {} : { group: groups }),
        ...(size === undefined ? {} : { limit: size }),
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    {
      start,
      limit: limit === 0 ? undefined : limit,
      ...(filtered ? { keep: (task: StoredResource) => keep(stopRow(task)) } : {}),
    },
  );
  return {
    rows: cut.rows.map(stopRow),
    more: cut.more,
    ...(cut.nextToken === undefined ? {} : { nextToken: cut.nextToken }),
  };
}

/** The one part of a stops list, as a --next-token names it. */
const STOP_PARTS = ['stopped'] as const;

export async function stopsCommand(
  context: CommandContext,
  values: Values,
  now: () => Date = () => new Date(),
): Promise<number> {
  const printer = printerOf(context);
  const limit = parseLimit(stringOf(values, 'limit'));
  const flags = windowFlags(values);
  let window = parseWindow(flags, { now: now(), timeZone: printer.timeZone }, '24h');
  const filter: StopFilter = {
    classes: parseClasses(listOf(values, 'class')),
    exitCode: parseExitCode(stringOf(values, 'exit-code')),
  };
  const groups = [...new Set(listOf(values, 'group'))];
  const clusters = clustersOf(listOf(values, 'cluster'), context.config.clusters);
  // The query a --next-token belongs to: the flags that choose rows, as written.
  const queryIn = (cluster: string) =>
    queryOf('stops', cluster, {
      ...flags,
      groups: [...groups].sort(),
      classes: [...filter.classes].sort(),
      exitCode: filter.exitCode,
    });
  const token = stringOf(values, 'next-token');
  let start: string | undefined;
  if (token !== undefined) {
    const resumed = decodeNextToken(token, queryIn(onlyCluster(clusters)), STOP_PARTS);
    window = resumed.window;
    start = resumed.token;
  }
  const span = windowText(window, printer.timeZone);
  const sections: Section<StopRow>[] = [];
  for (const cluster of clusters) {
    const listed = await stopsIn(context, cluster, window, groups, filter, limit, start);
    const next = listed.more
      ? nextPageFlags(
          encodeNextToken(queryIn(cluster), window, { part: 'stopped', token: listed.nextToken }),
          cluster,
          clusters,
        )
      : undefined;
    sections.push({
      title: `Tasks stopped in ${cluster} ${span}`,
      rows: listed.rows,
      more: listed.more,
      next,
    });
  }
  printList(printer, { columns: STOP_COLUMNS, sections, limit });
  const missing = groups.filter((group) => !group.includes(':'));
  if (missing.length > 0 && sections.every((section) => section.rows.length === 0))
    printer.note(
      `groups name their kind: --group service:${missing[0]} (a service's tasks) or --group family:${missing[0]}`,
    );
  return 0;
}

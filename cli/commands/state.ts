/**
 * `ecs-ops task`, `ecs-ops tasks`, `ecs-ops instances`: the reconciled state, read back. A resource resync found
 * ECS no longer knows shows its last status with "(missing since …)"; a timeline says who reported each version
 * (ECS's event, or resync reading the API).
 */
import { clusterName } from '../../lib/platform/arn.js';
import { INSTANCE_STATUSES, TASK_STATUSES } from '../../lib/platform/events/statuses.js';
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import { OTHER_INSTANCE_STATUSES } from '../../lib/platform/store/table.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortId, shortTime, text, truncate } from '../format.js';
import { UsageError } from '../usage.js';

interface ContainerView {
  name?: string;
  lastStatus?: string;
  exitCode?: number | null;
  reason?: string;
}

export async function taskCommand(context: CommandContext, target: string | undefined, history: boolean) {
  if (target === undefined) throw new UsageError('task needs a task or container instance ARN, or its id');
  const arn = await resolveArn(context, target);
  const latest = await context.store.getLatest(arn);
  if (latest === undefined) throw new UsageError(`nothing is stored for ${arn}`);
  const timeline = history ? await context.store.history(arn) : undefined;
  if (context.options.json) {
    context.out(
      JSON.stringify({ latest, ...(timeline === undefined ? {} : { history: timeline }) }, null, 2),
    );
    return 0;
  }
  context.out(latest.kind === 'task' ? describeTask(latest) : describeInstance(latest));
  if (timeline !== undefined)
    context.out(`\nTimeline (${timeline.length} versions):\n${formatTimeline(timeline)}`);
  return 0;
}

export async function tasksCommand(
  context: CommandContext,
  filters: {
    cluster?: string | readonly string[];
    status?: string;
    group?: string;
    since?: string;
    limit?: string;
  },
) {
  const limit = parseLimit(filters.limit);
  const since = filters.since === undefined ? undefined : parseSince(filters.since);
  const statuses =
    filters.status === undefined
      ? TASK_STATUSES
      : [
          checkStatus(
            filters.status,
            TASK_STATUSES,
            ' (without --status, tasks in every status are listed, unknown ones too)',
          ),
        ];
  const listed: { cluster: string; tasks: StoredResource[] }[] = [];
  for (const cluster of clustersOf(context, filters.cluster)) {
    let tasks: StoredResource[];
    if (filters.group !== undefined) {
      tasks = await context.store.tasksByGroup(cluster, filters.group, { since });
      if (filters.status !== undefined)
        tasks = tasks.filter((task) => task.detail.lastStatus === statuses[0]);
    } else {
      tasks = [];
      for (const status of statuses)
        tasks.push(...(await context.store.tasksByStatus(cluster, status, { since, limit })));
      // Without --status, tasks in statuses ECS added after this code (stored, never dropped) are listed last.
      if (filters.status === undefined)
        tasks.push(...(await context.store.tasksInOtherStatuses(cluster, TASK_STATUSES, { since, limit })));
    }
    listed.push({ cluster, tasks: tasks.slice(0, limit) });
  }
  return printByCluster(
    context,
    listed.map(({ cluster, tasks }) => ({ cluster, resources: tasks })),
    'Tasks',
    taskTable,
  );
}

export async function instancesCommand(
  context: CommandContext,
  filters: { cluster?: string | readonly string[]; status?: string },
) {
  // Without --status, container instances in a status ECS added after this code (stored under `other`, never
  // dropped) are listed last, with their own status.
  const statuses: readonly string[] =
    filters.status === undefined
      ? [...INSTANCE_STATUSES, OTHER_INSTANCE_STATUSES]
      : [
          checkStatus(
            filters.status,
            INSTANCE_STATUSES,
            ' (without --status, container instances in every status are listed, unknown ones too)',
          ),
        ];
  const listed: { cluster: string; instances: StoredResource[] }[] = [];
  for (const cluster of clustersOf(context, filters.cluster)) {
    const instances: StoredResource[] = [];
    for (const status of statuses)
      instances.push(...(await context.store.instancesByStatus(cluster, status)));
    listed.push({ cluster, instances });
  }
  return printByCluster(
    context,
    listed.map(({ cluster, instances }) => ({ cluster, resources: instances })),
    'Container instances',
    instanceTable,
  );
}

/** One JSON list of every cluster's resources, or a heading and a table per cluster. */
function printByCluster(
  context: CommandContext,
  listed: readonly { cluster: string; resources: StoredResource[] }[],
  heading: string,
  table: (resources: StoredResource[]) => string,
): number {
  if (context.options.json) {
    context.out(
      JSON.stringify(
        listed.flatMap(({ resources }) => resources),
        null,
        2,
      ),
    );
    return 0;
  }
  for (const { cluster, resources } of listed) {
    context.out(`${heading} in ${cluster} (${resources.length}):`);
    context.out(resources.length === 0 ? '  none' : table(resources));
  }
  return 0;
}

export function taskTable(tasks: readonly StoredResource[]): string {
  return renderTable(
    ['TASK', 'GROUP', 'LAST', 'DESIRED', 'VER', 'CREATED', 'STOPPED', 'STOP CODE', 'EXIT CODES'],
    tasks.map((task) => [
      shortId(task.arn),
      text(task.detail.group),
      statusOf(task),
      text(task.detail.desiredStatus),
      String(task.version),
      shortTime(task.detail.createdAt),
      shortTime(task.detail.stoppedAt),
      text(task.detail.stopCode),
      exitCodes(task.detail),
    ]),
  );
}

export function instanceTable(instances: readonly StoredResource[]): string {
  return renderTable(
    ['CONTAINER INSTANCE', 'EC2', 'STATUS', 'AGENT', 'RUNNING', 'PENDING', 'VER', 'REGISTERED'],
    instances.map((instance) => [
      shortId(instance.arn),
      text(instance.detail.ec2InstanceId),
      statusOf(instance),
      instance.detail.agentConnected === false ? 'disconnected' : 'connected',
      text(instance.detail.runningTasksCount),
      text(instance.detail.pendingTasksCount),
      String(instance.version),
      shortTime(instance.detail.registeredAt),
    ]),
  );
}

/**
 * A task's last status or a container instance's status, as stored (a status ecs-ops does not know included),
 * with "(missing since …)" when resync found that ECS no longer knows it: "RUNNING (missing since 2024-05-01 …)".
 */
export function statusOf({ kind, detail, missingSince }: StoredResource): string {
  const status = text(kind === 'task' ? detail.lastStatus : detail.status);
  return missingSince === undefined ? status : `${status} (missing since ${shortTime(missingSince)})`;
}

/** "3 (event of 2024-05-01 12:00:00)", or "3 (read by resync at …)" for a version resync read from the API. */
function versionOf({ version, source, eventTime }: StoredResource): string {
  return `${version} (${source === 'resync' ? 'read by resync at' : 'event of'} ${shortTime(eventTime)})`;
}

export function describeTask(task: StoredResource): string {
  const { arn, detail, trimmedFields } = task;
  const rows: [string, string][] = [
    ['task', arn],
    ['cluster', text(detail.clusterArn)],
    ['group', text(detail.group)],
    ['started by', text(detail.startedBy)],
    ['status', `${text(detail.lastStatus)} (desired ${text(detail.desiredStatus)})`],
    ['missing since', missingNote(task)],
    ['version', versionOf(task)],
    ['task definition', text(detail.taskDefinitionArn)],
    ['launch type', text(detail.launchType)],
    ['container instance', text(detail.containerInstanceArn)],
    ['created', shortTime(detail.createdAt)],
    ['started', shortTime(detail.startedAt)],
    ['stopped', shortTime(detail.stoppedAt)],
    ['stop code', text(detail.stopCode)],
    ['stopped reason', text(detail.stoppedReason)],
  ];
  if (trimmedFields.length > 0) rows.push(['trimmed to fit', trimmedFields.join(', ')]);
  const containers = (detail.containers as ContainerView[] | undefined) ?? [];
  const table = renderTable(
    ['CONTAINER', 'STATUS', 'EXIT', 'REASON'],
    containers.map((c) => [text(c.name), text(c.lastStatus), text(c.exitCode), truncate(text(c.reason), 80)]),
  );
  return `${keyValues(rows)}\n\n${table}`;
}

export function describeInstance(instance: StoredResource): string {
  const { arn, detail } = instance;
  return keyValues([
    ['container instance', arn],
    ['cluster', text(detail.clusterArn)],
    ['ec2 instance', text(detail.ec2InstanceId)],
    ['status', text(detail.status)],
    ['missing since', missingNote(instance)],
    ['agent', detail.agentConnected === false ? 'disconnected' : 'connected'],
    ['running / pending tasks', `${text(detail.runningTasksCount)} / ${text(detail.pendingTasksCount)}`],
    ['version', versionOf(instance)],
    ['registered', shortTime(detail.registeredAt)],
  ]);
}

/** Empty (the row is left out) unless resync found that ECS no longer knows the resource. */
function missingNote({ kind, missingSince }: StoredResource): string {
  if (missingSince === undefined) return '';
  const listed = kind === 'task' ? 'listed as STOPPED' : 'listed as INACTIVE';
  return `${shortTime(missingSince)}: ECS no longer knows it (resync); ${listed}, last status kept`;
}

/** Every version, oldest first, with who reported it: `event` (ECS) or `resync` (read from the ECS API). */
export function formatTimeline(timeline: readonly StoredResource[]): string {
  return renderTable(
    ['VER', 'UPDATED', 'SOURCE', 'STATUS', 'DESIRED', 'STOP CODE', 'EXIT CODES'],
    timeline.map(({ version, detail, eventTime, source }) => [
      String(version),
      shortTime(detail.updatedAt ?? eventTime),
      source,
      text(detail.lastStatus ?? detail.status),
      text(detail.desiredStatus),
      text(detail.stopCode),
      exitCodes(detail),
    ]),
  );
}

function keyValues(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows
    .filter(([, value]) => value !== '' && value !== ' (desired )')
    .map(([key, value]) => `${key.padEnd(width)}  ${value}`)
    .join('\n');
}

/** "web=137 log-router=0": each container that has exited, with its code. */
function exitCodes(detail: Record<string, unknown>): string {
  const containers = (detail.containers as ContainerView[] | undefined) ?? [];
  return containers
    .filter((c) => c.exitCode !== undefined && c.exitCode !== null)
    .map((c) => `${text(c.name)}=${c.exitCode}`)
    .join(' ');
}

async function resolveArn(context: CommandContext, target: string): Promise<string> {
  if (target.startsWith('arn:')) return target;
  const found = await context.store.findById(target);
  if (found.length === 1) return (found[0] as StoredResource).arn;
  if (found.length === 0) throw new UsageError(`no task or container instance with id ${target} is stored`);
  throw new UsageError(
    `id ${target} matches several resources; give the ARN:\n  ${found.map((r) => r.arn).join('\n  ')}`,
  );
}

/** The clusters named with --cluster (repeatable; a name or an ARN), else ops.config.yml's. */
function clustersOf(context: CommandContext, named: string | readonly string[] | undefined): string[] {
  const clusters = typeof named === 'string' ? [named] : (named ?? []);
  if (clusters.length > 0) return [...new Set(clusters.map(clusterName))];
  if (context.config.clusters !== undefined) return context.config.clusters;
  throw new UsageError('name the cluster with --cluster (ops.config.yml lists no clusters to default to)');
}

function checkStatus<T extends string>(status: string, known: readonly T[], hint = ''): T {
  const upper = status.toUpperCase() as T;
  if (!known.includes(upper))
    throw new UsageError(`unknown status ${status}; use one of ${known.join(', ')}${hint}`);
  return upper;
}

export function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return 100;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--limit ${limit}: expected a whole number ≥ 1`);
  return value;
}

/** "24h", "30m", "7d", "90s" before now, or an ISO time. */
export function parseSince(since: string, now = Date.now()): string {
  const age = /^(\d+)([smhd])$/.exec(since);
  if (age) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(age[1]) * unit).toISOString();
  }
  if (!Number.isNaN(Date.parse(since))) return new Date(since).toISOString();
  throw new UsageError(`--since ${since}: expected an age such as 24h, 30m, 7d, or an ISO time`);
}

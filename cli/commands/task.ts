/**
 * `ecs-ops task <arn|id> [--history]`: one task or container instance as reconciled, read back. A resource resync
 * found ECS no longer knows shows its last status with "(missing since …)"; a timeline says who reported each
 * version (ECS's event, or resync reading the API). Times are shown in --tz, and say so.
 */
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortTime, text, truncate } from '../format.js';
import type { Show } from '../list.js';
import type { CommandSpec, Values } from '../options.js';
import { printerOf } from '../output.js';
import { UsageError } from '../usage.js';

export const TASK: CommandSpec = {
  name: 'task',
  args: '<arn|id>',
  maxArgs: 1,
  summary: 'latest state of one task or container instance',
  flags: { history: { type: 'boolean', help: 'with every version received (its timeline)' } },
};

interface ContainerView {
  name?: string;
  lastStatus?: string;
  exitCode?: number | null;
  reason?: string;
}

const UTC: Show = { time: shortTime, zone: 'UTC' };

export async function taskCommand(context: CommandContext, args: readonly string[], values: Values) {
  const [target] = args;
  if (target === undefined) throw new UsageError('task needs a task or container instance ARN, or its id');
  const arn = await resolveArn(context, target);
  const latest = await context.store.getLatest(arn);
  if (latest === undefined) throw new UsageError(`nothing is stored for ${arn}`);
  const timeline = values.history === true ? await context.store.history(arn) : undefined;
  const printer = printerOf(context);
  if (printer.document({ latest, ...(timeline === undefined ? {} : { history: timeline }) })) return 0;
  const show: Show = { time: printer.time, zone: printer.timeZone };
  printer.out(latest.kind === 'task' ? describeTask(latest, show) : describeInstance(latest, show));
  if (timeline !== undefined) {
    printer.out(`\nTimeline (${timeline.length} versions; times in ${printer.timeZone}):`);
    printer.out(formatTimeline(timeline, show));
  }
  return 0;
}

/**
 * A task's last status or a container instance's status, as stored (a status ecs-ops does not know included),
 * with "(missing since …)" when resync found that ECS no longer knows it: "RUNNING (missing since 2024-05-01 …)".
 */
export function statusOf({ kind, detail, missingSince }: StoredResource, show: Show = UTC): string {
  const status = text(kind === 'task' ? detail.lastStatus : detail.status);
  return missingSince === undefined ? status : `${status} (missing since ${show.time(missingSince)})`;
}

/** "3 (event of 2024-05-01 12:00:00)", or "3 (read by resync at …)" for a version resync read from the API. */
function versionOf({ version, source, eventTime }: StoredResource, show: Show): string {
  return `${version} (${source === 'resync' ? 'read by resync at' : 'event of'} ${show.time(eventTime)})`;
}

export function describeTask(task: StoredResource, show: Show = UTC): string {
  const { arn, detail, trimmedFields } = task;
  const rows: [string, string][] = [
    ['task', arn],
    ['cluster', text(detail.clusterArn)],
    ['group', text(detail.group)],
    ['started by', text(detail.startedBy)],
    ['status', `${text(detail.lastStatus)} (desired ${text(detail.desiredStatus)})`],
    ['missing since', missingNote(task, show)],
    ['version', versionOf(task, show)],
    ['task definition', text(detail.taskDefinitionArn)],
    ['launch type', text(detail.launchType)],
    ['container instance', text(detail.containerInstanceArn)],
    ['created', show.time(detail.createdAt)],
    ['started', show.time(detail.startedAt)],
    ['stopped', show.time(detail.stoppedAt)],
    ['stop code', text(detail.stopCode)],
    ['stopped reason', text(detail.stoppedReason)],
  ];
  if (trimmedFields.length > 0) rows.push(['trimmed to fit', trimmedFields.join(', ')]);
  rows.push(['times in', text(show.zone)]);
  const containers = (detail.containers as ContainerView[] | undefined) ?? [];
  const table = renderTable(
    ['CONTAINER', 'STATUS', 'EXIT', 'REASON'],
    containers.map((c) => [text(c.name), text(c.lastStatus), text(c.exitCode), truncate(text(c.reason), 80)]),
  );
  return `${keyValues(rows)}\n\n${table}`;
}

export function describeInstance(instance: StoredResource, show: Show = UTC): string {
  const { arn, detail } = instance;
  return keyValues([
    ['container instance', arn],
    ['cluster', text(detail.clusterArn)],
    ['ec2 instance', text(detail.ec2InstanceId)],
    ['status', text(detail.status)],
    ['missing since', missingNote(instance, show)],
    ['agent', detail.agentConnected === false ? 'disconnected' : 'connected'],
    ['running / pending tasks', `${text(detail.runningTasksCount)} / ${text(detail.pendingTasksCount)}`],
    ['version', versionOf(instance, show)],
    ['registered', show.time(detail.registeredAt)],
    ['times in', text(show.zone)],
  ]);
}

/** Empty (the row is left out) unless resync found that ECS no longer knows the resource. */
function missingNote({ kind, missingSince }: StoredResource, show: Show): string {
  if (missingSince === undefined) return '';
  const listed = kind === 'task' ? 'listed as STOPPED' : 'listed as INACTIVE';
  return `${show.time(missingSince)}: ECS no longer knows it (resync); ${listed}, last status kept`;
}

/** Every version, oldest first, with who reported it: `event` (ECS) or `resync` (read from the ECS API). */
export function formatTimeline(timeline: readonly StoredResource[], show: Show = UTC): string {
  return renderTable(
    ['VER', 'UPDATED', 'SOURCE', 'STATUS', 'DESIRED', 'STOP CODE', 'EXIT CODES'],
    timeline.map(({ version, detail, eventTime, source }) => [
      String(version),
      show.time(detail.updatedAt ?? eventTime),
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
export function exitCodes(detail: Record<string, unknown>): string {
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

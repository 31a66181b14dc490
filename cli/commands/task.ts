/**
 * `ecs-ops task <id|arn|i-…> [--history]`: one task or container instance as reconciled, read back. Ids resolve
 * the way people paste them (cli/commands/resolve.ts): the short ids tables show, whole ids, ARNs of either
 * format, EC2 instance ids. A task shows the container instance it ran on (and its EC2 instance) and the alerts
 * journaled about it. A resource resync found ECS no longer knows shows its last status with "(missing since …)";
 * a timeline says who reported each version (ECS's event, or resync reading the API). Times are shown in --tz,
 * and say so.
 */
import { JOURNAL_KIND } from '../../lib/alerts/alerting.js';
import type { AlertJournalEntry } from '../../lib/alerts/model.js';
import { clusterName, resourceId, resourceKey } from '../../lib/platform/arn.js';
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import { type CommandContext, journalOf } from '../context.js';
import { renderTable, text, truncate } from '../format.js';
import { type Show, UTC } from '../list.js';
import type { CommandSpec, Values } from '../options.js';
import { printerOf } from '../output.js';
import { UsageError } from '../usage.js';
import { resolveTarget } from './resolve.js';
import { containersOf, exitCodes, statusOf } from './resources.js';

export { exitCodes, statusOf };

export const TASK: CommandSpec = {
  name: 'task',
  args: '<id|arn|i-…>',
  maxArgs: 1,
  summary:
    'latest state of one task or container instance, found by the short id tables show (8+ characters), its ' +
    'id, its ARN or an EC2 instance id; a task with the container instance it ran on and its alerts',
  title: 'latest state of one task or container instance',
  flags: { history: { type: 'boolean', help: 'with every version received (its timeline)' } },
  about:
    'The id: the first 8 or more characters of a task or container instance id (as tables show it), the whole\n' +
    'id, its ARN (arn:aws:ecs:…:task/<cluster>/<id> or the old …:task/<id>), or an EC2 instance id (i-…: its\n' +
    'container instance, and the answer says so). A prefix that matches several is refused, listing them; give\n' +
    'more of it. A task also shows the container instance it ran on (id, EC2 instance, status) and the alert\n' +
    'decisions journaled about it from its creation until a day after it stopped.',
  more: 'Exit codes: 0 shown; 2 no such id, an id shorter than 8 characters, or one that matches several.',
};

/** Alerts about a task are journaled when its stop is handled: read up to a day after it (resync finds late ones). */
const ALERTS_AFTER_STOP_MS = 86_400_000;

/** Where a task ran: its container instance, as stored (undefined fields when it is not). */
export interface HostView {
  arn: string;
  id: string;
  ec2InstanceId?: string;
  status?: string;
  stored: boolean;
}

export async function taskCommand(
  context: CommandContext,
  args: readonly string[],
  values: Values,
  now: () => Date = () => new Date(),
) {
  const [target] = args;
  if (target === undefined)
    throw new UsageError(
      'task needs a task or container instance id (8 or more characters of it), its ARN, or an EC2 instance id',
    );
  const printer = printerOf(context);
  const show: Show = { time: printer.time, zone: printer.timeZone };
  const { resource: latest, note } = await resolveTarget(context.store, target, 'any', show);
  const timeline = values.history === true ? await context.store.history(latest.arn) : undefined;
  const host = latest.kind === 'task' ? await hostOf(context, latest) : undefined;
  const alerts = latest.kind === 'task' ? await alertsOf(context, latest, now()) : undefined;
  const document = {
    latest,
    ...(timeline === undefined ? {} : { history: timeline }),
    ...(latest.kind === 'task' ? { containerInstance: host ?? null, alerts } : {}),
  };
  if (note !== undefined && printer.format !== 'table') printer.note(note);
  if (printer.document(document)) return 0;
  if (note !== undefined) printer.out(`(${note})`);
  printer.out(latest.kind === 'task' ? describeTask(latest, show, host) : describeInstance(latest, show));
  if (alerts !== undefined) {
    printer.out(`\nAlerts (${alerts.length}; times in ${printer.timeZone}):`);
    printer.out(alerts.length === 0 ? '  none journaled' : alertTable(alerts, show));
  }
  if (timeline !== undefined) {
    printer.out(`\nTimeline (${timeline.length} versions; times in ${printer.timeZone}):`);
    printer.out(formatTimeline(timeline, show));
  }
  return 0;
}

/** The container instance a task was placed on (EC2 launch type), as stored; undefined on Fargate. */
async function hostOf(context: CommandContext, task: StoredResource): Promise<HostView | undefined> {
  const arn = task.detail.containerInstanceArn;
  if (typeof arn !== 'string' || arn === '') return undefined;
  const instance = await context.store.getLatest(arn);
  return {
    arn,
    id: resourceId(arn),
    stored: instance !== undefined,
    ...(instance === undefined
      ? {}
      : { ec2InstanceId: text(instance.detail.ec2InstanceId), status: statusOf(instance) }),
  };
}

/**
 * The alert decisions journaled about a task (kind `alert`, fields.taskArn the task), oldest first: from its
 * creation (no earlier than the journal keeps entries) until a day after it stopped, or now.
 */
export async function alertsOf(
  context: CommandContext,
  task: StoredResource,
  now: Date,
): Promise<AlertJournalEntry[]> {
  const { since, until } = lifetimeOf(task, now, context.config.retention.historyDays);
  const journal = journalOf(context);
  const key = resourceKey(task.arn);
  const entries = await journal.list<Omit<AlertJournalEntry, 'at'>>({ kind: JOURNAL_KIND, since, until });
  return entries
    .filter((entry) => typeof entry.fields.taskArn === 'string' && resourceKey(entry.fields.taskArn) === key)
    .map((entry): AlertJournalEntry => ({ ...entry.fields, at: entry.at }))
    .reverse();
}

/**
 * The window a task's journal entries fall in: from its creation (or its first event) — not before the journal's
 * retention — to a day after its stop (or now), never after now. ISO times.
 */
export function lifetimeOf(
  task: StoredResource,
  now: Date,
  retentionDays: number,
): { since: string; until: string } {
  const time = (value: unknown) => {
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    return Number.isNaN(at) ? undefined : at;
  };
  const { detail } = task;
  const end =
    time(detail.stoppedAt) ??
    time(task.missingSince) ??
    (detail.lastStatus === 'STOPPED' ? time(detail.updatedAt) : undefined);
  const until = Math.min(now.getTime(), end === undefined ? now.getTime() : end + ALERTS_AFTER_STOP_MS);
  const kept = retentionDays > 0 ? now.getTime() - retentionDays * 86_400_000 : Number.NEGATIVE_INFINITY;
  const born = time(detail.createdAt) ?? time(task.eventTime) ?? until - ALERTS_AFTER_STOP_MS;
  const since = Math.min(until, Math.max(born, kept));
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
}

function alertTable(alerts: readonly AlertJournalEntry[], show: Show): string {
  return renderTable(
    ['TIME', 'OUTCOME', 'CLASS', 'SEVERITY', 'SUBJECT OR REASON'],
    alerts.map((entry) => [
      show.time(entry.at),
      entry.outcome,
      text(entry.exitClass),
      text(entry.severity),
      truncate(
        entry.outcome === 'sent' || entry.outcome === 'summary-sent' ? text(entry.subject) : entry.reason,
        100,
      ),
    ]),
  );
}

/** "3 (event of 2024-05-01 12:00:00)", or "3 (read by resync at …)" for a version resync read from the API. */
function versionOf({ version, source, eventTime }: StoredResource, show: Show): string {
  return `${version} (${source === 'resync' ? 'read by resync at' : 'event of'} ${show.time(eventTime)})`;
}

/** "0123abcd… on i-0abc… (ACTIVE)", or "…(not in the store)". */
function hostText(task: StoredResource, host: HostView | undefined): string {
  if (host === undefined) return text(task.detail.containerInstanceArn);
  if (!host.stored) return `${host.id} (not in the store)`;
  return `${host.id} on ${text(host.ec2InstanceId) || 'an unknown EC2 instance'} (${text(host.status)}) in ${clusterName(text(task.detail.clusterArn))}`;
}

export function describeTask(task: StoredResource, show: Show = UTC, host?: HostView): string {
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
    ['container instance', hostText(task, host)],
    ['created', show.time(detail.createdAt)],
    ['started', show.time(detail.startedAt)],
    ['stopped', show.time(detail.stoppedAt)],
    ['stop code', text(detail.stopCode)],
    ['stopped reason', text(detail.stoppedReason)],
  ];
  if (trimmedFields.length > 0) rows.push(['trimmed to fit', trimmedFields.join(', ')]);
  rows.push(['times in', text(show.zone)]);
  const containers = containersOf(detail);
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

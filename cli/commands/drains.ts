/**
 * `ecs-ops drains [--open] [--cluster]… [--since] [--until]`: the drains of container instances, those under way
 * first — trigger, start, tasks still there, state, and how and when each instance was released. A window keeps
 * the drains under way at some time in it: started by --until, and not released before --since.
 * `ecs-ops drain <instance-id|container-instance-arn>`: starts a drain by hand, through the same code the
 * deployed function runs (set DRAINING, record the drain); the drain function releases it on the event that
 * shows it empty. It needs ECS: `--store aws` (the deployed table, your credentials), or a local endpoint named
 * by AWS_ENDPOINT_URL_ECS.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeContainerInstancesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DrainStore } from '../../lib/drain/drain-store.js';
import { createDrainer } from '../../lib/drain/drainer.js';
import { liveTasks } from '../../lib/drain/machine.js';
import type { Drain } from '../../lib/drain/model.js';
import { clusterName } from '../../lib/platform/arn.js';
import { awsClient } from '../../lib/platform/aws/clients.js';
import { Journal } from '../../lib/platform/journal.js';
import type { AlertPublisher } from '../../lib/platform/notification/publisher.js';
import type { CommandContext } from '../context.js';
import { clusterFlag, limitFlag, sinceFlag, untilFlag, windowFlags } from '../flags.js';
import { text } from '../format.js';
import { type Column, cut, FIT_ONLY, fetchSize, parseLimit, printList } from '../list.js';
import { type CommandSpec, listOf, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { parseWindow, type Window, windowText } from '../time.js';
import { UsageError } from '../usage.js';

export const DRAINS: CommandSpec = {
  name: 'drains',
  noArgs: 'use --open, --cluster or --since',
  list: true,
  summary:
    'container instances drained before they left, under way first: trigger, started, tasks left, state, ' +
    'released how and when, API calls',
  flags: {
    open: { type: 'boolean', help: 'only the drains under way' },
    cluster: clusterFlag('default: every cluster'),
    since: sinceFlag('drains still under way (not released before it)'),
    until: untilFlag('drains started'),
    limit: limitFlag('drains'),
  },
};

export const DRAIN: CommandSpec = {
  name: 'drain',
  args: '<i-…|arn>',
  maxArgs: 1,
  summary:
    'drain an instance by hand: set it DRAINING and record the drain (the deployed drain function releases ' +
    'it once empty); needs --store aws, or AWS_ENDPOINT_URL_ECS with --store local',
  flags: {},
};

const drainStore = (context: CommandContext) =>
  new DrainStore({
    tableName: context.store.tableName,
    client: context.store.client,
    retentionDays: context.config.retention.historyDays,
  });

const COLUMNS: readonly Column<Drain>[] = [
  { header: 'INSTANCE', cell: (drain) => drain.ec2InstanceId },
  { header: 'CLUSTER', cell: (drain) => text(drain.cluster) },
  { header: 'TRIGGER', cell: (drain) => drain.trigger },
  { header: 'STARTED', cell: (drain, show) => show.time(drain.startedAt) },
  { header: 'STATE', tone: true, cell: (drain) => drain.state },
  {
    header: 'TASKS LEFT',
    cell: (drain) => String(drain.release?.remaining.length ?? liveTasks(drain).length),
  },
  {
    header: 'RELEASED',
    cell: (drain, show) =>
      drain.release === undefined ? `by ${show.time(drain.deadline)}` : show.time(drain.release.at),
  },
  { header: 'HOW', free: FIT_ONLY, cell: (drain) => releasedHow(drain) },
  { header: 'CALLS', cell: (drain) => String(drain.apiCalls) },
  { header: 'LATEST', free: 60, cell: (drain) => drain.notes.at(-1) ?? '' },
  { header: 'DEADLINE', wide: true, cell: (drain, show) => show.time(drain.deadline) },
  { header: 'NOTES', wide: true, cell: (drain) => drain.notes.join(' | ') },
];

export async function drainsCommand(
  context: CommandContext,
  values: Values,
  now: () => Date = () => new Date(),
) {
  const printer = printerOf(context);
  const limit = parseLimit(stringOf(values, 'limit'));
  const open = values.open === true;
  const window = parseWindow(windowFlags(values), { now: now(), timeZone: printer.timeZone });
  const clusters = new Set(listOf(values, 'cluster').map(clusterName));
  const windowed = window.since !== undefined || window.until !== undefined;
  const filtered = clusters.size > 0 || windowed;
  // Filtering happens after the read (drains are few: one per instance leaving), so the limit can only be applied then.
  const drains = (
    await drainStore(context).list({ openOnly: open, ...(filtered ? {} : { limit: fetchSize(limit) }) })
  ).filter(
    (drain) =>
      (clusters.size === 0 || (drain.cluster !== undefined && clusters.has(clusterName(drain.cluster)))) &&
      (!windowed || underWayIn(drain, window)),
  );
  const span = windowText(window, printer.timeZone);
  const title = `${open ? 'Drains under way' : 'Drains, under way first'}${span === '' ? '' : `, ${span}`}`;
  printList(printer, { columns: COLUMNS, sections: [{ title, ...cut(drains, limit) }], limit });
  return 0;
}

/** A drain was under way at some time of the window: started by its end, and not released before its start. */
export function underWayIn(drain: Drain, window: Window): boolean {
  if (window.until !== undefined && Date.parse(drain.startedAt) > Date.parse(window.until)) return false;
  return (
    window.since === undefined ||
    drain.release === undefined ||
    Date.parse(drain.release.at) >= Date.parse(window.since)
  );
}

/** "empty, CONTINUE, 1.2 s after the last task stopped" — what a reader of the table wants to know. */
function releasedHow(drain: Drain): string {
  const { release } = drain;
  if (release === undefined) return '';
  const parts: string[] = [release.reason];
  if (release.lifecycleResult) parts.push(release.lifecycleResult);
  const seconds =
    drain.lastTaskStoppedAt === undefined
      ? Number.NaN
      : (Date.parse(release.at) - Date.parse(drain.lastTaskStoppedAt)) / 1000;
  // Event times are ECS's clock, the release the function's: only a sane difference is worth showing (the
  // sandbox's simulated clock runs ahead of the functions' own).
  if (release.reason === 'empty' && seconds >= 0)
    parts.push(`${seconds.toFixed(1)} s after the last task stopped`);
  return parts.join(', ');
}

/** The manual start has no deadline yet: a release now is never the deadline's, so nothing is ever paged. */
const noPages: AlertPublisher = {
  publish: () => Promise.reject(new Error('ecs-ops drain pages nobody: the deployed drain-sweeper does')),
};

export async function drainCommand(context: CommandContext, args: readonly string[]) {
  const [target] = args;
  if (target === undefined)
    throw new UsageError('drain needs an EC2 instance id (i-…) or a container instance ARN');
  if (context.options.store === 'local' && process.env.AWS_ENDPOINT_URL_ECS === undefined) {
    throw new UsageError(
      'drain needs ECS: use --store aws (the deployed table and your AWS credentials), or set ' +
        'AWS_ENDPOINT_URL_ECS to a local endpoint that serves ECS',
    );
  }
  const clientOptions = {
    ...(context.options.region === undefined ? {} : { region: context.options.region }),
    ...(context.options.profile === undefined ? {} : { profile: context.options.profile }),
  };
  const ecs = awsClient(ECSClient, clientOptions);
  const autoScaling = awsClient(AutoScalingClient, clientOptions);
  try {
    const ec2InstanceId = await ec2InstanceOf(context, ecs, target);
    const { drain } = context.config;
    const drainer = createDrainer({
      drains: drainStore(context),
      state: context.store,
      ecs,
      autoScaling,
      publisher: noPages,
      journal: new Journal({
        tableName: context.store.tableName,
        client: context.store.client,
        retentionDays: context.config.retention.historyDays,
      }),
      settings: {
        deadlineMinutes: drain.deadlineMinutes,
        heartbeatTimeoutSeconds: drain.lifecycleHook.heartbeatTimeoutSeconds,
        standaloneTasks: drain.standaloneTasks,
        standaloneGraceMinutes: drain.standaloneGraceMinutes,
      },
      clusters: context.config.clusters,
    });
    const report = await drainer.start({ ec2InstanceId, trigger: 'manual', at: new Date().toISOString() });
    const printer = printerOf(context);
    if (!printer.document(report)) printer.out(`${ec2InstanceId}: ${report.step} — ${report.explanation}`);
    return 0;
  } finally {
    ecs.destroy();
    autoScaling.destroy();
  }
}

/** An EC2 instance id as given, or the one a container instance ARN runs on (reconciled state, else ECS). */
async function ec2InstanceOf(context: CommandContext, ecs: ECSClient, target: string): Promise<string> {
  if (/^i-[0-9a-f]{8,17}$/.test(target)) return target;
  const match = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:container-instance\/(?:([^/]+)\/)?[^/]+$/.exec(target);
  if (match === null) {
    throw new UsageError(
      `${target}: expected an EC2 instance id (i-0123456789abcdef0) or a container instance ARN`,
    );
  }
  const known = (await context.store.getLatest(target))?.detail.ec2InstanceId;
  if (typeof known === 'string') return known;
  const cluster = match[1];
  if (cluster === undefined) {
    throw new UsageError(
      `${target} is not in the store and names no cluster; give its EC2 instance id instead`,
    );
  }
  const { containerInstances = [] } = await ecs.send(
    new DescribeContainerInstancesCommand({ cluster, containerInstances: [target] }),
  );
  const ec2InstanceId = containerInstances[0]?.ec2InstanceId;
  if (ec2InstanceId === undefined) throw new UsageError(`${target}: ECS knows no such container instance`);
  return ec2InstanceId;
}

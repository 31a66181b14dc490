/**
 * `ecs-ops drains [--open]`: the drains of container instances, those under way first — trigger, start, tasks
 * still there, state, and how and when each instance was released.
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
import { awsClient } from '../../lib/platform/aws/clients.js';
import { Journal } from '../../lib/platform/journal.js';
import type { AlertPublisher } from '../../lib/platform/notification/publisher.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortTime, text, truncate } from '../format.js';
import { UsageError } from '../usage.js';
import { parseLimit } from './state.js';

const drainStore = (context: CommandContext) =>
  new DrainStore({
    tableName: context.store.tableName,
    client: context.store.client,
    retentionDays: context.config.retention.historyDays,
  });

export async function drainsCommand(context: CommandContext, options: { open: boolean; limit?: string }) {
  const drains = await drainStore(context).list({ openOnly: options.open, limit: parseLimit(options.limit) });
  if (context.options.json) {
    context.out(JSON.stringify(drains, null, 2));
    return 0;
  }
  context.out(`${options.open ? 'Drains under way' : 'Drains, under way first'} (${drains.length}):`);
  context.out(
    drains.length === 0
      ? '  none'
      : renderTable(
          [
            'INSTANCE',
            'CLUSTER',
            'TRIGGER',
            'STARTED',
            'STATE',
            'TASKS LEFT',
            'RELEASED',
            'HOW',
            'CALLS',
            'LATEST',
          ],
          drains.map((drain) => [
            drain.ec2InstanceId,
            text(drain.cluster),
            drain.trigger,
            shortTime(drain.startedAt),
            drain.state,
            String(drain.release?.remaining.length ?? liveTasks(drain).length),
            drain.release === undefined ? `by ${shortTime(drain.deadline)}` : shortTime(drain.release.at),
            releasedHow(drain),
            String(drain.apiCalls),
            truncate(drain.notes.at(-1) ?? '', 60),
          ]),
        ),
  );
  return 0;
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

export async function drainCommand(context: CommandContext, target: string | undefined) {
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
    if (context.options.json) context.out(JSON.stringify(report, null, 2));
    else context.out(`${ec2InstanceId}: ${report.step} — ${report.explanation}`);
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

/**
 * How `task`, `tasks` and `instances` show what resync did: a resource ECS no longer knows keeps its last status
 * with "(missing since …)", a timeline names who reported each version (event or resync), and a container
 * instance in a status ecs-ops does not know is listed with that status, never hidden.
 */
import { describe, expect, it } from 'vitest';
import { instancesCommand, instanceTable, taskTable } from '../../../cli/commands/state.js';
import { describeInstance, describeTask, formatTimeline, statusOf } from '../../../cli/commands/task.js';
import type { CommandContext } from '../../../cli/context.js';
import type { StoredResource } from '../../../lib/platform/store/state-store.js';

const CLUSTER = 'arn:aws:ecs:us-east-1:111122223333:cluster/prod';
const TASK = 'arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0123456789abcdef';
const INSTANCE = 'arn:aws:ecs:us-east-1:111122223333:container-instance/prod/aaaabbbbccccdddd';

const task = (
  overrides: Partial<StoredResource> = {},
  detail: Record<string, unknown> = {},
): StoredResource => ({
  arn: TASK,
  kind: 'task',
  version: 3,
  eventTime: '2024-05-01T12:00:05.000Z',
  source: 'event',
  detail: {
    taskArn: TASK,
    clusterArn: CLUSTER,
    group: 'service:web',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    createdAt: '2024-05-01T12:00:00.000Z',
    ...detail,
  },
  trimmedFields: [],
  ...overrides,
});

const instance = (
  overrides: Partial<StoredResource> = {},
  detail: Record<string, unknown> = {},
): StoredResource => ({
  arn: INSTANCE,
  kind: 'instance',
  version: 7,
  eventTime: '2024-05-01T11:00:00.000Z',
  source: 'event',
  detail: {
    containerInstanceArn: INSTANCE,
    clusterArn: CLUSTER,
    ec2InstanceId: 'i-0123456789abcdef0',
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: 2,
    pendingTasksCount: 0,
    registeredAt: '2024-05-01T10:00:00.000Z',
    ...detail,
  },
  trimmedFields: [],
  ...overrides,
});

const MISSING = { missingSince: '2024-05-02T08:30:00.000Z', source: 'event' as const };

describe('the status of a listed resource', () => {
  it('is its status as stored, with "(missing since …)" when ECS no longer knows it', () => {
    expect(statusOf(task())).toBe('RUNNING');
    expect(statusOf(task(MISSING))).toBe('RUNNING (missing since 2024-05-02 08:30:00)');
    expect(statusOf(instance(MISSING, { status: 'DRAINING' }))).toBe(
      'DRAINING (missing since 2024-05-02 08:30:00)',
    );
    expect(statusOf(instance({}, { status: 'DEREGISTERING' }))).toBe('DEREGISTERING');
  });

  it('shows in the LAST column of tasks and the STATUS column of instances', () => {
    expect(taskTable([task(MISSING)]).split('\n')[1]).toMatch(
      /^0123456789abcdef0123456789abcdef +service:web +RUNNING \(missing since 2024-05-02 08:30:00\) +RUNNING +3 /,
    );
    expect(instanceTable([instance(MISSING)]).split('\n')[1]).toMatch(
      /^aaaabbbbccccdddd +i-0123456789abcdef0 +ACTIVE \(missing since 2024-05-02 08:30:00\) +connected /,
    );
  });
});

describe('one resource (ecs-ops task)', () => {
  it('says when resync found ECS no longer knows it, and where it is listed', () => {
    const shown = describeTask(task(MISSING));
    expect(shown).toMatch(/^status +RUNNING \(desired RUNNING\)$/m);
    expect(shown).toMatch(
      /^missing since +2024-05-02 08:30:00: ECS no longer knows it \(resync\); listed as STOPPED, last status kept$/m,
    );
    expect(describeInstance(instance(MISSING))).toMatch(
      /^missing since +2024-05-02 08:30:00: .*listed as INACTIVE, last status kept$/m,
    );
    expect(describeTask(task())).not.toMatch(/missing/);
  });

  it('says whether its version came from an event or from resync reading the API', () => {
    expect(describeTask(task())).toMatch(/^version +3 \(event of 2024-05-01 12:00:05\)$/m);
    expect(describeTask(task({ source: 'resync' }))).toMatch(
      /^version +3 \(read by resync at 2024-05-01 12:00:05\)$/m,
    );
    expect(describeInstance(instance({ source: 'resync' }))).toMatch(/^version +7 \(read by resync at /m);
  });

  it('names the source of each version of its timeline', () => {
    const timeline = formatTimeline([
      task({ version: 1, eventId: 'e-1' }, { lastStatus: 'PROVISIONING' }),
      task({ version: 3, source: 'resync' }, { lastStatus: 'RUNNING' }),
    ]).split('\n');
    expect(timeline[0]).toMatch(/^VER +UPDATED +SOURCE +STATUS +DESIRED +STOP CODE +EXIT CODES$/);
    expect(timeline[1]).toMatch(/^1 +2024-05-01 12:00:05 +event +PROVISIONING +RUNNING$/);
    expect(timeline[2]).toMatch(/^3 +2024-05-01 12:00:05 +resync +RUNNING +RUNNING$/);
  });
});

describe('ecs-ops instances', () => {
  /** A store whose byStatus index holds the given instances under each bucket. */
  function contextWith(buckets: Record<string, StoredResource[]>, json = false) {
    const out: string[] = [];
    const asked: string[] = [];
    const context = {
      options: { json },
      config: { clusters: ['prod'] },
      store: {
        instancesByStatus: async (cluster: string, bucket: string) => {
          asked.push(`${cluster}|${bucket}`);
          return buckets[bucket] ?? [];
        },
      },
      out: (line: string) => out.push(line),
    } as unknown as CommandContext;
    return { context, out, asked };
  }

  it('lists container instances in a status ecs-ops does not know, last, with their own status', async () => {
    const unknown = instance(
      { arn: `${INSTANCE}ee` },
      { containerInstanceArn: `${INSTANCE}ee`, status: 'HIBERNATING' },
    );
    const { context, out, asked } = contextWith({ ACTIVE: [instance()], other: [unknown] });

    expect(await instancesCommand(context, {})).toBe(0);

    expect(asked).toEqual([
      'prod|REGISTERING',
      'prod|REGISTRATION_FAILED',
      'prod|ACTIVE',
      'prod|DRAINING',
      'prod|DEREGISTERING',
      'prod|INACTIVE',
      'prod|other',
    ]);
    expect(out[0]).toBe('Container instances in prod (2; times in UTC):');
    const rows = (out[1] ?? '').split('\n');
    expect(rows[1]).toMatch(/^aaaabbbbccccdddd +i-0123456789abcdef0 +ACTIVE /);
    expect(rows[2]).toMatch(/^aaaabbbbccccddddee +i-0123456789abcdef0 +HIBERNATING /);
  });

  it('lists them in --json too', async () => {
    const unknown = instance({}, { status: 'HIBERNATING' });
    const { context, out } = contextWith({ other: [unknown] }, true);
    await instancesCommand(context, {});
    expect(JSON.parse(out.join('\n'))).toEqual([unknown]);
  });

  it('reads one bucket for --status, and says that without it unknown statuses are listed too', async () => {
    const { context, asked } = contextWith({});
    await instancesCommand(context, { status: 'draining', cluster: ['prod', 'batch'] });
    expect(asked).toEqual(['prod|DRAINING', 'batch|DRAINING']);
    await expect(instancesCommand(context, { status: 'HIBERNATING' })).rejects.toThrow(
      /unknown status HIBERNATING; use one of REGISTERING.* \(without --status, container instances in every status are listed, unknown ones too\)/,
    );
  });
});

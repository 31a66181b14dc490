/**
 * The audit views, rendered from stored tasks and journal entries without a store: `stops` (the cause of each
 * stop and its class, by the alerts capability's classifier), `timeline` (each source's events, chronological)
 * and what `task` and `instance` add (the host, the alerts window, the status timeline).
 */
import { describe, expect, it } from 'vitest';
import { instanceTimeline } from '../../../cli/commands/instance.js';
import {
  causeOf,
  keepsStop,
  parseClasses,
  parseExitCode,
  STOP_COLUMNS,
  stopRow,
} from '../../../cli/commands/stops.js';
import { describeTask, lifetimeOf } from '../../../cli/commands/task.js';
import {
  alertEvents,
  chronological,
  deploymentEvents,
  drainEvents,
  familyOf,
  jobEvents,
  jobsOfFamily,
  scalingEvents,
  type TimelineEvent,
  taskEvents,
} from '../../../cli/commands/timeline.js';
import type { Show } from '../../../cli/list.js';
import { UsageError } from '../../../cli/usage.js';
import type { JournalEntry } from '../../../lib/platform/journal.js';
import type { StoredResource } from '../../../lib/platform/store/state-store.js';

const ACCOUNT = 'arn:aws:ecs:us-east-1:111122223333';
const show: Show = {
  time: (value) =>
    String(value ?? '')
      .slice(0, 19)
      .replace('T', ' '),
  zone: 'UTC',
};
const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();
const idOf = (n: number) => `${String(n).padStart(2, '0')}${'a'.repeat(30)}`;
const arnOf = (n: number) => `${ACCOUNT}:task/prod/${idOf(n)}`;

function stopped(
  n: number,
  detail: Record<string, unknown>,
  extra: Partial<StoredResource> = {},
): StoredResource {
  return {
    arn: arnOf(n),
    kind: 'task',
    version: 5,
    eventTime: at(30),
    source: 'event',
    detail: {
      taskArn: arnOf(n),
      clusterArn: `${ACCOUNT}:cluster/prod`,
      group: 'service:api',
      lastStatus: 'STOPPED',
      createdAt: at(0),
      startedAt: at(1),
      stoppedAt: at(30),
      taskDefinitionArn: `${ACCOUNT}:task-definition/api:7`,
      startedBy: 'ecs-svc/111',
      ...detail,
    },
    trimmedFields: [],
    ...extra,
  };
}

const OOM = { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' };

describe('stops: the cause of a stop and its class', () => {
  it('classifies the container that stopped the task with the alerts classifier, and names it', () => {
    const row = stopRow(
      stopped(1, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [
          { name: 'log-router', exitCode: 0 },
          { name: 'api', ...OOM },
        ],
      }),
    );
    expect(row).toMatchObject({
      container: 'api',
      exitCode: 137,
      class: 'oom',
      rule: 'out-of-memory-reason',
      reason: OOM.reason,
      stopCode: 'EssentialContainerExited',
      exitCodes: 'log-router=0 api=137',
      stoppedAt: at(30),
    });
  });

  it('chooses as detect.ts does, every container counted essential: non-zero exit, then a reason, then an exit', () => {
    expect(
      causeOf(
        [
          { name: 'a', exitCode: 0 },
          { name: 'b', exitCode: 2 },
        ],
        false,
      )?.name,
    ).toBe('b');
    expect(
      causeOf(
        [
          { name: 'a', exitCode: 0 },
          { name: 'b', reason: 'CannotPullContainerError' },
        ],
        false,
      )?.name,
    ).toBe('b');
    expect(causeOf([{ name: 'a' }, { name: 'b', exitCode: 0 }], false)?.name).toBe('b');
    expect(causeOf([{ name: 'a' }], false)).toBeUndefined();
    expect(causeOf([{ name: 'a' }], true)?.name).toBe('a');
  });

  it('classifies a task that failed to start by its reason, even with no container listed', () => {
    const pull = stopRow(
      stopped(2, {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried',
        containers: [],
      }),
    );
    expect(pull).toMatchObject({ class: 'image-pull', rule: 'image-pull' });
    expect(pull.container).toBeUndefined();
  });

  it('gives no class to a stop no container caused (a scale-in before any container ran)', () => {
    const row = stopRow(
      stopped(3, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/111)',
        containers: [{ name: 'api', lastStatus: 'STOPPED' }],
      }),
    );
    expect(row.class).toBeUndefined();
    expect(row.reason).toBe('Scaling activity initiated by (deployment ecs-svc/111)');
    expect(keepsStop({ classes: ['failed-to-start'] })(row)).toBe(false);
  });

  it('says of a task resync found gone that ECS never told how it ended', () => {
    const row = stopRow(
      stopped(4, { lastStatus: 'RUNNING', stoppedAt: undefined }, { missingSince: at(45) }),
    );
    expect(row).toMatchObject({ stoppedAt: at(45), missingSince: at(45) });
    expect(row.class).toBeUndefined();
    expect(row.reason).toBe('ECS no longer knows it (found by resync); last status RUNNING');
    const stopCode = STOP_COLUMNS.find((column) => column.header === 'STOP CODE');
    expect(stopCode?.cell(row, show)).toBe('missing');
  });

  it('keeps a row by any of the classes and by the exit code of its cause', () => {
    const row = stopRow(stopped(5, { containers: [{ name: 'api', exitCode: 1 }] }));
    expect(keepsStop({ classes: ['oom', 'app-error'] })(row)).toBe(true);
    expect(keepsStop({ classes: ['oom'] })(row)).toBe(false);
    expect(keepsStop({ classes: [], exitCode: 1 })(row)).toBe(true);
    expect(keepsStop({ classes: [], exitCode: 137 })(row)).toBe(false);
  });

  it('reads --class in the classifier vocabulary, any case, and refuses others listing them', () => {
    expect(parseClasses(['OOM', 'oom', 'app-error'])).toEqual(['oom', 'app-error']);
    expect(() => parseClasses(['oops'])).toThrow(UsageError);
    expect(() => parseClasses(['oops'])).toThrow(
      '--class oops: unknown class; use one of oom, signal, segfault, image-pull, failed-to-start, app-error, clean-exit',
    );
  });

  it('reads --exit-code as a whole number', () => {
    expect(parseExitCode(undefined)).toBeUndefined();
    expect(parseExitCode('137')).toBe(137);
    expect(() => parseExitCode('oom')).toThrow('--exit-code oom: expected a whole number');
    expect(() => parseExitCode('1.5')).toThrow(UsageError);
    expect(() => parseExitCode(' ')).toThrow(UsageError);
  });
});

const entry = (
  kind: string,
  minute: number,
  subject: string,
  fields: Record<string, unknown>,
  id = `${minute}`,
) => ({ at: at(minute), kind, subject, id, fields }) as JournalEntry;
const WINDOW = { since: at(0), until: at(60) };

describe('timeline: each source', () => {
  it('lists a task started and stopped in the window, its class with its exit; not what fell outside', () => {
    const oom = stopped(1, {
      stopCode: 'EssentialContainerExited',
      containers: [{ name: 'api', ...OOM }],
    });
    const earlier = stopped(2, { createdAt: at(-90), startedAt: at(-80), stoppedAt: at(-10) });
    const running = { ...stopped(3, { lastStatus: 'RUNNING', startedAt: at(50), stoppedAt: undefined }) };
    const neverStarted = stopped(4, {
      startedAt: undefined,
      createdAt: at(40),
      stoppedAt: at(41),
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: not found',
    });
    const events = taskEvents('prod', [oom, earlier, running, neverStarted], WINDOW);
    expect(events.map((e) => [e.at, e.what, e.task?.slice(-32)])).toEqual([
      [at(1), 'started', idOf(1)],
      [at(30), 'stopped', idOf(1)],
      [at(50), 'started', idOf(3)],
      [at(40), 'created', idOf(4)],
      [at(41), 'stopped', idOf(4)],
    ]);
    expect(events[1]?.detail).toBe(`EssentialContainerExited — oom: api exit 137 — ${OOM.reason}`);
    expect(events[0]?.detail).toBe('api:7, started by ecs-svc/111');
    expect(events[3]?.detail).toContain('never started');
    expect(events[4]?.detail).toContain('image-pull');
  });

  it('lists each deployment once, when its first task was created, if that is in the window', () => {
    const tasks = [
      stopped(1, { createdAt: at(10), startedBy: 'ecs-svc/222' }),
      stopped(2, { createdAt: at(5), startedBy: 'ecs-svc/222' }),
      stopped(3, { createdAt: at(-30), startedBy: 'ecs-svc/111' }),
      stopped(4, { createdAt: at(20), startedBy: 'ecs-ops-job/report' }),
    ];
    const events = deploymentEvents('prod', tasks, WINDOW);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ at: at(5), kind: 'deployment', task: arnOf(2) });
    expect(events[0]?.detail).toMatch(
      /^ecs-svc\/222: its first task created \(2 of its tasks ran in the window\)/,
    );
  });

  it('leaves out a deployment that had a task before the window, and says when those were not all read', () => {
    const inside = [stopped(1, { createdAt: at(10), startedBy: 'ecs-svc/222' })];
    const before = [stopped(2, { createdAt: at(-50), stoppedAt: at(-40), startedBy: 'ecs-svc/222' })];
    expect(deploymentEvents('prod', inside, WINDOW, { tasks: before, complete: true })).toEqual([]);
    const unsure = deploymentEvents('prod', inside, WINDOW, { tasks: [], complete: false });
    expect(unsure[0]?.detail).toMatch(
      /; of the tasks that stopped before the window, the 0 latest were read$/,
    );
  });

  it('lists alerts sent, grouped and muted about the group, not the not-incident decisions', () => {
    const entries = [
      entry('alert', 31, 'prod/service:api', {
        outcome: 'sent',
        exitClass: 'oom',
        subject: '[ecs-ops] api OOM-killed',
        taskArn: arnOf(1),
      }),
      entry('alert', 32, 'prod/service:api', {
        outcome: 'grouped',
        reason: 'crash loop: exit 2',
        exitClass: 'oom',
      }),
      entry('alert', 33, 'prod/service:api', { outcome: 'not-incident', reason: 'a deployment' }),
      entry('alert', 34, 'prod/service:web', { outcome: 'sent', subject: 'web' }),
      entry('alert', 35, 'batch/service:api', { outcome: 'sent', subject: 'other cluster' }),
    ];
    const events = alertEvents('prod', 'service:api', entries);
    expect(events.map((e) => [e.what, e.detail, e.task])).toEqual([
      ['sent', 'oom: [ecs-ops] api OOM-killed', arnOf(1)],
      ['grouped', 'oom: crash loop: exit 2', undefined],
    ]);
  });

  it('lists scaling decisions that changed or failed, and counts the held ones by reason', () => {
    const scaling = (minute: number, fields: Record<string, unknown>, subject = 'prod/queue-worker') =>
      entry('scaling', minute, subject, { policy: 'out', ...fields });
    const { events, held } = scalingEvents('prod', 'queue-worker', [
      scaling(10, {
        action: 'scale',
        reason: 'scale-out',
        applied: true,
        previousDesired: 1,
        desired: 4,
        explanation: '1 +3 = 4',
      }),
      scaling(11, { action: 'ignore', reason: 'no-step' }),
      scaling(12, { action: 'ignore', reason: 'no-step' }),
      scaling(13, { action: 'ignore', reason: 'cooldown' }),
      scaling(14, { action: 'failed', reason: 'api-error', explanation: 'throttled' }),
      scaling(15, { action: 'scale', reason: 'scale-in' }, 'prod/web'),
    ]);
    expect(events.map((e) => [e.what, e.detail])).toEqual([
      ['scale-out', 'out (desired 1 → 4): 1 +3 = 4'],
      ['failed: api-error', 'out: throttled'],
    ]);
    expect(held).toEqual({ 'no-step': 2, cooldown: 1 });
  });

  it('lists every step of the drains that named one of the group’s tasks, and no other drain', () => {
    const drain = (minute: number, ec2: string, fields: Record<string, unknown>) =>
      entry('drain', minute, `prod/${ec2}`, {
        ec2InstanceId: ec2,
        cluster: 'prod',
        trigger: 'spot',
        ...fields,
      });
    const events = drainEvents('prod', new Set([idOf(1)]), [
      drain(20, 'i-0aaaaaaaaaaaaaaaa', { outcome: 'started', tasks: [arnOf(1), arnOf(9)] }),
      drain(25, 'i-0aaaaaaaaaaaaaaaa', {
        outcome: 'released',
        reason: 'empty',
        lifecycleResult: 'CONTINUE',
        remaining: [],
      }),
      drain(21, 'i-0bbbbbbbbbbbbbbbb', { outcome: 'started', tasks: [arnOf(8)] }),
    ]);
    expect(events.map((e) => [e.what, e.task])).toEqual([
      ['started', arnOf(1)],
      ['released', undefined],
    ]);
    expect(events[0]?.detail).toBe(
      `i-0aaaaaaaaaaaaaaaa (spot) — 2 tasks on it, 1 of the group's: ${idOf(1).slice(0, 8)}`,
    );
    expect(events[1]?.detail).toBe('i-0aaaaaaaaaaaaaaaa (spot) — empty — CONTINUE');
  });

  it('lists the steps of the runs of the jobs that run the family', () => {
    const events = jobEvents(
      'batch',
      ['report'],
      [
        entry('job', 1, 'report', {
          job: 'report',
          slot: at(0),
          outcome: 'launched',
          reason: 'launched 1 task',
          tasks: [arnOf(1)],
        }),
        entry('job', 9, 'report', {
          job: 'report',
          slot: at(0),
          outcome: 'failed',
          reason: 'exit 1',
          exitCodes: { report: 1 },
        }),
        entry('job', 9, 'ingest', { job: 'ingest', slot: at(0), outcome: 'failed' }),
      ],
    );
    expect(events.map((e) => [e.what, e.detail])).toEqual([
      ['launched', `report slot ${at(0)} — launched 1 task`],
      ['failed', `report slot ${at(0)} — exit report=1 — exit 1`],
    ]);
    expect(familyOf('report')).toBe('report');
    expect(familyOf('report:3')).toBe('report');
    expect(familyOf(`${ACCOUNT}:task-definition/report:3`)).toBe('report');
    const config = { jobs: { nightly: { taskDefinition: 'report:2' }, other: { taskDefinition: 'ingest' } } };
    expect(jobsOfFamily(config as never, 'report')).toEqual(['nightly']);
  });

  it('orders events by time; at one instant a deployment before its task, a page after the stop', () => {
    const event = (minute: number, kind: TimelineEvent['kind'], what: string): TimelineEvent => ({
      at: at(minute),
      cluster: 'prod',
      kind,
      what,
      detail: '',
    });
    const ordered = chronological([
      event(5, 'alert', 'sent'),
      event(5, 'task', 'stopped'),
      event(1, 'job', 'launched'),
      event(5, 'deployment', 'first task'),
    ]);
    expect(ordered.map((e) => `${e.kind} ${e.what}`)).toEqual([
      'job launched',
      'deployment first task',
      'task stopped',
      'alert sent',
    ]);
  });
});

describe('task and instance', () => {
  it('read a task’s alerts from its creation to a day after its stop, never before the journal keeps them', () => {
    const now = new Date(Date.parse(at(0)) + 3 * 86_400_000);
    const task = stopped(1, {});
    expect(lifetimeOf(task, now, 90)).toEqual({
      since: at(0),
      until: new Date(Date.parse(at(30)) + 86_400_000).toISOString(),
    });
    expect(lifetimeOf(stopped(2, { lastStatus: 'RUNNING', stoppedAt: undefined }), now, 90).until).toBe(
      now.toISOString(),
    );
    // The journal keeps 2 days: entries from before then are gone, and not asked for.
    expect(lifetimeOf(task, now, 2).since).toBe(new Date(now.getTime() - 2 * 86_400_000).toISOString());
  });

  it('shows the container instance a task ran on, with its EC2 instance and status', () => {
    const task = stopped(1, { containerInstanceArn: `${ACCOUNT}:container-instance/prod/${'c'.repeat(32)}` });
    const host = {
      arn: String(task.detail.containerInstanceArn),
      id: 'c'.repeat(32),
      ec2InstanceId: 'i-0123456789abcdef0',
      status: 'DRAINING',
      stored: true,
    };
    expect(describeTask(task, show, host)).toMatch(
      new RegExp(
        `^container instance {2}${'c'.repeat(32)} on i-0123456789abcdef0 \\(DRAINING\\) in prod$`,
        'm',
      ),
    );
    expect(describeTask(task, show, { ...host, stored: false })).toContain(
      `${'c'.repeat(32)} (not in the store)`,
    );
  });

  it('shows a container instance’s timeline oldest first, with its status, agent and task counts', () => {
    const version = (v: number, status: string, running: number): StoredResource => ({
      arn: `${ACCOUNT}:container-instance/prod/${'c'.repeat(32)}`,
      kind: 'instance',
      version: v,
      eventTime: at(v),
      source: v === 3 ? 'resync' : 'event',
      detail: {
        status,
        runningTasksCount: running,
        pendingTasksCount: 0,
        agentConnected: v !== 2,
        updatedAt: at(v),
      },
      trimmedFields: [],
    });
    const lines = instanceTimeline(
      [version(1, 'ACTIVE', 0), version(2, 'ACTIVE', 2), version(3, 'DRAINING', 0)],
      show,
    ).split('\n');
    expect(lines[0]).toMatch(/^VER +UPDATED +SOURCE +STATUS +AGENT +RUNNING +PENDING$/);
    expect(lines[2]).toMatch(/^2 +2024-05-01 12:02:00 +event +ACTIVE +disconnected +2 +0$/);
    expect(lines[3]).toMatch(/^3 +2024-05-01 12:03:00 +resync +DRAINING +connected +0 +0$/);
  });
});

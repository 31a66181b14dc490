import { describe, expect, it } from 'vitest';
import {
  isOverTime,
  type RunOutcome,
  runOutcome,
  type StoppedTask,
  timeoutStopReason,
} from '../../../../lib/jobs/outcome.js';

const arn = (id: string) => `arn:aws:ecs:us-east-1:111122223333:task/batch/${id}`;
const essential = ['app'];
const base = {
  taskArn: arn('abc123'),
  createdAt: '2024-05-02T02:30:01Z',
  startedAt: '2024-05-02T02:30:04Z',
  stoppedAt: '2024-05-02T02:42:34Z',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
};
const task = (containers: StoppedTask['containers'], extra: Partial<StoppedTask> = {}): StoppedTask => ({
  ...base,
  containers,
  ...extra,
});

describe('the outcome of a run', () => {
  it.each<[string, StoppedTask[], RunOutcome]>([
    [
      'every essential container exited 0',
      [
        task([
          { name: 'app', exitCode: 0 },
          { name: 'log-router', exitCode: 143 },
        ]),
      ],
      {
        result: 'succeeded',
        exitCodes: { app: 0, 'log-router': 143 },
        reason: 'every essential container exited 0',
        durationSeconds: 750,
      },
    ],
    [
      'the essential container exited 1',
      [
        task([
          { name: 'app', exitCode: 1 },
          { name: 'log-router', exitCode: 0 },
        ]),
      ],
      {
        result: 'failed',
        exitCodes: { app: 1, 'log-router': 0 },
        reason: 'task abc123: EssentialContainerExited: Essential container in task exited (app exited 1)',
        durationSeconds: 750,
      },
    ],
    [
      'out of memory',
      [
        task([
          { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        ]),
      ],
      {
        result: 'failed',
        exitCodes: { app: 137 },
        reason:
          'task abc123: EssentialContainerExited: Essential container in task exited ' +
          '(app exited 137: OutOfMemoryError: Container killed due to memory usage)',
        durationSeconds: 750,
      },
    ],
    [
      'the image could not be pulled',
      [
        task(
          [
            {
              name: 'app',
              reason: 'CannotPullContainerError: pull image manifest has been retried 1 time(s)',
            },
          ],
          {
            startedAt: undefined,
            stoppedAt: '2024-05-02T02:30:31Z',
            stopCode: 'TaskFailedToStart',
            stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 1 time(s)',
          },
        ),
      ],
      {
        result: 'failed',
        exitCodes: { app: null },
        reason:
          'task abc123: TaskFailedToStart: CannotPullContainerError: pull image manifest has been retried 1 time(s) ' +
          '(app did not exit: CannotPullContainerError: pull image manifest has been retried 1 time(s))',
        durationSeconds: 30,
      },
    ],
    [
      'ecs-ops stopped it at its timeout',
      [
        task([{ name: 'app', exitCode: 143 }], {
          stopCode: 'UserInitiated',
          stoppedReason: timeoutStopReason(10),
        }),
      ],
      {
        result: 'timed-out',
        exitCodes: { app: 143 },
        reason: 'task abc123: ecs-ops: timed out after 10 minutes',
        durationSeconds: 750,
      },
    ],
    [
      'one of three tasks failed',
      [
        task([{ name: 'app', exitCode: 0 }], { taskArn: arn('t1'), stoppedAt: '2024-05-02T02:31:04Z' }),
        task([{ name: 'app', exitCode: 2 }], { taskArn: arn('t2'), startedAt: '2024-05-02T02:30:10Z' }),
        task([{ name: 'app', exitCode: 0 }], { taskArn: arn('t3') }),
      ],
      {
        result: 'failed',
        exitCodes: { 't1/app': 0, 't2/app': 2, 't3/app': 0 },
        reason: 'task t2: EssentialContainerExited: Essential container in task exited (app exited 2)',
        durationSeconds: 750,
      },
    ],
    [
      'all tasks succeeded',
      [
        task([{ name: 'app', exitCode: 0 }], { taskArn: arn('t1') }),
        task([{ name: 'app', exitCode: 0 }], { taskArn: arn('t2') }),
      ],
      {
        result: 'succeeded',
        exitCodes: { 't1/app': 0, 't2/app': 0 },
        reason: "all 2 tasks' essential containers exited 0",
        durationSeconds: 750,
      },
    ],
    [
      'an essential container is missing from the task',
      [task([{ name: 'sidecar', exitCode: 0 }], { stopCode: undefined, stoppedReason: undefined })],
      {
        result: 'failed',
        exitCodes: { sidecar: 0 },
        reason: 'task abc123: stopped (app is missing)',
        durationSeconds: 750,
      },
    ],
    [
      'times are unknown',
      [{ containers: [{ name: 'app', exitCode: 0 }] }],
      {
        result: 'succeeded',
        exitCodes: { app: 0 },
        reason: 'every essential container exited 0',
        durationSeconds: 0,
      },
    ],
  ])('when %s', (_, tasks, outcome) => {
    expect(runOutcome(tasks, essential)).toEqual(outcome);
  });

  it('takes the essential names as a set too', () => {
    expect(runOutcome([task([{ name: 'app', exitCode: 0 }])], new Set(['app'])).result).toBe('succeeded');
  });

  it('refuses a run without tasks', () => {
    expect(() => runOutcome([], essential)).toThrow('tasks: a run has at least one task');
  });

  it.each([
    [1, 'ecs-ops: timed out after 1 minute'],
    [90, 'ecs-ops: timed out after 90 minutes'],
  ])('says a %i-minute timeout as %s', (minutes, reason) => {
    expect(timeoutStopReason(minutes)).toBe(reason);
  });
});

describe('a run past its timeout (job-timeouts stops its tasks)', () => {
  const slot = '2024-05-02T02:30:00.000Z';
  const at = (minutes: number) => new Date(Date.parse(slot) + minutes * 60_000);

  it.each([
    { run: { status: 'running', slot, launchedAt: '2024-05-02T02:31:00.000Z' }, minutes: 10, over: false },
    { run: { status: 'running', slot, launchedAt: '2024-05-02T02:31:00.000Z' }, minutes: 11, over: true },
    { run: { status: 'running', slot, launchedAt: '2024-05-02T02:31:00.000Z' }, minutes: 12, over: true },
    { run: { status: 'running', slot }, minutes: 10, over: true },
    { run: { status: 'launching', slot }, minutes: 60, over: false },
    { run: { status: 'failed', slot, launchedAt: slot }, minutes: 60, over: false },
  ])(
    '$run.status since $run.launchedAt, 10-minute timeout, at +$minutes min: $over',
    ({ run, minutes, over }) => {
      expect(isOverTime(run, 10, at(minutes))).toBe(over);
    },
  );
});

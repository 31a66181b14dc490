import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countExit,
  crashLoopGroupKey,
  isWindowOpen,
  windowEndsAt,
} from '../../../../lib/alerts/crash-loop.js';
import { alertsConfig, incident } from './helpers.js';

describe('crash-loop windows', () => {
  it.each([
    { startedAt: '2024-05-01T13:28:19.836Z', windowMinutes: 10, endsAt: '2024-05-01T13:38:19.836Z' },
    { startedAt: '2024-05-01T23:55:00Z', windowMinutes: 10, endsAt: '2024-05-02T00:05:00.000Z' },
    { startedAt: '2024-05-01T15:00:00+02:00', windowMinutes: 60, endsAt: '2024-05-01T14:00:00.000Z' },
    { startedAt: '2024-05-01T00:00:00Z', windowMinutes: 1440, endsAt: '2024-05-02T00:00:00.000Z' },
  ])(
    'a $windowMinutes-minute window from $startedAt ends at $endsAt (UTC)',
    ({ startedAt, windowMinutes, endsAt }) => {
      expect(windowEndsAt(startedAt, alertsConfig({ crashLoop: { windowMinutes } }))).toBe(endsAt);
    },
  );

  it('uses the default 10 minutes', () => {
    expect(windowEndsAt('2024-05-01T00:00:00.000Z', alertsConfig())).toBe('2024-05-01T00:10:00.000Z');
  });

  it('refuses a start that is not a time', () => {
    expect(() => windowEndsAt('yesterday', alertsConfig())).toThrow(/"yesterday" is not an ISO time/);
  });

  it.each([
    { window: undefined, now: '2024-05-01T00:00:00Z', open: false },
    { window: { endsAt: '2024-05-01T00:10:00.000Z' }, now: '2024-05-01T00:09:59.999Z', open: true },
    { window: { endsAt: '2024-05-01T00:10:00.000Z' }, now: '2024-05-01T00:10:00.000Z', open: false },
    { window: { endsAt: '2024-05-01T00:10:00.000Z' }, now: '2024-05-01T00:11:00.000Z', open: false },
    { window: { endsAt: 'not a time' }, now: '2024-05-01T00:00:00Z', open: false },
  ])('window $window at $now is open: $open', ({ window, now, open }) => {
    expect(isWindowOpen(window, new Date(now))).toBe(open);
  });

  it('groups by cluster and group', () => {
    expect(crashLoopGroupKey(incident())).toBe('prod#service:web');
  });
});

describe('countExit', () => {
  const window = { startedAt: '2024-05-01T13:00:00.000Z', endsAt: '2024-05-01T13:10:00.000Z' };
  const exitAt = (minute: number, exitCode: number) =>
    incident({
      taskArn: `arn:aws:ecs:us-east-1:111122223333:task/prod/task${minute}`,
      stoppedAt: `2024-05-01T13:0${minute}:00.000Z`,
      cause: { container: 'web', exitCode, exitClass: exitCode === 137 ? 'signal' : 'app-error' },
    });

  it('counts the first exit after the page and describes it', () => {
    expect(countExit(undefined, window, exitAt(1, 1))).toEqual({
      cluster: 'prod',
      group: 'service:web',
      service: 'web',
      windowStartedAt: window.startedAt,
      windowEndsAt: window.endsAt,
      count: 1,
      lastExit: {
        exitClass: 'app-error',
        exitCode: 1,
        taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/task1',
        stoppedAt: '2024-05-01T13:01:00.000Z',
      },
    });
  });

  it('keeps the exit that stopped last, whatever the order of arrival (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 10 }),
        (minutes) => {
          let summary: ReturnType<typeof countExit> | undefined;
          for (const minute of minutes) summary = countExit(summary, window, exitAt(minute, 100 + minute));
          const latest = Math.max(...minutes);
          expect(summary?.count).toBe(minutes.length);
          expect(summary?.lastExit.exitCode).toBe(100 + latest);
          expect(summary?.lastExit.stoppedAt).toBe(`2024-05-01T13:0${latest}:00.000Z`);
        },
      ),
    );
  });
});

/**
 * One clock: a function running in the sandbox's worker thread reads simulated time from its Date — frozen
 * while the sandbox is wired, then running at the sandbox's speed — and the main thread reads the same time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SharedClock } from '../../../../local/lambda/clock.js';
import { startLocalFunction } from '../../../../local/lambda/lambda-runtime.js';
import { SandboxClock } from '../../../../local/sandbox/clock.js';

const START = Date.parse('2024-05-02T09:00:00Z');
const SPEED = 10;

/** A function that logs a Powertools-style line and answers with every way it can read the time. */
const BUNDLE = `
export const handler = async (_event, context) => {
  console.log(JSON.stringify({ level: 'INFO', message: 'hello', timestamp: new Date().toISOString() }));
  return {
    now: Date.now(),
    date: new Date().getTime(),
    called: Date(),
    remainingMs: context.getRemainingTimeInMillis(),
    given: new Date(0).getTime(),
    parsed: Date.parse('2020-01-01T00:00:00Z'),
    utc: Date.UTC(2020, 0, 1),
    isDate: new Date() instanceof Date,
  };
};
`;

interface Readings {
  now: number;
  date: number;
  called: string;
  remainingMs: number;
  given: number;
  parsed: number;
  utc: number;
  isDate: boolean;
}

describe('the functions’ clock in the sandbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-clock-'));
  writeFileSync(join(dir, 'index.mjs'), BUNDLE);
  const clock = new SharedClock(START);
  const logs: string[] = [];
  const fn = startLocalFunction({
    name: 'clock',
    bundle: join(dir, 'index.mjs'),
    exportName: 'handler',
    environment: {},
    logDir: join(dir, 'logs'),
    timeoutMs: 60_000,
    clock,
    onLog: (line) => logs.push(line),
  });
  const invoke = async () => (await fn.invoke({})) as Readings;
  afterAll(() => fn.stop());

  it('stands still at the start while the sandbox is wired: logs, Date.now, new Date() and the remaining time', async () => {
    const readings = await invoke();
    expect(readings).toMatchObject({ now: START, date: START, remainingMs: 60_000 });
    expect(new Date(readings.called).getTime()).toBe(START);
    await expect.poll(() => logs.length).toBe(1);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ timestamp: '2024-05-02T09:00:00.000Z' });
  });

  it('then runs at the sandbox’s speed, never going back, in step with the main thread', async () => {
    const wallFrom = Date.now();
    clock.run(START, SPEED);
    await sleep(200);
    // What the main thread reads now is a floor for the worker (one anchor, one wall clock); a timer may end a
    // millisecond early by Date.now on a busy machine, so the speed is checked with room to spare.
    const mainAfterSleep = clock.now();
    const first = await invoke();
    const second = await invoke();
    const wallElapsed = Date.now() - wallFrom;
    expect(mainAfterSleep).toBeGreaterThanOrEqual(START + 100 * SPEED);
    expect(first.now).toBeGreaterThanOrEqual(mainAfterSleep);
    expect(second.now).toBeGreaterThanOrEqual(first.now);
    expect(second.now).toBeLessThanOrEqual(START + wallElapsed * SPEED);
    expect(clock.now()).toBeGreaterThanOrEqual(second.now);
  });

  it('keeps the rest of Date as it is: dates from values, parsing, UTC, instanceof', async () => {
    expect(await invoke()).toMatchObject({
      given: 0,
      parsed: Date.UTC(2020, 0, 1),
      utc: Date.UTC(2020, 0, 1),
      isDate: true,
    });
  });
});

describe('the sandbox’s clock', () => {
  it('moves the simulation forward only, and never past the functions’ time', () => {
    const clock = new SandboxClock(START);
    clock.reach(START);
    expect(() => clock.reach(START + 1)).toThrow(/cannot move/);
    clock.run(1_000);
    expect(() => clock.reach(START - 1)).toThrow(/cannot move/);
    expect(clock.now()).toBe(START);
  });

  it('runs while told to and stands still in between, never going back', () => {
    // The wall clock is faked: a real 20 ms sleep may end a millisecond early by Date.now on a busy machine.
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    try {
      const clock = new SandboxClock(START);
      clock.run(1_000);
      vi.advanceTimersByTime(20);
      clock.stop();
      const stoppedAt = clock.functionsNow();
      expect(stoppedAt).toBeGreaterThanOrEqual(START + 20_000);
      vi.advanceTimersByTime(20);
      expect(clock.functionsNow()).toBe(stoppedAt);
      clock.run(1_000);
      vi.advanceTimersByTime(20);
      expect(clock.functionsNow()).toBeGreaterThanOrEqual(stoppedAt + 20_000);
    } finally {
      vi.useRealTimers();
    }
  });
});

/**
 * How a run ended, from its tasks as they stopped (the STOPPED task events or DescribeTasks). Pure: which
 * containers are essential comes from the task definition and is a parameter.
 *
 * A run succeeded when every essential container of every task exited 0; it timed out when ecs-ops stopped
 * it for running past `timeoutMinutes` (its stop reason says so); otherwise it failed, and the reason is the
 * first failing task's stop code, stop reason and the exits that made it fail.
 */
import { resourceId } from '../platform/arn.js';

export interface StoppedContainer {
  name?: string;
  exitCode?: number | null;
  reason?: string;
}

export interface StoppedTask {
  taskArn?: string;
  createdAt?: Date | string;
  startedAt?: Date | string;
  stoppedAt?: Date | string;
  stopCode?: string;
  stoppedReason?: string;
  containers?: StoppedContainer[];
}

export type RunResult = 'succeeded' | 'failed' | 'timed-out';

export interface RunOutcome {
  result: RunResult;
  /** Exit code by container name (by `<task id>/<container>` when the run had several tasks). */
  exitCodes: Record<string, number | null>;
  reason: string;
  /** From the first task's start (its creation, if it never started) to the last task's stop. */
  durationSeconds: number;
}

export const TIMEOUT_STOP_PREFIX = 'ecs-ops: timed out';

/** The StopTask reason ecs-ops gives a run that ran past its timeout (StopTask allows 255 characters). */
export function timeoutStopReason(timeoutMinutes: number): string {
  return `${TIMEOUT_STOP_PREFIX} after ${timeoutMinutes} minute${timeoutMinutes === 1 ? '' : 's'}`;
}

/** Whether a run still running has run past its timeout: from its launch (its slot, until launched). */
export function isOverTime(
  run: { status: string; slot: string; launchedAt?: string },
  timeoutMinutes: number,
  now: Date,
): boolean {
  const launchedAt = Date.parse(run.launchedAt ?? run.slot);
  return run.status === 'running' && launchedAt + timeoutMinutes * 60_000 <= now.getTime();
}

const millis = (time: Date | string | undefined): number | undefined => {
  if (time === undefined) return undefined;
  const value = typeof time === 'string' ? Date.parse(time) : time.getTime();
  return Number.isNaN(value) ? undefined : value;
};

function durationSeconds(tasks: StoppedTask[]): number {
  const starts = tasks.map((t) => millis(t.startedAt) ?? millis(t.createdAt)).filter((t) => t !== undefined);
  const stops = tasks.map((t) => millis(t.stoppedAt)).filter((t) => t !== undefined);
  if (starts.length === 0 || stops.length === 0) return 0;
  return Math.max(0, Math.round((Math.max(...stops) - Math.min(...starts)) / 1000));
}

const exitText = (container: StoppedContainer): string => {
  const code = container.exitCode ?? null;
  const exit = code === null ? `${container.name} did not exit` : `${container.name} exited ${code}`;
  return container.reason ? `${exit}: ${container.reason}` : exit;
};

export function runOutcome(tasks: StoppedTask[], essential: Iterable<string>): RunOutcome {
  if (tasks.length === 0) throw new Error('tasks: a run has at least one task');
  const essentials = new Set(essential);
  const several = tasks.length > 1;
  const exitCodes: Record<string, number | null> = {};
  let failure: string | undefined;
  let timedOut: string | undefined;
  tasks.forEach((task, index) => {
    const id = task.taskArn ? resourceId(task.taskArn) : `task ${index + 1}`;
    const containers = task.containers ?? [];
    for (const container of containers) {
      if (container.name === undefined) continue;
      exitCodes[several ? `${id}/${container.name}` : container.name] = container.exitCode ?? null;
    }
    if (task.stoppedReason?.startsWith(TIMEOUT_STOP_PREFIX)) {
      timedOut ??= `task ${id}: ${task.stoppedReason}`;
      return;
    }
    const failed = containers.filter(
      (c) => c.name !== undefined && essentials.has(c.name) && c.exitCode !== 0,
    );
    const missing = [...essentials].filter((name) => !containers.some((c) => c.name === name));
    if (failed.length === 0 && missing.length === 0) return;
    const stop = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ') || 'stopped';
    const exits = [...failed.map(exitText), ...missing.map((name) => `${name} is missing`)].join(', ');
    failure ??= `task ${id}: ${stop} (${exits})`;
  });
  const duration = durationSeconds(tasks);
  if (timedOut !== undefined)
    return { result: 'timed-out', exitCodes, reason: timedOut, durationSeconds: duration };
  if (failure !== undefined)
    return { result: 'failed', exitCodes, reason: failure, durationSeconds: duration };
  const reason =
    tasks.length === 1
      ? 'every essential container exited 0'
      : `all ${tasks.length} tasks' essential containers exited 0`;
  return { result: 'succeeded', exitCodes, reason, durationSeconds: duration };
}

/**
 * EventBridge schedules in the sandbox: when a `rate(…)` or `cron(…)` rule fires on the simulated clock (as
 * lib/jobs/schedules evaluates it), the Scheduled Event it hands its target, and a small driver that fires each
 * enabled schedule of the deployment.
 *
 * A rate rule's first fire is one period after it was created (the sandbox's start), then one per period, as
 * EventBridge does. A cron rule fires at the times its fields match after the sandbox's start, read in UTC (or
 * in the schedule's time zone when it gives one).
 */
import { randomUUID } from 'node:crypto';
import { nextFires, parseSchedule, type Schedule, ScheduleError } from '../../lib/jobs/schedules/index.js';
import { SCHEDULED_TIME_PLACEHOLDER } from '../../lib/jobs/slot.js';
import type { ScheduleDefinition } from '../serverless/routes.js';

/** An expression EventBridge would refuse, or one that cannot be used where it is; the message says which. */
export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

/** parseSchedule, with its ScheduleError as a ScheduleExpressionError. */
export function parseScheduleExpression(expression: string): Schedule {
  try {
    return parseSchedule(expression);
  } catch (error) {
    if (error instanceof ScheduleError) throw new ScheduleExpressionError(error.message);
    throw error;
  }
}

/**
 * The period of `rate(<value> <unit>)` in milliseconds. As EventBridge requires: a positive whole value, the
 * unit minute, hour or day, singular for 1 and plural otherwise. A cron expression has no period: it throws.
 */
export function ratePeriodMs(expression: string): number {
  const schedule = parseScheduleExpression(expression);
  if (schedule.kind === 'cron') {
    throw new ScheduleExpressionError(
      `${expression}: a cron schedule has no fixed period; use nextScheduleFire`,
    );
  }
  return schedule.periodMs;
}

/** When a rate rule created at `startedAt` fires next: one period after its last fire, or after its creation. */
export function nextRateFire(expression: string, lastFiredAt: number | undefined, startedAt: number): number {
  return (lastFiredAt ?? startedAt) + ratePeriodMs(expression);
}

/** Every fire of a rate rule after `lastFiredAt` (or its creation) and at or before `now`, oldest first. */
export function dueRateFires(
  expression: string,
  lastFiredAt: number | undefined,
  startedAt: number,
  now: number,
): number[] {
  return dueFires(expression, lastFiredAt, startedAt, now);
}

/**
 * When a schedule created at `startedAt` fires next after `lastFiredAt` (or its creation): rate as
 * nextRateFire, cron at its next matching minute in `timeZone` (default UTC); undefined when a cron's year
 * field has run out.
 */
export function nextScheduleFire(
  expression: string | Schedule,
  lastFiredAt: number | undefined,
  startedAt: number,
  timeZone = 'UTC',
): number | undefined {
  const schedule = typeof expression === 'string' ? parseScheduleExpression(expression) : expression;
  if (schedule.kind === 'rate') return (lastFiredAt ?? startedAt) + schedule.periodMs;
  try {
    return nextFires(schedule, {
      from: new Date(lastFiredAt ?? startedAt),
      count: 1,
      timeZone,
    })[0]?.getTime();
  } catch (error) {
    if (error instanceof ScheduleError)
      throw new ScheduleExpressionError(`${schedule.expression}: ${error.message}`);
    throw error;
  }
}

/** Every fire of a rate or cron rule after `lastFiredAt` (or its creation) and at or before `now`, oldest first. */
export function dueFires(
  expression: string | Schedule,
  lastFiredAt: number | undefined,
  startedAt: number,
  now: number,
  timeZone = 'UTC',
): number[] {
  const schedule = typeof expression === 'string' ? parseScheduleExpression(expression) : expression;
  const fires: number[] = [];
  for (
    let at = nextScheduleFire(schedule, lastFiredAt, startedAt, timeZone);
    at !== undefined && at <= now;
    at = nextScheduleFire(schedule, at, startedAt, timeZone)
  ) {
    fires.push(at);
  }
  return fires;
}

export interface ScheduledEvent {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

/** The envelope EventBridge hands a scheduled rule's target; `time` is the scheduled time, to the second. */
export function scheduledEvent(options: {
  id: string;
  account: string;
  region: string;
  ruleName: string;
  at: number;
}): ScheduledEvent {
  return {
    version: '0',
    id: options.id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: options.account,
    time: new Date(Math.floor(options.at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: options.region,
    resources: [`arn:aws:events:${options.region}:${options.account}:rule/${options.ruleName}`],
    detail: {},
  };
}

/** A deployment's schedule; `timeZone` (IANA, default UTC) is the zone its cron fields are read in. */
export type LocalScheduleDefinition = Omit<ScheduleDefinition, 'method' | 'timeZone'> &
  Partial<Pick<ScheduleDefinition, 'method' | 'timeZone'>>;

/**
 * A Scheduler target's input as delivered: every `<aws.scheduler.scheduled-time>` replaced with the fire
 * time (ISO 8601 UTC, to the second, as Scheduler writes it). Other values are left as they are.
 */
export function schedulerInput(input: unknown, at: number): unknown {
  const time = new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') return node.split(SCHEDULED_TIME_PLACEHOLDER).join(time);
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
    }
    return node;
  };
  return visit(input);
}

export interface LocalSchedulesOptions {
  schedules: readonly LocalScheduleDefinition[];
  startedAt: number;
  region: string;
  account: string;
  /** Invokes the function asynchronously, as EventBridge does; a rejection is reported, not retried here. */
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** An invocation that failed. */
  warn: (text: string) => void;
  newId?: () => string;
}

/**
 * Fires the deployment's enabled rate and cron schedules on the simulated clock. Invocations run in the
 * background (the sandbox keeps ticking); `settle()` waits for those in flight. Disabled schedules never fire;
 * an expression (or time zone) EventBridge would refuse throws here, before anything runs.
 */
export class LocalSchedules {
  private readonly active: {
    schedule: LocalScheduleDefinition;
    parsed: Schedule;
    timeZone: string;
    next: number | undefined;
  }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private fired = 0;

  constructor(private readonly options: LocalSchedulesOptions) {
    for (const schedule of options.schedules) {
      if (!schedule.enabled) continue;
      const timeZone = schedule.timeZone ?? 'UTC';
      try {
        const parsed = parseScheduleExpression(schedule.expression);
        const next = nextScheduleFire(parsed, undefined, options.startedAt, timeZone);
        this.active.push({ schedule, parsed, timeZone, next });
      } catch (error) {
        throw new ScheduleExpressionError(`${schedule.function.name} schedule ${(error as Error).message}`);
      }
    }
  }

  /** The functions with a schedule that fires locally. */
  functions(): ScheduleDefinition['function'][] {
    return this.active.map(({ schedule }) => schedule.function);
  }

  /** Fires every schedule due at or before `now`; returns how many invocations started. */
  fire(now: number): number {
    let started = 0;
    for (const entry of this.active) {
      const { schedule } = entry;
      while (entry.next !== undefined && entry.next <= now) {
        const at = entry.next;
        entry.next = nextScheduleFire(entry.parsed, at, this.options.startedAt, entry.timeZone);
        const event =
          schedule.input !== undefined
            ? schedule.method === 'scheduler'
              ? schedulerInput(schedule.input, at)
              : schedule.input
            : scheduledEvent({
                id: (this.options.newId ?? randomUUID)(),
                account: this.options.account,
                region: this.options.region,
                ruleName: schedule.ruleName,
                at,
              });
        const invocation = this.options
          .invoke(schedule.function.name, event)
          .then(
            () => undefined,
            (error: Error) =>
              this.options.warn(
                `${schedule.function.name} (${schedule.expression}) failed: ${error.message}`,
              ),
          )
          .finally(() => this.inFlight.delete(invocation));
        this.inFlight.add(invocation);
        started += 1;
      }
    }
    this.fired += started;
    return started;
  }

  /** When the next schedule fires, so a driver can stop its clock there; undefined when none will. */
  nextDueAt(): number | undefined {
    const times = this.active.flatMap(({ next }) => (next === undefined ? [] : [next]));
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Invocations started so far. */
  invocations(): number {
    return this.fired;
  }

  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

/**
 * EventBridge schedules in the sandbox: when a `rate(…)` rule fires on the simulated clock, the Scheduled
 * Event it hands its target, and a small driver that fires each enabled schedule of the deployment.
 *
 * A rate rule's first fire is one period after it was created (the sandbox's start), then one per period, as
 * EventBridge does. `cron(…)` needs an EventBridge cron evaluator, which lib/schedules will provide: until
 * then a cron schedule is skipped with a warning instead of stopping the sandbox.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduleDefinition } from '../local-bus/routes.js';

/** An expression EventBridge would refuse, or one the sandbox cannot evaluate yet; the message says which. */
export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

export const CRON_NOT_YET = 'cron schedules run in the sandbox once lib/schedules evaluates cron';

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The period of `rate(<value> <unit>)` in milliseconds. As EventBridge requires: a positive whole value, the
 * unit minute, hour or day, singular for 1 and plural otherwise.
 */
export function ratePeriodMs(expression: string): number {
  if (/^cron\(.*\)$/.test(expression)) throw new ScheduleExpressionError(`${expression}: ${CRON_NOT_YET}`);
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate === null) {
    throw new ScheduleExpressionError(
      `${JSON.stringify(expression)}: expected rate(<value> <unit>) or cron(<fields>)`,
    );
  }
  const parts = /^(\d+) ([a-z]+)$/.exec(rate[1] ?? '');
  if (parts === null) {
    throw new ScheduleExpressionError(
      `${expression}: expected rate(<value> <unit>), e.g. rate(1 minute) or rate(5 minutes)`,
    );
  }
  const value = Number(parts[1]);
  const unit = parts[2] ?? '';
  const singular = unit.replace(/s$/, '') as keyof typeof UNIT_MS;
  if (!(singular in UNIT_MS)) {
    throw new ScheduleExpressionError(
      `${expression}: the unit must be minute(s), hour(s) or day(s), not ${unit}`,
    );
  }
  if (value === 0) throw new ScheduleExpressionError(`${expression}: the value must be 1 or more`);
  if (value === 1 && unit !== singular) {
    throw new ScheduleExpressionError(
      `${expression}: EventBridge requires rate(1 ${singular}) for a value of 1`,
    );
  }
  if (value > 1 && unit === singular) {
    throw new ScheduleExpressionError(
      `${expression}: EventBridge requires the plural for a value above 1: rate(${value} ${singular}s)`,
    );
  }
  return value * UNIT_MS[singular];
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
  const fires: number[] = [];
  for (
    let at = nextRateFire(expression, lastFiredAt, startedAt);
    at <= now;
    at = nextRateFire(expression, at, startedAt)
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

export interface LocalSchedulesOptions {
  schedules: readonly ScheduleDefinition[];
  startedAt: number;
  region: string;
  account: string;
  /** Invokes the function asynchronously, as EventBridge does; a rejection is reported, not retried here. */
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** A schedule that does not run locally (cron, for now), or an invocation that failed. */
  warn: (text: string) => void;
  newId?: () => string;
}

/**
 * Fires the deployment's enabled rate schedules on the simulated clock. Invocations run in the background
 * (the sandbox keeps ticking); `settle()` waits for those in flight. Disabled schedules never fire; cron ones
 * are skipped with a warning; a rate EventBridge would refuse throws here, before anything runs.
 */
export class LocalSchedules {
  private readonly active: { schedule: ScheduleDefinition; lastFiredAt?: number }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private fired = 0;

  constructor(private readonly options: LocalSchedulesOptions) {
    for (const schedule of options.schedules) {
      if (!schedule.enabled) continue;
      if (schedule.expression.startsWith('cron(')) {
        options.warn(`${schedule.function.name} ${schedule.expression} skipped: ${CRON_NOT_YET}`);
        continue;
      }
      try {
        ratePeriodMs(schedule.expression);
      } catch (error) {
        throw new ScheduleExpressionError(`${schedule.function.name} schedule ${(error as Error).message}`);
      }
      this.active.push({ schedule });
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
      for (const at of dueRateFires(schedule.expression, entry.lastFiredAt, this.options.startedAt, now)) {
        entry.lastFiredAt = at;
        const event =
          schedule.input !== undefined
            ? schedule.input
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

  /** Invocations started so far. */
  invocations(): number {
    return this.fired;
  }

  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

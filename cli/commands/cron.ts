/**
 * `ecs-ops cron next "<expression>" [-n 5] [--tz <zone>] [--from <ISO time>] [--json]`: the next fire times of
 * an EventBridge schedule expression, with EventBridge semantics (lib/jobs/schedules). Needs no store.
 */
import { checkTimeZone, nextFires, parseSchedule, ScheduleError } from '../../lib/jobs/schedules/index.js';
import { wallClock } from '../../lib/platform/wall-clock.js';
import { requireSubcommand, UsageError } from '../usage.js';

export interface CronFlags {
  count?: string;
  tz?: string;
  from?: string;
  json?: boolean;
}

const MAX_COUNT = 1000;

export function cronCommand(
  subcommand: string | undefined,
  args: readonly string[],
  flags: CronFlags,
  out: (text: string) => void,
  now: () => Date = () => new Date(),
): number {
  requireSubcommand('cron', subcommand, 'next "<expression>"');
  const [expression, ...extra] = args;
  if (expression === undefined) {
    throw new UsageError('cron next needs an expression, e.g. ecs-ops cron next "cron(0 10 * * ? *)"');
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument ${extra[0]}; quote the expression: "cron(0 10 * * ? *)"`);
  }
  const count = flags.count === undefined ? 5 : Number(flags.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new UsageError(`-n ${flags.count}: expected a whole number from 1 to ${MAX_COUNT}`);
  }
  const from = flags.from === undefined ? now() : new Date(flags.from);
  if (Number.isNaN(from.getTime())) {
    throw new UsageError(`--from ${flags.from}: expected an ISO time such as 2024-05-02T00:00:00Z`);
  }
  const timeZone = flags.tz ?? 'UTC';
  let fires: Date[];
  try {
    checkTimeZone(timeZone);
    const schedule = parseSchedule(expression);
    fires = nextFires(schedule, { from, count, timeZone, start: from });
  } catch (error) {
    if (error instanceof ScheduleError) throw new UsageError(error.message);
    throw error;
  }
  const rows = fires.map((fire) => ({ utc: isoUtc(fire), local: local(fire, timeZone) }));
  if (flags.json) {
    out(JSON.stringify({ expression, timeZone, from: from.toISOString(), fires: rows }, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    out(`${expression} does not fire after ${from.toISOString()}`);
    return 0;
  }
  for (const row of rows) out(`${row.utc}  ${row.local}`);
  return 0;
}

function isoUtc(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** `2024-05-02 02:30 Europe/Berlin` */
function local(date: Date, timeZone: string): string {
  const wall = wallClock(date, timeZone);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)} ${timeZone}`;
}

/**
 * `ecs-ops cron next "<expression>" [-n 5] [--tz <zone>] [--from <time>] [-o json|yaml]`: the next fire times of
 * an EventBridge schedule expression, with EventBridge semantics (lib/jobs/schedules). Needs no store.
 */
import { checkTimeZone, nextFires, parseSchedule, ScheduleError } from '../../lib/jobs/schedules/index.js';
import { wallClock } from '../../lib/platform/wall-clock.js';
import type { CommandSpec } from '../options.js';
import { asPrinter, type Printer } from '../output.js';
import { parseTime } from '../time.js';
import { requireSubcommand, UsageError } from '../usage.js';

export const CRON: CommandSpec = {
  name: 'cron',
  summary: 'EventBridge schedule expressions',
  flags: {},
  subcommands: {
    required: true,
    specs: [
      {
        name: 'cron next',
        args: '"<expression>"',
        summary:
          'the next fire times of an EventBridge schedule, cron(…) or rate(…), as ISO UTC and on the wall ' +
          'clock of --tz, the zone its fields are read in (EventBridge semantics, DST included); e.g. ecs-ops ' +
          'cron next "cron(0/15 8-17 ? * MON-FRI *)"',
        flags: {
          count: { type: 'string', short: 'n', value: '<count>', help: 'how many (default 5)' },
          from: {
            type: 'string',
            value: '<time>',
            help: 'list fires after this time (default now), in the forms of --since; for rate(…), its start',
          },
        },
      },
    ],
  },
};

export interface CronFlags {
  count?: string;
  tz?: string;
  from?: string;
}

const MAX_COUNT = 1000;

export function cronCommand(
  subcommand: string | undefined,
  args: readonly string[],
  flags: CronFlags,
  output: Printer | ((text: string) => void),
  now: () => Date = () => new Date(),
): number {
  requireSubcommand('cron', subcommand, 'next "<expression>"');
  const printer = asPrinter(output);
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
  const timeZone = flags.tz ?? 'UTC';
  let fires: Date[];
  let from: Date;
  try {
    checkTimeZone(timeZone);
    from = flags.from === undefined ? now() : parseTime('--from', flags.from, { now: now(), timeZone });
    const schedule = parseSchedule(expression);
    fires = nextFires(schedule, { from, count, timeZone, start: from });
  } catch (error) {
    if (error instanceof ScheduleError) throw new UsageError(error.message);
    throw error;
  }
  const rows = fires.map((fire) => ({ utc: isoUtc(fire), local: local(fire, timeZone) }));
  if (printer.document({ expression, timeZone, from: from.toISOString(), fires: rows })) return 0;
  if (rows.length === 0) {
    printer.out(`${expression} does not fire after ${from.toISOString()}`);
    return 0;
  }
  for (const row of rows) printer.out(`${row.utc}  ${row.local}`);
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

/**
 * EventBridge schedule expressions — `cron(minutes hours day-of-month month day-of-week year)` and
 * `rate(value unit)` — parsed and validated as EventBridge does, with messages that name the field and the fix.
 * Pure: no I/O, no clock.
 */

/** An expression EventBridge would refuse; the message names the expression, the field and the fix. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export type RateUnit = 'minute' | 'hour' | 'day';

export interface RateSchedule {
  kind: 'rate';
  expression: string;
  value: number;
  unit: RateUnit;
  periodMs: number;
}

/** One cron field as written, and (for plain numeric fields) the values it allows. */
export interface CronSchedule {
  kind: 'cron';
  expression: string;
  fields: {
    minutes: string;
    hours: string;
    dayOfMonth: string;
    month: string;
    dayOfWeek: string;
    year: string;
  };
  /** The 7-part croner pattern (seconds prepended, AWS weekday numbering 1 = SUN … 7 = SAT). */
  pattern: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  months: ReadonlySet<number>;
  years: ReadonlySet<number>;
  dayOfMonth: DayOfMonthRule;
  dayOfWeek: DayOfWeekRule;
}

export type DayOfMonthRule =
  | { kind: 'any' }
  | { kind: 'days'; days: ReadonlySet<number> }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };

/** Weekdays in AWS numbering: 1 = SUN … 7 = SAT. */
export type DayOfWeekRule =
  | { kind: 'any' }
  | { kind: 'days'; days: ReadonlySet<number> }
  | { kind: 'lastOfMonth'; day: number }
  | { kind: 'nth'; day: number; nth: number };

export type Schedule = RateSchedule | CronSchedule;

export const RATE_UNIT_MS: Record<RateUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  example: string;
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59, example: '0, 0/15, 5-10 or *' },
  hours: { name: 'hours', min: 0, max: 23, example: '9, 8-17, 0/2 or *' },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, example: '1, 1-15, L, LW, 15W, ? or *' },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, example: '1, JAN-MAR, 1/3 or *' },
  dayOfWeek: {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: WEEKDAYS,
    example: 'MON-FRI, 2 (MON; 1 = SUN), 6L, 2#1, ? or *',
  },
  year: { name: 'year', min: MIN_YEAR, max: MAX_YEAR, example: `2025, 2025-2030 or *` },
} satisfies Record<string, FieldSpec>;

/** Parses `cron(…)` or `rate(…)`; throws a ScheduleError naming the field and the fix. */
export function parseSchedule(expression: string): Schedule {
  if (/^rate\(.*\)$/s.test(expression)) return parseRate(expression);
  if (/^cron\(.*\)$/s.test(expression)) return parseCron(expression);
  throw new ScheduleError(`${JSON.stringify(expression)}: expected rate(<value> <unit>) or cron(<fields>)`);
}

/** parseSchedule without throwing: the schedule, or the reason EventBridge would refuse it. */
export function tryParseSchedule(expression: string): Schedule | { error: string } {
  try {
    return parseSchedule(expression);
  } catch (error) {
    if (error instanceof ScheduleError) return { error: error.message };
    throw error;
  }
}

function parseRate(expression: string): RateSchedule {
  const parts = /^rate\((\d+) ([a-z]+)\)$/.exec(expression);
  if (parts === null) {
    throw new ScheduleError(
      `${expression}: expected rate(<value> <unit>), e.g. rate(1 minute) or rate(5 minutes)`,
    );
  }
  const value = Number(parts[1]);
  const unit = parts[2] ?? '';
  const singular = unit.replace(/s$/, '');
  if (!(singular in RATE_UNIT_MS)) {
    throw new ScheduleError(`${expression}: the unit must be minute(s), hour(s) or day(s), not ${unit}`);
  }
  if (value === 0) throw new ScheduleError(`${expression}: the value must be 1 or more`);
  if (value === 1 && unit !== singular) {
    throw new ScheduleError(`${expression}: EventBridge requires rate(1 ${singular}) for a value of 1`);
  }
  if (value > 1 && unit === singular) {
    throw new ScheduleError(
      `${expression}: EventBridge requires the plural for a value above 1: rate(${value} ${singular}s)`,
    );
  }
  const rateUnit = singular as RateUnit;
  return { kind: 'rate', expression, value, unit: rateUnit, periodMs: value * RATE_UNIT_MS[rateUnit] };
}

function parseCron(expression: string): CronSchedule {
  const body = expression.slice('cron('.length, -1).trim();
  const parts = body === '' ? [] : body.split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleError(
      `${expression}: expected 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}; e.g. cron(0 10 * * ? *)`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts.map((part) => part.toUpperCase()) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const fail = (field: FieldSpec, why: string): never => {
    throw new ScheduleError(`${expression}: ${field.name} field: ${why}; e.g. ${field.example}`);
  };
  if (dayOfMonth === '?' && dayOfWeek === '?') {
    throw new ScheduleError(
      `${expression}: day-of-month and day-of-week cannot both be ?; use ? in one and * or a value in the other`,
    );
  }
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    throw new ScheduleError(
      `${expression}: day-of-month and day-of-week cannot both be set; use ? in one, e.g. cron(0 10 * * ? *)`,
    );
  }
  for (const [field, text] of [
    [FIELDS.minutes, minutes],
    [FIELDS.hours, hours],
    [FIELDS.month, month],
    [FIELDS.year, year],
  ] as const) {
    if (text === '?') fail(field, '? is allowed only in day-of-month or day-of-week');
  }
  const minuteSet = values(minutes, FIELDS.minutes, fail);
  const hourSet = values(hours, FIELDS.hours, fail);
  const monthSet = values(month, FIELDS.month, fail);
  const yearSet = values(year, FIELDS.year, fail);
  const domRule = dayOfMonthRule(dayOfMonth, fail);
  const dowRule = dayOfWeekRule(dayOfWeek, fail);
  const pattern = [
    '0',
    croner(minutes, FIELDS.minutes),
    croner(hours, FIELDS.hours),
    dayOfMonth === '?' ? '*' : croner(dayOfMonth, FIELDS.dayOfMonth),
    croner(month, FIELDS.month),
    dayOfWeek === '?' ? '*' : dayOfWeek === 'L' ? '7' : croner(dayOfWeek, FIELDS.dayOfWeek),
    croner(year, FIELDS.year),
  ].join(' ');
  return {
    kind: 'cron',
    expression,
    fields: { minutes, hours, dayOfMonth, month, dayOfWeek, year },
    pattern,
    minutes: minuteSet,
    hours: hourSet,
    months: monthSet,
    years: yearSet,
    dayOfMonth: domRule,
    dayOfWeek: dowRule,
  };
}

type Fail = (field: FieldSpec, why: string) => never;

function dayOfMonthRule(text: string, fail: Fail): DayOfMonthRule {
  const field = FIELDS.dayOfMonth;
  if (text === '?') return { kind: 'any' };
  if (text === 'L') return { kind: 'last' };
  if (text === 'LW') return { kind: 'lastWeekday' };
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest !== null) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) fail(field, `${text}: W needs a day from 1 to 31`);
    return { kind: 'nearestWeekday', day };
  }
  if (/[LW]/.test(text))
    fail(field, `${text}: L and W stand alone (L, LW or <day>W), not in lists or ranges`);
  return { kind: 'days', days: values(text, field, fail) };
}

function dayOfWeekRule(text: string, fail: Fail): DayOfWeekRule {
  const field = FIELDS.dayOfWeek;
  if (text === '?') return { kind: 'any' };
  if (text === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([A-Z]+|\d+)L$/.exec(text);
  if (last !== null) return { kind: 'lastOfMonth', day: single(last[1] ?? '', field, fail) };
  const nth = /^([A-Z]+|\d+)#(\d+)$/.exec(text);
  if (nth !== null) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(field, `${text}: the occurrence after # must be 1 to 5`);
    return { kind: 'nth', day: single(nth[1] ?? '', field, fail), nth: n };
  }
  if (/[L#]/.test(text)) fail(field, `${text}: L and # stand alone (<day>L or <day>#<n>), not in lists`);
  return { kind: 'days', days: values(text, field, fail) };
}

function single(text: string, field: FieldSpec, fail: Fail): number {
  const index = field.names?.indexOf(text) ?? -1;
  const value = index >= 0 ? index + field.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value)) {
    fail(field, `${text} is not a number${field.names === undefined ? '' : ' or a name'}`);
  }
  if (value < field.min || value > field.max) {
    fail(field, `${text} is out of range ${field.min}-${field.max}`);
  }
  return value;
}

/** The values a list of `*`, `n`, `a-b` and steps (`x/s`, `a-b/s`, `* /s`) allows. */
function values(text: string, field: FieldSpec, fail: Fail): Set<number> {
  const allowed = new Set<number>();
  if (text === '') fail(field, 'empty');
  for (const item of text.split(',')) {
    const [range = '', step, ...more] = item.split('/');
    if (more.length > 0) fail(field, `${item}: one / per step`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else if (range.includes('-')) {
      const [a = '', b = '', ...rest] = range.split('-');
      if (rest.length > 0) fail(field, `${item}: a range is <from>-<to>`);
      from = single(a, field, fail);
      to = single(b, field, fail);
      if (from > to) fail(field, `${item}: the range starts after it ends`);
    } else {
      from = single(range, field, fail);
      to = step === undefined ? from : field.max;
    }
    let by = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1) fail(field, `${item}: the step after / must be 1 or more`);
      by = Number(step);
    }
    for (let value = from; value <= to; value += by) allowed.add(value);
  }
  return allowed;
}

/** The field in croner's syntax: names to numbers, `a/s` (from a to the end) rewritten `a-<max>/s`. */
function croner(text: string, field: FieldSpec): string {
  const named = text.replace(/[A-Z]{3}/g, (name) => String((field.names?.indexOf(name) ?? -1) + field.min));
  if (/[LW#]/.test(named)) return named;
  return named
    .split(',')
    .map((item) => {
      const [range = '', step] = item.split('/');
      if (step === undefined || range === '*' || range.includes('-')) return item;
      return `${range}-${field.max}/${step}`;
    })
    .join(',');
}

/**
 * Times on the command line: the one parser of `--since`, `--until` (and `cron next --from`), and how times are
 * shown in `--tz`. Zones come from Intl (lib/platform/wall-clock.ts): no time-zone database of our own.
 *
 * Accepted: a duration before now (`30m`, `24h`, `7d`, `2w`, `90s`; units combine: `1h30m`), `now`, `today` and
 * `yesterday` (midnight in --tz), and ISO 8601 — `2024-05-01T12:00Z`, `2024-05-01T14:00+02:00`, `…-0500`. A time
 * without a zone (`2024-05-01 12:00`, as tables print them) and a bare date (midnight) are read in --tz, default
 * UTC; a wall time --tz skips or repeats (daylight saving) is refused, as is a bare number (`40`).
 */
import { isTimeZone, type WallClock, wallClock } from '../lib/platform/wall-clock.js';
import { UsageError } from './usage.js';

export const DEFAULT_ZONE = 'UTC';

export interface TimeContext {
  now: Date;
  /** The IANA zone a time without one is read in (--tz). */
  timeZone: string;
}

/**
 * The window of a list, ISO UTC: `since` unset is no lower bound; `until` unset is now (left to the reader, whose
 * own clock may be a simulated one).
 */
export interface Window {
  since?: string;
  until?: string;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DAY_MS = UNIT_MS.d;
const FORMS =
  'a duration before now (30m, 24h, 7d, 2w), an ISO time with its zone (2024-05-01T12:00Z, ' +
  '2024-05-01T14:00+02:00), a date (2024-05-01), today, yesterday or now';

/** --tz: an IANA zone Intl knows, else a UsageError. */
export function checkZone(timeZone: string): string {
  if (isTimeZone(timeZone)) return timeZone;
  throw new UsageError(
    `--tz ${timeZone}: unknown time zone; use an IANA name such as UTC, Europe/Paris or America/New_York`,
  );
}

/** One point in time from a flag's value; a UsageError names the flag, the value and what to write. */
export function parseTime(flag: string, value: string, { now, timeZone }: TimeContext): Date {
  const text = value.trim();
  const refuse = (why: string): never => {
    throw new UsageError(`${flag} ${value}: ${why}`);
  };
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) {
    refuse(`a bare number is not a time; write ${text}m, ${text}h or an ISO time with its zone`);
  }
  const lower = text.toLowerCase();
  if (/^(\d+[smhdw])+$/.test(lower)) {
    let ms = 0;
    for (const [, count, unit] of lower.matchAll(/(\d+)([smhdw])/g))
      ms += Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
    const at = new Date(now.getTime() - ms);
    if (Number.isNaN(at.getTime())) refuse('that is further back than any date');
    return at;
  }
  if (lower === 'now') return new Date(now.getTime());
  if (lower === 'today' || lower === 'yesterday') {
    const wall = wallClock(now, timeZone);
    const day = new Date(Date.UTC(wall.year, wall.month - 1, wall.day - (lower === 'yesterday' ? 1 : 0)));
    return midnight(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), timeZone);
  }
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(
      text,
    );
  if (iso === null) return refuse(`expected ${FORMS}`);
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone] = iso;
  const wall = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  };
  const valid =
    wall.month >= 1 &&
    wall.month <= 12 &&
    wall.day >= 1 &&
    wall.day <= new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate() &&
    wall.hour <= 23 &&
    wall.minute <= 59 &&
    wall.second <= 59;
  if (!valid) refuse(`no such date or time; expected ${FORMS}`);
  const ms = Number(`0.${fraction || '0'}`) * 1000;
  const utc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  if (zone !== undefined) {
    const offset = offsetMinutes(zone);
    if (offset === undefined) return refuse(`${zone} is not a UTC offset; write Z or ±hh:mm (up to ±14:00)`);
    return new Date(utc - offset * 60_000 + ms);
  }
  const instants = instantsOf(wall, timeZone);
  if (instants.length === 0) {
    refuse(
      `${text} does not exist in ${timeZone} (its clocks skip it, for daylight saving time); write the time ` +
        'with its offset, e.g. 2024-03-31T03:30+02:00',
    );
  }
  if (instants.length > 1) {
    const offsets = instants.map((at) => offsetText(zoneOffsetMinutes(new Date(at), timeZone)));
    refuse(
      `${text} happens twice in ${timeZone} (at ${offsets.join(' and ')}, as its clocks go back); write the ` +
        `one you mean with its offset, e.g. ${text.replace(' ', 'T')}${offsets[0]}`,
    );
  }
  return new Date((instants[0] as number) + ms);
}

/**
 * --since and --until: each parsed as above, `since` defaulting to `defaultSince` (unset: no lower bound) and
 * `until` to now. A duration counts back from now, whatever --until says. `since` after `until` is refused.
 */
export function parseWindow(
  flags: { since?: string | undefined; until?: string | undefined },
  context: TimeContext,
  defaultSince?: string,
): Window {
  const until = flags.until === undefined ? undefined : parseTime('--until', flags.until, context);
  const sinceText = flags.since ?? defaultSince;
  const since = sinceText === undefined ? undefined : parseTime('--since', sinceText, context);
  const end = until ?? context.now;
  if (since !== undefined && since.getTime() > end.getTime()) {
    const shown = (date: Date) => `${wallTime(date, context.timeZone)} ${context.timeZone}`;
    throw new UsageError(
      `--since ${sinceText} (${shown(since)}) is after --until ${flags.until ?? 'now'} (${shown(end)}); ` +
        'the window runs from --since to --until',
    );
  }
  return {
    ...(since === undefined ? {} : { since: since.toISOString() }),
    ...(until === undefined ? {} : { until: until.toISOString() }),
  };
}

/** "since 2024-05-01 12:00:00", "from … to …", "until …", or empty for no window. */
export function windowText(window: Window, timeZone: string): string {
  const time = (value: string) => wallTime(value, timeZone);
  if (window.until === undefined) return window.since === undefined ? '' : `since ${time(window.since)}`;
  return window.since === undefined
    ? `until ${time(window.until)}`
    : `from ${time(window.since)} to ${time(window.until)}`;
}

/** "2024-05-01 14:40:02" on the wall clock of `timeZone`; empty for a missing or invalid time. */
export function wallTime(value: unknown, timeZone: string): string {
  const date = toDate(value);
  if (date === undefined) return '';
  if (timeZone === 'UTC') return date.toISOString().slice(0, 19).replace('T', ' ');
  return wallText(wallClock(date, timeZone));
}

/** ISO 8601 with the offset of `timeZone` at that time: "2024-05-01T14:40:02+02:00" ("…Z" in UTC). */
export function isoInZone(value: unknown, timeZone: string): string {
  const date = toDate(value);
  if (date === undefined) return '';
  const offset = zoneOffsetMinutes(date, timeZone);
  return `${wallTime(date, timeZone).replace(' ', 'T')}${offset === 0 ? 'Z' : offsetText(offset)}`;
}

/** Minutes `timeZone` is ahead of UTC at `date` (+120 for Paris in summer). */
export function zoneOffsetMinutes(date: Date, timeZone: string): number {
  const at = Math.floor(date.getTime() / 1000) * 1000;
  return (wallAsUtc(wallClock(new Date(at), timeZone)) - at) / 60_000;
}

function toDate(value: unknown): Date | undefined {
  if (!(value instanceof Date) && typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

type Wall = Omit<WallClock, 'weekday'>;

const wallAsUtc = (wall: Wall) =>
  Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);

const two = (value: number) => String(value).padStart(2, '0');
const wallText = (wall: Wall) =>
  `${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}`;

function offsetText(minutes: number): string {
  const size = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(size / 60))}:${two(size % 60)}`;
}

/** "Z", "+02", "+0200", "+02:00" → minutes ahead of UTC; undefined beyond ±14:00 or with minutes ≥ 60. */
function offsetMinutes(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const [, sign, hours, minutes = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) ?? [];
  const total = Number(hours) * 60 + Number(minutes);
  if (Number(minutes) >= 60 || total > 14 * 60) return undefined;
  return sign === '-' ? -total : total;
}

/**
 * The instants (ms) whose wall clock in `timeZone` is `wall`: one, none (the clocks skip it) or two (they go
 * back over it). The zone's offsets a day either side cover any transition near it.
 */
function instantsOf(wall: Wall, timeZone: string): number[] {
  const asUtc = wallAsUtc(wall);
  const offsets = new Set(
    [asUtc - DAY_MS, asUtc, asUtc + DAY_MS].map((at) => zoneOffsetMinutes(new Date(at), timeZone)),
  );
  const matches = [...offsets]
    .map((offset) => asUtc - offset * 60_000)
    .filter((at) => wallAsUtc(wallClock(new Date(at), timeZone)) === asUtc);
  return [...new Set(matches)].sort((a, b) => a - b);
}

/** The first instant of a day in `timeZone` (a midnight the clocks skip starts the day at the jump). */
function midnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = { year, month, day, hour: 0, minute: 0, second: 0 };
  const [first] = instantsOf(wall, timeZone);
  if (first !== undefined) return new Date(first);
  const asUtc = wallAsUtc(wall);
  return new Date(asUtc - zoneOffsetMinutes(new Date(asUtc - DAY_MS), timeZone) * 60_000);
}

/**
 * When an EventBridge schedule fires. Cron candidates come from croner (7-part mode, AWS weekday numbering,
 * AND of day-of-month and day-of-week since one of them is always `?`); this wrapper applies EventBridge
 * Scheduler's daylight-saving rules on top: a local time skipped by spring-forward does not run (croner would
 * run it after the gap), and a local time repeated by fall-back runs once, at its first occurrence.
 */
import { Cron } from 'croner';
import { isTimeZone, type WallClock, wallClock } from '../../platform/wall-clock.js';
import { type CronSchedule, MAX_YEAR, type Schedule, ScheduleError } from './expression.js';

export interface NextFiresOptions {
  /** Fires strictly after this instant. */
  from: Date;
  count: number;
  /** IANA zone the cron fields are read in (default UTC); rate schedules ignore it. */
  timeZone?: string;
  /** rate: when the schedule was created (default `from`); fires are start + k·period, k ≥ 1. */
  start?: Date;
}

/** The next `count` fires after `from`, oldest first; fewer when the year field runs out. */
export function nextFires(schedule: Schedule, options: NextFiresOptions): Date[] {
  const timeZone = checkTimeZone(options.timeZone ?? 'UTC');
  const from = options.from.getTime();
  if (Number.isNaN(from)) throw new ScheduleError('from: not a valid time');
  if (schedule.kind === 'rate') {
    const start = options.start?.getTime() ?? from;
    if (Number.isNaN(start)) throw new ScheduleError('start: not a valid time');
    const period = schedule.periodMs;
    const first = Math.max(1, Math.floor((from - start) / period) + 1);
    return Array.from({ length: options.count }, (_, k) => new Date(start + (first + k) * period));
  }
  return cronFires(schedule, from, options.count, timeZone);
}

function cronFires(schedule: CronSchedule, from: number, count: number, timeZone: string): Date[] {
  const cron = new Cron(schedule.pattern, {
    mode: '7-part',
    alternativeWeekdays: true,
    domAndDow: true,
    timezone: timeZone,
  });
  const fires: Date[] = [];
  const end = Date.UTC(MAX_YEAR + 1, 0, 2);
  let cursor = new Date(from);
  while (fires.length < count) {
    const next = cron.nextRun(cursor);
    if (next === null || next.getTime() >= end) break;
    cursor = next;
    // croner runs a fixed time skipped by spring-forward after the gap: EventBridge does not run it.
    if (!matchesWallClock(schedule, wallClock(next, timeZone))) continue;
    // croner runs interval jobs on both occurrences of a repeated hour: EventBridge runs the first only.
    if (repeatsEarlierWallClock(next, timeZone)) continue;
    fires.push(next);
  }
  return fires;
}

/** Throws a ScheduleError unless `timeZone` is an IANA zone this runtime knows; returns it. */
export function checkTimeZone(timeZone: string): string {
  if (!isTimeZone(timeZone)) {
    throw new ScheduleError(
      `unknown time zone ${timeZone}: expected an IANA zone such as Europe/Berlin or UTC`,
    );
  }
  return timeZone;
}

function sameMinute(a: WallClock, b: WallClock): boolean {
  return (
    a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute
  );
}

/** Whether the local minute of `date` already happened earlier (the second pass through a fall-back hour). */
function repeatsEarlierWallClock(date: Date, timeZone: string): boolean {
  const wall = wallClock(date, timeZone);
  return [30, 60, 120].some((minutes) =>
    sameMinute(wallClock(new Date(date.getTime() - minutes * 60_000), timeZone), wall),
  );
}

/** Whether a wall-clock minute matches the cron schedule's fields (EventBridge semantics). */
export function matchesWallClock(schedule: CronSchedule, wall: WallClock): boolean {
  if (!schedule.minutes.has(wall.minute) || !schedule.hours.has(wall.hour)) return false;
  if (!schedule.months.has(wall.month) || !schedule.years.has(wall.year)) return false;
  const lastDay = new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate();
  const weekdayOf = (day: number) => new Date(Date.UTC(wall.year, wall.month - 1, day)).getUTCDay();
  const dom = schedule.dayOfMonth;
  switch (dom.kind) {
    case 'any':
      break;
    case 'days':
      if (!dom.days.has(wall.day)) return false;
      break;
    case 'last':
      if (wall.day !== lastDay) return false;
      break;
    case 'lastWeekday': {
      const shift = [2, 0, 0, 0, 0, 0, 1][weekdayOf(lastDay)] ?? 0;
      if (wall.day !== lastDay - shift) return false;
      break;
    }
    case 'nearestWeekday': {
      if (dom.day > lastDay) return false;
      const weekday = weekdayOf(dom.day);
      let day = dom.day;
      if (weekday === 6) day = dom.day === 1 ? 3 : dom.day - 1;
      if (weekday === 0) day = dom.day === lastDay ? dom.day - 2 : dom.day + 1;
      if (wall.day !== day) return false;
      break;
    }
  }
  const awsWeekday = wall.weekday + 1;
  const dow = schedule.dayOfWeek;
  switch (dow.kind) {
    case 'any':
      return true;
    case 'days':
      return dow.days.has(awsWeekday);
    case 'lastOfMonth':
      return awsWeekday === dow.day && wall.day + 7 > lastDay;
    case 'nth':
      return awsWeekday === dow.day && Math.ceil(wall.day / 7) === dow.nth;
  }
}

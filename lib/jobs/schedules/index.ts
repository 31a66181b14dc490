/** EventBridge schedule expressions, evaluated exactly: parse and validate, then list fire times. */
export {
  type CronSchedule,
  type DayOfMonthRule,
  type DayOfWeekRule,
  MAX_YEAR,
  MIN_YEAR,
  parseSchedule,
  RATE_UNIT_MS,
  type RateSchedule,
  type RateUnit,
  type Schedule,
  ScheduleError,
  tryParseSchedule,
} from './expression.js';
export {
  checkTimeZone,
  matchesWallClock,
  type NextFiresOptions,
  nextFires,
} from './fires.js';

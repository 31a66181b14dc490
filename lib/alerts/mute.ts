/**
 * Should this incident stay quiet, and why? Pure: the incident, the alerts config and the time of decision.
 *
 * First the minimum severity, then each mute rule in order. A rule mutes when every field it gives matches:
 * cluster, group, family, exit class, an absolute window [from, until) and a daily window in a time zone
 * ([start, end) local time; a window whose end is before its start crosses midnight, e.g. 22:00-02:00; equal
 * start and end mean the whole day).
 */

import { isBelow } from '../platform/notification/severity.js';
import { isTimeZone, wallClock } from '../platform/wall-clock.js';
import type { AlertsConfig, MuteRule } from './config.js';
import type { Incident } from './model.js';

/** Why the incident is muted (said in the journal), or undefined when it pages. */
export function muteReason(incident: Incident, config: AlertsConfig, now: Date): string | undefined {
  if (isBelow(incident.severity, config.minSeverity)) {
    return `severity ${incident.severity} is below minSeverity ${config.minSeverity}`;
  }
  for (const [index, rule] of config.mute.entries()) {
    if (ruleMatches(rule, incident, now)) return `mute rule ${index + 1}: ${rule.reason}`;
  }
  return undefined;
}

/** Whether one rule mutes the incident at `now`. A daily window in an unknown time zone never matches. */
export function ruleMatches(rule: MuteRule, incident: Incident, now: Date): boolean {
  if (rule.cluster !== undefined && rule.cluster !== incident.cluster) return false;
  if (rule.group !== undefined && rule.group !== incident.group) return false;
  if (rule.family !== undefined && rule.family !== incident.family) return false;
  if (rule.class !== undefined && rule.class !== incident.cause.exitClass) return false;
  const at = now.getTime();
  if (rule.from !== undefined && at < Date.parse(rule.from)) return false;
  if (rule.until !== undefined && at >= Date.parse(rule.until)) return false;
  if (rule.daily !== undefined) {
    // A misspelt zone must not silence pages: the rule simply does not apply.
    if (!isTimeZone(rule.daily.timeZone)) return false;
    if (!inDailyWindow(rule.daily, now)) return false;
  }
  return true;
}

/** Whether `now`, read on the clock of `timeZone`, is in [start, end); throws RangeError for an unknown zone. */
export function inDailyWindow(window: { start: string; end: string; timeZone: string }, now: Date): boolean {
  const minute = minuteOfDay(now, window.timeZone);
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Minutes since local midnight in `timeZone` (0-1439). */
export function minuteOfDay(now: Date, timeZone: string): number {
  const { hour, minute } = wallClock(now, timeZone);
  return hour * 60 + minute;
}

/** `HH:MM` → minutes since midnight. */
function clockMinutes(clock: string): number {
  const [hours = '0', minutes = '0'] = clock.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/**
 * Is a paged outage over? Pure: the group's crash-loop window as stored, the time, the alerts config and — for
 * a service — its running and desired counts as ECS gives them now.
 *
 * Recovered when either:
 * - the group is a service whose running count is back to its desired count and no essential container of
 *   the group has exited for `alerts.recovery.quietMinutes` (checked while the window runs too: the window then
 *   closes early, so no exit is ever grouped under a page already resolved); or
 * - the crash-loop window closed with no further exit after its page.
 * A standalone group (family:…) has no desired count: after a window with further exits, it is over once the
 * window has closed and no exit came for `quietMinutes`.
 */
import { formatDuration } from '../platform/notification/message.js';
import type { AlertsConfig } from './config.js';
import type { StoredWindow } from './crash-loop.js';

/** A service's counts as ECS DescribeServices reports them; `missing` when the service is gone. */
export type ServiceCounts =
  | { status: 'found'; running: number; desired: number; pending: number }
  | { status: 'missing' };

export type Recovery = { recovered: true; reason: string } | { recovered: false; reason: string };

const SERVICE_PREFIX = 'service:';

/** The service a window's group names, if it is a service. */
export const serviceOf = (window: Pick<StoredWindow, 'group'>): string | undefined =>
  window.group.startsWith(SERVICE_PREFIX) ? window.group.slice(SERVICE_PREFIX.length) : undefined;

/** When the group's last known essential exit stopped: the last counted one (or the opener's). */
function lastExitAt(window: StoredWindow): number {
  const stopped = Date.parse(window.lastExit.stoppedAt);
  return Number.isNaN(stopped) ? Date.parse(window.startedAt) : stopped;
}

const ended = (window: StoredWindow, now: Date) => Date.parse(window.endsAt) < now.getTime();

/** How long the group has been quiet at `now`, and whether that is long enough. */
function quiet(window: StoredWindow, now: Date, config: AlertsConfig) {
  const ms = Math.max(0, now.getTime() - lastExitAt(window));
  return { ms, enough: ms >= config.recovery.quietMinutes * 60_000 };
}

/**
 * Whether the decision needs the service's counts now: a service group quiet long enough, whose window did not
 * already settle it. Callers ask ECS only then.
 */
export function needsServiceCounts(window: StoredWindow, now: Date, config: AlertsConfig): boolean {
  if (window.recovery !== undefined || serviceOf(window) === undefined) return false;
  if (ended(window, now) && window.count === 0) return false;
  return quiet(window, now, config).enough;
}

export function recoveryOf(
  window: StoredWindow,
  now: Date,
  config: AlertsConfig,
  counts?: ServiceCounts,
): Recovery {
  if (window.recovery !== undefined) return { recovered: true, reason: window.recovery };
  const closed = ended(window, now);
  if (closed && window.count === 0) {
    return {
      recovered: true,
      reason: `no further exit in the ${config.crashLoop.windowMinutes}-minute crash-loop window after the page`,
    };
  }
  const silence = quiet(window, now, config);
  const since = `no essential exit for ${formatDuration(silence.ms)}`;
  if (!silence.enough) {
    return {
      recovered: false,
      reason: `last exit ${formatDuration(silence.ms)} ago; quiet for ${config.recovery.quietMinutes} min first`,
    };
  }
  const service = serviceOf(window);
  if (service === undefined) {
    return closed
      ? { recovered: true, reason: `${since} since its crash-loop window closed` }
      : { recovered: false, reason: 'a standalone group: waits for its crash-loop window to close' };
  }
  if (counts === undefined) return { recovered: false, reason: `service ${service}: counts not known` };
  if (counts.status === 'missing')
    return { recovered: true, reason: `service ${service} no longer exists; ${since}` };
  if (counts.running < counts.desired) {
    return {
      recovered: false,
      reason: `running ${counts.running} of ${counts.desired} desired (${counts.pending} pending)`,
    };
  }
  return { recovered: true, reason: `running ${counts.running} of ${counts.desired} desired; ${since}` };
}

/**
 * Crash-loop grouping, the pure arithmetic: after a group pages, its further exits within
 * `alerts.crashLoop.windowMinutes` are counted instead of paged, and summarised once when the window closes.
 */
import type { AlertsConfig } from './config.js';
import type { ExitClass, Incident } from './model.js';

/** What one summary says: how many more exits a group had in the window after its page, and the last one. */
export interface CrashLoopSummary {
  cluster: string;
  group: string;
  service?: string;
  windowStartedAt: string;
  windowEndsAt: string;
  /** Exits after the page (the paged incident itself is not counted). */
  count: number;
  lastExit: {
    exitClass: ExitClass;
    exitCode?: number;
    reason?: string;
    taskArn: string;
    stoppedAt: string;
  };
}

/** One window per cluster and group: `prod#service:web`. */
export const crashLoopGroupKey = (incident: Pick<Incident, 'cluster' | 'group'>): string =>
  `${incident.cluster}#${incident.group}`;

/** When a window opened at `startedAt` closes: `windowMinutes` later, as an ISO time (UTC). */
export function windowEndsAt(startedAt: string, config: AlertsConfig): string {
  const start = Date.parse(startedAt);
  if (Number.isNaN(start))
    throw new RangeError(`window start ${JSON.stringify(startedAt)} is not an ISO time`);
  return new Date(start + config.crashLoop.windowMinutes * 60_000).toISOString();
}

/** A window is open until its end (exclusive); no window is not open. */
export function isWindowOpen(window: { endsAt: string } | undefined, now: Date): boolean {
  if (window === undefined) return false;
  const end = Date.parse(window.endsAt);
  return !Number.isNaN(end) && now.getTime() < end;
}

/** The summary after one more exit of the group in the window: the count grows, the latest exit is the last. */
export function countExit(
  summary: CrashLoopSummary | undefined,
  window: { startedAt: string; endsAt: string },
  incident: Incident,
): CrashLoopSummary {
  const lastExit: CrashLoopSummary['lastExit'] = {
    exitClass: incident.cause.exitClass,
    taskArn: incident.taskArn,
    stoppedAt: incident.stoppedAt,
  };
  if (incident.cause.exitCode !== undefined) lastExit.exitCode = incident.cause.exitCode;
  if (incident.cause.reason !== undefined) lastExit.reason = incident.cause.reason;
  const previous = summary?.lastExit;
  // Exits arrive out of order: the last exit is the one that stopped last, not the one that arrived last.
  const latest =
    previous !== undefined && Date.parse(previous.stoppedAt) > Date.parse(incident.stoppedAt)
      ? previous
      : lastExit;
  const next: CrashLoopSummary = {
    cluster: incident.cluster,
    group: incident.group,
    windowStartedAt: window.startedAt,
    windowEndsAt: window.endsAt,
    count: (summary?.count ?? 0) + 1,
    lastExit: latest,
  };
  if (incident.service !== undefined) next.service = incident.service;
  return next;
}

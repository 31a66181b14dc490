/** The jobs functions' metrics: launch's of one slot, job-runs' of one batch, job-timeouts' of one sweep. */
import { METRIC, type MetricRecord, metricRecord } from '../platform/metrics.js';
import { publishFailures } from '../platform/notification/metrics.js';
import type { JobRunOutcome } from './job-runs.js';
import type { LaunchOutcome, RunSummary } from './launch-plan.js';
import type { TimedOutRun } from './timeouts.js';

/** Launches that placed tasks; a partial one also gave up on some (and paged). */
const LAUNCHED: readonly LaunchOutcome[] = ['launched', 'replaced', 'partial'];
const GAVE_UP: readonly LaunchOutcome[] = ['failed', 'partial'];

export const launchMetrics = ({ outcome }: RunSummary): MetricRecord[] => [
  metricRecord(METRIC.jobLaunches, LAUNCHED.includes(outcome) ? 1 : 0),
  metricRecord(METRIC.jobLaunchFailures, GAVE_UP.includes(outcome) ? 1 : 0),
  // Decided by planSlot (launch-plan.ts): the delivery came after the slot's starting deadline.
  metricRecord(METRIC.jobSlotsMissed, outcome === 'past-deadline' ? 1 : 0),
  // A launch whose page failed throws instead of returning a summary (the launch function counts that one).
  metricRecord(METRIC.publishFailures, 0),
];

/** Runs this batch found failed or timed out, each counted once, and its failed publishes. */
export const jobRunMetrics = (outcomes: readonly JobRunOutcome[]): MetricRecord[] => [
  metricRecord(METRIC.jobRunsFailed, outcomes.filter(isFailedRun).length),
  publishFailures(outcomes),
];

/**
 * A run this delivery completed failed or timed out — or one an earlier delivery completed whose page it could
 * not send: that delivery's record failed (and counted nothing), this one sent the page.
 */
const isFailedRun = (run: JobRunOutcome): boolean =>
  (run.outcome === 'completed' && run.result !== 'succeeded') ||
  (run.outcome === 'already-completed' && run.alerted);

export const jobTimeoutMetrics = (stopped: readonly TimedOutRun[]): MetricRecord[] => [
  metricRecord(METRIC.jobRunsTimedOut, stopped.length),
];

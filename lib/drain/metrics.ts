/** drain's metrics of one batch and drain-sweeper's of one sweep, from their reports. */
import { countsBy, METRIC, type MetricRecord, metricRecord } from '../platform/metrics.js';
import { publishFailures } from '../platform/notification/metrics.js';
import type { DrainRecordOutcome } from './drain-batch.js';
import type { DrainReport } from './report.js';

/** Drains started, released (in total and by reason), and failed publishes (the page of a release). */
export function drainMetrics(outcomes: readonly DrainRecordOutcome[]): MetricRecord[] {
  const reports = outcomes.filter((outcome) => outcome.outcome === 'done');
  return [
    metricRecord(METRIC.drainsStarted, reports.filter(({ step }) => step === 'started').length),
    ...releaseMetrics(reports),
    publishFailures(outcomes),
  ];
}

/**
 * Drains the sweep released (in total and by reason). A drain that failed is reported as waiting, without its
 * error: the sweep cannot tell a failed publish, and emits no PublishFailures.
 */
export const drainSweepMetrics = (reports: readonly DrainReport[]): MetricRecord[] => releaseMetrics(reports);

function releaseMetrics(reports: readonly DrainReport[]): MetricRecord[] {
  const released = reports.flatMap((report) =>
    report.step === 'released' && report.release ? [{ ...report, release: report.release }] : [],
  );
  return [
    ...countsBy(
      METRIC.drainsReleased,
      'reason',
      released.map(({ release }) => release.reason),
    ),
    ...released.flatMap(({ release, startedAt, lastTaskStoppedAt }) => {
      const latency = Date.parse(release.at) - Date.parse(lastTaskStoppedAt ?? startedAt ?? '');
      return Number.isFinite(latency) ? [metricRecord(METRIC.drainReleaseLatency, Math.max(0, latency))] : [];
    }),
  ];
}

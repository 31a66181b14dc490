/** alert's and alert-summary's metrics, from the outcomes they already log. */
import { METRIC, type MetricRecord, metricRecord } from '../platform/metrics.js';
import { publishFailures } from '../platform/notification/metrics.js';
import type { AlertRecordOutcome } from './alerting.js';
import type { SweepOutcome } from './sweep.js';

/** The incidents this batch decided (pages sent, grouped, muted) and its failed publishes. */
export function alertMetrics(outcomes: readonly AlertRecordOutcome[]): MetricRecord[] {
  // A duplicate gets the outcome stored when its incident was decided, and counted then.
  const decided = (outcome: 'sent' | 'grouped' | 'muted') =>
    outcomes.filter((record) => record.outcome === outcome && !record.duplicate).length;
  return [
    metricRecord(METRIC.pagesSent, decided('sent')),
    metricRecord(METRIC.pagesGrouped, decided('grouped')),
    metricRecord(METRIC.pagesMuted, decided('muted')),
    publishFailures(outcomes),
  ];
}

/** The crash-loop summaries and resolved messages one sweep sent, and its failed publishes. */
export const sweepMetrics = (outcomes: readonly SweepOutcome[]): MetricRecord[] => [
  metricRecord(METRIC.summariesSent, outcomes.filter(({ outcome }) => outcome === 'summary-sent').length),
  metricRecord(METRIC.pagesResolved, outcomes.filter(({ outcome }) => outcome === 'resolved').length),
  publishFailures(outcomes),
];

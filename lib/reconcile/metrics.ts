/** reconcile's metrics of one batch: what became of its records, and how late each ECS state change arrived. */
import { METRIC, type MetricRecord, metricRecord } from '../platform/metrics.js';
import { countOutcomes } from './process-batch.js';
import type { BatchRecord, RecordOutcome } from './reconcile.js';

export function reconcileMetrics(
  records: readonly BatchRecord[],
  outcomes: readonly RecordOutcome[],
  now: Date,
): MetricRecord[] {
  const counts = countOutcomes(outcomes);
  // Invalid and skipped records are no ECS state change (or none that parsed): they have no lag. ECS's clock and
  // Lambda's may differ a little: an event never arrives before it happened.
  const lags = outcomes.flatMap((outcome) =>
    'time' in outcome ? [Math.max(0, now.getTime() - Date.parse(outcome.time))] : [],
  );
  return [
    metricRecord(METRIC.eventsReceived, records.length),
    metricRecord(METRIC.eventsAccepted, counts.accepted),
    metricRecord(METRIC.eventsDuplicate, counts.duplicate),
    metricRecord(METRIC.eventsStale, counts.stale),
    metricRecord(METRIC.eventsInvalid, counts.invalid),
    metricRecord(METRIC.eventsFailed, counts.failed),
    // One value per event: Powertools puts them in one array, a distribution in CloudWatch.
    ...lags.map((lag) => metricRecord(METRIC.eventLag, lag)),
  ];
}

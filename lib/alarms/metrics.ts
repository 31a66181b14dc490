/** alarm's metrics of one batch: the pages it sent about ecs-ops' own alarms, and its failed publishes. */
import { METRIC, type MetricRecord, metricRecord } from '../platform/metrics.js';
import { publishFailures } from '../platform/notification/metrics.js';
import type { AlarmRecordOutcome } from './forward.js';

export function alarmMetrics(outcomes: readonly AlarmRecordOutcome[]): MetricRecord[] {
  const sent = (action: 'trigger' | 'resolve') =>
    outcomes.filter((record) => record.outcome === 'sent' && record.action === action).length;
  return [
    metricRecord(METRIC.alarmPagesSent, sent('trigger')),
    metricRecord(METRIC.alarmPagesResolved, sent('resolve')),
    publishFailures(outcomes),
  ];
}

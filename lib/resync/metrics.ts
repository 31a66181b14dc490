/** resync's metric of one invocation: the drift it found and corrected. */
import { METRIC, type MetricRecord, metricRecord } from '../platform/metrics.js';
import type { ResyncResult } from './model.js';

/** Added + advanced + marked missing + late stops published, over the clusters this invocation went through. */
export const resyncMetrics = ({ reports }: ResyncResult): MetricRecord[] => [
  metricRecord(
    METRIC.resyncDrift,
    reports.reduce(
      (sum, report) => sum + report.added + report.advanced + report.markedMissing + report.lateStops,
      0,
    ),
  ),
];

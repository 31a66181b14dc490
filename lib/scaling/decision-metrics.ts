/** scale's metrics of one run (lib/scaling/metrics.ts reads the policies' own metrics). */
import { countsBy, METRIC, type MetricRecord } from '../platform/metrics.js';
import type { ScalingReport } from './report.js';

/** Policy evaluations, in total and by outcome: scale, ignore (held) or failed. */
export const scalingMetrics = (reports: readonly ScalingReport[]): MetricRecord[] =>
  countsBy(
    METRIC.scalingDecisions,
    'outcome',
    reports.map(({ action }) => action),
  );

/**
 * What ecs-ops says about itself, as CloudWatch metrics: one catalogue of names and units, emitted by every
 * function through Powertools Metrics in the embedded metric format (EMF) — JSON lines in the function's log that
 * CloudWatch turns into metrics, with no PutMetricData call on the hot path. The stack's alarms and dashboard
 * (deploy/monitoring.ts) read these names from here.
 *
 * Namespace `ecs-ops`. Each metric below has the dimensions of `metricDimensions`: `stage` and `function` (the
 * function that emitted it, as functions/ names it: `reconcile`, `alert`, …), and no other — CloudWatch matches a
 * metric by its whole dimension set, so an alarm names exactly these two. Two metrics are also broken down, and so have
 * two dimension sets: DrainsReleased (`reason`) and ScalingDecisions (`outcome`) are emitted in total with
 * `stage` and `function`, and per value with the third dimension added — sum one set, never both. Powertools'
 * `ColdStart` (Count, 1 per container that started for an invocation) has Powertools' own dimensions besides:
 * `service` (`ecs-ops`) and `function_name`, the Lambda's full name (`ecs-ops-<stage>-<function>`).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'ecs-ops';

/** The dimensions every metric of a function has (a broken-down one adds its own). */
export const metricDimensions = (stage: string, functionName: string) => ({ stage, function: functionName });

/** Each metric: its name in CloudWatch and its unit. Counts are per invocation (per batch for queue consumers). */
export const METRIC = {
  // reconcile: every record of a batch, and what became of it (zeros included)
  eventsReceived: { name: 'EventsReceived', unit: MetricUnit.Count },
  eventsAccepted: { name: 'EventsAccepted', unit: MetricUnit.Count },
  eventsDuplicate: { name: 'EventsDuplicate', unit: MetricUnit.Count },
  eventsStale: { name: 'EventsStale', unit: MetricUnit.Count },
  eventsInvalid: { name: 'EventsInvalid', unit: MetricUnit.Count },
  eventsFailed: { name: 'EventsFailed', unit: MetricUnit.Count },
  /**
   * Now − the event envelope's `time`, one value per ECS state change of the batch (accepted, duplicate, stale
   * or failed): a distribution (p50, p99 in CloudWatch).
   */
  eventLag: { name: 'EventLag', unit: MetricUnit.Milliseconds },
  // alert: incidents decided by this delivery (a duplicate's stored outcome is not counted again)
  pagesSent: { name: 'PagesSent', unit: MetricUnit.Count },
  pagesGrouped: { name: 'PagesGrouped', unit: MetricUnit.Count },
  pagesMuted: { name: 'PagesMuted', unit: MetricUnit.Count },
  // alert-summary
  summariesSent: { name: 'SummariesSent', unit: MetricUnit.Count },
  pagesResolved: { name: 'PagesResolved', unit: MetricUnit.Count },
  /**
   * SNS publishes that failed after the SDK's retries (the page is retried, never lost): counted where the failure
   * is told by SNS's own error — alert, alert-summary, job-runs, drain, alarm (failed records) and launch (a failed
   * invocation). A network failure on the way to SNS cannot be told from another AWS call's and is not counted;
   * drain-sweeper's reports do not say why a drain failed, so it does not emit it.
   */
  publishFailures: { name: 'PublishFailures', unit: MetricUnit.Count },
  // launch: one slot per invocation
  /** A launch that placed tasks: launched, replaced or partial. */
  jobLaunches: { name: 'JobLaunches', unit: MetricUnit.Count },
  /**
   * A launch that gave up on some or all of its tasks (failed, partial): on-call is paged. One whose page SNS
   * refused fails its invocation instead (PublishFailures) and its retry is a duplicate: not counted here.
   */
  jobLaunchFailures: { name: 'JobLaunchFailures', unit: MetricUnit.Count },
  /** A scheduled slot not launched within its starting deadline (past-deadline). */
  jobSlotsMissed: { name: 'JobSlotsMissed', unit: MetricUnit.Count },
  // job-runs
  /**
   * Runs that completed failed or timed out, once each: when completed, or — if the page failed then — when a
   * redelivery sends it.
   */
  jobRunsFailed: { name: 'JobRunsFailed', unit: MetricUnit.Count },
  // job-timeouts
  /** Runs past their `timeoutMinutes` whose tasks this sweep stopped. */
  jobRunsTimedOut: { name: 'JobRunsTimedOut', unit: MetricUnit.Count },
  // drain, drain-sweeper
  drainsStarted: { name: 'DrainsStarted', unit: MetricUnit.Count },
  /** In total and with the dimension `reason` (empty, deadline, not-registered, instance-gone, action-ended). */
  drainsReleased: { name: 'DrainsReleased', unit: MetricUnit.Count },
  /**
   * One value per release: from the drain's last task stop (an instance released empty) or, when no task stopped
   * under it, from the drain's start, to the release.
   */
  drainReleaseLatency: { name: 'DrainReleaseLatency', unit: MetricUnit.Milliseconds },
  // scale
  /** Policy evaluations, in total and with the dimension `outcome`: scale, ignore (held) or failed. */
  scalingDecisions: { name: 'ScalingDecisions', unit: MetricUnit.Count },
  // resync
  /** What one invocation corrected: added + advanced + marked missing + late stops published, all clusters. */
  resyncDrift: { name: 'ResyncDrift', unit: MetricUnit.Count },
  // alarm: pages about ecs-ops' own alarms, once each (a duplicate delivery's is not counted again)
  alarmPagesSent: { name: 'AlarmPagesSent', unit: MetricUnit.Count },
  alarmPagesResolved: { name: 'AlarmPagesResolved', unit: MetricUnit.Count },
} as const;

export type Metric = (typeof METRIC)[keyof typeof METRIC];
export type MetricName = Metric['name'];

/** One value of a metric, as a function records it; `dimensions` beyond those every metric has. */
export interface MetricRecord {
  name: MetricName;
  unit: Metric['unit'];
  value: number;
  dimensions?: Record<string, string>;
}

export const metricRecord = (
  { name, unit }: Metric,
  value: number,
  dimensions?: Record<string, string>,
): MetricRecord => (dimensions === undefined ? { name, unit, value } : { name, unit, value, dimensions });

/** A count in total, and per value of one dimension (`reason`, `outcome`) that occurs: `values` has one per item. */
export function countsBy(metric: Metric, dimension: string, values: readonly string[]): MetricRecord[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [
    metricRecord(metric, values.length),
    ...[...counts].map(([value, count]) => metricRecord(metric, count, { [dimension]: value })),
  ];
}

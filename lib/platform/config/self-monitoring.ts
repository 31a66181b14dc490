/**
 * The `selfMonitoring` section of ops.config.yml: the thresholds of the alarms the stack raises about ecs-ops
 * itself (deploy/monitoring.ts), and the switch that leaves them and the dashboard out.
 */
import * as z from 'zod/mini';
import { Flag, WholeNumber } from './fields.js';

/**
 * CloudWatch evaluates an alarm over at most 7 days (Period × EvaluationPeriods ≤ 604,800 s; ≤ 1 day when the
 * period is under an hour). The drift alarm's period is resync.intervalMinutes (up to a day): 7 runs always fit.
 */
export const MAX_RESYNC_DRIFT_RUNS = 7;

/** The alerts queue keeps a message one day (deploy/alerts.ts): an age threshold above that could never fire. */
export const MAX_QUEUE_AGE_SECONDS = 86_400;

export const SelfMonitoringConfig = z.strictObject({
  /** The alarms and the dashboard; false leaves both out of the stack. */
  enabled: z._default(Flag, true),
  /** Age of the oldest message of an event queue (not a dead-letter queue) that raises its alarm. */
  queueAgeSeconds: z._default(
    WholeNumber(60, MAX_QUEUE_AGE_SECONDS, 'seconds', {
      min: 'SQS reports the age once a minute',
      max: 'the alerts queue keeps a message one day',
    }),
    300,
  ),
  /** Reconcile's p99 event lag (now − the event's time) that raises its alarm. */
  lagSeconds: z._default(WholeNumber(1, 86_400, 'seconds'), 60),
  /** Consecutive resync runs that corrected something before the drift alarm fires. */
  resyncDriftRuns: z._default(
    WholeNumber(1, MAX_RESYNC_DRIFT_RUNS, 'runs', {
      max: 'CloudWatch evaluates an alarm over at most 7 days',
    }),
    3,
  ),
});
export type SelfMonitoringConfig = z.infer<typeof SelfMonitoringConfig>;

export const DEFAULT_SELF_MONITORING_CONFIG: SelfMonitoringConfig = z.parse(SelfMonitoringConfig, {});

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
    z
      .number('expected a whole number of seconds')
      .check(
        z.refine(Number.isInteger, 'expected a whole number of seconds'),
        z.minimum(60, 'expected at least 60 seconds (SQS reports the age once a minute)'),
        z.maximum(
          MAX_QUEUE_AGE_SECONDS,
          `expected at most ${MAX_QUEUE_AGE_SECONDS} seconds (the alerts queue keeps a message one day)`,
        ),
      ),
    300,
  ),
  /** Reconcile's p99 event lag (now − the event's time) that raises its alarm. */
  lagSeconds: z._default(WholeNumber(1, 86_400, 'seconds'), 60),
  /** Consecutive resync runs that corrected something before the drift alarm fires. */
  resyncDriftRuns: z._default(
    z
      .number('expected a whole number of runs')
      .check(
        z.refine(Number.isInteger, 'expected a whole number of runs'),
        z.minimum(1, 'expected at least 1 run'),
        z.maximum(
          MAX_RESYNC_DRIFT_RUNS,
          `expected at most ${MAX_RESYNC_DRIFT_RUNS} runs (CloudWatch evaluates an alarm over at most 7 days)`,
        ),
      ),
    3,
  ),
});
export type SelfMonitoringConfig = z.infer<typeof SelfMonitoringConfig>;

export const DEFAULT_SELF_MONITORING_CONFIG: SelfMonitoringConfig = z.parse(SelfMonitoringConfig, {});

/**
 * PublishFailures, from what a function's failed outcomes carry: a failure is a publish's when its error is SNS's
 * own answer after the SDK's retries, thrown as is or kept as the cause of the ecs-ops error that wraps it
 * (AwsFailure). A network failure on the way to SNS looks like any other AWS call's: it is not counted.
 */
import { SNSServiceException } from '@aws-sdk/client-sns';
import { METRIC, type MetricRecord, metricRecord } from '../metrics.js';

const isPublishFailure = (error: unknown): boolean =>
  error instanceof SNSServiceException ||
  (error instanceof Error && error.cause instanceof SNSServiceException);

/**
 * One per failed publish among outcomes (those that failed carry their `error`): copies of one event, decided
 * once, share their error and count once.
 */
export function publishFailures(outcomes: readonly object[]): MetricRecord {
  const errors = outcomes.map((outcome) => ('error' in outcome ? outcome.error : undefined));
  return metricRecord(METRIC.publishFailures, new Set(errors.filter(isPublishFailure)).size);
}

/**
 * alarm: CloudWatch state changes of ecs-ops' own alarms (the AlarmStates rule → queue) → one page per change
 * that matters on the alert topic, in ecs-ops' form: a page when an alarm fires, a resolve when it clears,
 * ordered by the change's time, each once. Invalid records go to the dead-letter queue with their reason.
 * Alarms about this function itself notify the topic straight from CloudWatch: they cannot wait on it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AlarmForwardingDependencies,
  type AlarmRecordOutcome,
  createAlarmForwarding,
} from '../lib/alarms/forward.js';
import { alarmMetrics } from '../lib/alarms/metrics.js';
import { alarmDependencies } from '../lib/alarms/wiring.js';
import { functionLogger } from '../lib/platform/handler/handler.js';
import { type Processed, sqsBatchHandler } from '../lib/platform/handler/sqs-batch-handler.js';

const LINES: Record<Processed<AlarmRecordOutcome>['outcome'], string> = {
  sent: 'alarm page sent',
  quiet: 'alarm change pages nobody',
  stale: 'stale alarm change: a later one was handled',
  duplicate: 'duplicate alarm change',
  'not-forwarded': "not one of this stack's forwarded alarms",
};

const logOutcome = (logger: Logger, outcome: Processed<AlarmRecordOutcome>) =>
  logger.info(LINES[outcome.outcome], { ...outcome });

export const createHandler = (
  dependencies: () => AlarmForwardingDependencies,
  logger = functionLogger('alarm'),
) =>
  sqsBatchHandler({
    name: 'alarm',
    logger,
    dependencies,
    processorOf: createAlarmForwarding,
    logOutcome,
    metricsOf: ({ outcomes }) => alarmMetrics(outcomes),
  });

export const handler = createHandler(alarmDependencies);

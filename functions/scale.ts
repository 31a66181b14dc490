/**
 * scale: every minute (and on demand, `{ policy }` for one), each step scaling policy of ops.config.yml is
 * evaluated — metric, service, scalable target, cooldowns → decide → UpdateService — and every decision is
 * journaled with its inputs. One failing policy holds (never scales on no data) and the others go on.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Journal } from '../lib/platform/journal.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { scaleEnvironment } from '../lib/scaling/environment.js';
import { createScaler, type Scaler, type ScalingReport } from '../lib/scaling/scaler.js';
import { ScalingStore } from '../lib/scaling/scaling-store.js';

export interface ScaleEvent {
  /** Evaluate this policy only; every policy when absent (the schedule's event carries none). */
  policy?: string;
}

/** One log line per decision: `scaling scale`, `scaling ignore`, `scaling failed`. */
export function logReport(logger: Logger, report: ScalingReport): void {
  // `service` is a key Powertools reserves for the logger's own service name: the ECS service goes as ecsService.
  const { inputs: _inputs, service, ...line } = report;
  const fields = { ...line, ecsService: `${report.cluster}/${service}` };
  if (report.action === 'failed') logger.error('scaling failed', fields);
  else logger.info(`scaling ${report.action}`, fields);
}

export function createHandler(dependencies: () => { scaler: Scaler; logger: Logger }) {
  let ready: { scaler: Scaler; logger: Logger } | undefined;
  return async function scaleHandler(event?: ScaleEvent): Promise<ScalingReport[]> {
    ready ??= dependencies();
    const policy = typeof event?.policy === 'string' ? event.policy : undefined;
    const reports =
      policy === undefined ? await ready.scaler.evaluateAll() : [await ready.scaler.evaluate(policy)];
    for (const report of reports) logReport(ready.logger, report);
    return reports;
  };
}

export const handler = createHandler(() => {
  const env = scaleEnvironment();
  const state = new StateStore({ tableName: env.STATE_TABLE });
  return {
    scaler: createScaler({
      policies: env.SCALING_CONFIG,
      ecs: new ECSClient({ maxAttempts: 5 }),
      sqs: new SQSClient({ maxAttempts: 5 }),
      cloudWatch: new CloudWatchClient({ maxAttempts: 5 }),
      applicationAutoScaling: new ApplicationAutoScalingClient({ maxAttempts: 5 }),
      state,
      store: new ScalingStore({ tableName: env.STATE_TABLE, client: state.client }),
      journal: new Journal({
        tableName: env.STATE_TABLE,
        client: state.client,
        retentionDays: env.RETENTION_HISTORY_DAYS,
      }),
    }),
    logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'scale' } }),
  };
});

/**
 * scale: every minute (and on demand, `{ policy }` for one), each step scaling policy of ops.config.yml is
 * evaluated — metric, service, scalable target, cooldowns → decide → UpdateService — and every decision is
 * journaled with its inputs. One failing policy holds (never scales on no data) and the others go on.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { functionLogger, lambdaHandler } from '../lib/platform/handler/handler.js';
import { scalingMetrics } from '../lib/scaling/decision-metrics.js';
import type { ScalingReport } from '../lib/scaling/report.js';
import { createScaler, type ScalerDependencies } from '../lib/scaling/scaler.js';
import { scaleDependencies } from '../lib/scaling/wiring.js';

export interface ScaleEvent {
  /** Evaluate this policy only; every policy when absent (the schedule's event carries none). */
  policy?: string;
}

/** One log line per decision: `scaling scale`, `scaling ignore`, `scaling failed`. */
function logReport(logger: Logger, report: ScalingReport): void {
  // `service` is a key Powertools reserves for the logger's own service name: the ECS service goes as ecsService.
  const { inputs: _inputs, service, ...line } = report;
  const fields = { ...line, ecsService: `${report.cluster}/${service}` };
  if (report.action === 'failed') logger.error('scaling failed', fields);
  else logger.info(`scaling ${report.action}`, fields);
}

export const createHandler = (dependencies: () => ScalerDependencies, logger = functionLogger('scale')) =>
  lambdaHandler({
    name: 'scale',
    logger,
    dependencies: () => createScaler(dependencies()),
    handle: async (event: ScaleEvent | undefined, scaler, _context, record): Promise<ScalingReport[]> => {
      const policy = typeof event?.policy === 'string' ? event.policy : undefined;
      const reports = policy === undefined ? await scaler.evaluateAll() : [await scaler.evaluate(policy)];
      for (const report of reports) logReport(logger, report);
      record(scalingMetrics(reports));
      return reports;
    },
  });

export const handler = createHandler(scaleDependencies);

/**
 * drain-sweeper: every minute, each open drain — refreshed from the reconciled state, heartbeated before its
 * lifecycle action times out, its standalone tasks stopped when configured, released at its deadline (on-call
 * is told what still ran), and a release a dead invocation left half done finished.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Drainer } from '../lib/drain/drainer.js';
import { drainSweeperEnvironment } from '../lib/drain/environment.js';
import { deployedDrainer } from '../lib/drain/wiring.js';

export function createHandler(dependencies: () => { drainer: Drainer; logger: Logger }) {
  let ready: { drainer: Drainer; logger: Logger } | undefined;
  return async function drainSweeperHandler(): Promise<{ open: number; released: number }> {
    ready ??= dependencies();
    const reports = await ready.drainer.sweep();
    for (const report of reports) {
      if (report.step === 'waiting') ready.logger.debug('drain waiting', { ...report });
      else ready.logger.info(`drain ${report.step}`, { ...report });
    }
    const released = reports.filter((report) => report.step === 'released').length;
    return { open: reports.length - released, released };
  };
}

export const handler = createHandler(() => ({
  drainer: deployedDrainer(drainSweeperEnvironment()),
  logger: new Logger({ serviceName: 'ecs-ops', persistentKeys: { function: 'drain-sweeper' } }),
}));

/**
 * What serverless.yml takes from the code at package time, through deploy/serverless-plugin.cjs
 * (`${ecsops:<path>}`): the validated ops.config.yml, the state table's properties and, per capability, its
 * functions' settings and its resources (deploy/<capability>.ts). One definition each, shared with the functions
 * and the local bus, which reads serverless.yml through the same settings.
 */
import { loadOpsConfig } from '../lib/ops-config.js';
import { stateTableDefinition, stateTableName, TTL_ATTRIBUTE } from '../lib/platform/store/table.js';
import { alertsSettings } from './alerts.js';
import { drainSettings } from './drain.js';
import { jobsSettings } from './jobs.js';
import { monitoringSettings } from './monitoring.js';
import { reconcileSettings } from './reconcile.js';
import { resyncSettings } from './resync.js';
import { scalingSettings } from './scaling.js';
import type { Stack } from './template.js';

// The patterns other tests check against events (test/integration/lib/drain, test/unit/lib/ops-config).

export function stackSettings(configFile: string, stack: Stack) {
  const config = loadOpsConfig(configFile);
  return {
    config,
    stateTable: stateTableProperties(stack.stage),
    reconcile: reconcileSettings(config, stack),
    resync: resyncSettings(config, stack),
    alerts: alertsSettings(config, stack),
    jobs: jobsSettings(config, stack),
    drain: drainSettings(config, stack),
    scaling: scalingSettings(config, stack),
    monitoring: monitoringSettings(config, stack),
  };
}

/** AWS::DynamoDB::Table properties, named so the CLI finds the table from the stage alone. */
function stateTableProperties(stage: string) {
  return {
    ...stateTableDefinition(stateTableName(stage)),
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}

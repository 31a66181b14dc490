/**
 * What serverless.yml takes from the code at package time, through deploy/serverless-plugin.cjs:
 * the validated ops.config.yml, the state table's CloudFormation properties and the ECS event pattern.
 * One definition each, shared with the functions and the local engines.
 */

import { loadOpsConfig, type OpsConfig } from '../lib/config/ops-config.js';
import { CONTAINER_INSTANCE_STATE_CHANGE, TASK_STATE_CHANGE } from '../lib/events/ecs-event.js';
import { stateTableDefinition, stateTableName, TTL_ATTRIBUTE } from '../lib/store/table.js';

export function stackSettings(configFile: string, stage: string) {
  const config = loadOpsConfig(configFile);
  return { config, ecsEventPattern: ecsEventPattern(config), stateTable: stateTableProperties(stage) };
}

/** The EventBridge pattern for the reconciler: both ECS detail types, from the configured clusters only. */
export function ecsEventPattern(config: OpsConfig) {
  return {
    source: ['aws.ecs'],
    'detail-type': [TASK_STATE_CHANGE, CONTAINER_INSTANCE_STATE_CHANGE],
    ...(config.clusters === undefined
      ? {}
      : { detail: { clusterArn: config.clusters.map((name) => ({ suffix: `:cluster/${name}` })) } }),
  };
}

/** AWS::DynamoDB::Table properties, named so the CLI finds the table from the stage alone. */
export function stateTableProperties(stage: string) {
  return {
    ...stateTableDefinition(stateTableName(stage)),
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}

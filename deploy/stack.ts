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
  return {
    config,
    ecsEventPattern: ecsEventPattern(config),
    stateTable: stateTableProperties(stage),
    alertEventPattern: alertEventPattern(config),
    alertTopicName: alertTopicName(config, stage),
    alertsConfig: JSON.stringify(config.alerts),
    alertSubscriptions: alertSubscriptions(config),
  };
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

/** The stack's alert topic: the configured name with the stage, so stages never share pages. */
export const alertTopicName = (config: OpsConfig, stage: string) => `${config.alerts.topicName}-${stage}`;

const ESSENTIAL_EXIT_REASON_PREFIX = 'Essential container in task exited';

/**
 * The EventBridge pattern for `alert`: STOPPED tasks whose stop an essential container caused — stop code
 * EssentialContainerExited or TaskFailedToStart, or (older events without a stop code) the stopped reason
 * ECS writes for it — from the clusters that page (alerts.clusters, else the watched clusters). Stops that are
 * normally intended are let through only when alerts.pageOn asks for them. The function decides the rest
 * (essential containers, draining instances, mute rules); the pattern keeps it from being invoked for the
 * ~7 other state changes of every task.
 */
export function alertEventPattern(config: OpsConfig) {
  const clusters = config.alerts.clusters ?? config.clusters;
  const stopCodes = [
    'EssentialContainerExited',
    'TaskFailedToStart',
    ...(config.alerts.pageOn.deployments || config.alerts.pageOn.drainingInstances
      ? ['ServiceSchedulerInitiated']
      : []),
    ...(config.alerts.pageOn.userStops ? ['UserInitiated'] : []),
  ];
  return {
    source: ['aws.ecs'],
    'detail-type': [TASK_STATE_CHANGE],
    detail: {
      lastStatus: ['STOPPED'],
      ...(clusters === undefined
        ? {}
        : { clusterArn: clusters.map((name) => ({ suffix: `:cluster/${name}` })) }),
      $or: [{ stopCode: stopCodes }, { stoppedReason: [{ prefix: ESSENTIAL_EXIT_REASON_PREFIX }] }],
    },
  };
}

/** The topic's subscriptions (AWS::SNS::Topic `Subscription`): one per configured email address. */
export function alertSubscriptions(config: OpsConfig) {
  return config.alerts.email.map((address) => ({ Protocol: 'email', Endpoint: address }));
}

/** Reconciling: the watched clusters' ECS state changes → EcsEventsQueue → reconcile → the state table. */
import type { OpsConfig } from '../lib/ops-config.js';
import { CONTAINER_INSTANCE_STATE_CHANGE, TASK_STATE_CHANGE } from '../lib/platform/events/ecs-event.js';
import { EVENT_SOURCE } from '../lib/platform/events/statuses.js';
import { capabilityResources } from './capability.js';
import type { EventQueue } from './queues.js';
import { stateTable } from './roles.js';
import { clusterFilter, type Stack } from './template.js';

/**
 * The EventBridge pattern for the reconciler: both ECS detail types, from the configured clusters only. ECS's
 * events alone (`aws.ecs`), never resync's late stops (`ecs-ops.resync`): resync writes what it finds to the
 * state table itself, through the same version rule, so routing them here would only write them twice.
 */
export function ecsEventPattern(config: OpsConfig) {
  const detail = clusterFilter(config.clusters);
  return {
    source: [EVENT_SOURCE],
    'detail-type': [TASK_STATE_CHANGE, CONTAINER_INSTANCE_STATE_CHANGE],
    ...(detail.clusterArn === undefined ? {} : { detail }),
  };
}

export function reconcileSettings(config: OpsConfig, stack: Stack) {
  const ecsEvents: EventQueue = {
    name: 'EcsEvents',
    delivers: 'EcsEvents',
    description: 'ECS task and container-instance state changes for ecs-ops',
    pattern: ecsEventPattern(config),
    consumerTimeoutSeconds: 60,
  };
  return {
    resources: capabilityResources(stack, {
      queues: [ecsEvents],
      roles: [
        {
          function: 'reconcile',
          consumes: ecsEvents,
          // Latest states (conditional puts) and timeline entries (batch writes); never a read.
          statements: [stateTable('StoreState', ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'])],
        },
      ],
    }),
  };
}

/**
 * One capability's part of the stack, from its declaration: its rule → queue → dead-letter queue → policy
 * quads, its functions' roles and whatever else it adds. serverless.yml lists one `${ecsops:<capability>.resources}`
 * per capability; the framework merges them into the template.
 */
import { type EventQueue, eventQueueOutputs, eventQueueResources } from './queues.js';
import { type FunctionRole, functionRoles } from './roles.js';
import type { Stack } from './template.js';

export interface Capability {
  queues?: readonly EventQueue[];
  roles: readonly FunctionRole[];
  /** Resources beyond queues and roles (the launch scheduler's role, lifecycle hooks). */
  resources?: Record<string, unknown>;
}

export function capabilityResources(stack: Stack, capability: Capability) {
  const queues = capability.queues ?? [];
  return {
    Resources: {
      ...Object.assign({}, ...queues.map(eventQueueResources)),
      ...functionRoles(stack, capability.roles),
      ...capability.resources,
    },
    Outputs: Object.assign({}, ...queues.map(eventQueueOutputs)),
  };
}

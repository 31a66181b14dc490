/** What a task asks of its host, derived from its task definition and RunTask overrides (pure). */
import type { ContainerSpec, ContainerState, TaskDefinition } from './model.js';
import type { Demand } from './placement.js';

export interface ContainerOverride {
  name: string;
  cpu?: number;
  memory?: number;
  command?: string[];
  environment?: { name?: string; value?: string }[];
}

const FIRST_DYNAMIC_PORT = 32768;

export function containerOverrides(overrides: Record<string, unknown>): ContainerOverride[] {
  return (overrides.containerOverrides as ContainerOverride[] | undefined) ?? [];
}

/** Task-level sizes win (as ECS reserves them); otherwise the containers' sizes, overrides applied, add up. */
export function taskDemand(definition: TaskDefinition, overrides: Record<string, unknown>): Demand {
  const sized = definition.containers.map((spec) => {
    const override = containerOverrides(overrides).find((candidate) => candidate.name === spec.name);
    return { cpu: override?.cpu ?? spec.cpu, memory: override?.memory ?? spec.memory };
  });
  return {
    cpu: definition.cpu ?? sized.reduce((total, container) => total + container.cpu, 0),
    memory: definition.memory ?? sized.reduce((total, container) => total + container.memory, 0),
    hostPorts: definition.containers.flatMap((spec) => staticPorts(spec, definition.networkMode ?? 'bridge')),
  };
}

/** Host ports that conflict between tasks on one instance; awsvpc tasks have their own interface. */
function staticPorts(spec: ContainerSpec, networkMode: string): number[] {
  if (networkMode === 'awsvpc') return [];
  return (spec.portMappings ?? []).flatMap((mapping) => {
    if (networkMode === 'host') return [mapping.containerPort];
    return mapping.hostPort ? [mapping.hostPort] : [];
  });
}

/** Host port bindings on an EC2 instance; dynamic ports take the lowest free port from 32768 (added to `taken`). */
export function bindPorts(
  spec: ContainerSpec,
  networkMode: string,
  taken: number[],
): ContainerState['bindings'] {
  return (spec.portMappings ?? []).map((mapping) => {
    let hostPort = networkMode === 'host' ? mapping.containerPort : (mapping.hostPort ?? 0);
    if (hostPort === 0) {
      hostPort = FIRST_DYNAMIC_PORT;
      while (taken.includes(hostPort)) hostPort++;
      taken.push(hostPort);
    }
    return { containerPort: mapping.containerPort, hostPort, protocol: mapping.protocol ?? 'tcp' };
  });
}

/** The exit code of a container stopped by ECS (SIGTERM), unless its behaviour says it exits cleanly. */
export function sigtermExitCode(container: ContainerState): number {
  return container.behaviour.kind === 'run' ? (container.behaviour.sigtermExitCode ?? 143) : 143;
}

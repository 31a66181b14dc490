/**
 * Task placement on EC2 container instances by resources, as pure functions. Only ACTIVE instances are
 * candidates (DRAINING ones take no new tasks); an instance whose agent is disconnected is reported as AGENT.
 * Among the instances that fit, one is picked at random, as RunTask's default placement does.
 */
export interface HostCapacity {
  arn: string;
  status: string;
  agentConnected: boolean;
  /** Remaining CPU units and MiB. */
  cpu: number;
  memory: number;
  /** Static host ports already taken (the PORTS resource); UDP and TCP share the set for simplicity. */
  usedPorts: readonly number[];
}

export interface Demand {
  cpu: number;
  memory: number;
  /** Static host ports the task needs; dynamic (0) ports never conflict. */
  hostPorts: readonly number[];
}

export type PlacementReason = 'RESOURCE:CPU' | 'RESOURCE:MEMORY' | 'RESOURCE:PORTS' | 'AGENT';

export interface PlacementFailure {
  arn: string;
  reason: PlacementReason;
}

export interface PlacementResult {
  /** For each placed task, in order, the ARN of its container instance. */
  placements: string[];
  /** One entry per instance that could not take the next task, as RunTask reports it. */
  failures: PlacementFailure[];
  /** The hosts after the placed tasks took their share. */
  hosts: HostCapacity[];
}

/** Why `host` cannot take `demand`, or undefined if it can. */
export function misfit(host: HostCapacity, demand: Demand): PlacementReason | undefined {
  if (!host.agentConnected) return 'AGENT';
  if (host.cpu < demand.cpu) return 'RESOURCE:CPU';
  if (host.memory < demand.memory) return 'RESOURCE:MEMORY';
  if (demand.hostPorts.some((port) => host.usedPorts.includes(port))) return 'RESOURCE:PORTS';
  return undefined;
}

/** Places up to `count` identical tasks; stops at the first task that fits nowhere (the rest would not fit). */
export function placeTasks(
  hosts: readonly HostCapacity[],
  demand: Demand,
  count: number,
  random: () => number,
): PlacementResult {
  let current = hosts.filter((host) => host.status === 'ACTIVE').map((host) => ({ ...host }));
  const placements: string[] = [];
  for (let i = 0; i < count; i++) {
    const fitting = current.filter((host) => misfit(host, demand) === undefined);
    if (fitting.length === 0) {
      const failures = current.map((host) => ({
        arn: host.arn,
        reason: misfit(host, demand) as PlacementReason,
      }));
      return { placements, failures, hosts: merge(hosts, current) };
    }
    const chosen = fitting[Math.floor(random() * fitting.length)] as HostCapacity;
    placements.push(chosen.arn);
    current = current.map((host) => (host.arn === chosen.arn ? take(host, demand) : host));
  }
  return { placements, failures: [], hosts: merge(hosts, current) };
}

function take(host: HostCapacity, demand: Demand): HostCapacity {
  return {
    ...host,
    cpu: host.cpu - demand.cpu,
    memory: host.memory - demand.memory,
    usedPorts: [...host.usedPorts, ...demand.hostPorts],
  };
}

function merge(original: readonly HostCapacity[], updated: readonly HostCapacity[]): HostCapacity[] {
  return original.map((host) => updated.find((candidate) => candidate.arn === host.arn) ?? host);
}

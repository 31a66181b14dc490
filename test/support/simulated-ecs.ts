/** A simulated cluster on a fake clock, recording every event it emits. */
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { type LifecycleTimings, SimulatedEcs } from '../../local/ecs/index.js';
import { seededRandom } from '../../local/random.js';

export const START = Date.UTC(2024, 4, 1, 12, 0, 0);

export interface Harness {
  sim: SimulatedEcs;
  events: EventEnvelope[];
  clock: { now: number };
  /** Moves the clock forward by `ms`, stepping at every due transition on the way. */
  advance(ms: number): void;
  /** Runs until nothing is due (or `limitMs` of simulated time passes). */
  settle(limitMs?: number): void;
  taskEvents(taskArn: string): EventEnvelope[];
  instanceEvents(instanceArn: string): EventEnvelope[];
}

export function harness(seed = 7, timings: Partial<LifecycleTimings> = {}): Harness {
  const clock = { now: START };
  const events: EventEnvelope[] = [];
  const sim = new SimulatedEcs({
    now: () => clock.now,
    random: seededRandom(seed),
    emit: (event) => events.push(event),
    timings,
  });
  const advance = (ms: number) =>
    sim.advanceTo(clock.now + ms, (at) => {
      clock.now = at;
    });
  const byResource = (type: string) => (arn: string) =>
    events.filter((event) => event['detail-type'] === type && event.resources[0] === arn);
  return {
    sim,
    events,
    clock,
    advance,
    settle: (limitMs = 3_600_000) => advance(limitMs),
    taskEvents: byResource('ECS Task State Change'),
    instanceEvents: byResource('ECS Container Instance State Change'),
  };
}

/** A cluster `prod` with the task definitions the tests share. */
export function prodCluster(seed = 7, timings: Partial<LifecycleTimings> = {}) {
  const h = harness(seed, timings);
  h.sim.createCluster('prod', { capacityProviders: { 'asg-provider': 'prod-asg' } });
  const web = h.sim.registerTaskDefinition({
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [
      { name: 'web', image: 'web:1', cpu: 192, memory: 384, essential: true },
      {
        name: 'log-router',
        image: 'fluent-bit:2',
        cpu: 64,
        memory: 128,
        essential: false,
        behaviour: { kind: 'run', sigtermExitCode: 0 },
      },
    ],
  });
  const report = h.sim.registerTaskDefinition({
    family: 'report',
    containers: [
      {
        name: 'report',
        image: 'report:3',
        cpu: 512,
        memory: 1024,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 0 }],
      },
    ],
  });
  const api = h.sim.registerTaskDefinition({
    family: 'api',
    containers: [
      {
        name: 'api',
        image: 'api:1',
        cpu: 256,
        memory: 512,
        essential: true,
        portMappings: [{ containerPort: 80, hostPort: 80 }],
      },
    ],
  });
  return { ...h, definitions: { web, report, api } };
}

export function instance(h: Harness, ec2InstanceId: string, size = { cpu: 2048, memory: 4096 }) {
  return h.sim.registerContainerInstance({
    cluster: 'prod',
    ec2InstanceId,
    ...size,
    autoScalingGroup: 'prod-asg',
  });
}

export function statuses(events: EventEnvelope[]): string[] {
  return events.map((event) => `${event.detail.lastStatus}/${event.detail.desiredStatus}`);
}

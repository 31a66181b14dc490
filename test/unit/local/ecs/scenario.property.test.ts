/**
 * Properties of whole simulated stories: random sequences of API calls, faults and time, checked against
 * what the rest of ecs-ops relies on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../../../lib/platform/events/ecs-event.js';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import { instance, prodCluster } from '../../../support/simulated-ecs.js';

type Op =
  | { kind: 'advance'; ms: number }
  | { kind: 'register'; size: number }
  | { kind: 'runTask'; token: number; count: number }
  | { kind: 'stopTask'; pick: number }
  | { kind: 'crash'; pick: number; exitCode: number }
  | { kind: 'scale'; service: 'web' | 'report'; desired: number }
  | { kind: 'drain'; pick: number; status: 'ACTIVE' | 'DRAINING' }
  | { kind: 'spot'; pick: number }
  | { kind: 'terminate'; pick: number; complete: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 120_000 }) }),
  fc.record({ kind: fc.constant('register' as const), size: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('runTask' as const),
    token: fc.integer({ min: 0, max: 3 }),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('stopTask' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('crash' as const), pick: fc.nat(), exitCode: fc.constantFrom(1, 137, 255) }),
  fc.record({
    kind: fc.constant('scale' as const),
    service: fc.constantFrom('web' as const, 'report' as const),
    desired: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    kind: fc.constant('drain' as const),
    pick: fc.nat(),
    status: fc.constantFrom('ACTIVE' as const, 'DRAINING' as const),
  }),
  fc.record({ kind: fc.constant('spot' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('terminate' as const), pick: fc.nat(), complete: fc.boolean() }),
);

interface Story {
  h: ReturnType<typeof prodCluster>;
  /** Every RunTask response for each clientToken. */
  runs: Map<number, string[][]>;
}

function play(seed: number, ops: Op[]): Story {
  const h = prodCluster(seed);
  const runs = new Map<number, string[][]>();
  let ec2 = 0;
  const register = (size: number) =>
    instance(h, `i-${(ec2++).toString(16).padStart(8, '0')}`, { cpu: 1024 * size, memory: 2048 * size });
  register(2);
  h.sim.createService({
    cluster: 'prod',
    serviceName: 'web',
    taskDefinition: 'web',
    desiredCount: 2,
    launchType: 'FARGATE',
  });
  h.sim.createService({
    cluster: 'prod',
    serviceName: 'report',
    taskDefinition: 'report',
    desiredCount: 2,
    launchType: 'EC2',
  });
  const live = () => h.sim.snapshot().tasks.filter((task) => task.lastStatus !== 'STOPPED');
  const liveInstances = () => h.sim.snapshot().containerInstances.filter((ci) => ci.status !== 'INACTIVE');
  const pick = <T>(items: T[], index: number) => items[index % Math.max(items.length, 1)];
  for (const op of ops) {
    switch (op.kind) {
      case 'advance':
        h.advance(op.ms);
        break;
      case 'register':
        register(op.size);
        break;
      case 'runTask': {
        // The request is a function of the token: a retry, never a different request under the same token.
        const request = {
          cluster: 'prod',
          taskDefinition: 'report',
          count: op.token + 1,
          clientToken: `slot-${op.token}`,
        };
        if (liveInstances().length === 0) break;
        const arns = (h.sim.runTask(request).tasks ?? []).map((task) => String(task.taskArn));
        runs.set(op.token, [...(runs.get(op.token) ?? []), arns]);
        break;
      }
      case 'stopTask': {
        const task = pick(live(), op.pick);
        if (task) h.sim.stopTask({ cluster: 'prod', task: String(task.taskArn) });
        break;
      }
      case 'crash': {
        const task = pick(
          live().filter(
            (candidate) => candidate.lastStatus === 'RUNNING' && candidate.desiredStatus === 'RUNNING',
          ),
          op.pick,
        );
        if (task) h.sim.crashTask(String(task.taskArn), { exitCode: op.exitCode });
        break;
      }
      case 'scale':
        h.sim.updateService({ cluster: 'prod', service: op.service, desiredCount: op.desired });
        break;
      case 'drain': {
        const ci = pick(liveInstances(), op.pick);
        if (ci)
          h.sim.updateContainerInstancesState({
            cluster: 'prod',
            containerInstances: [String(ci.containerInstanceArn)],
            status: op.status,
          });
        break;
      }
      case 'spot': {
        const ci = pick(liveInstances(), op.pick);
        if (ci) h.sim.interruptSpot(String(ci.ec2InstanceId));
        break;
      }
      case 'terminate': {
        const ci = pick(liveInstances(), op.pick);
        if (!ci) break;
        const id = String(ci.ec2InstanceId);
        const waiting = h.sim.autoScaling.describeAutoScalingInstances({ InstanceIds: [id] })
          .AutoScalingInstances?.[0];
        if (waiting?.LifecycleState === 'InService') h.sim.terminateInstance(id);
        if (op.complete) {
          h.sim.autoScaling.completeLifecycleAction({
            AutoScalingGroupName: 'prod-asg',
            LifecycleHookName: 'ecs-ops-drain',
            InstanceId: id,
            LifecycleActionResult: 'CONTINUE',
          });
        }
        break;
      }
    }
  }
  return { h, runs };
}

const ecsEvents = (events: EventEnvelope[]) => events.filter((event) => event.source === 'aws.ecs');
const story = fc.tuple(fc.integer(), fc.array(opArb, { maxLength: 30 }));
const runs = { numRuns: 40 };

describe('every simulated story', () => {
  it('emits only events the project’s ECS event parser accepts', () => {
    fc.assert(
      fc.property(story, ([seed, ops]) => {
        const { h } = play(seed, ops);
        for (const event of ecsEvents(h.events)) {
          const parsed = parseEcsEvent(JSON.parse(JSON.stringify(event)));
          expect(parsed.ok ? 'ok' : parsed.error).toBe('ok');
        }
      }),
      runs,
    );
  });

  it('numbers each resource’s events 1, 2, 3, … and its snapshot is its latest event', () => {
    fc.assert(
      fc.property(story, ([seed, ops]) => {
        const { h } = play(seed, ops);
        const latest = new Map<string, EventEnvelope>();
        for (const event of ecsEvents(h.events)) {
          const arn = event.resources[0] ?? '';
          expect(event.detail.version).toBe(Number(latest.get(arn)?.detail.version ?? 0) + 1);
          latest.set(arn, event);
        }
        const snapshot = h.sim.snapshot();
        for (const detail of [...snapshot.tasks, ...snapshot.containerInstances]) {
          const arn = String(detail.taskArn ?? detail.containerInstanceArn);
          expect(detail).toEqual(latest.get(arn)?.detail);
        }
      }),
      runs,
    );
  });

  it('never over-commits an instance and never places a task on one that is not ACTIVE', () => {
    fc.assert(
      fc.property(story, ([seed, ops]) => {
        const { h } = play(seed, ops);
        const status = new Map<string, unknown>();
        for (const event of ecsEvents(h.events)) {
          const detail = event.detail;
          if (event['detail-type'] === 'ECS Container Instance State Change') {
            status.set(String(detail.containerInstanceArn), detail.status);
            const remaining = detail.remainingResources as {
              name: string;
              integerValue?: number;
              stringSetValue?: string[];
            }[];
            for (const resource of remaining) {
              if (resource.integerValue !== undefined)
                expect(resource.integerValue).toBeGreaterThanOrEqual(0);
              if (resource.stringSetValue)
                expect(new Set(resource.stringSetValue).size).toBe(resource.stringSetValue.length);
            }
          } else if (detail.version === 1 && detail.containerInstanceArn) {
            expect(status.get(String(detail.containerInstanceArn))).toBe('ACTIVE');
          }
        }
      }),
      runs,
    );
  });

  it('never launches twice for a repeated RunTask clientToken', () => {
    fc.assert(
      fc.property(story, ([seed, ops]) => {
        const { runs: byToken } = play(seed, ops);
        for (const responses of byToken.values()) {
          for (const arns of responses) expect(arns).toEqual(responses[0]);
        }
      }),
      runs,
    );
  });

  it('converges every service to desiredCount RUNNING tasks on ACTIVE instances once capacity is there', () => {
    fc.assert(
      fc.property(story, ([seed, ops]) => {
        const { h } = play(seed, ops);
        h.sim.registerContainerInstance({
          cluster: 'prod',
          ec2InstanceId: 'i-spare',
          cpu: 8192,
          memory: 16384,
        });
        h.advance(3 * 3_600_000);
        const { tasks, containerInstances } = h.sim.snapshot();
        const active = new Set(
          containerInstances.filter((ci) => ci.status === 'ACTIVE').map((ci) => ci.containerInstanceArn),
        );
        for (const name of ['web', 'report']) {
          const [service] = h.sim.describeServices({ cluster: 'prod', services: [name] }).services ?? [];
          const live = tasks.filter(
            (task) => task.group === `service:${name}` && task.lastStatus !== 'STOPPED',
          );
          expect(live).toHaveLength(service?.desiredCount ?? -1);
          for (const task of live) {
            expect(task.lastStatus).toBe('RUNNING');
            if (task.containerInstanceArn) expect(active.has(task.containerInstanceArn)).toBe(true);
          }
        }
      }),
      runs,
    );
  });
});

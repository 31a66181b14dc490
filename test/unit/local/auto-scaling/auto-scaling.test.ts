import { describe, expect, it } from 'vitest';
import { instance, prodCluster } from '../../../support/simulated-ecs.js';

function terminating() {
  const h = prodCluster();
  const ci = instance(h, 'i-1');
  const task = h.sim.runTask({ cluster: 'prod', taskDefinition: 'report' }).tasks?.[0]?.taskArn ?? '';
  h.settle();
  h.sim.terminateInstance('i-1');
  const action = h.events.at(-1);
  return { ...h, ci, task, action, token: String(action?.detail.LifecycleActionToken) };
}

const asg = { AutoScalingGroupName: 'prod-asg', LifecycleHookName: 'ecs-ops-drain' };

describe('scale-in through the Auto Scaling lifecycle hook', () => {
  it('emits the EC2 Instance-terminate Lifecycle Action event with its real shape', () => {
    const { action } = terminating();
    expect(action).toMatchObject({
      source: 'aws.autoscaling',
      'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      detail: {
        Origin: 'AutoScalingGroup',
        Destination: 'EC2',
        AutoScalingGroupName: 'prod-asg',
        LifecycleHookName: 'ecs-ops-drain',
        EC2InstanceId: 'i-1',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      },
    });
    expect(action?.resources[0]).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:.*\/prod-asg$/,
    );
  });

  it('keeps the instance in Terminating:Wait until the action completes, then deregisters it', () => {
    const h = terminating();
    const state = () =>
      h.sim.autoScaling.describeAutoScalingInstances({ InstanceIds: ['i-1'] }).AutoScalingInstances;
    expect(state()).toMatchObject([
      { InstanceId: 'i-1', LifecycleState: 'Terminating:Wait', AutoScalingGroupName: 'prod-asg' },
    ]);
    h.settle(60_000);
    expect(h.instanceEvents(h.ci).at(-1)?.detail.status).toBe('ACTIVE');
    h.sim.autoScaling.completeLifecycleAction({
      ...asg,
      LifecycleActionToken: h.token,
      LifecycleActionResult: 'CONTINUE',
    });
    expect(state()).toEqual([]);
    expect(h.instanceEvents(h.ci).at(-1)?.detail).toMatchObject({
      status: 'INACTIVE',
      agentConnected: false,
      runningTasksCount: 0,
    });
    expect(h.taskEvents(h.task).at(-1)?.detail).toMatchObject({ lastStatus: 'STOPPED' });
  });

  it('completes by instance id as well as by token', () => {
    const h = terminating();
    h.sim.autoScaling.completeLifecycleAction({
      ...asg,
      InstanceId: 'i-1',
      LifecycleActionResult: 'ABANDON',
    });
    expect(h.instanceEvents(h.ci).at(-1)?.detail.status).toBe('INACTIVE');
  });

  it('applies the default result when the heartbeat timeout passes; heartbeats extend it', () => {
    const h = terminating();
    h.advance(3_000_000);
    h.sim.autoScaling.recordLifecycleActionHeartbeat({ ...asg, LifecycleActionToken: h.token });
    h.advance(3_000_000);
    expect(h.instanceEvents(h.ci).at(-1)?.detail.status).toBe('ACTIVE');
    expect(h.sim.nextDueAt()).toBe(h.clock.now + 600_000);
    h.advance(600_000);
    expect(h.instanceEvents(h.ci).at(-1)?.detail.status).toBe('INACTIVE');
  });

  it('answers ValidationError for unknown tokens, as EC2 Auto Scaling words it', () => {
    const h = terminating();
    expect(() =>
      h.sim.autoScaling.completeLifecycleAction({
        ...asg,
        LifecycleActionToken: 'nope',
        LifecycleActionResult: 'CONTINUE',
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ValidationError',
        status: 400,
        message: 'No active Lifecycle Action found with token nope',
      }),
    );
    h.sim.autoScaling.completeLifecycleAction({
      ...asg,
      LifecycleActionToken: h.token,
      LifecycleActionResult: 'CONTINUE',
    });
    expect(() =>
      h.sim.autoScaling.recordLifecycleActionHeartbeat({ ...asg, LifecycleActionToken: h.token }),
    ).toThrow(expect.objectContaining({ code: 'ValidationError' }));
  });

  it('terminates at once an instance whose group has no hook, or that is in no group', () => {
    const h = prodCluster();
    const ci = instance(h, 'i-1');
    h.sim.autoScaling.putLifecycleHook('prod-asg', null);
    h.sim.terminateInstance('i-1');
    expect(h.instanceEvents(ci).at(-1)?.detail.status).toBe('INACTIVE');
    const lone = h.sim.registerContainerInstance({
      cluster: 'prod',
      ec2InstanceId: 'i-2',
      cpu: 1024,
      memory: 1024,
    });
    h.sim.terminateInstance('i-2');
    expect(h.instanceEvents(lone).at(-1)?.detail.status).toBe('INACTIVE');
    expect(h.events.some((event) => event.source === 'aws.autoscaling')).toBe(false);
  });
});

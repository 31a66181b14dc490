import { describe, expect, it } from 'vitest';
import { instance, prodCluster } from '../../../support/simulated-ecs.js';

/** The service's tasks that are RUNNING now. */
function running(h: ReturnType<typeof prodCluster>, service: string) {
  const arns = h.sim.listTasks({ cluster: 'prod', serviceName: service }).taskArns ?? [];
  if (arns.length === 0) return [];
  const tasks = h.sim.describeTasks({ cluster: 'prod', tasks: arns }).tasks ?? [];
  return tasks.filter((task) => task.lastStatus === 'RUNNING');
}

describe('a service', () => {
  it('starts desiredCount tasks tagged with its group and deployment', () => {
    const h = prodCluster();
    h.sim.createService({
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: 'web',
      desiredCount: 3,
      launchType: 'FARGATE',
    });
    h.settle();
    const [service] = h.sim.describeServices({ cluster: 'prod', services: ['web'] }).services ?? [];
    expect(service).toMatchObject({ desiredCount: 3, runningCount: 3, pendingCount: 0, status: 'ACTIVE' });
    const tasks = running(h, 'web');
    expect(tasks).toHaveLength(3);
    expect(
      tasks.every((task) => task.group === 'service:web' && task.startedBy === service?.deployments?.[0]?.id),
    ).toBe(true);
    expect(service?.deployments?.[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);
  });

  it('scales in with ServiceSchedulerInitiated and the deployment named in the reason', () => {
    const h = prodCluster();
    h.sim.createService({
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: 'web',
      desiredCount: 3,
      launchType: 'FARGATE',
    });
    h.settle();
    const { service } = h.sim.updateService({ cluster: 'prod', service: 'web', desiredCount: 1 });
    h.settle();
    expect(running(h, 'web')).toHaveLength(1);
    const stopped =
      h.sim.listTasks({ cluster: 'prod', serviceName: 'web', desiredStatus: 'STOPPED' }).taskArns ?? [];
    const described = h.sim.describeTasks({ cluster: 'prod', tasks: stopped }).tasks ?? [];
    expect(described).toHaveLength(2);
    for (const task of described) {
      expect(task).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${service?.deployments?.[0]?.id})`,
      });
    }
  });

  it('replaces a task that stops unexpectedly', () => {
    const h = prodCluster();
    h.sim.createService({
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: 'web',
      desiredCount: 2,
      launchType: 'FARGATE',
    });
    h.settle();
    const [victim] = running(h, 'web');
    h.sim.crashTask(victim?.taskArn ?? '', { exitCode: 1 });
    h.settle();
    const alive = running(h, 'web');
    expect(alive).toHaveLength(2);
    expect(alive.map((task) => task.taskArn)).not.toContain(victim?.taskArn);
  });

  it('keeps retrying to place its tasks until capacity appears', () => {
    const h = prodCluster();
    h.sim.createService({
      cluster: 'prod',
      serviceName: 'report',
      taskDefinition: 'report',
      desiredCount: 2,
      launchType: 'EC2',
    });
    h.settle();
    expect(running(h, 'report')).toHaveLength(0);
    instance(h, 'i-1');
    h.settle();
    expect(running(h, 'report')).toHaveLength(2);
  });

  it('answers ServiceNotFoundException and MISSING for unknown services', () => {
    const h = prodCluster();
    expect(h.sim.describeServices({ cluster: 'prod', services: ['ghost'] }).failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/ghost', reason: 'MISSING' },
    ]);
    expect(() => h.sim.updateService({ cluster: 'prod', service: 'ghost', desiredCount: 1 })).toThrow(
      expect.objectContaining({ code: 'ServiceNotFoundException' }),
    );
  });
});

describe('container instances', () => {
  it('list by status and by the ec2InstanceId filter, and refuse other filter expressions', () => {
    const h = prodCluster();
    const a = instance(h, 'i-a');
    const b = instance(h, 'i-b');
    h.sim.updateContainerInstancesState({ cluster: 'prod', containerInstances: [b], status: 'DRAINING' });
    expect(h.sim.listContainerInstances({ cluster: 'prod' }).containerInstanceArns).toEqual([a, b]);
    expect(
      h.sim.listContainerInstances({ cluster: 'prod', status: 'DRAINING' }).containerInstanceArns,
    ).toEqual([b]);
    expect(
      h.sim.listContainerInstances({ cluster: 'prod', filter: 'ec2InstanceId == i-a' }).containerInstanceArns,
    ).toEqual([a]);
    expect(() =>
      h.sim.listContainerInstances({ cluster: 'prod', filter: 'attribute:ecs.os-type == linux' }),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });

  it('describe by id or ARN, with MISSING failures', () => {
    const h = prodCluster();
    const a = instance(h, 'i-a');
    const result = h.sim.describeContainerInstances({
      cluster: 'prod',
      containerInstances: [a.split('/').at(-1) ?? '', 'nope'],
    });
    expect(result.containerInstances?.[0]).toMatchObject({
      containerInstanceArn: a,
      ec2InstanceId: 'i-a',
      status: 'ACTIVE',
      version: 1,
    });
    expect(result.failures).toEqual([{ arn: 'nope', reason: 'MISSING' }]);
  });

  it('when DRAINING, move service tasks elsewhere, keep standalone tasks, and take no new tasks', () => {
    const h = prodCluster();
    const a = instance(h, 'i-a');
    h.sim.createService({
      cluster: 'prod',
      serviceName: 'report',
      taskDefinition: 'report',
      desiredCount: 2,
      launchType: 'EC2',
    });
    const standalone = h.sim.runTask({ cluster: 'prod', taskDefinition: 'api' }).tasks?.[0]?.taskArn ?? '';
    h.settle();
    const b = instance(h, 'i-b');
    h.sim.updateContainerInstancesState({ cluster: 'prod', containerInstances: [a], status: 'DRAINING' });
    h.settle();
    const onA = h.sim.listTasks({ cluster: 'prod', containerInstance: a }).taskArns;
    const onB = h.sim.listTasks({ cluster: 'prod', containerInstance: b }).taskArns ?? [];
    expect(onA).toEqual([standalone]);
    expect(onB).toHaveLength(2);
    expect(running(h, 'report')).toHaveLength(2);
    expect(
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'report', count: 1 }).tasks?.[0]?.containerInstanceArn,
    ).toBe(b);
    const draining = h.instanceEvents(a).at(-1)?.detail;
    expect(draining).toMatchObject({ status: 'DRAINING', runningTasksCount: 1 });
    h.sim.updateContainerInstancesState({ cluster: 'prod', containerInstances: [a], status: 'ACTIVE' });
    expect(h.instanceEvents(a).at(-1)?.detail.status).toBe('ACTIVE');
  });

  it('on a Spot interruption drain and stop their tasks with SpotInterruption', () => {
    const h = prodCluster();
    const a = instance(h, 'i-spot');
    const arn = h.sim.runTask({ cluster: 'prod', taskDefinition: 'report' }).tasks?.[0]?.taskArn ?? '';
    h.settle();
    h.sim.interruptSpot('i-spot');
    h.settle();
    expect(h.instanceEvents(a).at(-1)?.detail).toMatchObject({ status: 'DRAINING', runningTasksCount: 0 });
    expect(h.taskEvents(arn).at(-1)?.detail).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'SpotInterruption',
    });
  });
});

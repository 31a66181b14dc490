import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS } from '../../../../local/ecs/index.js';
import { AwsError } from '../../../../local/endpoint/aws-error.js';
import { instance, prodCluster, START, statuses } from '../../../support/simulated-ecs.js';

describe('a Fargate task', () => {
  it('goes PROVISIONING → PENDING → ACTIVATING → RUNNING, one event and one version per change', () => {
    const h = prodCluster();
    const [task] =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE' }).tasks ?? [];
    h.settle();
    const events = h.taskEvents(task?.taskArn ?? '');
    expect(statuses(events)).toEqual([
      'PROVISIONING/RUNNING',
      'PENDING/RUNNING',
      'ACTIVATING/RUNNING',
      'RUNNING/RUNNING',
    ]);
    expect(events.map((event) => event.detail.version)).toEqual([1, 2, 3, 4]);
    const running = events[3]?.detail;
    expect(running).toMatchObject({
      launchType: 'FARGATE',
      group: 'family:web',
      cpu: '256',
      memory: '512',
      createdAt: new Date(START).toISOString(),
      pullStartedAt: new Date(START + DEFAULT_TIMINGS.provisioningMs).toISOString(),
      startedAt: new Date(
        START + DEFAULT_TIMINGS.provisioningMs + DEFAULT_TIMINGS.pullMs + DEFAULT_TIMINGS.activatingMs,
      ).toISOString(),
    });
    expect(events[3]).toMatchObject({ source: 'aws.ecs', account: '123456789012', region: 'us-east-1' });
    expect(events[3]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('stopped by StopTask runs down DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED with UserInitiated', () => {
    const h = prodCluster();
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE' }).tasks?.[0]?.taskArn ??
      '';
    h.settle();
    const stopped = h.sim.stopTask({ cluster: 'prod', task: arn, reason: 'deploy rollback' }).task;
    expect(stopped).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
    });
    h.settle();
    expect(statuses(h.taskEvents(arn).slice(4))).toEqual([
      'RUNNING/STOPPED',
      'DEACTIVATING/STOPPED',
      'STOPPING/STOPPED',
      'DEPROVISIONING/STOPPED',
      'STOPPED/STOPPED',
    ]);
    const final = h.taskEvents(arn).at(-1)?.detail;
    expect(final).toMatchObject({ stoppedReason: 'deploy rollback', version: 9 });
    // The sidecar handles SIGTERM cleanly; the app is killed by it.
    expect(final?.containers).toMatchObject([
      { name: 'web', lastStatus: 'STOPPED', exitCode: 143 },
      { name: 'log-router', lastStatus: 'STOPPED', exitCode: 0 },
    ]);
    const eniStatus = h
      .taskEvents(arn)
      .map((event) => (event.detail.attachments as { status: string }[])[0]?.status);
    expect(eniStatus).toEqual(['PRECREATED', ...Array(6).fill('ATTACHED'), 'DETACHED', 'DELETED']);
    expect(final).toHaveProperty('executionStoppedAt');
    expect(final).toHaveProperty('stoppedAt');
  });

  it('that is OOM-killed stops with EssentialContainerExited, exit 137 and the OOM reason', () => {
    const h = prodCluster();
    h.sim.registerTaskDefinition({
      family: 'hungry',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'app',
          image: 'app:1',
          cpu: 256,
          memory: 512,
          essential: true,
          behaviour: { kind: 'oom', afterMs: 60_000 },
        },
      ],
    });
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'hungry', launchType: 'FARGATE' }).tasks?.[0]
        ?.taskArn ?? '';
    h.settle();
    const final = h.taskEvents(arn).at(-1)?.detail;
    expect(final).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [
        { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      ],
    });
  });

  it('whose image cannot be pulled stops before RUNNING with TaskFailedToStart and CannotPullContainerError', () => {
    const h = prodCluster();
    h.sim.registerTaskDefinition({
      family: 'etl',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'etl',
          image: 'etl:missing',
          cpu: 256,
          memory: 512,
          essential: true,
          behaviour: { kind: 'pullFailure' },
        },
      ],
    });
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'etl', launchType: 'FARGATE' }).tasks?.[0]?.taskArn ??
      '';
    h.settle();
    const events = h.taskEvents(arn);
    expect(statuses(events)).toEqual([
      'PROVISIONING/RUNNING',
      'PENDING/RUNNING',
      'DEPROVISIONING/STOPPED',
      'STOPPED/STOPPED',
    ]);
    const final = events.at(-1)?.detail;
    expect(final).toMatchObject({ stopCode: 'TaskFailedToStart' });
    expect(final?.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(final).not.toHaveProperty('startedAt');
    const [container] = (final?.containers ?? []) as Record<string, unknown>[];
    expect(container).not.toHaveProperty('exitCode');
    expect(container?.reason).toMatch(/^CannotPullContainerError: /);
  });

  it('with a non-essential container that exits keeps running', () => {
    const h = prodCluster();
    h.sim.registerTaskDefinition({
      family: 'init',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      containers: [
        { name: 'app', image: 'app:1', cpu: 128, memory: 256, essential: true },
        {
          name: 'migrate',
          image: 'migrate:1',
          cpu: 128,
          memory: 256,
          essential: false,
          behaviour: { kind: 'exit', exitCode: 0, afterMs: 5_000 },
        },
      ],
    });
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'init', launchType: 'FARGATE' }).tasks?.[0]?.taskArn ??
      '';
    h.settle();
    const last = h.taskEvents(arn).at(-1)?.detail;
    expect(last).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      version: 5,
      containers: [
        { name: 'app', lastStatus: 'RUNNING' },
        { name: 'migrate', lastStatus: 'STOPPED', exitCode: 0 },
      ],
    });
  });

  it('crashed by the sandbox stops with the given exit code and reason', () => {
    const h = prodCluster();
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE' }).tasks?.[0]?.taskArn ??
      '';
    h.settle();
    h.sim.crashTask(arn, { exitCode: 1, reason: 'panic: nil map' });
    h.settle();
    expect(h.taskEvents(arn).at(-1)?.detail).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [
        { name: 'web', exitCode: 1, reason: 'panic: nil map' },
        { name: 'log-router', exitCode: 0 },
      ],
    });
    expect(() => h.sim.crashTask(arn, { exitCode: 1 })).toThrow(/not running/);
  });
});

describe('an EC2 task in bridge mode', () => {
  it('goes PENDING → RUNNING → STOPPED with a dynamic host port, and its instance follows', () => {
    const h = prodCluster();
    const ci = instance(h, 'i-1');
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'report', startedBy: 'ecs-ops/nightly' }).tasks?.[0]
        ?.taskArn ?? '';
    h.settle();
    h.sim.stopTask({ cluster: 'prod', task: arn });
    h.settle();
    const events = h.taskEvents(arn);
    expect(statuses(events)).toEqual([
      'PENDING/RUNNING',
      'RUNNING/RUNNING',
      'RUNNING/STOPPED',
      'STOPPED/STOPPED',
    ]);
    expect(events[1]?.detail).toMatchObject({
      launchType: 'EC2',
      containerInstanceArn: ci,
      startedBy: 'ecs-ops/nightly',
      containers: [{ networkBindings: [{ containerPort: 8080, hostPort: 32768, protocol: 'tcp' }] }],
    });
    const counts = h
      .instanceEvents(ci)
      .map((event) => [event.detail.version, event.detail.pendingTasksCount, event.detail.runningTasksCount]);
    expect(counts).toEqual([
      [1, 0, 0],
      [2, 1, 0],
      [3, 0, 1],
      [4, 0, 0],
    ]);
    expect(h.instanceEvents(ci)[1]?.detail.remainingResources).toEqual([
      { name: 'CPU', type: 'INTEGER', integerValue: 2048 - 512 },
      { name: 'MEMORY', type: 'INTEGER', integerValue: 4096 - 1024 },
      { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2376', '2375', '51678', '51679'] },
      { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] },
    ]);
  });
});

describe('RunTask', () => {
  it('returns failures naming the instance and the missing resource for tasks that do not fit', () => {
    const h = prodCluster();
    const ci = instance(h, 'i-1', { cpu: 1024, memory: 2048 });
    const result = h.sim.runTask({ cluster: 'prod', taskDefinition: 'report', count: 3 });
    expect(result.tasks).toHaveLength(2);
    expect(result.failures).toEqual([{ arn: ci, reason: 'RESOURCE:CPU' }]);
  });

  it('reports RESOURCE:PORTS when a static host port is taken and AGENT when the agent is disconnected', () => {
    const h = prodCluster();
    const a = instance(h, 'i-a');
    const b = instance(h, 'i-b');
    h.sim.setAgentConnected('i-b', false);
    const result = h.sim.runTask({ cluster: 'prod', taskDefinition: 'api', count: 2 });
    expect(result.tasks?.map((task) => task.containerInstanceArn)).toEqual([a]);
    expect(result.failures).toEqual([
      { arn: a, reason: 'RESOURCE:PORTS' },
      { arn: b, reason: 'AGENT' },
    ]);
  });

  it('with the same clientToken and request returns the same tasks without launching again', () => {
    const h = prodCluster();
    const request = {
      cluster: 'prod',
      taskDefinition: 'web',
      launchType: 'FARGATE' as const,
      clientToken: 'slot-1',
      count: 2,
    };
    const first = h.sim.runTask(request);
    h.advance(10_000);
    const again = h.sim.runTask(request);
    expect(again.tasks?.map((task) => task.taskArn)).toEqual(first.tasks?.map((task) => task.taskArn));
    expect(again.tasks?.[0]?.lastStatus).toBe('RUNNING');
    expect(h.sim.listTasks({ cluster: 'prod' }).taskArns).toHaveLength(2);
  });

  it('refuses a reused clientToken with different parameters, and forgets tokens after the window', () => {
    const h = prodCluster();
    h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE', clientToken: 't' });
    expect(() =>
      h.sim.runTask({
        cluster: 'prod',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        clientToken: 't',
        count: 2,
      }),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
    const withOverrides = (command: string) => ({
      cluster: 'prod',
      taskDefinition: 'web',
      launchType: 'FARGATE' as const,
      clientToken: 'u',
      overrides: { containerOverrides: [{ name: 'web', command: [command] }] },
    });
    h.sim.runTask(withOverrides('a'));
    expect(() => h.sim.runTask(withOverrides('b'))).toThrow(/different parameters/);
    h.advance(DEFAULT_TIMINGS.clientTokenWindowMs);
    h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE', clientToken: 't' });
    expect(h.sim.listTasks({ cluster: 'prod' }).taskArns).toHaveLength(3);
  });

  it('maps capacity providers: FARGATE_SPOT runs on Fargate, an ASG provider places on that group', () => {
    const h = prodCluster();
    const ci = instance(h, 'i-1');
    const spot = h.sim.runTask({
      cluster: 'prod',
      taskDefinition: 'web',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });
    expect(spot.tasks?.[0]).toMatchObject({ launchType: 'FARGATE', capacityProviderName: 'FARGATE_SPOT' });
    const ec2 = h.sim.runTask({
      cluster: 'prod',
      taskDefinition: 'report',
      capacityProviderStrategy: [{ capacityProvider: 'asg-provider' }],
    });
    expect(ec2.tasks?.[0]).toMatchObject({
      launchType: 'EC2',
      containerInstanceArn: ci,
      capacityProviderName: 'asg-provider',
    });
    expect(() =>
      h.sim.runTask({
        cluster: 'prod',
        taskDefinition: 'report',
        capacityProviderStrategy: [{ capacityProvider: 'nope' }],
      }),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });

  it('applies overrides, a custom group, and rejects overrides for unknown containers', () => {
    const h = prodCluster();
    instance(h, 'i-1');
    const [task] =
      h.sim.runTask({
        cluster: 'prod',
        taskDefinition: 'report',
        group: 'job:nightly',
        overrides: { containerOverrides: [{ name: 'report', memory: 2048, command: ['run', '--full'] }] },
      }).tasks ?? [];
    expect(task).toMatchObject({
      group: 'job:nightly',
      memory: '2048',
      overrides: { containerOverrides: [{ name: 'report', memory: 2048, command: ['run', '--full'] }] },
    });
    expect(() =>
      h.sim.runTask({
        cluster: 'prod',
        taskDefinition: 'report',
        overrides: { containerOverrides: [{ name: 'x' }] },
      }),
    ).toThrow(/not a container in the TaskDefinition/);
  });

  it('answers with the AWS error codes for unknown clusters, task definitions and bad counts', () => {
    const h = prodCluster();
    const code = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        expect(error).toBeInstanceOf(AwsError);
        return [(error as AwsError).code, (error as AwsError).status, (error as AwsError).message];
      }
      return undefined;
    };
    expect(code(() => h.sim.runTask({ cluster: 'nope', taskDefinition: 'web' }))).toEqual([
      'ClusterNotFoundException',
      400,
      'Cluster not found.',
    ]);
    expect(code(() => h.sim.runTask({ cluster: 'prod', taskDefinition: 'ghost' }))).toEqual([
      'ClientException',
      400,
      'Unable to describe task definition.',
    ]);
    expect(code(() => h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', count: 11 }))?.[0]).toBe(
      'InvalidParameterException',
    );
    expect(code(() => h.sim.runTask({ cluster: 'prod', taskDefinition: 'report' }))).toEqual([
      'InvalidParameterException',
      400,
      'No Container Instances were found in your cluster.',
    ]);
    expect(
      code(() => h.sim.runTask({ cluster: 'prod', taskDefinition: 'report', launchType: 'FARGATE' }))?.[2],
    ).toBe('Task definition does not support launch_type FARGATE.');
  });
});

describe('StartTask', () => {
  it('starts one task on each named instance and reports MISSING and resource failures', () => {
    const h = prodCluster();
    const a = instance(h, 'i-a');
    const small = instance(h, 'i-small', { cpu: 128, memory: 128 });
    const result = h.sim.startTask({
      cluster: 'prod',
      taskDefinition: 'report:1',
      containerInstances: [a, small, 'deadbeef'],
    });
    expect(result.tasks?.map((task) => task.containerInstanceArn)).toEqual([a]);
    expect(result.failures).toEqual([
      { arn: 'deadbeef', reason: 'MISSING' },
      { arn: small, reason: 'RESOURCE:CPU' },
    ]);
  });
});

describe('DescribeTasks and ListTasks', () => {
  it('describe by id or ARN, with MISSING failures for unknown tasks', () => {
    const h = prodCluster();
    const arn =
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE' }).tasks?.[0]?.taskArn ??
      '';
    const id = arn.split('/').at(-1) ?? '';
    const result = h.sim.describeTasks({ cluster: 'prod', tasks: [id, arn, 'ffff'] });
    expect(result.tasks?.map((task) => task.taskArn)).toEqual([arn, arn]);
    expect(result.tasks?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(result.failures).toEqual([{ arn: 'ffff', reason: 'MISSING' }]);
  });

  it('list RUNNING (the default, pending tasks included) or STOPPED tasks, by family, startedBy and instance', () => {
    const h = prodCluster();
    const ci = instance(h, 'i-1');
    const web = h.sim.runTask({
      cluster: 'prod',
      taskDefinition: 'web',
      launchType: 'FARGATE',
      startedBy: 'me',
    });
    const report = h.sim.runTask({ cluster: 'prod', taskDefinition: 'report' });
    const webArn = web.tasks?.[0]?.taskArn ?? '';
    const reportArn = report.tasks?.[0]?.taskArn ?? '';
    expect(h.sim.listTasks({ cluster: 'prod' }).taskArns).toEqual([webArn, reportArn]);
    expect(h.sim.listTasks({ cluster: 'prod', family: 'report' }).taskArns).toEqual([reportArn]);
    expect(h.sim.listTasks({ cluster: 'prod', startedBy: 'me' }).taskArns).toEqual([webArn]);
    expect(h.sim.listTasks({ cluster: 'prod', containerInstance: ci }).taskArns).toEqual([reportArn]);
    h.sim.stopTask({ cluster: 'prod', task: webArn });
    expect(h.sim.listTasks({ cluster: 'prod', desiredStatus: 'STOPPED' }).taskArns).toEqual([webArn]);
    expect(h.sim.listTasks({ cluster: 'prod' }).taskArns).toEqual([reportArn]);
  });

  it('paginate with nextToken and refuse maxResults above 100', () => {
    const h = prodCluster();
    for (let i = 0; i < 3; i++)
      h.sim.runTask({ cluster: 'prod', taskDefinition: 'web', launchType: 'FARGATE', count: 5 });
    const first = h.sim.listTasks({ cluster: 'prod', maxResults: 10 });
    const second = h.sim.listTasks({ cluster: 'prod', maxResults: 10, nextToken: first.nextToken });
    expect(first.taskArns).toHaveLength(10);
    expect(second.taskArns).toHaveLength(5);
    expect(second.nextToken).toBeUndefined();
    expect(new Set([...(first.taskArns ?? []), ...(second.taskArns ?? [])]).size).toBe(15);
    expect(() => h.sim.listTasks({ cluster: 'prod', maxResults: 101 })).toThrow(/maxResults/);
    expect(() => h.sim.listTasks({ cluster: 'prod', nextToken: 'garbage' })).toThrow(/nextToken/);
  });
});

describe('DescribeTaskDefinition', () => {
  it('resolves a family to its latest revision, and family:revision or an ARN exactly', () => {
    const h = prodCluster();
    const second = h.sim.registerTaskDefinition({
      family: 'web',
      containers: [{ name: 'web', image: 'web:2', cpu: 256, memory: 512, essential: true }],
    });
    expect(second).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:2');
    expect(h.sim.describeTaskDefinition({ taskDefinition: 'web' }).taskDefinition?.revision).toBe(2);
    expect(h.sim.describeTaskDefinition({ taskDefinition: 'web:1' }).taskDefinition?.revision).toBe(1);
    expect(
      h.sim.describeTaskDefinition({ taskDefinition: second }).taskDefinition?.containerDefinitions?.[0]
        ?.image,
    ).toBe('web:2');
    expect(() => h.sim.describeTaskDefinition({ taskDefinition: 'web:9' })).toThrow(
      'Unable to describe task definition.',
    );
  });
});

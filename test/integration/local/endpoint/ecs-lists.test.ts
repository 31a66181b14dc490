/**
 * The list and describe calls a reader of a whole cluster makes — ListClusters, ListTasks, DescribeTasks,
 * ListContainerInstances, DescribeContainerInstances — against the simulated cluster through the real SDK
 * client and its own paginators: every page, ECS's limits, and the `failures` array for what ECS no longer
 * knows.
 */
import * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { endpointFor } from '../../../support/local-endpoint.js';
import { harness, instance, prodCluster } from '../../../support/simulated-ecs.js';

const UNKNOWN_TASK = 'arn:aws:ecs:us-east-1:123456789012:task/prod/00000000000000000000000000000000';
const UNKNOWN_INSTANCE = 'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/0000000000000000';

/** A cluster of 250 Fargate tasks, all RUNNING but the first 30, which were stopped; and 3 EC2 instances. */
async function busyCluster() {
  const h = prodCluster();
  const instances = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'].map((id) =>
    instance(h, id),
  );
  const taskArns: string[] = [];
  for (let run = 0; run < 25; run++) {
    const { tasks } = h.sim.runTask({
      cluster: 'prod',
      taskDefinition: 'web',
      count: 10,
      launchType: 'FARGATE',
    });
    taskArns.push(...(tasks ?? []).flatMap((task) => task.taskArn ?? []));
  }
  h.settle();
  for (const task of taskArns.slice(0, 30)) h.sim.stopTask({ cluster: 'prod', task });
  h.settle();
  const { config } = await endpointFor({ ecs: h.sim });
  return { client: new ECS.ECSClient(config), taskArns, instances };
}

async function allPages<Page>(pages: AsyncIterable<Page>): Promise<Page[]> {
  const seen: Page[] = [];
  for await (const page of pages) seen.push(page);
  return seen;
}

describe('reading a whole simulated cluster through the SDK', () => {
  it('pages ListTasks 100 at a time: every RUNNING task once, the stopped ones on request', async () => {
    const { client, taskArns } = await busyCluster();

    const running = await allPages(ECS.paginateListTasks({ client }, { cluster: 'prod' }));
    const stopped = await allPages(
      ECS.paginateListTasks({ client, pageSize: 25 }, { cluster: 'prod', desiredStatus: 'STOPPED' }),
    );

    expect(running.map((page) => page.taskArns?.length)).toEqual([100, 100, 20]);
    expect(running.flatMap((page) => page.taskArns).sort()).toEqual(taskArns.slice(30).sort());
    expect(stopped.map((page) => page.taskArns?.length)).toEqual([25, 5]);
    expect(stopped.flatMap((page) => page.taskArns).sort()).toEqual(taskArns.slice(0, 30).sort());
  });

  it('describes up to 100 tasks at once, with what ECS does not know in failures as MISSING', async () => {
    const { client, taskArns } = await busyCluster();

    const { tasks, failures } = await client.send(
      new ECS.DescribeTasksCommand({ cluster: 'prod', tasks: [...taskArns.slice(25, 124), UNKNOWN_TASK] }),
    );

    expect(tasks).toHaveLength(99);
    expect(tasks?.filter((task) => task.lastStatus === 'STOPPED')).toHaveLength(5);
    expect(tasks?.every((task) => typeof task.version === 'number')).toBe(true);
    expect(failures).toEqual([{ arn: UNKNOWN_TASK, reason: 'MISSING' }]);
  });

  it('refuses to describe more than 100 tasks in one call, as ECS does', async () => {
    const { client, taskArns } = await busyCluster();

    await expect(
      client.send(new ECS.DescribeTasksCommand({ cluster: 'prod', tasks: taskArns.slice(0, 101) })),
    ).rejects.toBeInstanceOf(ECS.InvalidParameterException);
  });

  it('pages ListContainerInstances and describes them, an unknown one in failures as MISSING', async () => {
    const { client, instances } = await busyCluster();

    const pages = await allPages(
      ECS.paginateListContainerInstances({ client, pageSize: 2 }, { cluster: 'prod' }),
    );
    const listed = pages.flatMap((page) => page.containerInstanceArns ?? []);
    const { containerInstances, failures } = await client.send(
      new ECS.DescribeContainerInstancesCommand({
        cluster: 'prod',
        containerInstances: [...listed, UNKNOWN_INSTANCE],
      }),
    );

    expect(pages.map((page) => page.containerInstanceArns?.length)).toEqual([2, 1]);
    expect(listed.sort()).toEqual([...instances].sort());
    expect(containerInstances?.map((described) => described.ec2InstanceId).sort()).toEqual([
      'i-0000000000000000a',
      'i-0000000000000000b',
      'i-0000000000000000c',
    ]);
    expect(failures).toEqual([{ arn: UNKNOWN_INSTANCE, reason: 'MISSING' }]);
  });

  it('pages ListClusters: every cluster once, in the order they were created', async () => {
    const h = harness();
    const names = Array.from({ length: 7 }, (_, n) => `cluster-${n}`);
    const arns = names.map((name) => h.sim.createCluster(name));
    const { config } = await endpointFor({ ecs: h.sim });
    const client = new ECS.ECSClient(config);

    const pages = await allPages(ECS.paginateListClusters({ client, pageSize: 3 }, {}));
    const all = await allPages(ECS.paginateListClusters({ client }, {}));

    expect(pages.map((page) => page.clusterArns)).toEqual([
      arns.slice(0, 3),
      arns.slice(3, 6),
      arns.slice(6),
    ]);
    expect(pages.at(-1)?.nextToken).toBeUndefined();
    expect(all.map((page) => page.clusterArns)).toEqual([arns]);
    expect(arns[0]).toBe('arn:aws:ecs:us-east-1:123456789012:cluster/cluster-0');
  });

  it('lists no clusters in an account that has none', async () => {
    const { config } = await endpointFor({ ecs: harness().sim });

    const { clusterArns, nextToken } = await new ECS.ECSClient(config).send(new ECS.ListClustersCommand({}));

    expect(clusterArns).toEqual([]);
    expect(nextToken).toBeUndefined();
  });

  it.each([
    ['maxResults 0', { maxResults: 0 }],
    ['maxResults 101', { maxResults: 101 }],
    ['a nextToken ECS did not issue', { nextToken: 'not-a-token' }],
  ])('refuses ListClusters with %s (InvalidParameterException)', async (_, input) => {
    const { config } = await endpointFor({ ecs: prodCluster().sim });

    await expect(new ECS.ECSClient(config).send(new ECS.ListClustersCommand(input))).rejects.toBeInstanceOf(
      ECS.InvalidParameterException,
    );
  });
});

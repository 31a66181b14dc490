/**
 * The container instance under a drain, as the reconciled state and ECS know it: found by EC2 instance id (the
 * reconciled state's byHost index first, else ECS's ListContainerInstances on each watched cluster), set
 * DRAINING, and read again — its newest version and the tasks on it — from the reconciled state.
 */
import {
  type ECSClient,
  ListClustersCommand,
  type ListClustersCommandOutput,
  ListContainerInstancesCommand,
  type ListContainerInstancesCommandOutput,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { clusterName } from '../platform/arn.js';
import { pages } from '../platform/aws/pages.js';
import type { ContainerInstanceDetail, TaskDetail } from '../platform/events/ecs-event.js';
import type { StateStore } from '../platform/store/state-store.js';
import type { Drain, InstanceView, TaskView } from './model.js';
import { drainingView, instanceView, reconciledTaskViews } from './observations.js';

export interface ContainerInstanceDependencies {
  state: Pick<StateStore, 'instancesOnEc2' | 'tasksOnContainerInstance' | 'getLatest'>;
  ecs: Pick<ECSClient, 'send'>;
  /** The watched clusters (ops.config.yml `clusters`); undefined: every cluster of the account. */
  clusters: readonly string[] | undefined;
}

/** ECS calls made so far by one step, for the drain's `apiCalls`. */
export interface Calls {
  count: number;
}

export function createContainerInstances({ state, ecs, clusters }: ContainerInstanceDependencies) {
  const watched = (cluster: string) => clusters === undefined || clusters.includes(cluster);

  async function clustersToAsk(calls: Calls): Promise<string[]> {
    if (clusters !== undefined) return [...clusters];
    const names: string[] = [];
    const list = (nextToken: string | undefined): Promise<ListClustersCommandOutput> => {
      calls.count += 1;
      return ecs.send(new ListClustersCommand({ nextToken }));
    };
    for await (const page of pages(list, (page) => page.nextToken)) {
      names.push(...(page.clusterArns ?? []).map(clusterName));
    }
    return names;
  }

  return {
    /** The container instance on an EC2 instance: the reconciled state first, then ECS itself. */
    async find(
      ec2InstanceId: string,
      calls: Calls,
    ): Promise<{ cluster: string; containerInstanceArn: string } | undefined> {
      const known = (await state.instancesOnEc2(ec2InstanceId))
        .map((instance) => instance.detail as ContainerInstanceDetail)
        .find((detail) => detail.status !== 'INACTIVE' && watched(clusterName(detail.clusterArn)));
      if (known !== undefined) {
        return { cluster: clusterName(known.clusterArn), containerInstanceArn: known.containerInstanceArn };
      }
      for (const cluster of await clustersToAsk(calls)) {
        const list = (nextToken: string | undefined): Promise<ListContainerInstancesCommandOutput> => {
          calls.count += 1;
          return ecs.send(
            new ListContainerInstancesCommand({
              cluster,
              filter: `ec2InstanceId == ${ec2InstanceId}`,
              nextToken,
            }),
          );
        };
        // A filtered list may still come in pages (even an empty first one): read until it names the instance.
        for await (const page of pages(list, (page) => page.nextToken)) {
          const [containerInstanceArn] = page.containerInstanceArns ?? [];
          if (containerInstanceArn !== undefined) return { cluster, containerInstanceArn };
        }
      }
      return undefined;
    },

    /** Sets the instance DRAINING; ECS answers with its state at that version (or says it is gone). */
    async setDraining(cluster: string, containerInstanceArn: string, calls: Calls): Promise<InstanceView> {
      calls.count += 1;
      const { containerInstances = [] } = await ecs.send(
        new UpdateContainerInstancesStateCommand({
          cluster,
          containerInstances: [containerInstanceArn],
          status: 'DRAINING',
        }),
      );
      return drainingView(containerInstances[0]);
    },

    /** The EC2 instance of a container instance, from the reconciled state. */
    async ec2InstanceOf(containerInstanceArn: string): Promise<string | undefined> {
      const latest = await state.getLatest(containerInstanceArn);
      return (latest?.detail as ContainerInstanceDetail | undefined)?.ec2InstanceId;
    },

    /** The instance's newest reconciled version. */
    async reconciledInstance(drain: Drain): Promise<InstanceView | undefined> {
      if (drain.containerInstanceArn === undefined) return undefined;
      const latest = await state.getLatest(drain.containerInstanceArn);
      return latest === undefined ? undefined : instanceView(latest.detail as ContainerInstanceDetail);
    },

    /** The reconciled tasks on the instance that matter to the drain. */
    async reconciledTasks(drain: Drain): Promise<Record<string, TaskView>> {
      if (drain.containerInstanceArn === undefined) return {};
      const tasks = await state.tasksOnContainerInstance(drain.containerInstanceArn);
      return reconciledTaskViews(
        drain,
        tasks.map((task) => ({ arn: task.arn, version: task.version, detail: task.detail as TaskDetail })),
      );
    },
  };
}

export type ContainerInstances = ReturnType<typeof createContainerInstances>;

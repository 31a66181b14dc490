/**
 * The ECS reads a resync makes, paced and counted: List* page by page (100 per call), Describe* 100 per call,
 * at most `callsPerSecond` calls per second. Throttling is retried with backoff by the SDK (lib/platform/aws).
 */
import {
  type ContainerInstance,
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  type DesiredStatus,
  type ECSClient,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { lastSegment } from '../platform/arn.js';
import { pages } from '../platform/aws/pages.js';

/** ListTasks, DescribeTasks and their container-instance twins take at most 100 per call. */
export const ECS_PAGE_SIZE = 100;

/** One Describe call's answer: what ECS knows, and the ARNs it answered MISSING for. */
export interface Described<T> {
  found: T[];
  missing: string[];
}

/** What a resync reads ECS through (EcsApi, or recorded answers in tests). */
export type EcsReader = Pick<
  EcsApi,
  | 'calls'
  | 'clusterNames'
  | 'taskArnPage'
  | 'containerInstanceArnPage'
  | 'describeTasks'
  | 'describeContainerInstances'
>;

export class EcsApi {
  /** Calls made, per action. */
  readonly calls: Record<string, number> = {};
  private nextCallAt = 0;
  private readonly spacingMs: number;

  constructor(
    private readonly ecs: Pick<ECSClient, 'send'>,
    callsPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.spacingMs = 1000 / callsPerSecond;
  }

  /** Every cluster of the account and region, by name: what resync watches when no clusters are listed. */
  async clusterNames(): Promise<string[]> {
    const names: string[] = [];
    const list = (nextToken: string | undefined) =>
      this.call('ListClusters', () => this.ecs.send(new ListClustersCommand({ nextToken })));
    for await (const page of pages(list, (page) => page.nextToken))
      names.push(...(page.clusterArns ?? []).map(lastSegment));
    return names;
  }

  /** One page of a cluster's task ARNs with this desired status, and the token of the next page. */
  taskArnPage(cluster: string, desiredStatus: DesiredStatus, nextToken?: string) {
    return this.call('ListTasks', async () => {
      const page = await this.ecs.send(
        new ListTasksCommand({ cluster, desiredStatus, maxResults: ECS_PAGE_SIZE, nextToken }),
      );
      return { arns: page.taskArns ?? [], nextToken: page.nextToken };
    });
  }

  /** One page of a cluster's container instance ARNs (every status but INACTIVE, as ECS lists by default). */
  containerInstanceArnPage(cluster: string, nextToken?: string) {
    return this.call('ListContainerInstances', async () => {
      const page = await this.ecs.send(
        new ListContainerInstancesCommand({ cluster, maxResults: ECS_PAGE_SIZE, nextToken }),
      );
      return { arns: page.containerInstanceArns ?? [], nextToken: page.nextToken };
    });
  }

  async describeTasks(cluster: string, arns: readonly string[]): Promise<Described<Task>> {
    return this.describeInPages(arns, async (tasks) => {
      const answer = await this.call('DescribeTasks', () =>
        this.ecs.send(new DescribeTasksCommand({ cluster, tasks })),
      );
      return { found: answer.tasks ?? [], failures: answer.failures ?? [] };
    });
  }

  async describeContainerInstances(
    cluster: string,
    arns: readonly string[],
  ): Promise<Described<ContainerInstance>> {
    return this.describeInPages(arns, async (containerInstances) => {
      const answer = await this.call('DescribeContainerInstances', () =>
        this.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances })),
      );
      return { found: answer.containerInstances ?? [], failures: answer.failures ?? [] };
    });
  }

  /**
   * Describes ARNs 100 at a time. A failure other than MISSING (ECS could not answer for that ARN now) is
   * neither found nor missing: the next resync asks again.
   */
  private async describeInPages<T>(
    arns: readonly string[],
    describe: (
      page: string[],
    ) => Promise<{ found: T[]; failures: { arn?: string | undefined; reason?: string | undefined }[] }>,
  ): Promise<Described<T>> {
    const result: Described<T> = { found: [], missing: [] };
    for (let at = 0; at < arns.length; at += ECS_PAGE_SIZE) {
      const { found, failures } = await describe(arns.slice(at, at + ECS_PAGE_SIZE));
      result.found.push(...found);
      for (const { arn, reason } of failures)
        if (reason === 'MISSING' && arn !== undefined) result.missing.push(arn);
    }
    return result;
  }

  /** Spaces calls `1 / callsPerSecond` apart (across concurrent callers), then counts and makes the call. */
  private async call<T>(action: string, send: () => Promise<T>): Promise<T> {
    const now = this.now();
    const at = Math.max(now, this.nextCallAt);
    this.nextCallAt = at + this.spacingMs;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    return send();
  }
}

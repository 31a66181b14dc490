/**
 * A service's running and desired counts, from ECS DescribeServices: what recovery checks before saying a paged
 * service is healthy again. A service ECS reports MISSING (deleted) or INACTIVE, or whose cluster is gone, is gone.
 */
import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { ServiceCounts } from './recovery.js';

export interface ServiceCountsSource {
  of(cluster: string, service: string): Promise<ServiceCounts>;
}

export class EcsServiceCounts implements ServiceCountsSource {
  constructor(private readonly client: Pick<ECSClient, 'send'>) {}

  async of(cluster: string, service: string): Promise<ServiceCounts> {
    let answer: DescribeServicesCommandOutput;
    try {
      answer = await this.client.send(new DescribeServicesCommand({ cluster, services: [service] }));
    } catch (error) {
      // The cluster itself was deleted: so was the service.
      if ((error as Error).name === 'ClusterNotFoundException') return { status: 'missing' };
      throw error;
    }
    const { services = [] } = answer;
    const [found] = services;
    if (found === undefined || found.status === 'INACTIVE') return { status: 'missing' };
    return {
      status: 'found',
      running: found.runningCount ?? 0,
      desired: found.desiredCount ?? 0,
      pending: found.pendingCount ?? 0,
    };
  }
}

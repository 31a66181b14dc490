/**
 * The RunTask request of a job's run, complete, from its config. Pure.
 *
 * Every task carries `startedBy` = ecs-ops-job/<name> (how runs are found again) and the tags ecs-ops:job and
 * ecs-ops:slot (how they are audited in Cost Explorer and the console), beside the job's own tags.
 */
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { JobConfig } from './config.js';
import { clientTokenOf, startedByOf } from './identity.js';
import { journalTime } from './slot.js';

export interface RunRequestOptions {
  /** Default: the scheduled launch's token, clientTokenOf(job, slot, attempt). */
  clientToken?: string;
  /** The launch attempt of this slot, 1 for the first. */
  attempt?: number;
}

export const JOB_TAG = 'ecs-ops:job';
export const SLOT_TAG = 'ecs-ops:slot';

export function runRequest(
  job: string,
  config: JobConfig,
  slot: Date,
  options: RunRequestOptions = {},
): RunTaskCommandInput {
  const request: RunTaskCommandInput = {
    cluster: config.cluster,
    taskDefinition: config.taskDefinition,
    count: config.count,
    startedBy: startedByOf(job),
    clientToken: options.clientToken ?? clientTokenOf(job, slot, options.attempt ?? 1),
    enableECSManagedTags: true,
    tags: [
      ...Object.entries(config.tags ?? {}).map(([key, value]) => ({ key, value })),
      { key: JOB_TAG, value: job },
      { key: SLOT_TAG, value: journalTime(slot) },
    ],
  };
  if (config.launchType !== undefined) request.launchType = config.launchType;
  if (config.capacityProviderStrategy !== undefined) {
    request.capacityProviderStrategy = config.capacityProviderStrategy.map((item) => ({
      capacityProvider: item.capacityProvider,
      ...(item.weight !== undefined && { weight: item.weight }),
      ...(item.base !== undefined && { base: item.base }),
    }));
  }
  if (config.platformVersion !== undefined) request.platformVersion = config.platformVersion;
  if (config.network !== undefined) {
    request.networkConfiguration = {
      awsvpcConfiguration: {
        subnets: [...config.network.subnets],
        ...(config.network.securityGroups !== undefined && {
          securityGroups: [...config.network.securityGroups],
        }),
        assignPublicIp: config.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    };
  }
  const overrides = config.overrides;
  if (overrides !== undefined) {
    request.overrides = {
      ...(overrides.containers !== undefined && {
        containerOverrides: overrides.containers.map((container) => ({
          name: container.name,
          ...(container.command !== undefined && { command: [...container.command] }),
          ...(container.environment !== undefined && {
            environment: Object.entries(container.environment).map(([name, value]) => ({ name, value })),
          }),
          ...(container.cpu !== undefined && { cpu: container.cpu }),
          ...(container.memory !== undefined && { memory: container.memory }),
        })),
      }),
      ...(overrides.taskRoleArn !== undefined && { taskRoleArn: overrides.taskRoleArn }),
      ...(overrides.cpu !== undefined && { cpu: String(overrides.cpu) }),
      ...(overrides.memory !== undefined && { memory: String(overrides.memory) }),
    };
  }
  if (config.propagateTags !== undefined) request.propagateTags = config.propagateTags;
  if (config.placementConstraints !== undefined) {
    request.placementConstraints = config.placementConstraints.map((constraint) => ({ ...constraint }));
  }
  if (config.placementStrategy !== undefined) {
    request.placementStrategy = config.placementStrategy.map((strategy) => ({ ...strategy }));
  }
  return request;
}

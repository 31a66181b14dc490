import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { clientTokenOf, manualClientTokenOf } from '../../../../lib/jobs/identity.js';
import { runRequest } from '../../../../lib/jobs/run-request.js';
import { parseOpsConfig } from '../../../../lib/ops-config.js';

const slot = new Date('2024-05-02T02:30:00Z');
const job = (config: Record<string, unknown>) => {
  const parsed = parseOpsConfig({ jobs: { nightly: config } }).jobs.nightly;
  if (parsed === undefined) throw new Error('no job');
  return parsed;
};

describe('the RunTask request of a run', () => {
  it('has every Fargate setting', () => {
    const config = job({
      schedule: 'cron(30 2 * * ? *)',
      cluster: 'batch',
      taskDefinition: 'report:7',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      network: {
        subnets: ['subnet-0abc1234', 'subnet-0abc5678'],
        securityGroups: ['sg-0def5678'],
        assignPublicIp: true,
      },
      overrides: {
        containers: [
          {
            name: 'report',
            command: ['report', '--day', 'yesterday'],
            environment: { MODE: 'full', DRY_RUN: 'no' },
          },
          { name: 'sidecar', cpu: 128, memory: 256 },
        ],
        taskRoleArn: 'arn:aws:iam::111122223333:role/report',
        cpu: 1024,
        memory: 2048,
      },
      count: 2,
      tags: { team: 'data', cost: 'reports' },
      propagateTags: 'TASK_DEFINITION',
    });
    expect(runRequest('nightly', config, slot)).toEqual<RunTaskCommandInput>({
      cluster: 'batch',
      taskDefinition: 'report:7',
      count: 2,
      startedBy: 'ecs-ops-job/nightly',
      clientToken: clientTokenOf('nightly', slot),
      enableECSManagedTags: true,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0abc1234', 'subnet-0abc5678'],
          securityGroups: ['sg-0def5678'],
          assignPublicIp: 'ENABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'report',
            command: ['report', '--day', 'yesterday'],
            environment: [
              { name: 'MODE', value: 'full' },
              { name: 'DRY_RUN', value: 'no' },
            ],
          },
          { name: 'sidecar', cpu: 128, memory: 256 },
        ],
        taskRoleArn: 'arn:aws:iam::111122223333:role/report',
        cpu: '1024',
        memory: '2048',
      },
      tags: [
        { key: 'team', value: 'data' },
        { key: 'cost', value: 'reports' },
        { key: 'ecs-ops:job', value: 'nightly' },
        { key: 'ecs-ops:slot', value: '2024-05-02T02:30:00Z' },
      ],
      propagateTags: 'TASK_DEFINITION',
    });
  });

  it('has the capacity provider strategy and placement of an EC2 job, and no network unless given', () => {
    const config = job({
      schedule: 'rate(1 hour)',
      cluster: 'batch',
      taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/etl:3',
      capacityProviderStrategy: [
        { capacityProvider: 'spot', weight: 3, base: 1 },
        { capacityProvider: 'ondemand' },
      ],
      placementConstraints: [{ type: 'distinctInstance' }],
      placementStrategy: [{ type: 'binpack', field: 'memory' }],
    });
    expect(runRequest('etl', config, slot, { attempt: 2 })).toEqual<RunTaskCommandInput>({
      cluster: 'batch',
      taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/etl:3',
      count: 1,
      startedBy: 'ecs-ops-job/etl',
      clientToken: clientTokenOf('etl', slot, 2),
      enableECSManagedTags: true,
      capacityProviderStrategy: [
        { capacityProvider: 'spot', weight: 3, base: 1 },
        { capacityProvider: 'ondemand' },
      ],
      placementConstraints: [{ type: 'distinctInstance' }],
      placementStrategy: [{ type: 'binpack', field: 'memory' }],
      tags: [
        { key: 'ecs-ops:job', value: 'etl' },
        { key: 'ecs-ops:slot', value: '2024-05-02T02:30:00Z' },
      ],
    });
  });

  it('disables the public IP by default and takes a manual run’s token', () => {
    const config = job({
      schedule: 'rate(1 day)',
      cluster: 'batch',
      taskDefinition: 'report',
      launchType: 'FARGATE',
      network: { subnets: ['subnet-0abc1234'] },
    });
    const token = manualClientTokenOf('nightly', 'req-42');
    const request = runRequest('nightly', config, slot, { clientToken: token });
    expect(request.networkConfiguration?.awsvpcConfiguration).toEqual({
      subnets: ['subnet-0abc1234'],
      assignPublicIp: 'DISABLED',
    });
    expect(request.clientToken).toBe(token);
    expect(request.overrides).toBeUndefined();
    expect(request.launchType).toBe('FARGATE');
    expect(request.capacityProviderStrategy).toBeUndefined();
  });

  it('is the same request for a doubled delivery of the slot', () => {
    const config = job({ schedule: 'rate(1 day)', cluster: 'c', taskDefinition: 'd', launchType: 'EC2' });
    expect(runRequest('nightly', config, new Date('2024-05-02T02:30:00Z'))).toEqual(
      runRequest('nightly', config, new Date('2024-05-02T02:30:00Z')),
    );
  });
});

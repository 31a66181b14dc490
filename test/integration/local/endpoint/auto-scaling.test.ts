/**
 * EC2 Auto Scaling over AWS Query: form-encoded input (lists as `X.member.N`, numbers as strings) reaches the
 * backend in the SDK's input shape, and XML results reach the SDK as the backend answered them.
 */
import * as ASG from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import type { AutoScalingBackend } from '../../../../local/endpoint/index.js';
import { body, cannedBackend, endpointFor } from '../../../support/local-endpoint.js';

const lifecycle = {
  AutoScalingGroupName: 'ecs-prod',
  LifecycleHookName: 'drain',
  LifecycleActionToken: 'bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635',
  InstanceId: 'i-0123456789abcdef0',
};

const outputs = {
  completeLifecycleAction: {},
  recordLifecycleActionHeartbeat: {},
  describeAutoScalingInstances: {
    AutoScalingInstances: [
      {
        InstanceId: 'i-0123456789abcdef0',
        InstanceType: 'm6g.large',
        AutoScalingGroupName: 'ecs-prod',
        AvailabilityZone: 'us-east-1a',
        LifecycleState: 'Terminating:Wait',
        HealthStatus: 'HEALTHY',
        ProtectedFromScaleIn: false,
        LaunchTemplate: { LaunchTemplateId: 'lt-1', LaunchTemplateName: 'ecs', Version: '3' },
      },
      {
        InstanceId: 'i-0fedcba9876543210',
        AutoScalingGroupName: 'ecs-prod',
        AvailabilityZone: 'us-east-1b',
        LifecycleState: 'InService',
        HealthStatus: 'HEALTHY',
        ProtectedFromScaleIn: true,
      },
    ],
    NextToken: 'page-2',
  },
};

const cases: [keyof typeof outputs, { input: object }][] = [
  [
    'completeLifecycleAction',
    new ASG.CompleteLifecycleActionCommand({ ...lifecycle, LifecycleActionResult: 'CONTINUE' }),
  ],
  ['recordLifecycleActionHeartbeat', new ASG.RecordLifecycleActionHeartbeatCommand(lifecycle)],
  [
    'describeAutoScalingInstances',
    new ASG.DescribeAutoScalingInstancesCommand({
      InstanceIds: ['i-0123456789abcdef0', 'i-0fedcba9876543210'],
      MaxRecords: 50,
    }),
  ],
];

describe('EC2 Auto Scaling over AWS Query', () => {
  it.each(cases)(
    '%s: the backend gets the SDK input, the SDK gets the backend output',
    async (method, command) => {
      const { backend, calls } = cannedBackend<AutoScalingBackend>(outputs);
      const { config } = await endpointFor({ autoScaling: backend });
      const client = new ASG.AutoScalingClient(config);

      const response = await (client.send as (c: unknown) => Promise<{ $metadata: unknown }>)(command);

      expect(calls[method]).toEqual([command.input]);
      expect(body(response)).toEqual(outputs[method]);
    },
  );

  it('sends an empty list as an empty list', async () => {
    const { backend, calls } = cannedBackend<AutoScalingBackend>(outputs);
    const { config } = await endpointFor({ autoScaling: backend });

    await new ASG.AutoScalingClient(config).send(
      new ASG.DescribeAutoScalingInstancesCommand({ InstanceIds: [] }),
    );

    expect(calls.describeAutoScalingInstances).toEqual([{ InstanceIds: [] }]);
  });

  it('escapes text that looks like XML', async () => {
    const tricky = { AutoScalingInstances: [{ InstanceId: 'i-1', AutoScalingGroupName: `a<b>&"c'` }] };
    const { backend } = cannedBackend<AutoScalingBackend>({ describeAutoScalingInstances: tricky });
    const { config } = await endpointFor({ autoScaling: backend });

    const response = await new ASG.AutoScalingClient(config).send(
      new ASG.DescribeAutoScalingInstancesCommand({}),
    );

    expect(response.AutoScalingInstances?.[0]?.AutoScalingGroupName).toBe(`a<b>&"c'`);
  });
});

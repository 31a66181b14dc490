/**
 * Application Auto Scaling for ECS services over AWS JSON 1.1, on the registry backend: scalable targets with
 * bounds and suspension, step and target tracking policies, and AWS's validation errors.
 */
import * as AAS from '@aws-sdk/client-application-auto-scaling';
import { describe, expect, it } from 'vitest';
import { ApplicationAutoScalingRegistry } from '../../../../local/application-auto-scaling/application-auto-scaling.js';
import { endpointFor } from '../../../support/local-endpoint.js';

const created = new Date('2024-05-01T12:00:00.000Z');
const web = {
  ServiceNamespace: 'ecs',
  ResourceId: 'service/prod/web',
  ScalableDimension: 'ecs:service:DesiredCount',
} as const;
const stepPolicy: AAS.StepScalingPolicyConfiguration = {
  AdjustmentType: 'ChangeInCapacity',
  Cooldown: 120,
  MetricAggregationType: 'Average',
  StepAdjustments: [
    { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
    { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
  ],
};

async function setup() {
  const registry = new ApplicationAutoScalingRegistry({ account: '123456789012', now: () => created });
  const { config } = await endpointFor({ applicationAutoScaling: registry });
  return new AAS.ApplicationAutoScalingClient(config);
}

describe('Application Auto Scaling registry', () => {
  it('registers a service target and describes it with its suspended state and creation time', async () => {
    const aas = await setup();

    const { ScalableTargetARN } = await aas.send(
      new AAS.RegisterScalableTargetCommand({ ...web, MinCapacity: 2, MaxCapacity: 10 }),
    );
    const { ScalableTargets } = await aas.send(
      new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }),
    );

    expect(ScalableTargetARN).toMatch(
      /^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target\/\w+$/,
    );
    expect(ScalableTargets).toEqual([
      {
        ...web,
        MinCapacity: 2,
        MaxCapacity: 10,
        RoleARN:
          'arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
        CreationTime: created,
        SuspendedState: {
          DynamicScalingInSuspended: false,
          DynamicScalingOutSuspended: false,
          ScheduledScalingSuspended: false,
        },
        ScalableTargetARN,
      },
    ]);
  });

  it('updates only what a re-registration names', async () => {
    const aas = await setup();
    const first = await aas.send(
      new AAS.RegisterScalableTargetCommand({ ...web, MinCapacity: 2, MaxCapacity: 10 }),
    );

    const again = await aas.send(
      new AAS.RegisterScalableTargetCommand({
        ...web,
        MaxCapacity: 20,
        SuspendedState: { DynamicScalingInSuspended: true },
      }),
    );
    const { ScalableTargets } = await aas.send(
      new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [web.ResourceId] }),
    );

    expect(again.ScalableTargetARN).toBe(first.ScalableTargetARN);
    expect(ScalableTargets?.[0]).toMatchObject({
      MinCapacity: 2,
      MaxCapacity: 20,
      SuspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false },
    });
  });

  it('filters targets by resource id and dimension, and pages them', async () => {
    const aas = await setup();
    for (const name of ['web', 'api', 'worker']) {
      await aas.send(
        new AAS.RegisterScalableTargetCommand({
          ...web,
          ResourceId: `service/prod/${name}`,
          MinCapacity: 1,
          MaxCapacity: 2,
        }),
      );
    }

    const filtered = await aas.send(
      new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/prod/api'] }),
    );
    const first = await aas.send(
      new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', MaxResults: 2 }),
    );
    const rest = await aas.send(
      new AAS.DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );

    expect(filtered.ScalableTargets?.map((t) => t.ResourceId)).toEqual(['service/prod/api']);
    expect(
      [...(first.ScalableTargets ?? []), ...(rest.ScalableTargets ?? [])].map((t) => t.ResourceId),
    ).toEqual(['service/prod/web', 'service/prod/api', 'service/prod/worker']);
    expect(rest.NextToken).toBeUndefined();
  });

  it('stores a step scaling policy and describes it back', async () => {
    const aas = await setup();
    await aas.send(new AAS.RegisterScalableTargetCommand({ ...web, MinCapacity: 2, MaxCapacity: 10 }));

    const put = await aas.send(
      new AAS.PutScalingPolicyCommand({
        ...web,
        PolicyName: 'queue-depth-out',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: stepPolicy,
      }),
    );
    const { ScalingPolicies } = await aas.send(
      new AAS.DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: web.ResourceId }),
    );

    expect(put).toMatchObject({ Alarms: [] });
    expect(put.PolicyARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/prod\/web:policyName\/queue-depth-out$/,
    );
    expect(ScalingPolicies).toEqual([
      {
        ...web,
        PolicyARN: put.PolicyARN,
        PolicyName: 'queue-depth-out',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: stepPolicy,
        Alarms: [],
        CreationTime: created,
      },
    ]);
  });

  it('stores a target tracking policy with the alarms AWS would create for it', async () => {
    const aas = await setup();
    await aas.send(new AAS.RegisterScalableTargetCommand({ ...web, MinCapacity: 2, MaxCapacity: 10 }));
    const tracking: AAS.TargetTrackingScalingPolicyConfiguration = {
      TargetValue: 60,
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
    };

    const put = await aas.send(
      new AAS.PutScalingPolicyCommand({
        ...web,
        PolicyName: 'cpu60',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: tracking,
      }),
    );
    const { ScalingPolicies } = await aas.send(
      new AAS.DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', PolicyNames: ['cpu60'] }),
    );

    expect(put.Alarms?.map((a) => a.AlarmName)).toEqual([
      expect.stringMatching(/^TargetTracking-service\/prod\/web-AlarmHigh-/),
      expect.stringMatching(/^TargetTracking-service\/prod\/web-AlarmLow-/),
    ]);
    expect(ScalingPolicies?.[0]).toMatchObject({
      TargetTrackingScalingPolicyConfiguration: tracking,
      Alarms: put.Alarms,
    });
  });

  it('answers a policy for an unregistered target with ObjectNotFoundException', async () => {
    const aas = await setup();

    const call = aas.send(
      new AAS.PutScalingPolicyCommand({
        ...web,
        PolicyName: 'p',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: stepPolicy,
      }),
    );

    await expect(call).rejects.toBeInstanceOf(AAS.ObjectNotFoundException);
    await expect(call).rejects.toMatchObject({
      message:
        'No scalable target registered for service namespace: ecs, resource ID: service/prod/web, scalable dimension: ecs:service:DesiredCount',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    [
      'a resource id that is not service/<cluster>/<service>',
      { ...web, ResourceId: 'prod/web', MinCapacity: 1, MaxCapacity: 2 },
    ],
    [
      'another dimension',
      {
        ...web,
        ScalableDimension: 'ecs:service:Memory' as 'ecs:service:DesiredCount',
        MinCapacity: 1,
        MaxCapacity: 2,
      },
    ],
    ['min above max', { ...web, MinCapacity: 5, MaxCapacity: 2 }],
    ['a new target without bounds', { ...web }],
  ])('refuses %s with ValidationException', async (_case, input) => {
    const aas = await setup();

    await expect(aas.send(new AAS.RegisterScalableTargetCommand(input))).rejects.toBeInstanceOf(
      AAS.ValidationException,
    );
  });

  it('refuses a step policy without its configuration', async () => {
    const aas = await setup();
    await aas.send(new AAS.RegisterScalableTargetCommand({ ...web, MinCapacity: 1, MaxCapacity: 2 }));

    await expect(
      aas.send(new AAS.PutScalingPolicyCommand({ ...web, PolicyName: 'p', PolicyType: 'StepScaling' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'A StepScaling policy takes exactly a StepScalingPolicyConfiguration',
    });
  });
});

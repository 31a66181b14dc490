/**
 * Application Auto Scaling's view of a service: its scalable target, whose min/max and suspension win over the
 * policy's, and its own scaling policies, which a policy refuses or warns about (decide.ts).
 */
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  type DescribeScalingPoliciesCommandOutput,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { pages } from '../platform/aws/pages.js';
import type { CallTally } from './calls.js';
import type { ScalingPolicyConfig } from './config.js';
import type { ScalableTargetState } from './decide.js';

type Client = Pick<ApplicationAutoScalingClient, 'send'>;
type Service = Pick<ScalingPolicyConfig, 'cluster' | 'service'>;

const SCALABLE_DIMENSION = 'ecs:service:DesiredCount';

export const resourceIdOf = (policy: Service) => `service/${policy.cluster}/${policy.service}`;

/**
 * The service's scalable target, when it is registered. With registerScalableTarget, a service not yet
 * registered is registered from the policy's min/max, which then apply.
 */
export async function scalableTarget(
  client: Client,
  policy: ScalingPolicyConfig,
  calls: CallTally,
): Promise<ScalableTargetState | undefined> {
  const resourceId = resourceIdOf(policy);
  calls.count('application-autoscaling:DescribeScalableTargets');
  const { ScalableTargets = [] } = await client.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'ecs',
      ResourceIds: [resourceId],
      ScalableDimension: SCALABLE_DIMENSION,
    }),
  );
  const [found] = ScalableTargets;
  if (found !== undefined) {
    return {
      minCapacity: found.MinCapacity ?? policy.minCapacity,
      maxCapacity: found.MaxCapacity ?? policy.maxCapacity,
      scaleInSuspended: found.SuspendedState?.DynamicScalingInSuspended === true,
      scaleOutSuspended: found.SuspendedState?.DynamicScalingOutSuspended === true,
    };
  }
  if (!policy.registerScalableTarget) return undefined;
  calls.count('application-autoscaling:RegisterScalableTarget');
  await client.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs',
      ResourceId: resourceId,
      ScalableDimension: SCALABLE_DIMENSION,
      MinCapacity: policy.minCapacity,
      MaxCapacity: policy.maxCapacity,
    }),
  );
  return {
    minCapacity: policy.minCapacity,
    maxCapacity: policy.maxCapacity,
    scaleInSuspended: false,
    scaleOutSuspended: false,
  };
}

/** The names of Application Auto Scaling's own policies on the service. */
export async function nativePolicies(client: Client, policy: Service, calls: CallTally): Promise<string[]> {
  const names: string[] = [];
  const describe = (NextToken: string | undefined): Promise<DescribeScalingPoliciesCommandOutput> => {
    calls.count('application-autoscaling:DescribeScalingPolicies');
    return client.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'ecs',
        ResourceId: resourceIdOf(policy),
        ScalableDimension: SCALABLE_DIMENSION,
        NextToken,
      }),
    );
  };
  for await (const page of pages(describe, (page) => page.NextToken)) {
    names.push(...(page.ScalingPolicies ?? []).flatMap((native) => native.PolicyName ?? []));
  }
  return names;
}

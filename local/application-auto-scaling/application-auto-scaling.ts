/**
 * Application Auto Scaling without AWS, for ECS services: a registry of scalable targets (a service's desired
 * count, its bounds and suspension) and of the scaling policies attached to them. It stores and describes;
 * the toolkit's own scaler decides, so nothing here acts on a policy.
 */
import { randomUUID } from 'node:crypto';
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import { AwsError } from '../endpoint/aws-error.js';
import type { ApplicationAutoScalingBackend } from '../endpoint/backends.js';

export interface ApplicationAutoScalingOptions {
  region?: string;
  account?: string;
  now?: () => Date;
}

const dimension = 'ecs:service:DesiredCount';
const ecsResourceId = /^service\/[\w-]{1,255}\/[\w-]{1,255}$/;
const policyName = /^[\p{L}\p{N}_\-.:/ ]{1,256}$/u;
const policyTypes = new Set(['StepScaling', 'TargetTrackingScaling']);
const maxPageSize = 50;

type TargetKey = Pick<AAS.ScalableTarget, 'ServiceNamespace' | 'ResourceId' | 'ScalableDimension'>;

export class ApplicationAutoScalingRegistry implements ApplicationAutoScalingBackend {
  readonly #region: string;
  readonly #account: string;
  readonly #now: () => Date;
  /** By resource id: the one dimension served means one target per ECS service. */
  readonly #targets = new Map<string, AAS.ScalableTarget>();
  /** By resource id, then policy name. */
  readonly #policies = new Map<string, Map<string, AAS.ScalingPolicy>>();

  constructor(options: ApplicationAutoScalingOptions = {}) {
    this.#region = options.region ?? 'us-east-1';
    this.#account = options.account ?? '000000000000';
    this.#now = options.now ?? (() => new Date());
  }

  registerScalableTarget(input: AAS.RegisterScalableTargetRequest): AAS.RegisterScalableTargetResponse {
    const resourceId = validTarget(input);
    const existing = this.#targets.get(resourceId);
    // Re-registering updates only what the call names, as in AWS.
    const min = input.MinCapacity ?? existing?.MinCapacity;
    const max = input.MaxCapacity ?? existing?.MaxCapacity;
    if (min === undefined || max === undefined) {
      throw validation('MinCapacity and MaxCapacity are required to register a new scalable target');
    }
    for (const [name, value] of [
      ['MinCapacity', min],
      ['MaxCapacity', max],
    ] as const) {
      if (!Number.isInteger(value) || value < 0)
        throw validation(`${name} must be a non-negative integer, got ${value}`);
    }
    if (min > max) throw validation(`MinCapacity (${min}) must not be greater than MaxCapacity (${max})`);
    const target: AAS.ScalableTarget = {
      ServiceNamespace: 'ecs',
      ResourceId: resourceId,
      ScalableDimension: dimension,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN:
        input.RoleARN ??
        existing?.RoleARN ??
        `arn:aws:iam::${this.#account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      CreationTime: existing?.CreationTime ?? this.#now(),
      SuspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
        ...existing?.SuspendedState,
        ...definedOnly(input.SuspendedState ?? {}),
      },
      ScalableTargetARN:
        existing?.ScalableTargetARN ??
        `arn:aws:application-autoscaling:${this.#region}:${this.#account}:scalable-target/${randomUUID().replaceAll('-', '')}`,
    };
    this.#targets.set(resourceId, target);
    return { ScalableTargetARN: target.ScalableTargetARN };
  }

  describeScalableTargets(input: AAS.DescribeScalableTargetsRequest): AAS.DescribeScalableTargetsResponse {
    validNamespace(input.ServiceNamespace);
    const targets = [...this.#targets.values()].filter(
      (t) =>
        (!input.ResourceIds?.length || input.ResourceIds.includes(t.ResourceId ?? '')) &&
        (input.ScalableDimension === undefined || input.ScalableDimension === t.ScalableDimension),
    );
    const { items, nextToken } = page(targets, input.MaxResults, input.NextToken);
    return { ScalableTargets: structuredClone(items), NextToken: nextToken };
  }

  putScalingPolicy(input: AAS.PutScalingPolicyRequest): AAS.PutScalingPolicyResponse {
    const resourceId = validTarget(input);
    if (!policyName.test(input.PolicyName ?? ''))
      throw validation(`Invalid PolicyName: ${input.PolicyName ?? '(none)'}`);
    const type = input.PolicyType ?? 'StepScaling';
    if (!policyTypes.has(type)) {
      throw validation(`PolicyType ${type} is not supported for ECS services by the local endpoint`);
    }
    const step = input.StepScalingPolicyConfiguration;
    const tracking = input.TargetTrackingScalingPolicyConfiguration;
    if (type === 'StepScaling' ? !step || tracking : !tracking || step) {
      throw validation(
        `A ${type} policy takes exactly a ${type === 'StepScaling' ? 'StepScalingPolicyConfiguration' : 'TargetTrackingScalingPolicyConfiguration'}`,
      );
    }
    if (!this.#targets.has(resourceId)) {
      throw new AwsError(
        'ObjectNotFoundException',
        `No scalable target registered for service namespace: ecs, resource ID: ${resourceId}, scalable dimension: ${dimension}`,
      );
    }
    const name = input.PolicyName as string;
    const policies = this.#policies.get(resourceId) ?? new Map<string, AAS.ScalingPolicy>();
    this.#policies.set(resourceId, policies);
    const existing = policies.get(name);
    const policy: AAS.ScalingPolicy = {
      PolicyARN:
        existing?.PolicyARN ??
        `arn:aws:autoscaling:${this.#region}:${this.#account}:scalingPolicy:${randomUUID()}:resource/ecs/${resourceId}:policyName/${name}`,
      PolicyName: name,
      ServiceNamespace: 'ecs',
      ResourceId: resourceId,
      ScalableDimension: dimension,
      PolicyType: type,
      StepScalingPolicyConfiguration: structuredClone(step),
      TargetTrackingScalingPolicyConfiguration: structuredClone(tracking),
      // AWS creates a target tracking policy's alarms itself; a step policy's alarms are the caller's.
      Alarms: type === 'TargetTrackingScaling' ? (existing?.Alarms ?? this.#trackingAlarms(resourceId)) : [],
      CreationTime: existing?.CreationTime ?? this.#now(),
    };
    policies.set(name, policy);
    return { PolicyARN: policy.PolicyARN, Alarms: structuredClone(policy.Alarms) };
  }

  describeScalingPolicies(input: AAS.DescribeScalingPoliciesRequest): AAS.DescribeScalingPoliciesResponse {
    validNamespace(input.ServiceNamespace);
    const policies = [...this.#policies.values()]
      .flatMap((byName) => [...byName.values()])
      .filter(
        (p) =>
          (!input.PolicyNames?.length || input.PolicyNames.includes(p.PolicyName ?? '')) &&
          (input.ResourceId === undefined || input.ResourceId === p.ResourceId) &&
          (input.ScalableDimension === undefined || input.ScalableDimension === p.ScalableDimension),
      );
    const { items, nextToken } = page(policies, input.MaxResults, input.NextToken);
    return { ScalingPolicies: structuredClone(items), NextToken: nextToken };
  }

  #trackingAlarms(resourceId: string): AAS.Alarm[] {
    return ['AlarmHigh', 'AlarmLow'].map((kind) => {
      const name = `TargetTracking-${resourceId}-${kind}-${randomUUID()}`;
      return {
        AlarmName: name,
        AlarmARN: `arn:aws:cloudwatch:${this.#region}:${this.#account}:alarm:${name}`,
      };
    });
  }
}

const validation = (message: string) => new AwsError('ValidationException', message);

function validNamespace(namespace: string | undefined): void {
  if (namespace !== 'ecs') {
    throw validation(
      `ServiceNamespace ${namespace ?? '(none)'} is not served by the local endpoint; use ecs`,
    );
  }
}

/** The resource id of a valid ECS service target. */
function validTarget(input: TargetKey): string {
  validNamespace(input.ServiceNamespace);
  if (!ecsResourceId.test(input.ResourceId ?? '')) {
    throw validation(
      `Unsupported resource ID ${input.ResourceId ?? '(none)'}; expected service/<cluster>/<service>`,
    );
  }
  if (input.ScalableDimension !== dimension) {
    throw validation(
      `Unsupported scalable dimension ${input.ScalableDimension ?? '(none)'}; expected ${dimension}`,
    );
  }
  return input.ResourceId as string;
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** NextToken is the offset of the next item: stable enough for a registry that only grows. */
function page<T>(all: T[], maxResults = maxPageSize, nextToken?: string): { items: T[]; nextToken?: string } {
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > maxPageSize) {
    throw validation(`MaxResults must be between 1 and ${maxPageSize}`);
  }
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > all.length) {
    throw new AwsError('InvalidNextTokenException', 'Invalid token');
  }
  const end = start + maxResults;
  return { items: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

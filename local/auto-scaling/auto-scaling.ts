/**
 * The EC2 Auto Scaling side of the sandbox: groups of instances and their termination lifecycle hooks.
 * Terminating an instance of a group with a hook puts it in Terminating:Wait and emits the
 * "EC2 Instance-terminate Lifecycle Action" event; the instance goes away when someone completes the action
 * or when the heartbeat timeout runs out (the hook's default result applies; both end in termination).
 */
import type * as ASG from '@aws-sdk/client-auto-scaling';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { envelope } from '../ecs/events.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { AutoScalingBackend } from '../endpoint/backends.js';
import { uuid } from '../random.js';

export interface LifecycleHook {
  name: string;
  heartbeatTimeoutSeconds: number;
  defaultResult: 'CONTINUE' | 'ABANDON';
}

export interface SimulatedAutoScalingOptions {
  now: () => number;
  random: () => number;
  emit: (event: EventEnvelope) => void;
  account: string;
  region: string;
  /** Called once an instance has terminated, so its container instance can deregister. */
  onTerminated: (ec2InstanceId: string) => void;
}

/** The hook every group gets unless `putLifecycleHook` says otherwise; 3600 s is EC2 Auto Scaling's default. */
export const DEFAULT_HOOK: LifecycleHook = {
  name: 'ecs-ops-drain',
  heartbeatTimeoutSeconds: 3600,
  defaultResult: 'CONTINUE',
};

/** EC2 Auto Scaling caps heartbeats: an action never waits longer than 100 timeouts or 48 hours. */
const GLOBAL_TIMEOUT_MS = 48 * 3_600_000;

interface PendingAction {
  token: string;
  hook: LifecycleHook;
  startedAt: number;
  deadline: number;
}

interface GroupInstance {
  id: string;
  group: string;
  availabilityZone: string;
  action?: PendingAction;
}

export class SimulatedAutoScaling implements AutoScalingBackend {
  /** Per group; null when the group has no termination hook. */
  private readonly hooks = new Map<string, LifecycleHook | null>();
  private readonly instances = new Map<string, GroupInstance>();

  constructor(private readonly options: SimulatedAutoScalingOptions) {}

  addInstance(group: string, ec2InstanceId: string, availabilityZone: string): void {
    this.instances.set(ec2InstanceId, { id: ec2InstanceId, group, availabilityZone });
  }

  putLifecycleHook(group: string, hook: LifecycleHook | null): void {
    this.hooks.set(group, hook);
  }

  /** Scale-in of one instance. Returns false when the instance is not in a group (it terminates at once). */
  beginTermination(ec2InstanceId: string): boolean {
    const instance = this.instances.get(ec2InstanceId);
    if (!instance) return false;
    if (instance.action) return true;
    const hook = this.hooks.has(instance.group) ? this.hooks.get(instance.group) : DEFAULT_HOOK;
    if (!hook) {
      this.terminate(instance);
      return true;
    }
    const now = this.options.now();
    const action = {
      token: uuid(this.options.random),
      hook,
      startedAt: now,
      deadline: now + hook.heartbeatTimeoutSeconds * 1000,
    };
    instance.action = action;
    const { account, region } = this.options;
    this.options.emit(
      envelope(
        { id: uuid(this.options.random), account, region, at: now },
        'aws.autoscaling',
        'EC2 Instance-terminate Lifecycle Action',
        [groupArn(account, region, instance.group)],
        {
          Origin: 'AutoScalingGroup',
          Destination: 'EC2',
          LifecycleActionToken: action.token,
          AutoScalingGroupName: instance.group,
          LifecycleHookName: hook.name,
          EC2InstanceId: instance.id,
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        },
      ),
    );
    return true;
  }

  /** Applies the default result of every action whose heartbeat timeout has passed. */
  step(): void {
    const now = this.options.now();
    for (const instance of [...this.instances.values()]) {
      if (instance.action && instance.action.deadline <= now) this.terminate(instance);
    }
  }

  nextDueAt(): number | undefined {
    const deadlines = [...this.instances.values()].flatMap((instance) =>
      instance.action ? [instance.action.deadline] : [],
    );
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
  }

  completeLifecycleAction(input: ASG.CompleteLifecycleActionType): ASG.CompleteLifecycleActionAnswer {
    if (input.LifecycleActionResult !== 'CONTINUE' && input.LifecycleActionResult !== 'ABANDON') {
      throw validation('LifecycleActionResult must be CONTINUE or ABANDON.');
    }
    this.terminate(this.findAction(input));
    return {};
  }

  recordLifecycleActionHeartbeat(
    input: ASG.RecordLifecycleActionHeartbeatType,
  ): ASG.RecordLifecycleActionHeartbeatAnswer {
    const instance = this.findAction(input);
    const action = instance.action as PendingAction;
    const timeout = action.hook.heartbeatTimeoutSeconds * 1000;
    const cap = action.startedAt + Math.min(100 * timeout, GLOBAL_TIMEOUT_MS);
    action.deadline = Math.min(this.options.now() + timeout, cap);
    return {};
  }

  describeAutoScalingInstances(input: ASG.DescribeAutoScalingInstancesType): ASG.AutoScalingInstancesType {
    const ids = input.InstanceIds ?? [...this.instances.keys()].sort();
    const known = ids.flatMap((id) => {
      const instance = this.instances.get(id);
      return instance ? [instance] : [];
    });
    const limit = input.MaxRecords ?? 50;
    const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(offset) || offset < 0) throw validation('The NextToken value is invalid.');
    const page = known.slice(offset, offset + limit);
    return {
      AutoScalingInstances: page.map((instance) => ({
        InstanceId: instance.id,
        AutoScalingGroupName: instance.group,
        AvailabilityZone: instance.availabilityZone,
        LifecycleState: instance.action ? 'Terminating:Wait' : 'InService',
        HealthStatus: 'HEALTHY',
        ProtectedFromScaleIn: false,
      })),
      NextToken: offset + limit < known.length ? String(offset + limit) : undefined,
    };
  }

  /** The waiting instance an action call names, by token or by instance id, checked against group and hook. */
  private findAction(input: {
    AutoScalingGroupName: string | undefined;
    LifecycleHookName: string | undefined;
    LifecycleActionToken?: string | undefined;
    InstanceId?: string | undefined;
  }): GroupInstance {
    const waiting = [...this.instances.values()].filter((instance) => instance.action);
    const instance = input.LifecycleActionToken
      ? waiting.find((candidate) => candidate.action?.token === input.LifecycleActionToken)
      : waiting.find((candidate) => candidate.id === input.InstanceId);
    const matches =
      instance !== undefined &&
      instance.group === input.AutoScalingGroupName &&
      instance.action?.hook.name === input.LifecycleHookName;
    if (!matches) {
      throw validation(
        input.LifecycleActionToken
          ? `No active Lifecycle Action found with token ${input.LifecycleActionToken}`
          : `No active Lifecycle Action found with instance ID ${input.InstanceId ?? ''}`,
      );
    }
    return instance;
  }

  private terminate(instance: GroupInstance): void {
    this.instances.delete(instance.id);
    this.options.onTerminated(instance.id);
  }
}

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

function groupArn(account: string, region: string, group: string): string {
  return `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${group}`;
}

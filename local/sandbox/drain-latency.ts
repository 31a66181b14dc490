/**
 * How fast the sandbox's drains release their instances: from the publication of the last STOPPED event of a
 * task the drain waited for to the CompleteLifecycleAction call that released the instance, in wall-clock
 * milliseconds (issue target: 5 s), and the ECS and EC2 Auto Scaling calls each drain made. Pure bookkeeping:
 * the sandbox feeds it what it observes, and the drains as stored at the end.
 */
import type { Drain } from '../../lib/drain/model.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';

export interface DrainsReport {
  drains: {
    ec2InstanceId: string;
    trigger: string;
    state: string;
    reason?: string;
    /** Tasks the drain saw stop on the instance. */
    tasks: number;
    /** Last task's STOPPED event → CompleteLifecycleAction; null when nothing was completed after a stop. */
    releaseLatencyMs: number | null;
    apiCalls: number;
  }[];
}

export class DrainLatency {
  private readonly stoppedAt = new Map<string, number>();
  private readonly completedAt = new Map<string, number>();

  /** An event the bus received, at wall-clock `at`: a task's first STOPPED event is what a drain waits for. */
  eventPublished(envelope: Pick<EventEnvelope, 'detail-type' | 'detail'>, at: number) {
    if (envelope['detail-type'] !== 'ECS Task State Change') return;
    const { taskArn, lastStatus } = envelope.detail as { taskArn?: unknown; lastStatus?: unknown };
    if (typeof taskArn === 'string' && lastStatus === 'STOPPED' && !this.stoppedAt.has(taskArn)) {
      this.stoppedAt.set(taskArn, at);
    }
  }

  /** CompleteLifecycleAction reached EC2 Auto Scaling for the instance at wall-clock `at`. */
  actionCompleted(ec2InstanceId: string, at: number) {
    if (!this.completedAt.has(ec2InstanceId)) this.completedAt.set(ec2InstanceId, at);
  }

  report(drains: readonly Drain[]): DrainsReport {
    return {
      drains: drains.map((drain) => {
        const stops = Object.entries(drain.tasks)
          .filter(([, task]) => task.lastStatus === 'STOPPED')
          .flatMap(([arn]) => {
            const at = this.stoppedAt.get(arn);
            return at === undefined ? [] : [at];
          });
        const completed = this.completedAt.get(drain.ec2InstanceId);
        const lastStop = stops.length === 0 ? undefined : Math.max(...stops);
        return {
          ec2InstanceId: drain.ec2InstanceId,
          trigger: drain.trigger,
          state: drain.state,
          ...(drain.release === undefined ? {} : { reason: drain.release.reason }),
          tasks: stops.length,
          releaseLatencyMs:
            completed === undefined || lastStop === undefined || completed < lastStop
              ? null
              : completed - lastStop,
          apiCalls: drain.apiCalls,
        };
      }),
    };
  }
}

/**
 * The sweep (drain-sweeper, every minute): every open drain refreshed from the reconciled state — for what
 * events may have missed — then settled: heartbeats, standalone stops, releases at the deadline, and releases a
 * dead invocation left half done.
 */
import type { ContainerInstances } from './container-instances.js';
import { type DrainStore, withRaces } from './drain-store.js';
import type { DrainExecutor } from './executor.js';
import { observe } from './machine.js';
import type { DrainReport } from './report.js';

export interface SweepDependencies {
  drains: Pick<DrainStore, 'get' | 'open'>;
  instances: ContainerInstances;
  executor: DrainExecutor;
}

export function createSweep({ drains, instances, executor }: SweepDependencies) {
  /** An open drain refreshed from the reconciled state, then settled. */
  function refresh(ec2InstanceId: string): Promise<DrainReport> {
    return withRaces(ec2InstanceId, async () => {
      const stored = await drains.get(ec2InstanceId);
      if (stored === undefined) return { ec2InstanceId, step: 'ignored', explanation: 'no such drain' };
      const instance = await instances.reconciledInstance(stored.drain);
      const merged = observe(stored.drain, {
        ...(instance === undefined ? {} : { instance }),
        tasks: await instances.reconciledTasks(stored.drain),
      });
      return executor.settleMerged(stored, merged);
    });
  }

  /** Every open drain, once; a drain that fails is reported and left to the next sweep. */
  return async function sweep(): Promise<DrainReport[]> {
    const reports: DrainReport[] = [];
    for (const { drain } of await drains.open()) {
      try {
        reports.push(await refresh(drain.ec2InstanceId));
      } catch (error) {
        reports.push({
          ec2InstanceId: drain.ec2InstanceId,
          step: 'waiting',
          explanation: `this sweep failed: ${(error as Error).message}; the next one retries`,
        });
      }
    }
    return reports;
  };
}

/**
 * Advancing a drain on what is seen: an ECS event of an instance or of a task on it is merged into the
 * instance's open drain (by version, machine.ts `observe`), which is then settled.
 */
import type { ContainerInstances } from './container-instances.js';
import { type DrainStore, withRaces } from './drain-store.js';
import type { DrainExecutor } from './executor.js';
import { observe } from './machine.js';
import { countsEmpty, type EcsDrainEvent, notFollowing, observationOf } from './observations.js';
import type { DrainReport } from './report.js';

export interface ObserveDependencies {
  drains: Pick<DrainStore, 'get'>;
  instances: ContainerInstances;
  executor: DrainExecutor;
}

export function createObserve({ drains, instances, executor }: ObserveDependencies) {
  /** An ECS event of an instance or of a task on it: merged into the instance's open drain, if it has one. */
  return async function observeEvent(event: EcsDrainEvent): Promise<DrainReport> {
    const seen = observationOf(event);
    if (seen.kind === 'ignored') return { step: 'ignored', explanation: seen.explanation };
    const { containerInstanceArn, observation } = seen;
    const ec2InstanceId = seen.ec2InstanceId ?? (await instances.ec2InstanceOf(containerInstanceArn));
    if (ec2InstanceId === undefined) {
      return { step: 'ignored', explanation: `${containerInstanceArn} is not in the reconciled state yet` };
    }
    return withRaces(ec2InstanceId, async () => {
      const stored = await drains.get(ec2InstanceId);
      const why = notFollowing(stored?.drain, containerInstanceArn);
      if (stored === undefined || why !== undefined) {
        return { ec2InstanceId, step: 'ignored', explanation: why ?? 'no drain under way on the instance' };
      }
      let merged = observe(stored.drain, observation);
      if (countsEmpty(merged)) merged = observe(merged, { tasks: await instances.reconciledTasks(merged) });
      return executor.settleMerged(stored, merged);
    });
  };
}

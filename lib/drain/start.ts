/**
 * Starting a drain (an EC2 Auto Scaling terminate lifecycle action, a Spot interruption warning, `ecs-ops
 * drain`): find the container instance, set it DRAINING, record the drain with what ECS and the reconciled
 * state show of it, then settle it at once — an EC2 instance that is no container instance is released
 * straight away. A trigger of a drain under way joins it or is a duplicate (machine.ts `planStart`).
 */
import type { Journal } from '../platform/journal.js';
import type { ContainerInstances } from './container-instances.js';
import { type DrainStore, withRaces } from './drain-store.js';
import type { DrainExecutor } from './executor.js';
import { journalDrainStep } from './journal.js';
import { liveTasks, observe, openDrain, planStart, type StartRequest } from './machine.js';
import type { DrainSettings } from './model.js';
import type { DrainReport } from './report.js';

export interface StartDependencies {
  drains: Pick<DrainStore, 'get' | 'save'>;
  instances: ContainerInstances;
  executor: DrainExecutor;
  journal: Pick<Journal, 'append'>;
  settings: DrainSettings;
}

export function createStart({ drains, instances, executor, journal, settings }: StartDependencies) {
  /** Starts (or joins) the drain of an EC2 instance; idempotent for a repeated trigger. */
  return function start(request: StartRequest): Promise<DrainReport> {
    const { ec2InstanceId } = request;
    return withRaces(ec2InstanceId, async () => {
      const existing = await drains.get(ec2InstanceId);
      const plan = planStart(existing?.drain, request);
      if (plan.kind === 'duplicate') return { ec2InstanceId, step: 'duplicate', explanation: plan.note };
      if (plan.kind === 'join') {
        const joined = await drains.save(plan.drain, existing?.revision);
        await journalDrainStep(journal, plan.drain, request.at, `joined-${request.trigger}`, {
          note: plan.note,
        });
        const settled = await executor.settle(ec2InstanceId, joined);
        return settled.step === 'waiting'
          ? { ...settled, step: 'joined', explanation: `${plan.note}; ${settled.explanation}` }
          : settled;
      }
      const calls = { count: 0 };
      const found = await instances.find(ec2InstanceId, calls);
      let drain = openDrain(request, settings, found);
      if (found !== undefined) {
        const instance = await instances.setDraining(found.cluster, found.containerInstanceArn, calls);
        drain = observe(drain, { instance });
        drain = observe(drain, { tasks: await instances.reconciledTasks(drain) });
      }
      drain = { ...drain, apiCalls: calls.count };
      // A released earlier drain of the instance is replaced: it is still in the journal.
      const opened = await drains.save(drain, existing?.revision);
      await journalDrainStep(journal, drain, request.at, `started-${request.at}`, {
        outcome: 'started',
        containerInstanceArn: drain.containerInstanceArn,
        deadline: drain.deadline,
        lifecycle: drain.lifecycle,
        tasks: liveTasks(drain),
      });
      const settled = await executor.settle(ec2InstanceId, opened);
      return settled.step === 'waiting'
        ? { ...settled, step: 'started', explanation: `${drain.notes[0]}; ${settled.explanation}` }
        : settled;
    });
  };
}

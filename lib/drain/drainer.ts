/**
 * The drainer: the drain capability put together. It starts drains (start.ts), merges what events (observe.ts)
 * and the reconciled state (sweep.ts) show into them, and does what each drain asks for (plan.ts → executor.ts):
 * complete the lifecycle action when the instance is empty (or at the deadline, telling on-call what still
 * ran), heartbeat the action while it waits, stop standalone tasks when configured.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { Journal } from '../platform/journal.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import { type ContainerInstanceDependencies, createContainerInstances } from './container-instances.js';
import type { DrainStore } from './drain-store.js';
import { createDrainExecutor } from './executor.js';
import type { DrainSettings } from './model.js';
import { createObserve } from './observe.js';
import { createStart } from './start.js';
import { createSweep } from './sweep.js';

export type { DrainReport } from './report.js';

export interface DrainerDependencies extends ContainerInstanceDependencies {
  drains: DrainStore;
  autoScaling: Pick<AutoScalingClient, 'send'>;
  publisher: AlertPublisher;
  journal: Pick<Journal, 'append'>;
  settings: DrainSettings;
  now?: () => Date;
}

export function createDrainer(dependencies: DrainerDependencies) {
  const { drains, journal, settings } = dependencies;
  const instances = createContainerInstances(dependencies);
  const executor = createDrainExecutor({ ...dependencies, now: dependencies.now ?? (() => new Date()) });
  return {
    start: createStart({ drains, instances, executor, journal, settings }),
    observeEvent: createObserve({ drains, instances, executor }),
    sweep: createSweep({ drains, instances, executor }),
  };
}

export type Drainer = ReturnType<typeof createDrainer>;

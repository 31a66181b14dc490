/**
 * The end of a run: whatever was emitted is delivered first — the store must then hold exactly the
 * simulator's last word — and then what the run did is reported, from the bus, the functions, the endpoint,
 * the watchers and the store.
 */
import { DrainStore } from '../../lib/drain/drain-store.js';
import type { SandboxClock } from './clock.js';
import { compareWithStore } from './ground-truth.js';
import type { SandboxOptions, SandboxReport } from './model.js';
import type { SandboxView } from './view.js';
import { type LocalAccount, RESYNC_FUNCTION } from './wiring.js';

export async function finishRun(
  account: LocalAccount,
  run: {
    options: Pick<SandboxOptions, 'store' | 'dir'>;
    clock: SandboxClock;
    view: Pick<SandboxView, 'reconciled'>;
    interrupted: boolean;
    /** When the script pushed the scaling metric across its threshold (simulated), if it did. */
    backlogAt: number | undefined;
  },
): Promise<SandboxReport> {
  const { bus, schedules, watchers } = account;
  const { options, clock } = run;
  await account.publish();
  await schedules.settle();
  await bus.drain({ elapseTimeouts: true });
  // What the last invocations published is delivered too (an alert about the last event, say).
  await schedules.settle();
  // The next scheduled resync, run now: it heals what the run's lost events left behind (and finds nothing
  // when none was lost); the stops it publishes late are delivered and paged before the store is checked.
  await account.functions.invoke(RESYNC_FUNCTION, {});
  await bus.drain({ elapseTimeouts: true });
  await schedules.settle();
  const drains = await new DrainStore({
    tableName: options.store.tableName,
    client: options.store.client,
    retentionDays: 0,
  }).list();
  return {
    simulatedSeconds: Math.round((clock.now() - clock.startedAt) / 1000),
    interrupted: run.interrupted,
    bus: bus.counters(),
    reconciled: run.view.reconciled(),
    invocations: account.functions.invocations(),
    requests: account.endpoint.requests(),
    mailbox: account.mailbox.list().length,
    alerts: watchers.alerts.report(),
    drains: watchers.drains.report(drains),
    scaling: watchers.scaling.report(run.backlogAt),
    scheduled: schedules.invocations(),
    groundTruth: await compareWithStore(account.sim.snapshot(), options.store),
    store: options.dir,
  };
}

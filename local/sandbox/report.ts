/**
 * The end of a run: whatever was emitted is delivered first — the store must then hold exactly the
 * simulator's last word — and then what the run did is reported, from the bus, the functions, the endpoint,
 * the watchers and the store.
 */
import { DrainStore } from '../../lib/drain/drain-store.js';
import { Journal } from '../../lib/platform/journal.js';
import { type ClusterReport, RESYNC_JOURNAL_KIND } from '../../lib/resync/model.js';
import type { SandboxClock } from './clock.js';
import { compareWithStore } from './ground-truth.js';
import type { ResyncSummary, SandboxOptions, SandboxReport } from './model.js';
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
    resync: await resyncSummary(options.store, clock),
    groundTruth: await compareWithStore(account.sim.snapshot(), options.store),
    alarms: account.monitoring.summary(),
    store: options.dir,
  };
}

/** What the run's resyncs corrected, from their journal entries (one per cluster and invocation). */
async function resyncSummary(
  store: SandboxOptions['store'],
  clock: Pick<SandboxClock, 'startedAt' | 'now'>,
): Promise<ResyncSummary> {
  const journal = new Journal({ tableName: store.tableName, client: store.client, retentionDays: 0 });
  const entries = await journal.list<Omit<ClusterReport, 'corrections'>>({
    kind: RESYNC_JOURNAL_KIND,
    since: new Date(clock.startedAt).toISOString(),
    // The functions' clock runs on while the main thread reads the store: leave room after its now.
    until: new Date(clock.now() + 3_600_000).toISOString(),
  });
  const summary: ResyncSummary = {
    runs: 0,
    added: 0,
    advanced: 0,
    markedMissing: 0,
    lateStops: 0,
    failed: 0,
  };
  summary.runs = new Set(entries.map((entry) => entry.fields.runId)).size;
  for (const { fields } of entries) {
    summary.added += fields.added;
    summary.advanced += fields.advanced;
    summary.markedMissing += fields.markedMissing;
    summary.lateStops += fields.lateStops;
    summary.failed += fields.failed + fields.invalid.length;
  }
  return summary;
}

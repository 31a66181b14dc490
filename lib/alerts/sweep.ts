/**
 * The every-minute sweep of crash-loop windows (`alert-summary`): for each listed window, in order —
 * 1. a running window whose service has recovered is closed early (a conditional write that refuses if an exit
 *    was counted since it was read);
 * 2. an ended window's summary is sent (summary.ts), or settled silently when it counted nothing;
 * 3. an ended, summarised window whose group has recovered (recovery.ts) gets its one resolved message, keyed to
 *    the outage's first incident, through page-once on the window: the claim is conditional (the same window,
 *    summarised, nobody holding the resolution), so concurrent sweepers never both send; a failed publish gives
 *    the claim back and a sweeper that dies holding it lets its lease run out, so the next sweep sends it. The
 *    window leaves the list once the resolved message is marked sent; the journal records it.
 * Each window is swept on its own: one that fails is retried by the next run and never holds up the others.
 */
import { asEcsOpsError, type EcsOpsError } from '../platform/errors.js';
import { sendClaimed } from '../platform/notification/page-once.js';
import { outageOf, type StoredWindow } from './crash-loop.js';
import type { AlertJournalEntry } from './model.js';
import { needsServiceCounts, type Recovery, recoveryOf, serviceOf } from './recovery.js';
import { renderResolved } from './resolved-message.js';
import type { ServiceCountsSource } from './service-counts.js';
import { type SummaryDependencies, type SummaryOutcome, summariseWindow } from './summary.js';

export interface SweepDependencies extends SummaryDependencies {
  services: ServiceCountsSource;
}

export type SweepOutcome =
  | SummaryOutcome
  | { outcome: 'closed-early'; window: string; reason: string }
  | {
      outcome: 'resolved';
      window: string;
      incident: string;
      messageId: string;
      subject: string;
      reason: string;
    }
  /** Ended and summarised, not recovered yet: why not. */
  | { outcome: 'unresolved'; window: string; reason: string };

export async function sweepWindows(dependencies: SweepDependencies): Promise<SweepOutcome[]> {
  const now = (dependencies.now ?? (() => new Date()))();
  const listed = await dependencies.windows.listedWindows();
  const swept = await Promise.all(listed.map((window) => sweepWindow(window, dependencies, now)));
  return swept.flat();
}

async function sweepWindow(window: StoredWindow, dependencies: SweepDependencies, now: Date) {
  const outcomes: SweepOutcome[] = [];
  try {
    let current = window;
    if (Date.parse(current.endsAt) >= now.getTime()) {
      const recovery = await recoveryNow(current, dependencies, now);
      if (!recovery.recovered) return outcomes;
      const closed = await dependencies.windows.closeEarly(current, now, recovery.reason);
      // An exit was counted since the window was read: not recovered after all.
      if (closed === undefined) return outcomes;
      outcomes.push({ outcome: 'closed-early', window: current.key, reason: recovery.reason });
      current = closed;
    }
    if (current.summary?.state !== 'sent') {
      const summary = await summariseWindow(current.key, dependencies, now);
      outcomes.push(summary);
      if (summary.outcome !== 'summary-sent' && summary.outcome !== 'closed-quietly') return outcomes;
      current = { ...current, summary: { state: 'sent' } };
    }
    outcomes.push(await resolve(current, dependencies, now));
  } catch (thrown) {
    const error: EcsOpsError = asEcsOpsError(thrown);
    outcomes.push({ outcome: 'failed', window: window.key, reason: error.message, error });
  }
  return outcomes;
}

/** Whether the window's group has recovered now, asking ECS for a service's counts only when they decide it. */
async function recoveryNow(
  window: StoredWindow,
  { config, services }: SweepDependencies,
  now: Date,
): Promise<Recovery> {
  const service = serviceOf(window);
  const counts =
    service !== undefined && needsServiceCounts(window, now, config)
      ? await services.of(window.cluster, service)
      : undefined;
  return recoveryOf(window, now, config, counts);
}

/** Sends the window's resolved message if its group has recovered: once, whoever else sweeps. */
async function resolve(
  window: StoredWindow,
  dependencies: SweepDependencies,
  now: Date,
): Promise<SweepOutcome> {
  const { windows, publisher, journal } = dependencies;
  const recovery = await recoveryNow(window, dependencies, now);
  if (!recovery.recovered) return { outcome: 'unresolved', window: window.key, reason: recovery.reason };
  const claimed = await windows.claimResolution(window, now, recovery.reason);
  if (claimed === undefined) return { outcome: 'already-claimed', window: window.key };
  const message = renderResolved(claimed, recovery.reason, now, dependencies.config, dependencies.cliFlags);
  const messageId = await sendClaimed({
    ...windows.resolution(claimed),
    publish: () => publisher.publish(message),
  });
  const { incidentKey } = outageOf(claimed);
  await journal.append<Omit<AlertJournalEntry, 'at'>>({
    at: now.toISOString(),
    kind: 'alert',
    subject: `${claimed.cluster}/${claimed.group}`,
    id: `${incidentKey}#resolved`,
    fields: {
      outcome: 'resolved',
      cluster: claimed.cluster,
      group: claimed.group,
      taskArn: claimed.lastExit.taskArn,
      exitClass: claimed.lastExit.exitClass,
      severity: message.severity,
      subject: message.subject,
      messageId,
      reason: `resolved: ${recovery.reason}`,
    },
  });
  return {
    outcome: 'resolved',
    window: window.key,
    incident: incidentKey,
    messageId,
    subject: message.subject,
    reason: recovery.reason,
  };
}

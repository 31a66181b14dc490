/**
 * The crash-loop summary: when a group's window ends, one message says how many more exits it counted after
 * the page and what the last one was. Sent by the sweep (sweep.ts, the `alert-summary` function every minute)
 * and by `alert` for a window that ended before the sweeper got to it.
 *
 * The summary goes through page-once on the window: the claim is a conditional write (listed, ended, and
 * pending or its holder's lease ran out) that returns the window, so two sweepers never both send; until it is
 * marked sent, a failed publish (given back) or a sweeper that dies holding the claim (its lease runs out)
 * leaves it to the next sweep. A window that counted nothing settles silently.
 */
import type { EcsOpsError } from '../platform/errors.js';
import type { Journal } from '../platform/journal.js';
import { sendClaimed } from '../platform/notification/page-once.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { AlertsConfig } from './config.js';
import { type StoredWindow, summaryOf } from './crash-loop.js';
import type { CrashLoopStore } from './crash-loop-store.js';
import type { AlertJournalEntry } from './model.js';
import { renderCrashLoopSummary } from './render.js';

export const SUMMARY_JOURNAL_KIND = 'alert';

export type SummaryOutcome =
  | { outcome: 'summary-sent'; window: string; count: number; messageId: string; subject: string }
  | { outcome: 'closed-quietly'; window: string }
  /** Another sweeper (or the alert function) holds its summary or sent it. */
  | { outcome: 'already-claimed'; window: string }
  | { outcome: 'failed'; window: string; reason: string; error: EcsOpsError };

export interface SummaryDependencies {
  config: AlertsConfig;
  windows: CrashLoopStore;
  publisher: AlertPublisher;
  journal: Journal;
  /** Appended to the ecs-ops commands a message suggests: the flags that reach this deployment's store. */
  cliFlags?: string;
  now?: () => Date;
}

/** Claims one ended window's summary and sends it if it counted any exits. Throws if the publish failed. */
export async function summariseWindow(
  key: string,
  { config, windows, publisher, journal, cliFlags }: SummaryDependencies,
  now: Date,
): Promise<SummaryOutcome> {
  // The claim is the write that returns the window the summary is about: sent as a claimed page.
  const window = await windows.claimSummary(key, now);
  if (window === undefined) return { outcome: 'already-claimed', window: key };
  if (window.count === 0) {
    await windows.closeQuietly(window);
    return { outcome: 'closed-quietly', window: key };
  }
  const message = renderCrashLoopSummary(summaryOf(window, config), config.runbooks, cliFlags);
  const messageId = await sendClaimed({
    ...windows.summary(window),
    publish: () => publisher.publish(message),
  });
  await journal.append<Omit<AlertJournalEntry, 'at'>>({
    at: now.toISOString(),
    kind: SUMMARY_JOURNAL_KIND,
    subject: `${window.cluster}/${window.group}`,
    id: `${key}#${window.startedAt}`,
    fields: {
      outcome: 'summary-sent',
      cluster: window.cluster,
      group: window.group,
      taskArn: window.lastExit.taskArn,
      exitClass: window.lastExit.exitClass,
      subject: message.subject,
      messageId,
      reason: `crash loop: ${window.count} more exits after the page, from ${window.startedAt} to ${window.endsAt}`,
    },
  });
  return { outcome: 'summary-sent', window: key, count: window.count, messageId, subject: message.subject };
}

/** For the alert function: summarise a window that ended before the sweeper got to it. */
export const summariseEndedWith =
  (dependencies: SummaryDependencies) =>
  async (window: StoredWindow, now: Date): Promise<void> => {
    await summariseWindow(window.key, dependencies, now);
  };

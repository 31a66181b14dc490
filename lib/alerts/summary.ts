/**
 * The crash-loop summary: when a group's window ends, one message says how many more exits it counted after
 * the page and what the last one was. Run by the `alert-summary` function every minute (and by `alert` for a
 * window that ended before the sweeper got to it).
 *
 * Exactly one caller summarises a window: the close is a conditional write (the window must still be listed
 * and have ended), so two sweepers never both send. A window that counted nothing closes silently. If the
 * publish fails after the close, the window is listed again and the next sweep retries; a sweeper that dies
 * between close and publish loses that one summary (the page itself was sent when the window opened).
 */
import { asEcsOpsError, type EcsOpsError } from '../platform/errors.js';
import type { Journal } from '../platform/journal.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import { type StoredWindow, summaryOf } from './crash-loop.js';
import type { CrashLoopStore } from './crash-loop-store.js';
import type { AlertJournalEntry } from './model.js';
import { renderCrashLoopSummary } from './render.js';

export const SUMMARY_JOURNAL_KIND = 'alert';

export type SummaryOutcome =
  | { outcome: 'summary-sent'; window: string; count: number; messageId: string; subject: string }
  | { outcome: 'closed-quietly'; window: string }
  /** Another sweeper (or the alert function) closed it first. */
  | { outcome: 'already-closed'; window: string }
  | { outcome: 'failed'; window: string; reason: string; error: EcsOpsError };

export interface SummaryDependencies {
  windows: CrashLoopStore;
  publisher: AlertPublisher;
  journal: Journal;
  now?: () => Date;
}

/** Summarises every window that has ended. */
export async function sweepWindows(dependencies: SummaryDependencies): Promise<SummaryOutcome[]> {
  const now = (dependencies.now ?? (() => new Date()))();
  const due = await dependencies.windows.dueWindows(now);
  return Promise.all(
    due.map((key) =>
      summariseWindow(key, dependencies, now).catch((thrown: unknown): SummaryOutcome => {
        const error = asEcsOpsError(thrown);
        return { outcome: 'failed', window: key, reason: error.message, error };
      }),
    ),
  );
}

/** Closes one ended window and sends its summary if it counted any exits. Throws if the publish failed. */
export async function summariseWindow(
  key: string,
  { windows, publisher, journal }: SummaryDependencies,
  now: Date,
): Promise<SummaryOutcome> {
  const window = await windows.close(key, now);
  if (window === undefined) return { outcome: 'already-closed', window: key };
  if (window.count === 0) return { outcome: 'closed-quietly', window: key };
  const message = renderCrashLoopSummary(summaryOf(window));
  let messageId: string;
  try {
    messageId = await publisher.publish(message);
  } catch (error) {
    await windows.reopen(window);
    throw error;
  }
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

/** `ecs-ops alerts`: what alerting decided for each stopped task, newest first, from the journal. */
import { JOURNAL_KIND } from '../../lib/alerts/alerting.js';
import type { AlertJournalEntry } from '../../lib/alerts/model.js';
import { Journal } from '../../lib/platform/journal.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortTime, text, truncate } from '../format.js';
import { parseLimit, parseSince } from './state.js';

export async function alertsCommand(context: CommandContext, filters: { since?: string; limit?: string }) {
  const limit = parseLimit(filters.limit);
  const since = parseSince(filters.since ?? '24h');
  const journal = new Journal({
    tableName: context.store.tableName,
    client: context.store.client,
    retentionDays: 0,
  });
  const entries = (
    await journal.list<Omit<AlertJournalEntry, 'at'>>({ kind: JOURNAL_KIND, since, limit })
  ).map(({ at, fields }): AlertJournalEntry => ({ ...fields, at }));
  if (context.options.json) {
    context.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  context.out(`Alerts since ${shortTime(since)} (${entries.length}):`);
  context.out(
    entries.length === 0
      ? '  none'
      : renderTable(
          ['TIME', 'OUTCOME', 'CLUSTER', 'GROUP', 'CLASS', 'SEVERITY', 'SUBJECT OR REASON'],
          entries.map((entry) => [
            shortTime(entry.at),
            entry.outcome,
            entry.cluster,
            entry.group,
            text(entry.exitClass),
            text(entry.severity),
            truncate(
              entry.outcome === 'sent' || entry.outcome === 'summary-sent'
                ? text(entry.subject)
                : entry.reason,
              100,
            ),
          ]),
        ),
  );
  return 0;
}

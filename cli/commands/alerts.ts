/**
 * `ecs-ops alerts`: what alerting decided for each stopped task, newest first, from the journal; only those of
 * the clusters and groups named, if any (repeated: any of them).
 */
import { JOURNAL_KIND } from '../../lib/alerts/alerting.js';
import type { AlertJournalEntry } from '../../lib/alerts/model.js';
import { clusterName } from '../../lib/platform/arn.js';
import { type CommandContext, journalOf } from '../context.js';
import { clusterFlag, limitFlag, sinceFlag, untilFlag, windowFlags } from '../flags.js';
import { text } from '../format.js';
import { type Column, cut, FIT_ONLY, fetchSize, parseLimit, printList } from '../list.js';
import { type CommandSpec, listOf, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { parseWindow, windowText } from '../time.js';

export const ALERTS: CommandSpec = {
  name: 'alerts',
  noArgs: 'use --since, --cluster or --group',
  list: true,
  summary:
    'what alerting decided for each stopped task, newest first: sent, grouped (crash loop), muted (and the ' +
    "rule's reason), summary-sent, resolved (the outage is over, and why), not-incident; wide: the runbook",
  flags: {
    cluster: clusterFlag('default: every cluster'),
    group: {
      type: 'string',
      repeatable: true,
      value: '<group>',
      help: 'the task group alerted on, e.g. service:api; repeat for more',
    },
    since: sinceFlag('decisions made', '24h'),
    until: untilFlag('decisions made'),
    limit: limitFlag('decisions'),
  },
};

const COLUMNS: readonly Column<AlertJournalEntry>[] = [
  { header: 'TIME', cell: (entry, show) => show.time(entry.at) },
  { header: 'OUTCOME', cell: (entry) => entry.outcome },
  { header: 'CLUSTER', cell: (entry) => entry.cluster },
  { header: 'GROUP', free: FIT_ONLY, cell: (entry) => entry.group },
  { header: 'CLASS', cell: (entry) => text(entry.exitClass) },
  { header: 'SEVERITY', tone: true, cell: (entry) => text(entry.severity) },
  {
    header: 'SUBJECT OR REASON',
    free: 100,
    cell: (entry) =>
      entry.outcome === 'sent' || entry.outcome === 'summary-sent' || entry.outcome === 'resolved'
        ? text(entry.subject)
        : entry.reason,
  },
  { header: 'TASK', wide: true, cell: (entry) => text(entry.taskArn) },
  { header: 'REASON', wide: true, cell: (entry) => entry.reason },
  { header: 'MESSAGE ID', wide: true, cell: (entry) => text(entry.messageId) },
  { header: 'RUNBOOK', wide: true, cell: (entry) => text(entry.runbook) },
  {
    header: 'FOUND BY RESYNC',
    wide: true,
    cell: (entry, show) => (entry.foundBy === 'resync' ? show.time(entry.foundByResyncAt) : ''),
  },
];

export async function alertsCommand(
  context: CommandContext,
  values: Values,
  now: () => Date = () => new Date(),
): Promise<number> {
  const printer = printerOf(context);
  const limit = parseLimit(stringOf(values, 'limit'));
  const at = now();
  const window = parseWindow(windowFlags(values), { now: at, timeZone: printer.timeZone }, '24h');
  const clusters = new Set(listOf(values, 'cluster').map(clusterName));
  const groups = new Set(listOf(values, 'group'));
  const filtered = clusters.size > 0 || groups.size > 0;
  const journal = journalOf(context);
  const read = (
    await journal.list<Omit<AlertJournalEntry, 'at'>>({
      kind: JOURNAL_KIND,
      ...window,
      until: window.until ?? at.toISOString(),
      // Filtering happens after the read, so the limit can only be applied then.
      ...(filtered ? {} : { limit: fetchSize(limit) }),
    })
  ).map((entry): AlertJournalEntry => ({ ...entry.fields, at: entry.at }));
  const entries = read.filter(
    (entry) =>
      (clusters.size === 0 || clusters.has(clusterName(entry.cluster))) &&
      (groups.size === 0 || groups.has(entry.group)),
  );
  printList(printer, {
    columns: COLUMNS,
    sections: [{ title: `Alerts ${windowText(window, printer.timeZone)}`, ...cut(entries, limit) }],
    limit,
  });
  if (entries.length === 0) {
    // `--group api`: the groups of the window's decisions say whether service:api or family:api was meant.
    for (const group of [...groups].filter((name) => !name.includes(':'))) {
      const meant = [...new Set(read.map((entry) => entry.group))].filter(
        (name) => name === `service:${group}` || name === `family:${group}`,
      );
      if (meant.length > 0)
        printer.note(`groups name their kind: try ${meant.map((name) => `--group ${name}`).join(' or ')}`);
    }
  }
  return 0;
}

/**
 * `ecs-ops scaling [--service <cluster/service|service>] [--since 24h] [--limit]`: every step scaling
 * decision of the `scale` function, newest first, with its reason — scaled (from → to, the step), held (within
 * cooldown, at max, metric missing, native policy, …) or failed — from the journal.
 */
import { SCALING_JOURNAL_KIND } from '../../lib/scaling/executor.js';
import type { ScalingReport } from '../../lib/scaling/report.js';
import { type CommandContext, journalOf } from '../context.js';
import { limitFlag, sinceFlag, untilFlag } from '../flags.js';
import { text } from '../format.js';
import { type Column, cut, fetchSize, parseLimit, printList } from '../list.js';
import type { CommandSpec } from '../options.js';
import { printerOf } from '../output.js';
import { parseWindow, windowText } from '../time.js';
import { UsageError } from '../usage.js';

export const SCALING: CommandSpec = {
  name: 'scaling',
  noArgs: 'use --service',
  list: true,
  summary:
    'step scaling decisions, newest first: policy, service, scale or ignore (and why: within cooldown, at ' +
    'max, metric missing, …), desired counts',
  flags: {
    service: {
      type: 'string',
      repeatable: true,
      value: '<cluster/service|service>',
      help: 'a service (in any cluster, without one); repeat for more',
    },
    since: sinceFlag('decisions made', '24h'),
    until: untilFlag('decisions made'),
    limit: limitFlag('decisions'),
  },
};

export interface ScalingOptions {
  service?: string | readonly string[];
  since?: string;
  until?: string;
  limit?: string;
}

/** A decision as the journal keeps it (the report, `at` included). */
export type ScalingDecision = Omit<ScalingReport, 'at'> & { at: string };

const COLUMNS: readonly Column<ScalingDecision>[] = [
  { header: 'TIME', cell: (decision, show) => show.time(decision.at) },
  { header: 'SERVICE', cell: (decision) => `${decision.cluster}/${decision.service}` },
  { header: 'POLICY', cell: (decision) => decision.policy },
  {
    header: 'ACTION',
    tone: true,
    cell: (decision) =>
      decision.action === 'scale' ? decision.reason : `${decision.action}: ${decision.reason}`,
  },
  { header: 'DESIRED', cell: (decision) => desiredColumn(decision) },
  { header: 'RUNNING', cell: (decision) => text(decision.running) },
  { header: 'METRIC', cell: (decision) => metricColumn(decision) },
  { header: 'WHY', free: 140, cell: (decision) => decision.explanation },
  { header: 'APPLIED', wide: true, cell: (decision) => (decision.applied ? 'yes' : 'no') },
  { header: 'API CALLS', wide: true, cell: (decision) => text(decision.apiCalls) },
];

export async function scalingCommand(
  context: CommandContext,
  options: ScalingOptions,
  now: () => Date = () => new Date(),
) {
  const printer = printerOf(context);
  const limit = parseLimit(options.limit);
  const at = now();
  const window = parseWindow(
    { since: options.since, until: options.until },
    { now: at, timeZone: printer.timeZone },
    '24h',
  );
  const services = typeof options.service === 'string' ? [options.service] : [...(options.service ?? [])];
  const filters = services.map(serviceFilter);
  const journal = journalOf(context);
  const entries = await journal.list<Omit<ScalingDecision, 'at'>>({
    kind: SCALING_JOURNAL_KIND,
    ...window,
    until: window.until ?? at.toISOString(),
    // Filtering by service happens after the read, so the limit can only be applied then.
    ...(filters.length === 0 ? { limit: fetchSize(limit) } : {}),
  });
  const decisions = entries
    .filter((entry) => filters.length === 0 || filters.some((matches) => matches(entry.subject)))
    .map(({ at, fields }): ScalingDecision => ({ ...fields, at }));
  const scope = services.length === 0 ? '' : ` of ${services.join(', ')}`;
  const span = windowText(window, printer.timeZone);
  printList(printer, {
    columns: COLUMNS,
    sections: [{ title: `Scaling decisions${scope} ${span}`, ...cut(decisions, limit) }],
    limit,
  });
  return 0;
}

/** `prod/worker` matches that service exactly; `worker` matches a service of that name in any cluster. */
export function serviceFilter(service: string | undefined): (subject: string) => boolean {
  if (service === undefined) return () => true;
  const parts = service.split('/');
  if (service === '' || parts.length > 2 || parts.some((part) => part === '')) {
    throw new UsageError(
      `--service ${service}: expected <cluster>/<service> or a service name, e.g. prod/worker`,
    );
  }
  return parts.length === 2
    ? (subject) => subject === service
    : (subject) => subject.slice(subject.indexOf('/') + 1) === service;
}

function desiredColumn(decision: ScalingDecision): string {
  const before = text(decision.previousDesired);
  return decision.applied ? `${before} → ${text(decision.desired)}` : before;
}

function metricColumn(decision: ScalingDecision): string {
  if (decision.metricRaw === undefined) return 'missing';
  const show = (value: number) => String(Number(value.toFixed(2)));
  return decision.metricValue !== undefined && decision.metricValue !== decision.metricRaw
    ? `${show(decision.metricValue)}/task (${show(decision.metricRaw)})`
    : show(decision.metricRaw);
}

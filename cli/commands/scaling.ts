/**
 * `ecs-ops scaling [--service <cluster/service|service>] [--since 24h] [--limit]`: every step scaling
 * decision of the `scale` function, newest first, with its reason — scaled (from → to, the step), held (within
 * cooldown, at max, metric missing, native policy, …) or failed — from the journal.
 */
import { Journal } from '../../lib/platform/journal.js';
import { SCALING_JOURNAL_KIND } from '../../lib/scaling/executor.js';
import type { ScalingReport } from '../../lib/scaling/report.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortTime, text, truncate } from '../format.js';
import { UsageError } from '../usage.js';
import { parseLimit, parseSince } from './state.js';

export interface ScalingOptions {
  service?: string;
  since?: string;
  limit?: string;
}

/** A decision as the journal keeps it (the report, `at` included). */
export type ScalingDecision = Omit<ScalingReport, 'at'> & { at: string };

export async function scalingCommand(
  context: CommandContext,
  options: ScalingOptions,
  now: () => Date = () => new Date(),
) {
  const limit = parseLimit(options.limit);
  const until = now();
  const since = parseSince(options.since ?? '24h', until.getTime());
  const matches = serviceFilter(options.service);
  const journal = new Journal({
    tableName: context.store.tableName,
    client: context.store.client,
    retentionDays: 0,
  });
  const entries = await journal.list<Omit<ScalingDecision, 'at'>>({
    kind: SCALING_JOURNAL_KIND,
    since,
    until: until.toISOString(),
    // Filtering by service happens after the read, so the limit can only be applied then.
    ...(options.service === undefined ? { limit } : {}),
  });
  const decisions = entries
    .filter((entry) => matches(entry.subject))
    .slice(0, limit)
    .map(({ at, fields }): ScalingDecision => ({ ...fields, at }));
  if (context.options.json) {
    context.out(JSON.stringify(decisions, null, 2));
    return 0;
  }
  const scope = options.service === undefined ? '' : ` of ${options.service}`;
  context.out(`Scaling decisions${scope} since ${shortTime(since)} (${decisions.length}):`);
  context.out(
    decisions.length === 0
      ? '  none'
      : renderTable(
          ['TIME', 'SERVICE', 'POLICY', 'ACTION', 'DESIRED', 'RUNNING', 'METRIC', 'WHY'],
          decisions.map((decision) => [
            shortTime(decision.at),
            `${decision.cluster}/${decision.service}`,
            decision.policy,
            decision.action === 'scale' ? decision.reason : `${decision.action}: ${decision.reason}`,
            desiredColumn(decision),
            text(decision.running),
            metricColumn(decision),
            truncate(decision.explanation, 140),
          ]),
        ),
  );
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

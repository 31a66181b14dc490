/** Flags several commands declare alike: which clusters, the time window, how many rows. */
import { clusterName } from '../lib/platform/arn.js';
import { type Flag, stringOf, type Values } from './options.js';
import { UsageError } from './usage.js';

export const clusterFlag = (help = 'default: the clusters in ops.config.yml'): Flag => ({
  type: 'string',
  repeatable: true,
  value: '<name>',
  help: `a cluster, by name or ARN; repeat for more (${help})`,
});

/** --since: which rows the time bounds (`tasks that entered their status`), and its default (none: no bound). */
export const sinceFlag = (what: string, fallback = 'no bound'): Flag => ({
  type: 'string',
  value: '<time>',
  help: `${what} at or after this time: 30m, 24h, 7d, 2w, an ISO time with its zone, today, yesterday (default: ${fallback})`,
});

export const untilFlag = (what: string): Flag => ({
  type: 'string',
  value: '<time>',
  help: `${what} at or before this time (default: now); the forms of --since`,
});

/** --since and --until as written: for parseWindow, and the query a --next-token belongs to. */
export const windowFlags = (values: Values): { since: string | undefined; until: string | undefined } => ({
  since: stringOf(values, 'since'),
  until: stringOf(values, 'until'),
});

export const limitFlag = (what: string): Flag => ({
  type: 'string',
  value: '<n>',
  help: `at most n ${what} (default 100; 0 = all); a cut list says so`,
});

/** The clusters named with --cluster (names or ARNs, as names), else ops.config.yml's. */
export function clustersOf(named: readonly string[], configured: readonly string[] | undefined): string[] {
  if (named.length > 0) return [...new Set(named.map(clusterName))];
  if (configured !== undefined) return [...configured];
  throw new UsageError('name the cluster with --cluster (ops.config.yml lists no clusters to default to)');
}

/**
 * `ecs-ops resync [--cluster <name>]... [--dry-run]`: compares the store with what ECS knows now and corrects it,
 * through the code the deployed resync function runs (lib/resync): the same reads, the same version rule, the
 * same journal entry, the same late stops on the event bus. Its dependencies are built as lib/resync/wiring.ts
 * builds them, from the CLI's context instead of a function's environment: the context's store and journal, ECS
 * and EventBridge clients made as the other operating commands make theirs. `--store aws` reaches AWS with the
 * caller's credentials; `--store local` reaches the local endpoint that AWS_ENDPOINT_URL_ECS (and
 * AWS_ENDPOINT_URL_EVENTBRIDGE, else the same endpoint) names, as `drain` and `jobs run` find theirs.
 *
 * Exit codes: 0 nothing failed, 1 a correction failed (the next run retries it) or ECS could not be reached,
 * 2 bad usage.
 */

import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import { resourceKey } from '../../lib/platform/arn.js';
import { awsClient } from '../../lib/platform/aws/clients.js';
import { ClusterName } from '../../lib/platform/config/fields.js';
import { AwsFailure, asEcsOpsError } from '../../lib/platform/errors.js';
import { Journal } from '../../lib/platform/journal.js';
import { reindexLatest } from '../../lib/platform/store/reindex.js';
import { EcsApi } from '../../lib/resync/ecs-api.js';
import { EventBridgeLateStops } from '../../lib/resync/late-stops.js';
import type {
  ClusterReport,
  CorrectionLine,
  ResyncDependencies,
  ResyncResult,
} from '../../lib/resync/model.js';
import { resync } from '../../lib/resync/resync.js';
import { WatchingSince } from '../../lib/resync/watching.js';
import { awsFailureContextOf, describeAwsFailure } from '../aws-errors.js';
import type { CommandContext } from '../context.js';
import { requireEndpoint } from '../endpoint-probe.js';
import { renderTable } from '../format.js';
import { parseLimit } from '../list.js';
import { type CommandSpec, listOf, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { CommandFailure, UsageError } from '../usage.js';

export const RESYNC: CommandSpec = {
  name: 'resync',
  title: 'compare the store with what ECS knows now, and correct it (anti-entropy)',
  noArgs: 'name clusters with --cluster',
  summary:
    'compare the store with what ECS knows now and correct it, through the deployed resync function’s code: ' +
    'per cluster the counts (added, advanced, marked missing, in sync, newer in the store) and each ' +
    'correction; exit 1 if a correction failed (the next run retries); --store local needs ' +
    'AWS_ENDPOINT_URL_ECS (see ecs-ops resync --help)',
  flags: {
    cluster: {
      type: 'string',
      repeatable: true,
      value: '<name>',
      help:
        'a cluster to resync, by name or ARN; repeat for more (default: the clusters in ops.config.yml, else ' +
        'every cluster of the account and region)',
    },
    'dry-run': {
      type: 'boolean',
      help: 'compare only: print the drift as a run would correct it, write and publish nothing',
    },
    limit: {
      type: 'string',
      value: '<n>',
      help: 'corrections listed per cluster (default 100; 0 = all; json and yaml list them all)',
    },
  },
  about: `Runs the code the deployed resync function runs. Per cluster it reads the tasks ECS runs, those it stopped
recently and the registered container instances, then asks about the store's live resources ECS did not
list. It adds what the store lacks, advances what it holds at an older version (a newer stored version always
wins) and marks missing what ECS no longer knows: kept with its timeline, listed as STOPPED (a task) or
INACTIVE (a container instance). Nothing is deleted. Stops nobody heard of go to the event bus for alerting
and job runs; each cluster's run is journaled.`,
  more: `Where it reads and writes:
  --store aws          the deployed stage's table (--stage), ECS and EventBridge with your credentials
                       (--region, --profile)
  --store local        (default) the store in --dir, ECS and EventBridge at the local endpoint
                       AWS_ENDPOINT_URL_ECS names (AWS_ENDPOINT_URL_EVENTBRIDGE if EventBridge is elsewhere)
  --config <file>      ops.config.yml: clusters, resync.callsPerSecond, retention

Output, per cluster, a line of counts and its corrections:
  prod: 3 added, 1 advanced, 2 marked missing, 250 in sync, 0 newer in the store; 7 API calls in 0.8 s
    ACTION        RESOURCE               VERSION   STATUS
    add           task/0123456789abcdef  none → 3  RUNNING
    advance       task/fedcba9876543210  2 → 4     STOPPED
    mark-missing  task/00112233aabbccdd  5         missing
With -o json (or yaml): one document, { dryRun, runId, reports }, with every correction.

Exit codes: 0 nothing failed; 1 a correction failed (the next run retries it), ECS refused, or no local
endpoint answers; 2 bad usage.`,
};

export async function resyncCommand(context: CommandContext, values: Values): Promise<number> {
  const clusters = resyncClusters(listOf(values, 'cluster'), context.config.clusters);
  const dryRun = values['dry-run'] === true;
  const limit = parseLimit(stringOf(values, 'limit'));
  const printer = printerOf(context);
  const endpoints = context.options.store === 'local' ? await reachableLocalEndpoints() : undefined;
  const { ecs, eventBridge } = clientsOf(context, endpoints);
  try {
    const result = await runResync(context, { ecs, eventBridge }, clusters, dryRun);
    const failed = result.reports.some((report) => report.failed > 0);
    if (!printer.document({ dryRun, ...result }))
      for (const line of renderResync(result, { dryRun, limit })) printer.out(line);
    return failed ? 1 : 0;
  } finally {
    ecs.destroy();
    eventBridge.destroy();
  }
}

/**
 * The clusters to resync: those named with --cluster (names, or cluster ARNs), else ops.config.yml's, else
 * undefined (every cluster of the account, as the deployed function watches them when none are listed).
 */
export function resyncClusters(
  named: readonly string[] | undefined,
  configured: readonly string[] | undefined,
): string[] | undefined {
  if (named === undefined || named.length === 0)
    return configured === undefined ? undefined : [...configured];
  return [...new Set(named.map(clusterOfFlag))];
}

function clusterOfFlag(value: string): string {
  const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:cluster\/(.+)$/.exec(value);
  const name = arn?.[1] ?? value;
  if (!z.safeParse(ClusterName, name).success) {
    throw new UsageError(
      `--cluster ${value}: expected a cluster name (letters, digits, - and _, up to 255) or a cluster ARN`,
    );
  }
  return name;
}

/** Where --store local finds ECS and EventBridge: the SDK's own endpoint variables, as drain and jobs run do. */
export interface LocalEndpoints {
  ecs: string;
  eventBridge: string;
}

export function localEndpoints(env: NodeJS.ProcessEnv = process.env): LocalEndpoints | undefined {
  const ecs = env.AWS_ENDPOINT_URL_ECS || env.AWS_ENDPOINT_URL;
  if (!ecs) return undefined;
  // The local endpoint serves every service on one URL: EventBridge never falls through to AWS from local mode.
  return { ecs, eventBridge: env.AWS_ENDPOINT_URL_EVENTBRIDGE || env.AWS_ENDPOINT_URL || ecs };
}

const WHAT_TO_RUN =
  'start a local endpoint that serves ECS and EventBridge (the sandbox’s, a test’s) and set ' +
  'AWS_ENDPOINT_URL_ECS to its URL, or resync the deployed stack: ecs-ops resync --store aws --stage <stage>';

/** The local endpoints, each answering; a CommandFailure (exit 1) that says what to run otherwise. */
async function reachableLocalEndpoints(): Promise<LocalEndpoints> {
  const endpoints = localEndpoints();
  if (endpoints === undefined) {
    throw new CommandFailure(
      `resync reads ECS, and --store local has no ECS of its own (AWS_ENDPOINT_URL_ECS is not set): ${WHAT_TO_RUN}`,
    );
  }
  for (const url of new Set([endpoints.ecs, endpoints.eventBridge]))
    await requireEndpoint(url, `: ${WHAT_TO_RUN}`);
  return endpoints;
}

function clientsOf(context: CommandContext, endpoints: LocalEndpoints | undefined) {
  const { region, profile } = context.options;
  const common = {
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
    // The local endpoint checks no signature, and a developer's machine may have no AWS configuration at all.
    ...(endpoints === undefined ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    ...(endpoints !== undefined && region === undefined && !process.env.AWS_REGION
      ? { region: 'us-east-1' }
      : {}),
  };
  return {
    ecs: awsClient(ECSClient, { ...common, ...(endpoints ? { endpoint: endpoints.ecs } : {}) }),
    eventBridge: awsClient(EventBridgeClient, {
      ...common,
      ...(endpoints ? { endpoint: endpoints.eventBridge } : {}),
    }),
  };
}

/** One resync with the dependencies the deployed function gets (lib/resync/wiring.ts), from the CLI's context. */
async function runResync(
  context: CommandContext,
  clients: { ecs: ECSClient; eventBridge: EventBridgeClient },
  clusters: string[] | undefined,
  dryRun: boolean,
): Promise<ResyncResult> {
  const { config, store } = context;
  const table = { tableName: store.tableName, client: store.client };
  const dependencies: ResyncDependencies = {
    ecsApi: () => new EcsApi(clients.ecs, config.resync.callsPerSecond),
    store,
    journal: new Journal({ ...table, retentionDays: config.retention.historyDays }),
    lateStops: new EventBridgeLateStops(clients.eventBridge),
    watching: new WatchingSince(table),
    reindex: (cluster) => reindexLatest(table, cluster),
    ...(config.clusters === undefined ? {} : { clusters: config.clusters }),
    retention: { stoppedDays: config.retention.stoppedDays, historyDays: config.retention.historyDays },
    writeConcurrency: config.reconcile.writeConcurrency,
  };
  try {
    return await resync(
      { trigger: 'cli', dryRun, ...(clusters === undefined ? {} : { clusters }) },
      dependencies,
    );
  } catch (error) {
    // An AWS refusal (no such cluster, no credentials, access denied) is the caller's to fix, not a bug. With
    // --store aws, one the CLI knows is said as any command says it (aws-errors.ts); any other in AWS's words.
    const aws = awsFailureContextOf(context.options);
    const described = aws === undefined ? undefined : describeAwsFailure(error, aws);
    const failure = asEcsOpsError(error);
    if (described === undefined && !(failure instanceof AwsFailure)) throw error;
    const which = clusters === undefined ? '' : ` (clusters: ${clusters.join(', ')})`;
    throw new CommandFailure(
      `resync stopped: ${described?.message ?? failure.message}${which}; what it corrected before is kept, ` +
        'and the next run goes on',
    );
  }
}

/** The human output: per cluster its counts, then its corrections (at most `limit`; 0: all) and what ECS's API sent that the rules refuse. */
export function renderResync(
  result: Pick<ResyncResult, 'reports'>,
  { dryRun, limit }: { dryRun: boolean; limit: number },
): string[] {
  const lines: string[] = [];
  if (dryRun) lines.push('dry run: nothing written');
  if (result.reports.length === 0)
    lines.push('no clusters to resync: ECS lists none in this account and region');
  for (const report of result.reports) {
    lines.push(summaryLine(report));
    if (report.corrections.length > 0)
      lines.push(
        indent(correctionsTable(limit === 0 ? report.corrections : report.corrections.slice(0, limit))),
      );
    const more = limit === 0 ? 0 : report.corrections.length - limit;
    if (more > 0)
      lines.push(
        `  … and ${more} more (--limit ${limit * 5} or --limit 0 shows more, -o json lists them all)`,
      );
    if (report.invalid.length > 0) {
      lines.push(
        indent(
          renderTable(
            ['INVALID', 'FIELD', 'REASON'],
            report.invalid.map(({ arn, field, reason }) => [resourceKey(arn), field, reason]),
          ),
        ),
      );
    }
  }
  const failed = result.reports.reduce((sum, report) => sum + report.failed, 0);
  if (failed > 0)
    lines.push(
      `${plural(failed, 'correction')} failed: the next run retries ${failed === 1 ? 'it' : 'them'}`,
    );
  return lines;
}

/** "prod: 3 added, 1 advanced, 2 marked missing, 250 in sync, 0 newer in the store; 7 API calls in 0.8 s". */
export function summaryLine(report: ClusterReport): string {
  const calls = Object.values(report.apiCalls).reduce((sum, count) => sum + count, 0);
  const line =
    `${report.cluster}: ${report.added} added, ${report.advanced} advanced, ${report.markedMissing} marked ` +
    `missing, ${report.inSync} in sync, ${report.storeNewer} newer in the store; ` +
    `${plural(calls, 'API call')} in ${report.seconds.toFixed(1)} s`;
  const extras = [
    report.lateStops > 0 ? `${plural(report.lateStops, 'late stop')} published for alerting` : '',
    report.invalid.length > 0 ? `${report.invalid.length} invalid` : '',
    report.failed > 0 ? `${report.failed} failed` : '',
    report.complete ? '' : 'incomplete (ran out of time)',
  ].filter((extra) => extra !== '');
  return extras.length === 0 ? line : `${line}; ${extras.join(', ')}`;
}

/** ACTION, RESOURCE (its key: task/<id>, container-instance/<id>), VERSION (from → to), STATUS, and REFUSED. */
export function correctionsTable(corrections: readonly CorrectionLine[]): string {
  const refused = corrections.some((line) => line.refused !== undefined);
  return renderTable(
    ['ACTION', 'RESOURCE', 'VERSION', 'STATUS', ...(refused ? ['REFUSED'] : [])],
    corrections.map((line) => [
      line.action,
      resourceKey(line.arn),
      versionChange(line),
      line.status,
      ...(refused ? [line.refused ?? ''] : []),
    ]),
  );
}

/** "none → 3" for an addition, "2 → 4" for an advance, "5" for a mark (the version is kept). */
function versionChange({ from, version }: CorrectionLine): string {
  if (from === undefined) return `none → ${version}`;
  return from === version ? String(version) : `${from} → ${version}`;
}

const indent = (block: string) =>
  block
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

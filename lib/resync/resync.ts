/**
 * One resync: per watched cluster, read what ECS knows (tasks desired RUNNING, tasks recently STOPPED,
 * registered container instances, then the store's live resources ECS did not list), compare it with the store
 * (drift.ts) and correct it through the same conditional version rule the events go through — adding what is
 * missing, advancing what is behind, marking what ECS no longer knows. Stops nobody was told of are published
 * for alerting and job runs. Each cluster's corrections are journaled; a dry run only reports them.
 *
 * A run works page by page (100 resources) and stops starting pages when its time runs short: it then returns a
 * cursor and the caller continues in a follow-up invocation. A page is done or not started, so a cursor
 * resumes exactly; the last phase (the store's live resources) restarts from the cluster's start instead, which
 * costs calls, never correctness.
 */
import { randomUUID } from 'node:crypto';
import { ClusterRun } from './cluster-run.js';
import {
  type ClusterReport,
  JOURNALED_CORRECTIONS,
  PAGE_MARGIN_MS,
  RESYNC_JOURNAL_KIND,
  type ResyncCursor,
  type ResyncDependencies,
  type ResyncRequest,
  type ResyncResult,
} from './model.js';

export async function resync(
  request: ResyncRequest,
  dependencies: ResyncDependencies,
): Promise<ResyncResult> {
  const now = dependencies.now ?? (() => new Date());
  const startedAt = now();
  const dryRun = request.dryRun === true;
  const api = dependencies.ecsApi();
  // The time says when; the suffix keeps two runs started in the same millisecond apart.
  const runId = request.cursor?.runId ?? `${startedAt.toISOString()}-${randomUUID().slice(0, 8)}`;
  const watchingSince = dryRun
    ? ((await dependencies.watching.read()) ?? startedAt.toISOString())
    : await dependencies.watching.start(startedAt);
  const clusters =
    request.cursor?.clusters ??
    (request.clusters ?? dependencies.clusters ?? (await api.clusterNames())).slice();
  const outOfTime = () => request.remainingMs !== undefined && request.remainingMs() < PAGE_MARGIN_MS;

  const reports: ClusterReport[] = [];
  let resumeAt: Pick<ResyncCursor, 'phase' | 'nextToken'> | undefined = request.cursor;
  for (let index = 0; index < clusters.length; index++) {
    const cluster = clusters[index] as string;
    const run = new ClusterRun(cluster, runId, dryRun, watchingSince, api, dependencies, now);
    if (request.trigger === 'deploy' && !dryRun && resumeAt === undefined)
      run.report.reindexed = (await dependencies.reindex(cluster)).rewritten;
    const stoppedAt = await run.sweep(resumeAt, outOfTime);
    resumeAt = undefined;
    reports.push(run.report);
    if (!dryRun) await journal(run.report, dependencies, now());
    if (stoppedAt !== undefined) {
      return { runId, reports, cursor: { runId, clusters: clusters.slice(index), ...stoppedAt } };
    }
  }
  return { runId, reports };
}

/** One journal entry per cluster and invocation: the counts, and the first corrections. */
async function journal(report: ClusterReport, { journal }: ResyncDependencies, at: Date): Promise<void> {
  const { corrections, ...counts } = report;
  await journal.append({
    at: at.toISOString(),
    kind: RESYNC_JOURNAL_KIND,
    subject: report.cluster,
    id: `${report.runId}#${report.cluster}`,
    fields: {
      ...counts,
      invalid: counts.invalid.slice(0, JOURNALED_CORRECTIONS),
      corrections: corrections.slice(0, JOURNALED_CORRECTIONS),
      correctionsLeftOut: Math.max(0, corrections.length - JOURNALED_CORRECTIONS),
    },
  });
}

/**
 * One cluster's part of a resync: its phases page by page — list, describe, compare with the store, correct —
 * and its report. A page is done or not started, so a cursor resumes exactly.
 */
import type { ContainerInstance, Task } from '@aws-sdk/client-ecs';
import { clusterName, lastSegment, parseArn, resourceKey } from '../platform/arn.js';
import { mapConcurrent } from '../platform/concurrency.js';
import { asEcsOpsError, InvalidInputError } from '../platform/errors.js';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  type EcsEvent,
  parseEcsEvent,
  TASK_STATE_CHANGE,
} from '../platform/events/ecs-event.js';
import type { EventEnvelope } from '../platform/events/envelope.js';
import { RESYNC_SOURCE } from '../platform/events/statuses.js';
import { historyItem, latestItem } from '../platform/store/items.js';
import { type Correction, driftOf, lateStops, missingCorrections, type ObservedState } from './drift.js';
import type { EcsReader } from './ecs-api.js';
import {
  type ClusterReport,
  type CorrectionLine,
  emptyReport,
  PHASES,
  type Phase,
  type ResyncCursor,
  type ResyncDependencies,
} from './model.js';
import { containerInstanceDetailOf, taskDetailOf } from './normalise.js';

/** One cluster's part of a run: its phases, page by page, and its report. */
export class ClusterRun {
  readonly report: ClusterReport;
  /** Keys ECS answered for in this run: the store-live phase describes only the others. */
  private readonly seen = new Set<string>();
  private readonly started: number;
  /** The reader's counts when this cluster began: the report counts this cluster's calls only. */
  private readonly callsBefore: Record<string, number>;

  constructor(
    private readonly cluster: string,
    runId: string,
    dryRun: boolean,
    private readonly watchingSince: string,
    private readonly api: EcsReader,
    private readonly dependencies: ResyncDependencies,
    private readonly now: () => Date,
  ) {
    this.started = now().getTime();
    this.callsBefore = { ...api.calls };
    this.report = emptyReport(cluster, runId, dryRun);
  }

  /** Runs the phases from `resumeAt`; returns where it stopped when time ran out. */
  async sweep(
    resumeAt: Pick<ResyncCursor, 'phase' | 'nextToken'> | undefined,
    outOfTime: () => boolean,
  ): Promise<Pick<ResyncCursor, 'phase' | 'nextToken'> | undefined> {
    const first = resumeAt === undefined ? 0 : PHASES.indexOf(resumeAt.phase);
    try {
      for (let phase = first; phase < PHASES.length; phase++) {
        const name = PHASES[phase] as Phase;
        let nextToken = phase === first ? resumeAt?.nextToken : undefined;
        if (name === 'stored-live') {
          if (outOfTime()) return this.stop({ phase: name });
          await this.storedLive();
          continue;
        }
        do {
          if (outOfTime()) return this.stop({ phase: name, ...(nextToken ? { nextToken } : {}) });
          nextToken = await this.listedPage(name, nextToken);
        } while (nextToken !== undefined);
      }
      return undefined;
    } finally {
      this.finish();
    }
  }

  private stop(at: Pick<ResyncCursor, 'phase' | 'nextToken'>) {
    this.report.complete = false;
    return at;
  }

  private finish(): void {
    this.report.seconds = (this.now().getTime() - this.started) / 1000;
    for (const [action, count] of Object.entries(this.api.calls)) {
      const made = count - (this.callsBefore[action] ?? 0);
      if (made > 0) this.report.apiCalls[action] = made;
    }
  }

  /** One page of a List call, described and corrected; the next page's token. */
  private async listedPage(phase: Phase, nextToken: string | undefined): Promise<string | undefined> {
    if (phase === 'container-instances') {
      const page = await this.api.containerInstanceArnPage(this.cluster, nextToken);
      await this.instances(page.arns);
      return page.nextToken;
    }
    const status = phase === 'running-tasks' ? 'RUNNING' : 'STOPPED';
    const page = await this.api.taskArnPage(this.cluster, status, nextToken);
    await this.tasks(page.arns);
    return page.nextToken;
  }

  /** The store's live resources of the cluster that ECS did not list: described one by one hundred. */
  private async storedLive(): Promise<void> {
    const [tasks, instances] = await Promise.all([
      this.dependencies.store.liveKeys(this.cluster, 'task'),
      this.dependencies.store.liveKeys(this.cluster, 'instance'),
    ]);
    const unseen = (keys: string[]) => keys.filter((key) => !this.seen.has(key)).map(lastSegment);
    await this.tasks(unseen(tasks));
    await this.instances(unseen(instances));
  }

  private async tasks(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { found, missing } = await this.api.describeTasks(this.cluster, ids);
    await this.correct(
      found.map((task: Task) => observed('task', taskDetailOf(task))),
      missing.map((arn) => `task/${lastSegment(arn)}`),
    );
  }

  private async instances(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { found, missing } = await this.api.describeContainerInstances(this.cluster, ids);
    await this.correct(
      found.map((instance: ContainerInstance) =>
        observed(
          'instance',
          containerInstanceDetailOf(instance, clusterArnOf(this.cluster, instance.containerInstanceArn)),
        ),
      ),
      missing.map((arn) => `container-instance/${lastSegment(arn)}`),
    );
  }

  /** Compares one page with the store and applies (or, dry, lists) its corrections. */
  private async correct(observed: ObservedState[], missingKeys: string[]): Promise<void> {
    for (const state of observed) this.seen.add(state.key);
    for (const key of missingKeys) this.seen.add(key);
    // An answer without a whole version cannot be ordered against the store: refused, as its event would be.
    const states = observed.filter((state) => {
      if (Number.isSafeInteger(state.version) && state.version >= 0) return true;
      this.report.invalid.push({
        arn: state.arn,
        field: 'detail.version',
        reason: `ECS answered without a whole version (${String(state.detail.version)}); it cannot be ordered`,
      });
      return false;
    });
    const current = await this.dependencies.store.currentStates([
      ...states.map((state) => state.key),
      ...missingKeys,
    ]);
    const drift = driftOf(states, current);
    this.report.inSync += drift.inSync;
    this.report.storeNewer += drift.storeNewer;
    const corrections = [...drift.corrections, ...missingCorrections(missingKeys, current)];
    if (this.report.dryRun) {
      for (const correction of corrections) this.count(correction);
      return;
    }
    const noticedAt = this.now().toISOString();
    const events = new Map<Correction, EcsEvent>();
    for (const correction of corrections) {
      if (correction.action === 'mark-missing') continue;
      const parsed = parseEcsEvent(envelopeOf(correction.observed, this.report.runId, noticedAt));
      if (parsed.ok) events.set(correction, parsed.event);
      else this.report.invalid.push({ arn: correction.observed.arn, ...parsed.error });
    }
    const unpublished = await this.publishLateStops([...events.keys()], events);
    await mapConcurrent(corrections, this.dependencies.writeConcurrency, async (correction) => {
      if (correction.action === 'mark-missing') return this.markMissing(correction, noticedAt);
      const event = events.get(correction);
      if (event === undefined || unpublished.has(event.id)) return;
      return this.write(correction, event);
    });
  }

  /** Publishes the late stops among `corrections` first: a stop that did not go out is not written either. */
  private async publishLateStops(corrections: Correction[], events: Map<Correction, EcsEvent>) {
    const late = new Set(lateStops(corrections, this.watchingSince));
    const lateCorrections = corrections.filter(
      (correction) => correction.action !== 'mark-missing' && late.has(correction.observed),
    );
    if (lateCorrections.length === 0) return new Set<string>();
    const rawEnvelope = (correction: Correction) => (events.get(correction) as EcsEvent).raw as EventEnvelope;
    const { failed } = await this.dependencies.lateStops.publish(lateCorrections.map(rawEnvelope));
    const unpublished = new Set(failed);
    this.report.lateStops += lateCorrections.length - unpublished.size;
    for (const correction of lateCorrections) {
      if (!unpublished.has(rawEnvelope(correction).id)) continue;
      this.report.failed++;
      this.listCorrection({
        ...lineOf(correction),
        refused: 'EventBridge did not take its late stop: not written, so the next run finds it again',
      });
    }
    return unpublished;
  }

  private async write(correction: Exclude<Correction, { action: 'mark-missing' }>, event: EcsEvent) {
    const { store, retention } = this.dependencies;
    try {
      const verdict = await store.putLatest(latestItem(event, retention));
      // The timeline gets the version even when an event got to the latest state first: its own entry, if
      // stored, is kept; otherwise the version would be missing from it.
      await store.putHistoryIfAbsent(historyItem(event, retention));
      if (verdict === 'accepted') this.count(correction);
      else this.report.storeNewer++;
    } catch (error) {
      const line = lineOf(correction);
      if (error instanceof InvalidInputError) {
        this.report.invalid.push({ arn: line.arn, field: error.field, reason: error.reason });
      } else {
        this.report.failed++;
        this.listCorrection({ ...line, refused: asEcsOpsError(error).message });
      }
    }
  }

  private async markMissing(correction: Extract<Correction, { action: 'mark-missing' }>, noticedAt: string) {
    const { store, retention } = this.dependencies;
    try {
      const marked = await store.markMissing(
        correction.key,
        correction.state,
        noticedAt,
        retention.stoppedDays,
      );
      if (marked) this.count(correction);
      else this.report.storeNewer++;
    } catch (error) {
      this.report.failed++;
      this.listCorrection({ ...lineOf(correction), refused: asEcsOpsError(error).message });
    }
  }

  private count(correction: Correction): void {
    if (correction.action === 'add') this.report.added++;
    else if (correction.action === 'advance') this.report.advanced++;
    else this.report.markedMissing++;
    this.listCorrection(lineOf(correction));
  }

  private listCorrection(line: CorrectionLine): void {
    this.report.corrections.push(line);
  }
}

/** An API object's normalised detail as an observed state (its key from its ARN, either format). */
function observed(kind: 'task' | 'instance', detail: Record<string, unknown>): ObservedState {
  const arn = String((kind === 'task' ? detail.taskArn : detail.containerInstanceArn) ?? '');
  const status = String((kind === 'task' ? detail.lastStatus : detail.status) ?? '');
  return { key: resourceKey(arn), arn, kind, version: Number(detail.version), status, detail };
}

/**
 * The cluster's ARN, built from a container instance's own ARN (the API's container instances do not carry
 * it; the ids the store-live phase asks with are bare, so the answer's ARN is what names partition and account).
 */
function clusterArnOf(cluster: string, containerInstanceArn: string | undefined): string {
  const arn = parseArn(containerInstanceArn ?? '');
  if (arn === undefined) return cluster;
  return `arn:${arn.partition}:ecs:${arn.region}:${arn.account}:cluster/${clusterName(cluster)}`;
}

/** A state read by resync as the event it stands for: the `ecs-ops.resync` source, `time` when it was read. */
export function envelopeOf(state: ObservedState, runId: string, noticedAt: string): EventEnvelope {
  const arn = parseArn(state.arn);
  return {
    version: '0',
    id: `resync-${runId}-${state.key}-v${state.version}`,
    'detail-type': state.kind === 'task' ? TASK_STATE_CHANGE : CONTAINER_INSTANCE_STATE_CHANGE,
    source: RESYNC_SOURCE,
    account: arn?.account ?? '',
    time: noticedAt,
    region: arn?.region ?? '',
    resources: [state.arn],
    detail: state.detail,
  };
}

function lineOf(correction: Correction): CorrectionLine {
  if (correction.action === 'mark-missing') {
    const { key, kind, state } = correction;
    return {
      action: 'mark-missing',
      arn: key,
      kind,
      from: state.version,
      version: state.version,
      status: 'missing',
    };
  }
  const { observed: state } = correction;
  return {
    action: correction.action,
    arn: state.arn,
    kind: state.kind,
    ...(correction.action === 'advance' ? { from: correction.from } : {}),
    version: state.version,
    status: state.status,
  };
}

/**
 * The drainer: the I/O around the drain state machine (machine.ts). It starts drains (find the container
 * instance, set it DRAINING, record the drain), merges what events and the reconciled state show, and does
 * what `decide` asks: complete the lifecycle action when the instance is empty (or at the deadline, telling
 * on-call what still ran), heartbeat the action while it waits, stop standalone tasks when configured.
 *
 * Every change to a drain is a conditional write on its revision (drain-store.ts); a step that loses a race
 * re-reads and decides again. A release is claimed first (`releasing`, with a lease), so the lifecycle action
 * is completed by one caller only; a caller that dies mid-release leaves the claim to run out, and the next
 * sweep or redelivery finishes it.
 */
import {
  type AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  type ECSClient,
  ListClustersCommand,
  type ListClustersCommandOutput,
  ListContainerInstancesCommand,
  StopTaskCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { pages } from '../platform/aws/pages.js';
import type { ContainerInstanceDetail, TaskDetail } from '../platform/events/ecs-event.js';
import type { Journal } from '../platform/journal.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { StateStore, StoredResource } from '../platform/store/state-store.js';
import { clusterName } from '../platform/store/table.js';
import { DrainChangedError, type DrainStore, type StoredDrain } from './drain-store.js';
import {
  type DrainDecision,
  decide,
  liveTasks,
  observe,
  openDrain,
  planStart,
  type StartRequest,
} from './machine.js';
import type { Drain, DrainSettings, InstanceView, Release, ReleaseReason, TaskView } from './model.js';
import { renderReleaseWithTasks } from './render.js';

export const DRAIN_JOURNAL_KIND = 'drain';
/** Longer than one CompleteLifecycleAction and page with the SDK's retries. */
const RELEASE_LEASE_MS = 60_000;
/** Conditional-write races one step retries before giving up (the record is then redelivered). */
const MAX_RACES = 8;

export interface DrainerDependencies {
  drains: DrainStore;
  state: Pick<StateStore, 'instancesOnEc2' | 'tasksOnContainerInstance' | 'getLatest'>;
  ecs: Pick<ECSClient, 'send'>;
  autoScaling: Pick<AutoScalingClient, 'send'>;
  publisher: AlertPublisher;
  journal: Pick<Journal, 'append'>;
  settings: DrainSettings;
  /** The watched clusters (ops.config.yml `clusters`); undefined: every cluster of the account. */
  clusters: readonly string[] | undefined;
  now?: () => Date;
}

export type DrainStep =
  | 'started'
  | 'joined'
  | 'duplicate'
  | 'ignored'
  | 'waiting'
  | 'heartbeat'
  | 'stopped-standalone'
  | 'released'
  | 'releasing-elsewhere';

export interface DrainReport {
  ec2InstanceId?: string;
  step: DrainStep;
  explanation: string;
  release?: Release;
}

const ECS_TASK_STOPPED = 'STOPPED';

export function createDrainer(dependencies: DrainerDependencies) {
  const { drains, state, ecs, autoScaling, publisher, journal, settings } = dependencies;
  const now = dependencies.now ?? (() => new Date());

  const subjectOf = (drain: Drain) => `${drain.cluster ?? '-'}/${drain.ec2InstanceId}`;
  const record = (drain: Drain, at: string, what: string, fields: Record<string, unknown>) =>
    journal.append({
      at,
      kind: DRAIN_JOURNAL_KIND,
      subject: subjectOf(drain),
      id: `${drain.ec2InstanceId}#${what}`,
      fields: {
        ec2InstanceId: drain.ec2InstanceId,
        cluster: drain.cluster,
        trigger: drain.trigger,
        ...fields,
      },
    });

  // ---- what the reconciled state and ECS know ------------------------------------------------------------

  const watched = (cluster: string) =>
    dependencies.clusters === undefined || dependencies.clusters.includes(cluster);

  async function clustersToAsk(calls: { count: number }): Promise<string[]> {
    if (dependencies.clusters !== undefined) return [...dependencies.clusters];
    const names: string[] = [];
    const list = (nextToken: string | undefined): Promise<ListClustersCommandOutput> => {
      calls.count += 1;
      return ecs.send(new ListClustersCommand({ nextToken }));
    };
    for await (const page of pages(list, (page) => page.nextToken)) {
      names.push(...(page.clusterArns ?? []).map(clusterName));
    }
    return names;
  }

  /** The container instance on an EC2 instance: the reconciled state first, then ECS itself. */
  async function findContainerInstance(ec2InstanceId: string, calls: { count: number }) {
    const known = (await state.instancesOnEc2(ec2InstanceId))
      .map((instance) => instance.detail as ContainerInstanceDetail)
      .find((detail) => detail.status !== 'INACTIVE' && watched(clusterName(detail.clusterArn)));
    if (known !== undefined) {
      return { cluster: clusterName(known.clusterArn), containerInstanceArn: known.containerInstanceArn };
    }
    for (const cluster of await clustersToAsk(calls)) {
      calls.count += 1;
      const { containerInstanceArns = [] } = await ecs.send(
        new ListContainerInstancesCommand({ cluster, filter: `ec2InstanceId == ${ec2InstanceId}` }),
      );
      const [containerInstanceArn] = containerInstanceArns;
      if (containerInstanceArn !== undefined) return { cluster, containerInstanceArn };
    }
    return undefined;
  }

  /** Sets the instance DRAINING; ECS answers with its state at that version (or says it is gone). */
  async function setDraining(
    cluster: string,
    containerInstanceArn: string,
    calls: { count: number },
  ): Promise<InstanceView> {
    calls.count += 1;
    const response = await ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster,
        containerInstances: [containerInstanceArn],
        status: 'DRAINING',
      }),
    );
    const [described] = response.containerInstances ?? [];
    if (described === undefined) {
      // MISSING or INACTIVE: the instance deregistered; version 0 never outranks a state actually seen.
      return { status: 'INACTIVE', version: 0, runningTasksCount: 0, pendingTasksCount: 0 };
    }
    return {
      status: described.status ?? 'DRAINING',
      version: described.version ?? 0,
      runningTasksCount: described.runningTasksCount ?? 0,
      pendingTasksCount: described.pendingTasksCount ?? 0,
    };
  }

  /** The reconciled tasks of the instance that matter: those not yet stopped, and those the drain follows. */
  async function reconciledTasks(drain: Drain): Promise<Record<string, TaskView>> {
    if (drain.containerInstanceArn === undefined) return {};
    const tasks: Record<string, TaskView> = {};
    for (const task of await state.tasksOnContainerInstance(drain.containerInstanceArn)) {
      const detail = task.detail as TaskDetail;
      if (detail.lastStatus === ECS_TASK_STOPPED && drain.tasks[task.arn] === undefined) continue;
      tasks[task.arn] = taskView(detail, task.version);
    }
    return tasks;
  }

  async function reconciledInstance(drain: Drain): Promise<InstanceView | undefined> {
    if (drain.containerInstanceArn === undefined) return undefined;
    const latest: StoredResource | undefined = await state.getLatest(drain.containerInstanceArn);
    return latest === undefined ? undefined : instanceView(latest.detail as ContainerInstanceDetail);
  }

  // ---- the steps -----------------------------------------------------------------------------------------

  /** Starts (or joins) the drain of an EC2 instance; idempotent for a repeated trigger. */
  async function start(request: StartRequest): Promise<DrainReport> {
    const { ec2InstanceId } = request;
    for (let race = 0; race < MAX_RACES; race++) {
      const existing = await drains.get(ec2InstanceId);
      const plan = planStart(existing?.drain, request);
      if (plan.kind === 'duplicate') return { ec2InstanceId, step: 'duplicate', explanation: plan.note };
      try {
        if (plan.kind === 'join') {
          const joined = await drains.save(plan.drain, existing?.revision);
          await record(plan.drain, request.at, `joined-${request.trigger}`, { note: plan.note });
          const settled = await settle(ec2InstanceId, joined);
          return settled.step === 'waiting'
            ? { ...settled, step: 'joined', explanation: `${plan.note}; ${settled.explanation}` }
            : settled;
        }
        const calls = { count: 0 };
        const found = await findContainerInstance(ec2InstanceId, calls);
        let drain = openDrain(request, settings, found);
        if (found !== undefined) {
          const instance = await setDraining(found.cluster, found.containerInstanceArn, calls);
          drain = observe(drain, { instance });
          drain = observe(drain, { tasks: await reconciledTasks(drain) });
        }
        drain = { ...drain, apiCalls: calls.count };
        // A released earlier drain of the instance is replaced: it is still in the journal.
        const opened = await drains.save(drain, existing?.revision);
        await record(drain, request.at, `started-${request.at}`, {
          outcome: 'started',
          containerInstanceArn: drain.containerInstanceArn,
          deadline: drain.deadline,
          lifecycle: drain.lifecycle,
          tasks: liveTasks(drain),
        });
        const settled = await settle(ec2InstanceId, opened);
        return settled.step === 'waiting'
          ? { ...settled, step: 'started', explanation: `${drain.notes[0]}; ${settled.explanation}` }
          : settled;
      } catch (error) {
        if (!(error instanceof DrainChangedError)) throw error;
      }
    }
    throw new DrainChangedError(ec2InstanceId);
  }

  /** An ECS event of an instance or of a task on it: merged into the instance's open drain, if it has one. */
  async function observeEvent(
    event: { kind: 'instance'; detail: ContainerInstanceDetail } | { kind: 'task'; detail: TaskDetail },
  ): Promise<DrainReport> {
    const { containerInstanceArn } = event.detail;
    if (containerInstanceArn === undefined) {
      return { step: 'ignored', explanation: 'the task runs on no container instance (Fargate)' };
    }
    if (event.kind === 'task' && event.detail.lastStatus !== ECS_TASK_STOPPED) {
      return { step: 'ignored', explanation: `a task change to ${event.detail.lastStatus} ends nothing` };
    }
    const ec2InstanceId =
      event.kind === 'instance' && event.detail.ec2InstanceId !== undefined
        ? event.detail.ec2InstanceId
        : ((await state.getLatest(containerInstanceArn))?.detail as ContainerInstanceDetail | undefined)
            ?.ec2InstanceId;
    if (ec2InstanceId === undefined) {
      return { step: 'ignored', explanation: `${containerInstanceArn} is not in the reconciled state yet` };
    }
    const observation =
      event.kind === 'instance'
        ? { instance: instanceView(event.detail) }
        : { tasks: { [event.detail.taskArn]: taskView(event.detail, event.detail.version) } };
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = await drains.get(ec2InstanceId);
      if (stored === undefined || stored.drain.state === 'released') {
        return { ec2InstanceId, step: 'ignored', explanation: 'no drain under way on the instance' };
      }
      if (stored.drain.containerInstanceArn !== containerInstanceArn) {
        return { ec2InstanceId, step: 'ignored', explanation: 'the drain is of another container instance' };
      }
      let merged = observe(stored.drain, observation);
      const instance = merged.instance;
      // ECS counts the instance empty: confirm from the reconciled tasks on it before anything is released. The
      // view's live tasks may have STOPPED versions reconciled already (the events went to another queue
      // first), and tasks the drain never saw may still be DEACTIVATING or STOPPING, which ECS no longer counts
      // (releasing then caused 502s in a known drainer, aws/aws-cdk#13506).
      if (instance !== undefined && instance.runningTasksCount + instance.pendingTasksCount === 0) {
        merged = observe(merged, { tasks: await reconciledTasks(merged) });
      }
      try {
        const current = sameObservations(merged, stored.drain)
          ? stored
          : await drains.save(merged, stored.revision);
        return await settle(ec2InstanceId, current);
      } catch (error) {
        if (!(error instanceof DrainChangedError)) throw error;
      }
    }
    throw new DrainChangedError(ec2InstanceId);
  }

  /**
   * Every open drain, once: refreshed from the reconciled state (what events may have missed), then decided —
   * heartbeats, standalone stops, releases at the deadline, and releases a dead invocation left half done.
   */
  async function sweep(): Promise<DrainReport[]> {
    const reports: DrainReport[] = [];
    for (const { drain } of await drains.open()) {
      try {
        reports.push(await refresh(drain.ec2InstanceId));
      } catch (error) {
        reports.push({
          ec2InstanceId: drain.ec2InstanceId,
          step: 'waiting',
          explanation: `this sweep failed: ${(error as Error).message}; the next one retries`,
        });
      }
    }
    return reports;
  }

  async function refresh(ec2InstanceId: string): Promise<DrainReport> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = await drains.get(ec2InstanceId);
      if (stored === undefined) return { ec2InstanceId, step: 'ignored', explanation: 'no such drain' };
      const instance = await reconciledInstance(stored.drain);
      const merged = observe(stored.drain, {
        ...(instance === undefined ? {} : { instance }),
        tasks: await reconciledTasks(stored.drain),
      });
      try {
        const current = sameObservations(merged, stored.drain)
          ? stored
          : await drains.save(merged, stored.revision);
        return await settle(ec2InstanceId, current);
      } catch (error) {
        if (!(error instanceof DrainChangedError)) throw error;
      }
    }
    throw new DrainChangedError(ec2InstanceId);
  }

  /**
   * Decides the drain as stored and does what the decision asks. `known` is the drain as the caller just read or
   * wrote it (no second read); a lost race reads it again.
   */
  async function settle(ec2InstanceId: string, known?: StoredDrain): Promise<DrainReport> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = race === 0 && known !== undefined ? known : await drains.get(ec2InstanceId);
      if (stored === undefined) return { ec2InstanceId, step: 'ignored', explanation: 'no such drain' };
      const at = now();
      const { drain } = stored;
      if (drain.state === 'released') {
        return {
          ec2InstanceId,
          step: 'released',
          explanation: 'already released',
          ...(drain.release ? { release: drain.release } : {}),
        };
      }
      const leaseRunning = drain.state === 'releasing' && Date.parse(drain.leaseUntil ?? '') > at.getTime();
      if (leaseRunning) {
        return {
          ec2InstanceId,
          step: 'releasing-elsewhere',
          explanation: `being released (until ${drain.leaseUntil})`,
        };
      }
      // A release whose claim ran out is decided afresh: its caller died before finishing.
      const decision = decide({ ...drain, state: 'draining' }, at, settings);
      try {
        if (decision.kind === 'release') return await release(stored, decision, at);
        if (decision.kind === 'wait') return await wait(stored, decision, at);
        return { ec2InstanceId, step: 'ignored', explanation: 'nothing to do' };
      } catch (error) {
        if (!(error instanceof DrainChangedError)) throw error;
      }
    }
    throw new DrainChangedError(ec2InstanceId);
  }

  async function wait(
    stored: StoredDrain,
    decision: Extract<DrainDecision, { kind: 'wait' }>,
    at: Date,
  ): Promise<DrainReport> {
    const { drain } = stored;
    const { ec2InstanceId } = drain;
    if (!decision.heartbeat && decision.stopStandalone.length === 0) {
      return { ec2InstanceId, step: 'waiting', explanation: decision.explanation };
    }
    const iso = at.toISOString();
    let calls = 0;
    let updated: Drain = drain;
    if (decision.heartbeat && drain.lifecycle !== undefined) {
      calls += 1;
      try {
        await autoScaling.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: drain.lifecycle.autoScalingGroup,
            LifecycleHookName: drain.lifecycle.hook,
            LifecycleActionToken: drain.lifecycle.token,
            InstanceId: ec2InstanceId,
          }),
        );
      } catch (error) {
        if (!isActionGone(error)) throw error;
        const gone = { ...drain, apiCalls: drain.apiCalls + calls };
        return await release(
          { ...stored, drain: gone },
          {
            reason: 'action-ended',
            remaining: liveTasks(drain),
            explanation:
              'the lifecycle action had already ended (its heartbeat timeout ran out, or it was completed elsewhere)',
          },
          at,
        );
      }
      const heartbeats = drain.heartbeats + 1;
      updated = {
        ...updated,
        heartbeats,
        lastHeartbeatAt: iso,
        notes: [...updated.notes, `heartbeat ${heartbeats} at ${iso}: ${decision.explanation}`],
      };
    }
    if (decision.stopStandalone.length > 0 && drain.cluster !== undefined) {
      const reason = `ecs-ops drain: ${ec2InstanceId} is leaving (${drain.trigger}); standalone tasks are stopped after ${settings.standaloneGraceMinutes} min`;
      for (const task of decision.stopStandalone) {
        calls += 1;
        await ecs.send(new StopTaskCommand({ cluster: drain.cluster, task, reason }));
      }
      updated = {
        ...updated,
        standaloneStoppedAt: iso,
        notes: [...updated.notes, `stopped ${decision.stopStandalone.length} standalone task(s) at ${iso}`],
      };
    }
    updated = { ...updated, apiCalls: updated.apiCalls + calls };
    await drains.save(updated, stored.revision);
    if (decision.stopStandalone.length > 0) {
      await record(updated, iso, 'stopped-standalone', {
        outcome: 'stopped-standalone',
        tasks: decision.stopStandalone,
      });
      return {
        ec2InstanceId,
        step: 'stopped-standalone',
        explanation: `stopped ${decision.stopStandalone.join(', ')}`,
      };
    }
    await record(updated, iso, `heartbeat-${updated.heartbeats}`, {
      outcome: 'heartbeat',
      reason: decision.explanation,
    });
    return { ec2InstanceId, step: 'heartbeat', explanation: decision.explanation };
  }

  async function release(
    stored: StoredDrain,
    decision: { reason: ReleaseReason; remaining: string[]; explanation: string },
    at: Date,
  ): Promise<DrainReport> {
    const { drain } = stored;
    const { ec2InstanceId } = drain;
    const leaseUntil = new Date(at.getTime() + RELEASE_LEASE_MS).toISOString();
    const claim = await drains.save({ ...drain, state: 'releasing', leaseUntil }, stored.revision);
    let calls = 0;
    let lifecycleResult: Release['lifecycleResult'];
    const notes = [`release (${decision.reason}): ${decision.explanation}`];
    if (drain.lifecycle !== undefined && decision.reason !== 'action-ended') {
      calls += 1;
      try {
        await autoScaling.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: drain.lifecycle.autoScalingGroup,
            LifecycleHookName: drain.lifecycle.hook,
            LifecycleActionToken: drain.lifecycle.token,
            InstanceId: ec2InstanceId,
            LifecycleActionResult: 'CONTINUE',
          }),
        );
        lifecycleResult = 'CONTINUE';
      } catch (error) {
        if (!isActionGone(error)) throw error;
        notes.push(
          'the lifecycle action had already ended (completed earlier, or its heartbeat timeout ran out)',
        );
      }
    }
    const releaseAt = now().toISOString();
    const outcome: Release = {
      at: releaseAt,
      reason: decision.reason,
      ...(lifecycleResult === undefined ? {} : { lifecycleResult }),
      remaining: decision.remaining,
    };
    if (decision.reason === 'deadline' || decision.remaining.length > 0) {
      await publisher.publish(renderReleaseWithTasks(drain, decision.reason, decision.remaining));
    }
    const released = await finishRelease(ec2InstanceId, claim, outcome, calls, notes);
    // A lifecycle action that joined while this release was under way is released with it.
    const joined = released.lifecycle;
    if (joined !== undefined && joined.token !== drain.lifecycle?.token) {
      await autoScaling
        .send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: joined.autoScalingGroup,
            LifecycleHookName: joined.hook,
            LifecycleActionToken: joined.token,
            InstanceId: ec2InstanceId,
            LifecycleActionResult: 'CONTINUE',
          }),
        )
        .catch((error: unknown) => {
          if (!isActionGone(error)) throw error;
        });
    }
    await record(released, releaseAt, 'released', {
      outcome: 'released',
      reason: decision.reason,
      explanation: decision.explanation,
      lifecycleResult,
      remaining: decision.remaining,
      startedAt: released.startedAt,
      lastTaskStoppedAt: released.lastTaskStoppedAt,
      apiCalls: released.apiCalls,
    });
    return { ec2InstanceId, step: 'released', explanation: decision.explanation, release: outcome };
  }

  /** Records the release on the claimed drain, re-reading if an observation was merged meanwhile. */
  async function finishRelease(
    ec2InstanceId: string,
    claim: StoredDrain,
    outcome: Release,
    calls: number,
    notes: string[],
  ): Promise<Drain> {
    let current = claim;
    for (let race = 0; race < MAX_RACES; race++) {
      const { leaseUntil: _lease, ...rest } = current.drain;
      const released: Drain = {
        ...rest,
        state: 'released',
        release: outcome,
        apiCalls: current.drain.apiCalls + calls,
        notes: [...current.drain.notes, ...notes],
      };
      try {
        await drains.save(released, current.revision);
        return released;
      } catch (error) {
        if (!(error instanceof DrainChangedError)) throw error;
        const reread = await drains.get(ec2InstanceId);
        if (reread === undefined || reread.drain.state === 'released') return reread?.drain ?? released;
        current = reread;
      }
    }
    throw new DrainChangedError(ec2InstanceId);
  }

  return { start, observeEvent, sweep };
}

export type Drainer = ReturnType<typeof createDrainer>;

function taskView(detail: TaskDetail, version: number): TaskView {
  const stoppedAt =
    detail.lastStatus === ECS_TASK_STOPPED ? (detail.stoppedAt ?? detail.updatedAt) : undefined;
  return {
    lastStatus: detail.lastStatus,
    version,
    ...(detail.group === undefined ? {} : { group: detail.group }),
    ...(stoppedAt === undefined ? {} : { stoppedAt }),
  };
}

function instanceView(detail: ContainerInstanceDetail): InstanceView {
  return {
    status: detail.status,
    version: detail.version,
    runningTasksCount: detail.runningTasksCount ?? 0,
    pendingTasksCount: detail.pendingTasksCount ?? 0,
  };
}

/** Whether a merge changed nothing worth a write. */
function sameObservations(a: Drain, b: Drain): boolean {
  return JSON.stringify([a.instance, a.tasks]) === JSON.stringify([b.instance, b.tasks]);
}

/** EC2 Auto Scaling's answer for a token or instance with no action waiting (ValidationError). */
function isActionGone(error: unknown): boolean {
  const { name, message } = error as Error;
  return name === 'ValidationError' && /no active lifecycle action/i.test(message ?? '');
}

/**
 * Does what a stored drain asks for (plan.ts): claims a release and completes the lifecycle action, pages
 * (page-once, the page claimed with the release), heartbeats, stops standalone tasks, then records and
 * journals what was done. The one place a drain acts on AWS once it started.
 *
 * Every write is conditional on the drain's revision; a step that loses a race reads the drain again and plans
 * afresh.
 */
import {
  type AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { type ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { Journal } from '../platform/journal.js';
import type { AlertMessage } from '../platform/notification/message.js';
import { sendClaimed } from '../platform/notification/page-once.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import { type DrainStore, type StoredDrain, withRaces } from './drain-store.js';
import { journalDrainStep } from './journal.js';
import type { Drain, DrainSettings, LifecycleAction } from './model.js';
import { sameObservations } from './observations.js';
import {
  callsOf,
  type DrainEffect,
  joinedDuringRelease,
  pageGivenBack,
  pageSent,
  planActionEnded,
  planStep,
  type ReleasePlan,
  released,
  releaseOf,
  tended,
} from './plan.js';
import type { DrainReport } from './report.js';

export interface DrainExecutorDependencies {
  drains: Pick<DrainStore, 'get' | 'save'>;
  ecs: Pick<ECSClient, 'send'>;
  autoScaling: Pick<AutoScalingClient, 'send'>;
  publisher: AlertPublisher;
  journal: Pick<Journal, 'append'>;
  settings: DrainSettings;
  now: () => Date;
}

export function createDrainExecutor(dependencies: DrainExecutorDependencies) {
  const { drains, ecs, autoScaling, publisher, journal, settings, now } = dependencies;

  /** Performs an effect on AWS; false when the lifecycle action it names was gone (which counts as done). */
  async function perform(ec2InstanceId: string, effect: Exclude<DrainEffect, { kind: 'page' }>) {
    switch (effect.kind) {
      case 'heartbeat':
        return unlessGone(
          autoScaling.send(
            new RecordLifecycleActionHeartbeatCommand(actionInput(effect.action, ec2InstanceId)),
          ),
        );
      case 'complete-lifecycle-action':
        return unlessGone(
          autoScaling.send(
            new CompleteLifecycleActionCommand({
              ...actionInput(effect.action, ec2InstanceId),
              LifecycleActionResult: 'CONTINUE',
            }),
          ),
        );
      case 'stop-tasks':
        for (const task of effect.tasks) {
          await ecs.send(new StopTaskCommand({ cluster: effect.cluster, task, reason: effect.reason }));
        }
        return true;
    }
  }

  /**
   * Writes `change` of the drain, reading it again after a lost race (an observation merged meanwhile); a drain
   * released meanwhile is left as it is.
   */
  function rewrite(known: StoredDrain, change: (drain: Drain) => Drain): Promise<StoredDrain> {
    const { ec2InstanceId } = known.drain;
    let current = known;
    return withRaces(ec2InstanceId, async (race) => {
      if (race > 0) {
        const reread = await drains.get(ec2InstanceId);
        if (reread === undefined || reread.drain.state === 'released') return reread ?? current;
        current = reread;
      }
      return drains.save(change(current.drain), current.revision);
    });
  }

  /** Sends the page claimed with the release: marked sent on the drain, or given back if SNS fails. */
  async function page(claimed: StoredDrain, message: AlertMessage): Promise<StoredDrain> {
    let current = claimed;
    await sendClaimed({
      publish: () => publisher.publish(message),
      markSent: async (messageId) => {
        current = await rewrite(current, (drain) => pageSent(drain, messageId));
      },
      giveBack: () => rewrite(current, pageGivenBack),
    });
    return current;
  }

  async function release(stored: StoredDrain, plan: ReleasePlan): Promise<DrainReport> {
    const { ec2InstanceId } = stored.drain;
    let current = await drains.save(plan.claim, stored.revision);
    let completed: boolean | undefined;
    for (const effect of plan.effects) {
      if (effect.kind === 'page') current = await page(current, effect.message);
      else completed = await perform(ec2InstanceId, effect);
    }
    const result = {
      at: now().toISOString(),
      decision: plan.decision,
      ...(completed === undefined ? {} : { completed }),
      calls: plan.effects.reduce((sum, effect) => sum + callsOf(effect), 0),
    };
    const { drain } = await rewrite(current, (latest) => released(latest, result));
    const joined = joinedDuringRelease(plan.claim, drain);
    if (joined !== undefined)
      await perform(ec2InstanceId, { kind: 'complete-lifecycle-action', action: joined });
    const release = releaseOf(result);
    await journalDrainStep(journal, drain, result.at, 'released', {
      outcome: 'released',
      reason: release.reason,
      explanation: plan.decision.explanation,
      lifecycleResult: release.lifecycleResult,
      remaining: release.remaining,
      startedAt: drain.startedAt,
      lastTaskStoppedAt: drain.lastTaskStoppedAt,
      apiCalls: drain.apiCalls,
    });
    return {
      ec2InstanceId,
      step: 'released',
      explanation: plan.decision.explanation,
      release,
      startedAt: drain.startedAt,
      ...(drain.lastTaskStoppedAt === undefined ? {} : { lastTaskStoppedAt: drain.lastTaskStoppedAt }),
    };
  }

  async function tend(
    stored: StoredDrain,
    effects: readonly DrainEffect[],
    explanation: string,
    at: Date,
  ): Promise<DrainReport> {
    const { drain } = stored;
    const { ec2InstanceId } = drain;
    for (const effect of effects) {
      if (effect.kind === 'page' || (await perform(ec2InstanceId, effect))) continue;
      // Only a heartbeat finds its action gone: counted among the calls, the instance is released.
      const gone = { ...drain, apiCalls: drain.apiCalls + callsOf(effect) };
      return release({ ...stored, drain: gone }, planActionEnded(gone, at));
    }
    const updated = tended(drain, effects, at, explanation);
    await drains.save(updated, stored.revision);
    const iso = at.toISOString();
    const stopped = effects.find((effect) => effect.kind === 'stop-tasks');
    if (stopped !== undefined) {
      await journalDrainStep(journal, updated, iso, 'stopped-standalone', {
        outcome: 'stopped-standalone',
        tasks: stopped.tasks,
      });
      return {
        ec2InstanceId,
        step: 'stopped-standalone',
        explanation: `stopped ${stopped.tasks.join(', ')}`,
      };
    }
    await journalDrainStep(journal, updated, iso, `heartbeat-${updated.heartbeats}`, {
      outcome: 'heartbeat',
      reason: explanation,
    });
    return { ec2InstanceId, step: 'heartbeat', explanation };
  }

  /**
   * Plans the drain as stored and does what the plan asks. `known` is the drain as the caller just read or wrote
   * it (no second read); a lost race reads it again.
   */
  function settle(ec2InstanceId: string, known?: StoredDrain): Promise<DrainReport> {
    return withRaces(ec2InstanceId, async (race) => {
      const stored = race === 0 && known !== undefined ? known : await drains.get(ec2InstanceId);
      if (stored === undefined) return { ec2InstanceId, step: 'ignored', explanation: 'no such drain' };
      const at = now();
      const plan = planStep(stored.drain, at, settings);
      if (plan.kind === 'release') return release(stored, plan);
      if (plan.kind === 'tend') return tend(stored, plan.effects, plan.explanation, at);
      const { kind: _, ...report } = plan;
      return { ec2InstanceId, ...report };
    });
  }

  return {
    settle,
    /** Writes what a merge of observations changed (nothing, if nothing did), then settles the drain. */
    async settleMerged(stored: StoredDrain, merged: Drain): Promise<DrainReport> {
      const current = sameObservations(merged, stored.drain)
        ? stored
        : await drains.save(merged, stored.revision);
      return settle(merged.ec2InstanceId, current);
    },
  };
}

export type DrainExecutor = ReturnType<typeof createDrainExecutor>;

function actionInput(action: LifecycleAction, ec2InstanceId: string) {
  return {
    AutoScalingGroupName: action.autoScalingGroup,
    LifecycleHookName: action.hook,
    LifecycleActionToken: action.token,
    InstanceId: ec2InstanceId,
  };
}

/** True once the call went through; false when EC2 Auto Scaling had no such action waiting any more. */
function unlessGone(call: Promise<unknown>): Promise<boolean> {
  return call.then(
    () => true,
    (error: unknown) => {
      const { name, message } = error as Error;
      if (name === 'ValidationError' && /no active lifecycle action/i.test(message ?? '')) return false;
      throw error;
    },
  );
}

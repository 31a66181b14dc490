/**
 * What a stored drain asks for now, as effects for the executor (executor.ts): the rules around the state
 * machine's decision (machine.ts `decide`) — who may release an instance, what a release does, what waiting
 * does — and the drain each step leaves behind. Pure.
 *
 * - A release is claimed first (`releasing`, with a lease) in a write conditional on the drain's revision, so
 *   one caller completes the lifecycle action; a claim that ran out is decided afresh (its caller died).
 * - An instance that leaves with tasks on it (or at its deadline) pages once: the page is claimed with the
 *   release (page-once), given back if SNS fails, and a later release sends that page rather than another.
 * - Waiting heartbeats the lifecycle action and stops standalone tasks when they are due.
 */
import type { AlertMessage } from '../platform/notification/message.js';
import { isClaimable, leaseHeld, pendingPage, sentPage } from '../platform/notification/page-once.js';
import { type DrainDecision, decide, liveTasks } from './machine.js';
import type { Drain, DrainPage, DrainSettings, LifecycleAction, Release } from './model.js';
import { renderReleaseWithTasks } from './render.js';

/** Longer than one CompleteLifecycleAction and page with the SDK's retries. */
export const RELEASE_LEASE_MS = 60_000;

export type DrainEffect =
  | { kind: 'heartbeat'; action: LifecycleAction }
  | { kind: 'stop-tasks'; cluster: string; tasks: string[]; reason: string }
  /** An action already gone (completed, or timed out) counts as done. */
  | { kind: 'complete-lifecycle-action'; action: LifecycleAction }
  | { kind: 'page'; message: AlertMessage };

export type ReleaseDecision = Omit<Extract<DrainDecision, { kind: 'release' }>, 'kind'>;

export type DrainPlan =
  /** Nothing to do now. */
  | {
      kind: 'none';
      step: 'released' | 'releasing-elsewhere' | 'waiting' | 'ignored';
      explanation: string;
      release?: Release;
    }
  /** Write `claim` at the drain's revision, then perform the effects in order (the page last). */
  | { kind: 'release'; claim: Drain; effects: DrainEffect[]; decision: ReleaseDecision }
  /** Perform the effects (the heartbeat first), then write what was done (`tended`). */
  | { kind: 'tend'; effects: DrainEffect[]; explanation: string };

export function planStep(drain: Drain, at: Date, settings: DrainSettings): DrainPlan {
  if (drain.state === 'released') {
    return {
      kind: 'none',
      step: 'released',
      explanation: 'already released',
      ...(drain.release ? { release: drain.release } : {}),
    };
  }
  if (drain.state === 'releasing' && leaseHeld(drain.leaseUntil, at)) {
    return {
      kind: 'none',
      step: 'releasing-elsewhere',
      explanation: `being released (until ${drain.leaseUntil})`,
    };
  }
  // A release whose claim ran out is decided afresh: its caller died before finishing.
  const decision = decide({ ...drain, state: 'draining' }, at, settings);
  if (decision.kind === 'release') return planRelease(drain, decision, at);
  if (decision.kind === 'done') return { kind: 'none', step: 'ignored', explanation: 'nothing to do' };
  const effects: DrainEffect[] = [];
  if (decision.heartbeat && drain.lifecycle !== undefined) {
    effects.push({ kind: 'heartbeat', action: drain.lifecycle });
  }
  if (decision.stopStandalone.length > 0 && drain.cluster !== undefined) {
    effects.push({
      kind: 'stop-tasks',
      cluster: drain.cluster,
      tasks: decision.stopStandalone,
      reason: `ecs-ops drain: ${drain.ec2InstanceId} is leaving (${drain.trigger}); standalone tasks are stopped after ${settings.standaloneGraceMinutes} min`,
    });
  }
  return effects.length === 0
    ? { kind: 'none', step: 'waiting', explanation: decision.explanation }
    : { kind: 'tend', effects, explanation: decision.explanation };
}

export type ReleasePlan = Extract<DrainPlan, { kind: 'release' }>;

export function planRelease(drain: Drain, decision: ReleaseDecision, at: Date): ReleasePlan {
  const page = owedPage(drain, decision, at);
  const leaseUntil = new Date(at.getTime() + RELEASE_LEASE_MS).toISOString();
  const claim: Drain = {
    ...drain,
    state: 'releasing',
    leaseUntil,
    // The page is claimed with the release, for as long.
    ...(page === undefined ? {} : { page: { ...pageAbout(page), state: 'sending', leaseUntil } }),
  };
  const effects: DrainEffect[] = [];
  if (drain.lifecycle !== undefined && decision.reason !== 'action-ended') {
    effects.push({ kind: 'complete-lifecycle-action', action: drain.lifecycle });
  }
  if (page !== undefined) {
    effects.push({ kind: 'page', message: renderReleaseWithTasks(drain, page.reason, page.remaining) });
  }
  return { kind: 'release', claim, effects, decision };
}

/**
 * The page a release sends: one an earlier release claimed and did not send (whatever this one decided), else
 * one of its own when the instance leaves with tasks on it or at its deadline; never a page already sent.
 */
function owedPage(drain: Drain, decision: ReleaseDecision, at: Date): PageAbout | undefined {
  if (drain.page !== undefined) return isClaimable(drain.page, at) ? drain.page : undefined;
  const leavesTasks = decision.reason === 'deadline' || decision.remaining.length > 0;
  return leavesTasks ? { reason: decision.reason, remaining: decision.remaining } : undefined;
}

/** The heartbeat found the lifecycle action gone (timed out, or completed elsewhere): release the instance. */
export function planActionEnded(drain: Drain, at: Date): ReleasePlan {
  return planRelease(
    drain,
    {
      reason: 'action-ended',
      remaining: liveTasks(drain),
      explanation:
        'the lifecycle action had already ended (its heartbeat timeout ran out, or it was completed elsewhere)',
    },
    at,
  );
}

/** ECS and EC2 Auto Scaling calls an effect makes. */
export function callsOf(effect: DrainEffect): number {
  if (effect.kind === 'stop-tasks') return effect.tasks.length;
  return effect.kind === 'page' ? 0 : 1;
}

/** The drain after the waiting effects went through. */
export function tended(drain: Drain, effects: readonly DrainEffect[], at: Date, explanation: string): Drain {
  const iso = at.toISOString();
  let updated: Drain = { ...drain, apiCalls: drain.apiCalls + effects.reduce((n, e) => n + callsOf(e), 0) };
  for (const effect of effects) {
    if (effect.kind === 'heartbeat') {
      const heartbeats = updated.heartbeats + 1;
      updated = {
        ...updated,
        heartbeats,
        lastHeartbeatAt: iso,
        notes: [...updated.notes, `heartbeat ${heartbeats} at ${iso}: ${explanation}`],
      };
    }
    if (effect.kind === 'stop-tasks') {
      updated = {
        ...updated,
        standaloneStoppedAt: iso,
        notes: [...updated.notes, `stopped ${effect.tasks.length} standalone task(s) at ${iso}`],
      };
    }
  }
  return updated;
}

/** How a release went: when, why, whether its lifecycle action was completed or already gone. */
export interface ReleaseResult {
  at: string;
  decision: ReleaseDecision;
  /** False when the action to complete was already gone; undefined when there was none to complete. */
  completed?: boolean;
  calls: number;
}

export function releaseOf({ at, decision, completed }: ReleaseResult): Release {
  return {
    at,
    reason: decision.reason,
    ...(completed ? { lifecycleResult: 'CONTINUE' as const } : {}),
    remaining: decision.remaining,
  };
}

/** The drain released, from the drain as it is now (observations may have been merged since the claim). */
export function released(drain: Drain, result: ReleaseResult): Drain {
  const { decision, completed, calls } = result;
  const { leaseUntil: _lease, ...rest } = drain;
  return {
    ...rest,
    state: 'released',
    release: releaseOf(result),
    apiCalls: drain.apiCalls + calls,
    notes: [
      ...drain.notes,
      `release (${decision.reason}): ${decision.explanation}`,
      ...(completed === false
        ? ['the lifecycle action had already ended (completed earlier, or its heartbeat timeout ran out)']
        : []),
    ],
  };
}

/** A lifecycle action that joined the drain while its release was under way: released with it. */
export function joinedDuringRelease(claimed: Drain, now: Drain): LifecycleAction | undefined {
  const joined = now.lifecycle;
  return joined !== undefined && joined.token !== claimed.lifecycle?.token ? joined : undefined;
}

/** The drain with its page sent. */
export function pageSent(drain: Drain, messageId: string): Drain {
  return drain.page === undefined
    ? drain
    : { ...drain, page: { ...pageAbout(drain.page), ...sentPage(messageId) } };
}

/**
 * The drain with its page given back (SNS failed): owed again, and the release's lease lapsed too, so the next
 * delivery or sweep releases it again — and sends that page — at once.
 */
export function pageGivenBack(drain: Drain): Drain {
  if (drain.page === undefined || drain.state !== 'releasing') return drain;
  const lapsed = new Date(0).toISOString();
  return { ...drain, leaseUntil: lapsed, page: { ...pageAbout(drain.page), ...pendingPage } };
}

type PageAbout = Pick<DrainPage, 'reason' | 'remaining'>;
const pageAbout = ({ reason, remaining }: PageAbout): PageAbout => ({ reason, remaining });

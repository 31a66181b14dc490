/**
 * RunTask until the slot has `count` tasks: what each attempt asks for (the missing tasks, with the attempt's
 * own client token, so a redelivery never doubles a top-up) and what its answer leads to — complete, retry or
 * top up on the backoff until the starting deadline, or give up (keeping what was placed). Pure: RunTask's
 * answer, the time and the launch function's remaining time are parameters.
 */
import type { RunTaskCommandInput, RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import { resourceId } from '../platform/arn.js';
import { asEcsOpsError } from '../platform/errors.js';
import type { JobConfig } from './config.js';
import { clientTokenOf, manualClientTokenOf } from './identity.js';
import { type Finished, type LaunchEffect, planGiveUp, record } from './launch-plan.js';
import { decidePlacement, failureSummary, type LaunchFailure } from './retry.js';
import { runRequest } from './run-request.js';
import { journalTime } from './slot.js';

export interface Attempt {
  job: string;
  config: JobConfig;
  slot: Date;
  /** `ecs-ops jobs run`'s request id, for a manual run. */
  requestId?: string;
  /** 1 for the first launch. */
  attempt: number;
  /** Tasks placed by the earlier attempts. */
  placed: string[];
}

/** The RunTask request of an attempt: the tasks still missing. */
export function attemptRequest({
  job,
  config,
  slot,
  requestId,
  attempt,
  placed,
}: Attempt): RunTaskCommandInput {
  const clientToken =
    requestId === undefined
      ? clientTokenOf(job, slot, attempt)
      : manualClientTokenOf(job, attempt === 1 ? requestId : `${requestId}#${attempt}`);
  return runRequest(job, { ...config, count: config.count - placed.length }, slot, { clientToken });
}

/** What RunTask answered: tasks placed and ECS's failures, or a refusal no retry can change. */
export type AttemptAnswer = { tasks: string[]; failures: LaunchFailure[] } | { refused: string };

export function answerOf(response: Pick<RunTaskCommandOutput, 'tasks' | 'failures'>): AttemptAnswer {
  return {
    tasks: (response.tasks ?? []).flatMap((task) => (task.taskArn ? [task.taskArn] : [])),
    failures: (response.failures ?? []).map((failure) => ({
      ...(failure.arn ? { arn: failure.arn } : {}),
      reason: failure.reason ?? 'unknown',
      ...(failure.detail ? { detail: failure.detail } : {}),
    })),
  };
}

/** An AWS error is worth another attempt when it is throttling, 5xx or networking; anything else is the request's fault. */
export function answerOfError(error: unknown): AttemptAnswer {
  const { name, message } = error as Error;
  // The error tree judges it as the SDK does: throttling, a transient network error or a 5xx is worth a retry.
  return asEcsOpsError(error).retryable
    ? { tasks: [], failures: [{ reason: name, detail: message }] }
    : { refused: `RunTask refused the request: ${name}: ${message}` };
}

export interface AnsweredAttempt extends Attempt {
  answer: AttemptAnswer;
  now: Date;
  /** How long the launch may still wait for a retry (its remaining time less a margin); undefined: no limit. */
  timeLeftMs?: number;
  /** Why earlier runs were replaced (concurrency Replace), for the launch's decision. */
  replaced?: string;
}

/** After the effects: finished, or the next attempt once `waitMs` has passed. */
export type AttemptPlan =
  | ({ kind: 'finished' } & Finished)
  | { kind: 'retry'; effects: LaunchEffect[]; next: Attempt; waitMs: number };

export function planAfterAttempt(answered: AnsweredAttempt): AttemptPlan {
  const { job, config, attempt, answer, now, replaced } = answered;
  const slot = answered.slot.toISOString();
  const giveUp = (placed: string[], reason: string): AttemptPlan => ({
    kind: 'finished',
    ...planGiveUp({ job, config, slot, attempts: attempt, placed, reason, now }),
  });
  const placedOf = (count: number) => `${count} of ${config.count} placed`;
  if ('refused' in answer) {
    const { placed } = answered;
    return giveUp(
      placed,
      placed.length === 0 ? answer.refused : `${placedOf(placed.length)}; ${answer.refused}`,
    );
  }
  const { tasks, failures } = answer;
  const placed = [...answered.placed, ...tasks];
  const first = answered.placed.length === 0;
  const effects: LaunchEffect[] = [];
  if (tasks.length > 0) {
    // Recorded at once, so job-runs finds the run of tasks that stop while the rest are still retried.
    const launchedAt = first ? { launchedAt: now.toISOString() } : {};
    effects.push(
      record(slot, { status: 'running', tasks: placed, attempts: attempt, ...launchedAt }, undefined, [
        first ? 'launching' : 'running',
      ]),
    );
  }
  const next = decidePlacement({
    slot: answered.slot,
    now,
    attempt,
    failures,
    config,
    count: config.count,
    placed: placed.length,
  });
  const withEffects = (plan: AttemptPlan): AttemptPlan => ({
    ...plan,
    effects: [...effects, ...plan.effects],
  });
  if (next.action === 'complete') {
    const ids = placed.map(resourceId).join(', ');
    const launched = `launched ${placed.length} task${placed.length === 1 ? '' : 's'} (${ids}) ${attempt === 1 ? 'at attempt 1' : `in ${attempt} attempts`}`;
    const decision = replaced === undefined ? launched : `${replaced}; ${launched}`;
    const outcome = replaced === undefined ? 'launched' : 'replaced';
    return {
      kind: 'finished',
      effects: [
        ...effects,
        record(slot, {}, [decision]),
        {
          kind: 'journal',
          step: {
            slot,
            step: 'launched',
            fields: { outcome, reason: decision, tasks: placed, attempts: attempt },
          },
        },
      ],
      summary: { job, slot, outcome, tasks: placed, reason: decision },
    };
  }
  if (next.action === 'give-up') return withEffects(giveUp(placed, next.reason));
  const waitMs = Math.max(0, next.at.getTime() - now.getTime());
  if (answered.timeLeftMs !== undefined && waitMs > answered.timeLeftMs) {
    const tried = `${attempt === 1 ? '1 attempt' : `${attempt} attempts`}: ${failureSummary(failures)}`;
    const reason =
      `${placed.length === 0 ? '' : `${placedOf(placed.length)}; `}gave up after ${tried}; ` +
      `a retry at ${journalTime(next.at)} would not fit in the launch function's remaining time`;
    return withEffects(giveUp(placed, reason));
  }
  const count = config.count - answered.placed.length;
  const what =
    tasks.length === 0
      ? `could not place ${count === 1 ? 'the task' : `${count} tasks`}`
      : `placed ${tasks.length} of ${count} tasks (${tasks.map(resourceId).join(', ')})`;
  const decision = `attempt ${attempt} ${what}: ${failureSummary(failures)}; ${placed.length === 0 ? 'retrying' : `topping up ${next.missing}`} at ${journalTime(next.at)}`;
  return {
    kind: 'retry',
    effects: [
      ...effects,
      record(slot, { attempts: attempt }, [decision]),
      {
        kind: 'journal',
        step: {
          slot,
          step: `attempt-${attempt}`,
          fields: {
            outcome: 'retry',
            reason: decision,
            attempts: attempt,
            ...(placed.length === 0 ? {} : { tasks: placed }),
          },
        },
      },
    ],
    next: {
      job,
      config,
      slot: answered.slot,
      ...(answered.requestId === undefined ? {} : { requestId: answered.requestId }),
      attempt: attempt + 1,
      placed,
    },
    waitMs,
  };
}

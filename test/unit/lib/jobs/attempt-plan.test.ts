/**
 * RunTask attempts (lib/jobs/attempt-plan.ts) as a specification: what each attempt asks for, how RunTask's
 * answer is read, and what it leads to — complete, retry, top up, or give up keeping what was placed — with the
 * decisions and journal entries each step writes.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnsweredAttempt,
  answerOf,
  answerOfError,
  attemptRequest,
  planAfterAttempt,
} from '../../../../lib/jobs/attempt-plan.js';
import { clientTokenOf, manualClientTokenOf } from '../../../../lib/jobs/identity.js';
import { taskArn as arn, jobConfig, later, SLOT } from '../../../support/jobs.js';

const MEMORY = { reason: 'RESOURCE:MEMORY' };
const config = jobConfig({
  taskDefinition: 'crunch',
  count: 3,
  retries: { attempts: 2, backoffSeconds: 10 },
});

const attempt = (overrides: Partial<AnsweredAttempt>): AnsweredAttempt => ({
  job: 'crunch',
  config,
  slot: SLOT,
  attempt: 1,
  placed: [],
  answer: { tasks: [], failures: [MEMORY] },
  now: later(4),
  ...overrides,
});

describe('attemptRequest: RunTask for the tasks still missing, each attempt with its own token', () => {
  it.each([
    { attempt: 1, placed: [], requestId: undefined, count: 3, token: clientTokenOf('crunch', SLOT, 1) },
    {
      attempt: 2,
      placed: [arn('a')],
      requestId: undefined,
      count: 2,
      token: clientTokenOf('crunch', SLOT, 2),
    },
    { attempt: 1, placed: [], requestId: 'req-1', count: 3, token: manualClientTokenOf('crunch', 'req-1') },
    { attempt: 3, placed: [], requestId: 'req-1', count: 3, token: manualClientTokenOf('crunch', 'req-1#3') },
  ])('attempt $attempt with $placed.length placed ($requestId) asks for $count', ({ requestId, ...rest }) => {
    const request = attemptRequest({
      job: 'crunch',
      config,
      slot: SLOT,
      ...(requestId === undefined ? {} : { requestId }),
      attempt: rest.attempt,
      placed: rest.placed,
    });
    expect(request).toMatchObject({ count: rest.count, clientToken: rest.token, cluster: 'batch' });
  });
});

describe('reading RunTask’s answer', () => {
  it('takes the tasks placed and ECS’s failures', () => {
    expect(
      answerOf({
        tasks: [{ taskArn: arn('a') }, {}],
        failures: [{ arn: 'arn:ci', reason: 'RESOURCE:MEMORY' }, { detail: 'no capacity' }],
      }),
    ).toEqual({
      tasks: [arn('a')],
      failures: [
        { arn: 'arn:ci', reason: 'RESOURCE:MEMORY' },
        { reason: 'unknown', detail: 'no capacity' },
      ],
    });
  });

  it.each([
    { error: { name: 'ThrottlingException', message: 'slow down' }, transient: true },
    {
      error: {
        name: 'ServerException',
        message: 'oops',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      },
      transient: true,
    },
    { error: { name: 'TimeoutError', message: 'socket' }, transient: true },
    { error: { name: 'Anything', message: 'x', $retryable: {} }, transient: true },
    {
      error: {
        name: 'InvalidParameterException',
        message: 'no such task definition',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      },
      transient: false,
    },
  ])('$error.name is worth another attempt: $transient', ({ error, transient }) => {
    const answer = answerOfError(Object.assign(new Error(error.message), error));
    expect(answer).toEqual(
      transient
        ? { tasks: [], failures: [{ reason: error.name, detail: error.message }] }
        : { refused: `RunTask refused the request: ${error.name}: ${error.message}` },
    );
  });
});

describe('planAfterAttempt: what an attempt leads to', () => {
  const all = [arn('a'), arn('b'), arn('c')];

  it.each<[string, Partial<AnsweredAttempt>, object]>([
    [
      'completes when every task is placed at once',
      { answer: { tasks: all, failures: [] } },
      {
        kind: 'finished',
        summary: { outcome: 'launched', tasks: all, reason: 'launched 3 tasks (a, b, c) at attempt 1' },
      },
    ],
    [
      'completes a top-up, counting the attempts',
      { attempt: 2, placed: [arn('a')], answer: { tasks: [arn('b'), arn('c')], failures: [] } },
      {
        kind: 'finished',
        summary: { outcome: 'launched', reason: 'launched 3 tasks (a, b, c) in 2 attempts' },
      },
    ],
    [
      'says why earlier runs were replaced',
      { answer: { tasks: all, failures: [] }, replaced: 'replaced: previous run still RUNNING' },
      {
        kind: 'finished',
        summary: {
          outcome: 'replaced',
          reason: 'replaced: previous run still RUNNING; launched 3 tasks (a, b, c) at attempt 1',
        },
      },
    ],
    [
      'retries a launch that placed nothing on the backoff',
      {},
      { kind: 'retry', waitMs: 10_000, next: { attempt: 2, placed: [] } },
    ],
    [
      'tops up the missing tasks on the backoff, keeping what was placed',
      { answer: { tasks: [arn('a')], failures: [MEMORY, MEMORY] } },
      { kind: 'retry', waitMs: 10_000, next: { attempt: 2, placed: [arn('a')] } },
    ],
    [
      'gives up past the last retry with nothing placed: the run fails',
      { attempt: 3 },
      {
        kind: 'finished',
        summary: { outcome: 'failed', reason: 'gave up after 3 attempts: RESOURCE:MEMORY' },
      },
    ],
    [
      'gives up past the last retry with some placed: the run keeps them',
      { attempt: 3, placed: [arn('a')] },
      {
        kind: 'finished',
        summary: {
          outcome: 'partial',
          tasks: [arn('a')],
          reason: '1 of 3 placed; gave up after 3 attempts: RESOURCE:MEMORY',
        },
      },
    ],
    [
      'gives up when the retry would not fit in the launch function’s remaining time',
      { timeLeftMs: 9_999 },
      {
        kind: 'finished',
        summary: {
          outcome: 'failed',
          reason:
            "gave up after 1 attempt: RESOURCE:MEMORY; a retry at 2024-05-02T02:30:14Z would not fit in the launch function's remaining time",
        },
      },
    ],
    ['retries when it just fits', { timeLeftMs: 10_000 }, { kind: 'retry' }],
    [
      'gives up at once when RunTask refused the request',
      { answer: { refused: 'RunTask refused the request: InvalidParameterException: bad' } },
      {
        kind: 'finished',
        effects: [{ kind: 'page' }],
        summary: { outcome: 'failed', reason: 'RunTask refused the request: InvalidParameterException: bad' },
      },
    ],
    [
      'keeps what was placed when RunTask refused a top-up',
      { attempt: 2, placed: [arn('a')], answer: { refused: 'RunTask refused the request: X: y' } },
      {
        kind: 'finished',
        summary: { outcome: 'partial', reason: '1 of 3 placed; RunTask refused the request: X: y' },
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(planAfterAttempt(attempt(overrides))).toMatchObject(expected);
  });

  it('records tasks as soon as they are placed, so job-runs finds their run', () => {
    const first = planAfterAttempt(attempt({ answer: { tasks: [arn('a')], failures: [MEMORY] } }));
    const topUp = planAfterAttempt(
      attempt({
        attempt: 2,
        placed: [arn('a')],
        answer: { tasks: [arn('b')], failures: [MEMORY] },
        now: later(15),
      }),
    );

    expect(first.effects[0]).toEqual({
      kind: 'record',
      write: {
        slot: SLOT.toISOString(),
        changes: { status: 'running', tasks: [arn('a')], attempts: 1, launchedAt: later(4).toISOString() },
        options: { from: ['launching'] },
      },
    });
    expect(topUp.effects[0]).toEqual({
      kind: 'record',
      write: {
        slot: SLOT.toISOString(),
        changes: { status: 'running', tasks: [arn('a'), arn('b')], attempts: 2 },
        options: { from: ['running'] },
      },
    });
  });

  it('writes the retry’s decision and journals it with the tasks placed so far', () => {
    const plan = planAfterAttempt(attempt({ answer: { tasks: [arn('a')], failures: [MEMORY, MEMORY] } }));
    const decision =
      'attempt 1 placed 1 of 3 tasks (a): RESOURCE:MEMORY (×2); topping up 2 at 2024-05-02T02:30:14Z';

    expect(plan.effects.slice(1)).toEqual([
      {
        kind: 'record',
        write: { slot: SLOT.toISOString(), changes: { attempts: 1 }, options: { decisions: [decision] } },
      },
      {
        kind: 'journal',
        step: {
          slot: SLOT.toISOString(),
          step: 'attempt-1',
          fields: { outcome: 'retry', reason: decision, attempts: 1, tasks: [arn('a')] },
        },
      },
    ]);
  });

  it('journals a launch with the tasks and attempts', () => {
    const plan = planAfterAttempt(attempt({ answer: { tasks: all, failures: [] } }));

    expect(plan.effects.at(-1)).toEqual({
      kind: 'journal',
      step: {
        slot: SLOT.toISOString(),
        step: 'launched',
        fields: {
          outcome: 'launched',
          reason: 'launched 3 tasks (a, b, c) at attempt 1',
          tasks: all,
          attempts: 1,
        },
      },
    });
  });
});

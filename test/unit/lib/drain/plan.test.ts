/**
 * What a stored drain asks for (lib/drain/plan.ts) as a specification: who may release an instance (the
 * release claim and its lease, a claim that ran out decided afresh), what a release does (complete the
 * lifecycle action, then page when the instance leaves with tasks — once), what waiting does (heartbeat, stop
 * standalone tasks), and the drain each step leaves behind.
 */
import { describe, expect, it } from 'vitest';
import type { Drain, DrainPage } from '../../../../lib/drain/model.js';
import {
  callsOf,
  type DrainEffect,
  joinedDuringRelease,
  pageGivenBack,
  pageSent,
  planActionEnded,
  planStep,
  RELEASE_LEASE_MS,
  type ReleasePlan,
  released,
  tended,
} from '../../../../lib/drain/plan.js';
import {
  A,
  ACTION,
  at,
  atDate,
  B,
  drainOf,
  instance,
  type Overrides,
  SETTINGS,
  STOP,
  service,
  standalone,
} from '../../../support/drains.js';

const empty: Overrides = {
  instance: instance('DRAINING', 6, 0),
  tasks: { [A]: service('STOPPED', 4, at(3)) },
};
const busy: Overrides = { instance: instance('DRAINING', 4, 2), tasks: { [A]: service('RUNNING', 2) } };
const claimedAt = (minutes: number) => new Date(atDate(minutes).getTime() + RELEASE_LEASE_MS).toISOString();
const page = (state: DrainPage['state'], extra: Partial<DrainPage> = {}): DrainPage => ({
  reason: 'deadline',
  remaining: [A],
  state,
  ...extra,
});
const kinds = (effects: readonly DrainEffect[]) => effects.map((effect) => effect.kind);

describe('planStep: who may act on a drain now', () => {
  it.each<[string, Overrides, number, object]>([
    [
      'leaves a released drain alone, reporting its release',
      { state: 'released', release: { at: at(5), reason: 'empty', remaining: [] } },
      10,
      { kind: 'none', step: 'released', release: { reason: 'empty' } },
    ],
    [
      'leaves a release claimed by another caller alone while its lease holds',
      { ...empty, state: 'releasing', leaseUntil: at(11) },
      10,
      { kind: 'none', step: 'releasing-elsewhere', explanation: `being released (until ${at(11)})` },
    ],
    [
      'holds the lease to its last millisecond',
      { ...empty, state: 'releasing', leaseUntil: at(10) },
      10,
      { kind: 'none', step: 'releasing-elsewhere' },
    ],
    [
      'decides a release whose claim ran out afresh: its caller died before finishing',
      { ...empty, state: 'releasing', leaseUntil: at(9) },
      10,
      {
        kind: 'release',
        decision: { reason: 'empty' },
        claim: { state: 'releasing', leaseUntil: claimedAt(10) },
      },
    ],
    [
      'decides afresh from what is known now, not from what the dead caller decided',
      { ...busy, lifecycle: undefined, trigger: 'manual', state: 'releasing', leaseUntil: at(9) },
      10,
      { kind: 'none', step: 'waiting' },
    ],
    ['waits with nothing due', busy, 1, { kind: 'none', step: 'waiting' }],
  ])('%s', (_, overrides, minutes, expected) => {
    expect(planStep(drainOf(overrides), atDate(minutes), SETTINGS)).toMatchObject(expected);
  });
});

describe('planStep: a release is claimed before the lifecycle action is completed', () => {
  it.each<[string, Overrides, number, DrainEffect['kind'][], object]>([
    [
      'an empty instance: complete the action, no page',
      empty,
      10,
      ['complete-lifecycle-action'],
      { decision: { reason: 'empty', remaining: [] } },
    ],
    [
      'the deadline with a task on it: complete the action, then page naming it',
      busy,
      60,
      ['complete-lifecycle-action', 'page'],
      { decision: { reason: 'deadline', remaining: [A] } },
    ],
    [
      'the deadline with only ECS counting tasks: page too',
      { instance: instance('DRAINING', 4, 1) },
      60,
      ['complete-lifecycle-action', 'page'],
      { decision: { reason: 'deadline', remaining: [] } },
    ],
    [
      'a deregistered instance with tasks on it: page',
      { instance: instance('INACTIVE', 9, 0), tasks: { [A]: service('RUNNING', 2) } },
      10,
      ['complete-lifecycle-action', 'page'],
      { decision: { reason: 'instance-gone', remaining: [A] } },
    ],
    [
      'a deregistered instance with nothing on it: no page',
      { instance: instance('INACTIVE', 9, 0) },
      10,
      ['complete-lifecycle-action'],
      { decision: { reason: 'instance-gone', remaining: [] } },
    ],
    [
      'a Spot drain has no lifecycle action to complete',
      { ...empty, trigger: 'spot', lifecycle: undefined },
      1,
      [],
      { decision: { reason: 'empty' } },
    ],
    [
      'an EC2 instance that is no container instance: released at once',
      { containerInstanceArn: undefined, cluster: undefined },
      0,
      ['complete-lifecycle-action'],
      { decision: { reason: 'not-registered', remaining: [] } },
    ],
  ])('%s', (_, overrides, minutes, effects, expected) => {
    const plan = planStep(drainOf(overrides), atDate(minutes), SETTINGS) as ReleasePlan;

    expect(plan).toMatchObject({ kind: 'release', ...expected });
    expect(kinds(plan.effects)).toEqual(effects);
    expect(plan.claim).toMatchObject({ state: 'releasing', leaseUntil: claimedAt(minutes) });
  });

  it('claims the page with the release, for as long, naming what it pages about', () => {
    const plan = planStep(drainOf(busy), atDate(60), SETTINGS) as ReleasePlan;

    expect(plan.claim.page).toEqual({
      reason: 'deadline',
      remaining: [A],
      state: 'sending',
      leaseUntil: plan.claim.leaseUntil,
    });
    expect(plan.effects.at(-1)).toMatchObject({
      kind: 'page',
      message: { json: { kind: 'drain-cut-short', reason: 'deadline', remaining: [{ arn: A }] } },
    });
  });

  it.each<[string, DrainPage, DrainEffect['kind'][], DrainPage | undefined]>([
    [
      'sends the page an earlier release claimed and gave back, whatever this release decided',
      page('pending'),
      ['complete-lifecycle-action', 'page'],
      page('sending', { leaseUntil: claimedAt(70) }),
    ],
    [
      'sends the page an earlier release claimed and died with, once its lease ran out',
      page('sending', { leaseUntil: at(61) }),
      ['complete-lifecycle-action', 'page'],
      page('sending', { leaseUntil: claimedAt(70) }),
    ],
    [
      'never sends a page twice',
      page('sent', { messageId: 'm-1' }),
      ['complete-lifecycle-action'],
      page('sent', { messageId: 'm-1' }),
    ],
  ])('%s', (_, earlier, effects, claimed) => {
    // The earlier release saw the deadline with A running; A has stopped since and the instance is empty.
    const plan = planStep(
      drainOf({ ...empty, state: 'releasing', leaseUntil: at(61), page: earlier }),
      atDate(70),
      SETTINGS,
    ) as ReleasePlan;

    expect(plan.decision.reason).toBe('empty');
    expect(kinds(plan.effects)).toEqual(effects);
    expect(plan.claim.page).toEqual(claimed);
    if (effects.includes('page')) {
      expect(plan.effects.at(-1)).toMatchObject({
        message: { json: { reason: 'deadline', remaining: [{ arn: A }] } },
      });
    }
  });

  it('releases as action-ended when a heartbeat found the action gone, completing nothing', () => {
    const plan = planActionEnded(drainOf(busy), atDate(20));

    expect(plan.decision).toMatchObject({ reason: 'action-ended', remaining: [A] });
    expect(kinds(plan.effects)).toEqual(['page']);
  });
});

describe('planStep: waiting', () => {
  const waiting = {
    instance: instance('DRAINING', 4, 2),
    tasks: { [A]: service('RUNNING', 2), [B]: standalone('RUNNING', 2) },
  };

  it.each<[string, Overrides, number, typeof SETTINGS, object[]]>([
    [
      'heartbeats the lifecycle action half-way through its timeout',
      waiting,
      5,
      SETTINGS,
      [{ kind: 'heartbeat', action: ACTION }],
    ],
    [
      'stops standalone tasks after the grace, with the reason',
      { ...waiting, lifecycle: undefined, trigger: 'manual' },
      10,
      STOP,
      [
        {
          kind: 'stop-tasks',
          cluster: 'prod',
          tasks: [B],
          reason:
            'ecs-ops drain: i-0abc1234def567890 is leaving (manual); standalone tasks are stopped after 10 min',
        },
      ],
    ],
    ['heartbeats first, then stops', waiting, 10, STOP, [{ kind: 'heartbeat' }, { kind: 'stop-tasks' }]],
  ])('%s', (_, overrides, minutes, settings, effects) => {
    expect(planStep(drainOf(overrides), atDate(minutes), settings)).toMatchObject({ kind: 'tend', effects });
  });
});

describe('the drain each step leaves behind', () => {
  const at20 = atDate(20);
  const heartbeat: DrainEffect = { kind: 'heartbeat', action: ACTION };
  const stop: DrainEffect = { kind: 'stop-tasks', cluster: 'prod', tasks: [A, B], reason: 'r' };

  it.each<[DrainEffect, number]>([
    [heartbeat, 1],
    [{ kind: 'complete-lifecycle-action', action: ACTION }, 1],
    [stop, 2],
    [
      {
        kind: 'page',
        message: {
          subject: '',
          text: '',
          json: {},
          attributes: {},
          severity: 'medium',
          dedupKey: 'd',
          action: 'trigger',
        },
      },
      0,
    ],
  ])('counts %o as %i AWS call(s)', (effect, calls) => {
    expect(callsOf(effect)).toBe(calls);
  });

  it('tended: counts the heartbeat and the stops, noting each', () => {
    const drain = tended(
      drainOf({ apiCalls: 3, heartbeats: 1 }),
      [heartbeat, stop],
      at20,
      'waiting for 2 tasks',
    );

    expect(drain).toMatchObject({
      apiCalls: 6,
      heartbeats: 2,
      lastHeartbeatAt: at(20),
      standaloneStoppedAt: at(20),
      notes: [`heartbeat 2 at ${at(20)}: waiting for 2 tasks`, `stopped 2 standalone task(s) at ${at(20)}`],
    });
  });

  it('released: from the drain as it is now, without the lease, noting an action already gone', () => {
    const claimed: Drain = drainOf({ ...busy, state: 'releasing', leaseUntil: at(21), apiCalls: 2 });
    const decision = { reason: 'deadline' as const, remaining: [A], explanation: 'the deadline passed' };

    const drain = released(claimed, { at: at(20), decision, completed: false, calls: 1 });

    expect(drain).toMatchObject({
      state: 'released',
      release: { at: at(20), reason: 'deadline', remaining: [A] },
      apiCalls: 3,
      notes: [
        'release (deadline): the deadline passed',
        'the lifecycle action had already ended (completed earlier, or its heartbeat timeout ran out)',
      ],
    });
    expect(drain.leaseUntil).toBeUndefined();
    expect(drain.release?.lifecycleResult).toBeUndefined();
    expect(
      released(claimed, { at: at(20), decision, completed: true, calls: 1 }).release?.lifecycleResult,
    ).toBe('CONTINUE');
  });

  it.each<[string, Overrides, string | undefined]>([
    ['the action the release completed', {}, undefined],
    [
      'a lifecycle action that joined while the release was under way',
      { lifecycle: { ...ACTION, token: 'token-2' } },
      'token-2',
    ],
    ['no action at all', { lifecycle: undefined }, undefined],
  ])('releases with it %s', (_, now, token) => {
    expect(joinedDuringRelease(drainOf(), drainOf(now))?.token).toBe(token);
  });

  it('pageSent: the page sent, with its message id and no lease', () => {
    const drain = pageSent(drainOf({ page: page('sending', { leaseUntil: at(21) }) }), 'm-1');

    expect(drain.page).toEqual({ reason: 'deadline', remaining: [A], state: 'sent', messageId: 'm-1' });
  });

  it('pageGivenBack: the page owed again and the release lease lapsed, so the next delivery releases at once', () => {
    const claimed = drainOf({
      ...busy,
      state: 'releasing',
      leaseUntil: at(62),
      page: page('sending', { leaseUntil: at(62) }),
    });

    const drain = pageGivenBack(claimed);

    expect(drain).toMatchObject({ state: 'releasing', page: { state: 'pending', reason: 'deadline' } });
    const next = planStep(drain, atDate(61), SETTINGS) as ReleasePlan;
    expect(kinds(next.effects)).toEqual(['complete-lifecycle-action', 'page']);
  });
});

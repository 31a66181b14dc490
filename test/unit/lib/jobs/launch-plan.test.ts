/**
 * What a launch of a slot does (lib/jobs/launch-plan.ts) as a specification: whether the slot runs at all,
 * what the concurrency policy asks of earlier runs, how a launch that gives up fails its run and pages — the
 * page claimed by the write that records it — and what a second delivery of a slot still owes.
 */
import { describe, expect, it } from 'vitest';
import type { ConcurrencyDecision } from '../../../../lib/jobs/concurrency.js';
import {
  type LaunchEffect,
  planConcurrency,
  planDuplicate,
  planGiveUp,
  planSlot,
} from '../../../../lib/jobs/launch-plan.js';
import type { JobRun } from '../../../../lib/jobs/run.js';
import { taskArn as arn, jobConfig, later, SLOT } from '../../../support/jobs.js';

const kinds = (effects: readonly LaunchEffect[]) => effects.map((effect) => effect.kind);

describe('planSlot: whether the slot runs', () => {
  const scheduled = { job: 'report', scheduledTime: SLOT.toISOString() };

  it.each<[string, Record<string, unknown>, object, number, object]>([
    [
      'launches nothing, and records nothing, for a disabled job',
      { enabled: false },
      scheduled,
      5,
      { kind: 'disabled', summary: { outcome: 'disabled', reason: 'the job is disabled (enabled: false)' } },
    ],
    [
      'begins a launching run the delivery owns for its lease',
      {},
      scheduled,
      5,
      {
        kind: 'begin',
        run: { status: 'launching', slot: SLOT.toISOString(), leaseUntil: later(905).toISOString() },
      },
    ],
    [
      'records a slot past its starting deadline as skipped, and journals it once begun',
      {},
      scheduled,
      301,
      {
        kind: 'begin',
        run: {
          status: 'skipped',
          reason:
            'skipped: 2024-05-02T02:35:01Z is past the starting deadline (300 s after 2024-05-02T02:30:00Z)',
        },
        instead: {
          effects: [
            { kind: 'journal', step: { step: 'past-deadline', fields: { outcome: 'past-deadline' } } },
          ],
          summary: { outcome: 'past-deadline' },
        },
      },
    ],
    [
      'never finds a manual run late: its slot is when it was asked for',
      {},
      { job: 'report', requestId: 'req-1' },
      301,
      { kind: 'begin', run: { status: 'launching', requestId: 'req-1' } },
    ],
  ])('%s', (_, overrides, event, seconds, expected) => {
    const plan = planSlot({
      event: event as { job: string },
      config: jobConfig(overrides),
      slot: SLOT,
      now: later(seconds),
      leaseMs: 900_000,
    });
    expect(plan).toMatchObject(expected);
    if (plan.kind === 'begin' && plan.run.status === 'launching') expect(plan.instead).toBeUndefined();
  });
});

describe('planConcurrency: what the policy asks of the runs still going', () => {
  const open = [{ slot: '2024-05-02T01:30:00.000Z' }, { slot: '2024-05-02T00:30:00.000Z' }] as JobRun[];
  const plan = (decision: ConcurrencyDecision) =>
    planConcurrency({ job: 'report', config: jobConfig(), slot: SLOT, decision, open, now: later(5) });

  it('launches with nothing to do first', () => {
    expect(plan({ action: 'launch' })).toEqual({ kind: 'launch', effects: [] });
  });

  it('skips: the run recorded skipped (only while still launching) and journaled', () => {
    const skip = plan({ action: 'skip', reason: 'skipped: previous run still RUNNING' });

    expect(skip).toMatchObject({
      kind: 'skip',
      effects: [
        {
          kind: 'record',
          write: {
            slot: SLOT.toISOString(),
            changes: { status: 'skipped', completedAt: later(5).toISOString() },
            options: { decisions: ['skipped: previous run still RUNNING'], from: ['launching'] },
          },
        },
        { kind: 'journal', step: { step: 'skipped', fields: { outcome: 'skipped' } } },
      ],
      summary: { outcome: 'skipped', tasks: [] },
    });
  });

  it('replaces: stops the earlier tasks, marks their runs replaced (no page for them), then launches', () => {
    const replace = plan({
      action: 'replace',
      stop: [arn('a')],
      reason: 'replaced: previous run still RUNNING',
    });
    const reason = 'ecs-ops: replaced by the run of 2024-05-02T02:30:00Z';

    expect(replace).toMatchObject({ kind: 'launch', replaced: 'replaced: previous run still RUNNING' });
    expect(replace.effects).toEqual([
      { kind: 'stop-tasks', cluster: 'batch', tasks: [arn('a')], reason },
      ...open.map((run) => ({
        kind: 'record',
        write: {
          slot: run.slot,
          changes: { replacedBy: SLOT.toISOString() },
          options: { decisions: [`${reason} (tasks stopped)`] },
        },
      })),
      {
        kind: 'record',
        write: {
          slot: SLOT.toISOString(),
          changes: {},
          options: { decisions: ['replaced: previous run still RUNNING'] },
        },
      },
    ]);
  });
});

describe('planGiveUp: a launch that stops trying pages once, claimed by the write that records it', () => {
  const giveUp = (placed: string[]) =>
    planGiveUp({
      job: 'report',
      config: jobConfig({ count: 3 }),
      slot: SLOT.toISOString(),
      attempts: 3,
      placed,
      reason: 'gave up after 3 attempts: RESOURCE:MEMORY',
      now: later(60),
    });

  it('with nothing placed: fails the run still launching, claiming its page', () => {
    const plan = giveUp([]);

    expect(plan.summary).toMatchObject({ outcome: 'failed', tasks: [] });
    expect(plan.effects).toMatchObject([
      {
        kind: 'page',
        claimedBy: {
          changes: {
            status: 'failed',
            result: 'failed',
            attempts: 3,
            completedAt: later(60).toISOString(),
            alert: 'sending',
            alertLeaseUntil: later(120).toISOString(),
          },
          options: { from: ['launching'] },
        },
        message: {
          subject: '[ecs-ops] HIGH: job report failed to launch in batch',
          json: { partial: false },
        },
        journal: { step: 'failed', fields: { outcome: 'failed', attempts: 3 } },
      },
    ]);
  });

  it('with some placed: the running run keeps them, its first page claimed', () => {
    const plan = giveUp([arn('a')]);

    expect(plan.summary).toMatchObject({ outcome: 'partial', tasks: [arn('a')] });
    expect(plan.effects).toMatchObject([
      {
        kind: 'page',
        claimedBy: {
          changes: { attempts: 3, alert: 'sending' },
          options: { from: ['running'], withoutAlert: true },
        },
        message: { text: expect.stringContaining('could not be launched in full'), json: { partial: true } },
        journal: { step: 'partial' },
      },
    ]);
  });
});

describe('planDuplicate: a slot that already has a run', () => {
  const run = (overrides: Partial<JobRun>): JobRun => ({
    job: 'report',
    slot: SLOT.toISOString(),
    status: 'running',
    cluster: 'batch',
    tasks: [arn('a')],
    attempts: 1,
    decisions: [],
    ...overrides,
  });

  it.each<[string, Partial<JobRun>, LaunchEffect['kind'][], object]>([
    [
      'launches nothing for a run under way',
      {},
      [],
      { outcome: 'duplicate', reason: 'the slot already has a run (running)' },
    ],
    [
      'sends a failed launch’s page SNS refused (claimed on its own)',
      { status: 'failed', reason: 'gave up', alert: 'pending', tasks: [] },
      ['page'],
      { reason: 'the slot already has a run (failed: gave up)' },
    ],
    ['sends a partial launch’s page still owed', { reason: '1 of 3 placed', alert: 'sending' }, ['page'], {}],
    ['never sends a page twice', { status: 'failed', alert: 'sent' }, [], {}],
    ['owes no page for a run that completed well', { status: 'succeeded' }, [], {}],
  ])('%s', (_, overrides, effects, summary) => {
    const plan = planDuplicate(run(overrides), jobConfig());

    expect(kinds(plan.effects)).toEqual(effects);
    expect(plan.summary).toMatchObject({ outcome: 'duplicate', tasks: run(overrides).tasks, ...summary });
    for (const effect of plan.effects) expect(effect).not.toHaveProperty('claimedBy');
  });
});

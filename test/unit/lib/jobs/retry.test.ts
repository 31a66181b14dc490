import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decidePlacement,
  decideRetry,
  failureSummary,
  type PlacementDecision,
  type RetryDecision,
} from '../../../../lib/jobs/retry.js';
import { deadlineOf } from '../../../../lib/jobs/slot.js';

const slot = new Date('2024-05-02T02:30:00Z');
const config = { retries: { attempts: 3, backoffSeconds: 30 }, startingDeadlineSeconds: 300 };
const memory = {
  arn: 'arn:aws:ecs:us-east-1:111122223333:container-instance/batch/1',
  reason: 'RESOURCE:MEMORY',
};
const at = (iso: string): RetryDecision => ({ action: 'retry', at: new Date(iso) });

describe('retrying a launch ECS could not place', () => {
  it.each<[string, number, string, RetryDecision]>([
    ['after the first attempt, waits 30 s', 1, '2024-05-02T02:30:05Z', at('2024-05-02T02:30:35Z')],
    ['after the second, 60 s', 2, '2024-05-02T02:30:40Z', at('2024-05-02T02:31:40Z')],
    ['after the third, 120 s', 3, '2024-05-02T02:31:45Z', at('2024-05-02T02:33:45Z')],
    [
      'gives up after the last retry',
      4,
      '2024-05-02T02:33:50Z',
      { action: 'give-up', reason: 'gave up after 4 attempts: RESOURCE:MEMORY' },
    ],
    [
      'gives up when the retry would start past the deadline',
      3,
      '2024-05-02T02:33:30Z',
      {
        action: 'give-up',
        reason:
          'gave up after 3 attempts: RESOURCE:MEMORY; a retry at 2024-05-02T02:35:30Z would be past the starting ' +
          'deadline 2024-05-02T02:35:00Z',
      },
    ],
    ['retries exactly at the deadline', 3, '2024-05-02T02:33:00Z', at('2024-05-02T02:35:00Z')],
  ])('%s', (_, attempt, now, decision) => {
    expect(decideRetry({ slot, now: new Date(now), attempt, failures: [memory], config })).toEqual(decision);
  });

  it('does not retry when retries are off', () => {
    expect(
      decideRetry({
        slot,
        now: slot,
        attempt: 1,
        failures: [
          {
            reason:
              'Capacity is unavailable at this time. Please try again later or in a different availability zone',
          },
        ],
        config: { ...config, retries: { attempts: 0, backoffSeconds: 30 } },
      }),
    ).toEqual({
      action: 'give-up',
      reason:
        'gave up after 1 attempt: Capacity is unavailable at this time. Please try again later or in a different availability zone',
    });
  });

  it('refuses attempt 0', () => {
    expect(() => decideRetry({ slot, now: slot, attempt: 0, failures: [], config })).toThrow(
      'attempt: expected 1 or more, got 0',
    );
  });

  it.each([
    [[], 'no reason given'],
    [[memory], 'RESOURCE:MEMORY'],
    [[memory, memory, { reason: 'RESOURCE:CPU' }], 'RESOURCE:MEMORY (×2), RESOURCE:CPU'],
    [[{ reason: 'AGENT' }, { reason: 'MISSING', detail: 'instance gone' }], 'AGENT, MISSING: instance gone'],
  ])('quotes ECS’s reasons %j as %s', (failures, summary) => {
    expect(failureSummary(failures)).toBe(summary);
  });

  it('never schedules a retry past the starting deadline or beyond the attempts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 10, max: 86_400 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: -60_000, max: 90_000_000 }),
        (attempts, backoffSeconds, startingDeadlineSeconds, attempt, offset) => {
          const settings = { retries: { attempts, backoffSeconds }, startingDeadlineSeconds };
          const now = new Date(slot.getTime() + offset);
          const decision = decideRetry({ slot, now, attempt, failures: [memory], config: settings });
          if (decision.action === 'retry') {
            expect(decision.at.getTime()).toBeLessThanOrEqual(deadlineOf(slot, settings).getTime());
            expect(decision.at.getTime()).toBeGreaterThan(now.getTime());
            expect(attempt).toBeLessThanOrEqual(attempts);
          } else {
            expect(decision.reason).toContain('RESOURCE:MEMORY');
          }
        },
      ),
    );
  });
});

describe('placing the tasks of a run of several (count)', () => {
  const input = { slot, now: new Date('2024-05-02T02:30:05Z'), failures: [memory], config };

  it.each<[string, number, number, number, PlacementDecision]>([
    ['is complete when every task is placed', 1, 3, 3, { action: 'complete' }],
    [
      'tops up the missing tasks only',
      1,
      3,
      1,
      { action: 'retry', missing: 2, at: new Date('2024-05-02T02:30:35Z') },
    ],
    [
      'retries all when none is placed',
      1,
      3,
      0,
      { action: 'retry', missing: 3, at: new Date('2024-05-02T02:30:35Z') },
    ],
    [
      'keeps what it placed when out of retries',
      4,
      3,
      2,
      { action: 'give-up', missing: 1, reason: '2 of 3 placed; gave up after 4 attempts: RESOURCE:MEMORY' },
    ],
    [
      'fails like a single task when none is placed',
      4,
      3,
      0,
      { action: 'give-up', missing: 3, reason: 'gave up after 4 attempts: RESOURCE:MEMORY' },
    ],
  ])('%s', (_, attempt, count, placed, decision) => {
    expect(decidePlacement({ ...input, attempt, count, placed })).toEqual(decision);
  });

  it('refuses a placed count outside 0..count', () => {
    expect(() => decidePlacement({ ...input, attempt: 1, count: 2, placed: 3 })).toThrow(
      'placed: expected 0 to count (2), got 3',
    );
  });

  it('never asks for more than is missing, and retries exactly when a launch of the missing would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 400_000 }),
        (count, placedRaw, attempt, elapsedMs) => {
          const placed = Math.min(placedRaw, count);
          const now = new Date(slot.getTime() + elapsedMs);
          const decision = decidePlacement({ slot, now, attempt, failures: [memory], config, count, placed });
          if (placed === count) return decision.action === 'complete';
          const retry = decideRetry({ slot, now, attempt, failures: [memory], config });
          return (
            decision.action === retry.action && 'missing' in decision && decision.missing === count - placed
          );
        },
      ),
    );
  });
});

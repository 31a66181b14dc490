import { describe, expect, it } from 'vitest';
import { adjustedCapacity, aggregate, clamp, percentChange } from '../../../../lib/scaling/capacity.js';

describe('PercentChangeInCapacity rounding (AWS: scaling adjustment types)', () => {
  it.each([
    // [current, percent, change]: AWS's own examples first.
    [10, 10, 1], // 10 % of 10 adds 1
    [11, 30, 3], // 3.3 rounds down
    [14, -10, -1], // -1.4 rounds up
    [13, -30, -3], // -3.9 rounds up
    [127, 10, 12], // 12.7 → 12
    [67, 1, 1], // .67 → 1: a positive fraction moves one task
    [58, -1, -1], // -.58 → -1
    [667, -1, -6], // -6.67 → -6
    [4, 25, 1],
    [0, 50, 0], // nothing to take a percentage of
    [10, 0, 0],
    [5, -100, -5],
  ])('%s tasks %s%% changes by %s', (current, percent, change) => {
    expect(percentChange(current, percent)).toBe(change);
  });

  it.each([
    [4, 25, 2, 2], // AWS's example: 25 % of 4 is 1, but at least 2
    [20, 25, 2, 5], // the minimum does not cap a larger change
    [4, -25, 2, -2], // and applies to scale-in too
    [0, 25, 2, 2], // even from zero
  ])('%s tasks %s%% with MinAdjustmentMagnitude %s changes by %s', (current, percent, minimum, change) => {
    expect(percentChange(current, percent, minimum)).toBe(change);
  });
});

describe('the count a step asks for', () => {
  it.each([
    [3, 'ChangeInCapacity', 5, 8], // AWS: current 3, adjustment 5 → 8
    [3, 'ExactCapacity', 5, 5], // AWS: current 3, exact 5 → 5
    [10, 'PercentChangeInCapacity', 10, 11], // AWS: current 10, 10 % → 11
    [2, 'ChangeInCapacity', -5, 0], // never below zero tasks
  ] as const)('from %s, %s %s gives %s', (current, type, adjustment, result) => {
    expect(adjustedCapacity(current, type, adjustment)).toBe(result);
  });

  it('clamps to [min, max]', () => {
    expect([clamp(0, 1, 5), clamp(3, 1, 5), clamp(9, 1, 5)]).toEqual([1, 3, 5]);
  });
});

describe('aggregating the most recent datapoints (MetricAggregationType)', () => {
  it.each([
    ['Average', 20],
    ['Minimum', 10],
    ['Maximum', 30],
  ] as const)('%s of 10, 20, 30 is %s', (type, value) => {
    expect(aggregate([10, 20, 30], type)).toBe(value);
  });

  it('ignores datapoints that are not numbers and reports nothing when none is left', () => {
    expect(aggregate([Number.NaN, 4, Number.POSITIVE_INFINITY], 'Average')).toBe(4);
    expect(aggregate([Number.NaN], 'Maximum')).toBeUndefined();
    expect(aggregate([], 'Average')).toBeUndefined();
  });
});

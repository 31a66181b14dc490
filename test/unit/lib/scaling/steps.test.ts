import { describe, expect, it } from 'vitest';
import { formatInterval, pickStep, type StepAdjustment } from '../../../../lib/scaling/steps.js';
import { SCALE_IN_BY_PERCENT, SCALE_OUT_BY_PERCENT } from '../../../support/scaling-policies.js';

const OUT = SCALE_OUT_BY_PERCENT.steps as StepAdjustment[];
const IN = SCALE_IN_BY_PERCENT.steps as StepAdjustment[];

describe('picking the step for a metric value (AWS: bounds relative to the threshold)', () => {
  // Threshold 50: above it a step holds its lower bound and not its upper one; below it the reverse.
  it.each([
    [49.9, undefined],
    [50, OUT[0]],
    [59.9, OUT[0]],
    [60, OUT[1]],
    [69.99, OUT[1]],
    [70, OUT[2]],
    [1e9, OUT[2]],
  ])('a scale-out policy (>= 50) at %s picks %o', (value, step) => {
    expect(pickStep(OUT, value, 50, 'GreaterThanOrEqualToThreshold')).toBe(step);
  });

  it.each([
    [50.1, undefined],
    [50, IN[0]],
    [40.1, IN[0]],
    [40, IN[1]],
    [30.1, IN[1]],
    [30, IN[2]],
    [-1e9, IN[2]],
  ])('a scale-in policy (<= 50) at %s picks %o', (value, step) => {
    expect(pickStep(IN, value, 50, 'LessThanOrEqualToThreshold')).toBe(step);
  });

  it('treats the threshold itself as outside a strict comparison', () => {
    expect(pickStep(OUT, 50, 50, 'GreaterThanThreshold')).toBeUndefined();
    expect(pickStep(OUT, 50.01, 50, 'GreaterThanThreshold')).toBe(OUT[0]);
    expect(pickStep(IN, 50, 50, 'LessThanThreshold')).toBeUndefined();
    expect(pickStep(IN, 49.99, 50, 'LessThanThreshold')).toBe(IN[0]);
  });

  it('writes intervals the way each side of the threshold reads them', () => {
    expect(formatInterval({ lower: 0, upper: 10, adjustment: 0 }, 'above')).toBe('[0, 10)');
    expect(formatInterval({ lower: 20, adjustment: 3 }, 'above')).toBe('[20, +∞)');
    expect(formatInterval({ lower: -10, upper: 0, adjustment: 0 }, 'below')).toBe('(-10, 0]');
    expect(formatInterval({ upper: -20, adjustment: -3 }, 'below')).toBe('(-∞, -20]');
  });
});

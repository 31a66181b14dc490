/**
 * The arithmetic of a step: aggregating the metric, and turning a step's adjustment into a new task count the
 * way Application Auto Scaling does (User Guide, "How step scaling works", Scaling adjustment types).
 */
import type { AdjustmentType } from './steps.js';

export const METRIC_AGGREGATION_TYPES = ['Average', 'Minimum', 'Maximum'] as const;
export type MetricAggregationType = (typeof METRIC_AGGREGATION_TYPES)[number];

/**
 * AWS applies the policy's aggregation type to the most recent datapoints rather than to raw data; so does
 * ecs-ops. Non-finite datapoints (a failed read, a division by zero upstream) are not data: undefined when
 * nothing usable is left, so the caller falls back instead of scaling on nothing.
 */
export function aggregate(datapoints: readonly number[], type: MetricAggregationType): number | undefined {
  const values = datapoints.filter(Number.isFinite);
  if (values.length === 0) return undefined;
  switch (type) {
    case 'Average':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
  }
}

/**
 * A percentage of the current capacity as a whole number of tasks, rounded as AWS documents it: above 1 down
 * (12.7 → 12), between 0 and 1 up to 1, between -1 and 0 down to -1, below -1 up (-6.67 → -6). So a non-zero
 * percentage of a non-zero capacity always moves at least one task, and otherwise rounds toward zero.
 * MinAdjustmentMagnitude then raises the size of the move (25 % of 4 with a minimum of 2 moves 2).
 */
export function percentChange(current: number, percent: number, minAdjustmentMagnitude = 0): number {
  const exact = (current * percent) / 100;
  let change: number;
  if (exact >= 1) change = Math.floor(exact);
  else if (exact > 0) change = 1;
  else if (exact <= -1) change = Math.ceil(exact);
  else if (exact < 0) change = -1;
  else change = 0;
  if (percent > 0) return Math.max(change, minAdjustmentMagnitude);
  if (percent < 0) return Math.min(change, -minAdjustmentMagnitude);
  return change;
}

/** The task count a step asks for from `current`, before min/max: what the adjustment type says to do. */
export function adjustedCapacity(
  current: number,
  type: AdjustmentType,
  adjustment: number,
  minAdjustmentMagnitude?: number,
): number {
  switch (type) {
    case 'ChangeInCapacity':
      return Math.max(0, current + adjustment);
    case 'PercentChangeInCapacity':
      return Math.max(0, current + percentChange(current, adjustment, minAdjustmentMagnitude));
    case 'ExactCapacity':
      return adjustment;
  }
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

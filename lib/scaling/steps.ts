/**
 * Step adjustments as Application Auto Scaling defines them (Application Auto Scaling User Guide, "How step
 * scaling works", Step adjustments): each step's bounds are offsets from the alarm threshold; above the
 * threshold a step holds its lower bound and excludes its upper one, below the threshold it is the other way
 * round; a missing lower bound is minus infinity and a missing upper bound plus infinity.
 *
 * ecs-ops evaluates one comparison per policy, as AWS evaluates one alarm per policy: a `GreaterThan…` policy
 * acts only at or above its threshold, so its steps must tile [0, +∞); a `LessThan…` policy tiles (-∞, 0].
 * Validation (stepProblems) holds a policy to that, which is what makes "no step" mean "inside the no-op band".
 */

export const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const ADJUSTMENT_TYPES = ['ChangeInCapacity', 'PercentChangeInCapacity', 'ExactCapacity'] as const;
export type AdjustmentType = (typeof ADJUSTMENT_TYPES)[number];

export interface StepAdjustment {
  /** Offset from the threshold; absent means minus infinity. */
  lower?: number | undefined;
  /** Offset from the threshold; absent means plus infinity. */
  upper?: number | undefined;
  adjustment: number;
}

/** Which side of the threshold a policy acts on: `above` scales out, `below` scales in. */
export type Side = 'above' | 'below';

export function sideOf(comparison: Comparison): Side {
  return comparison.startsWith('Greater') ? 'above' : 'below';
}

/** True when the alarm of this comparison would be in ALARM for the metric value. */
export function isBreached(value: number, threshold: number, comparison: Comparison): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/**
 * The step whose interval holds the metric value, or undefined when the alarm is not breached (the no-op band).
 * Bounds are compared as absolute metric values (threshold + bound), which is how an operator reads them.
 */
export function pickStep<S extends StepAdjustment>(
  steps: readonly S[],
  value: number,
  threshold: number,
  comparison: Comparison,
): S | undefined {
  if (!isBreached(value, threshold, comparison)) return undefined;
  const above = sideOf(comparison) === 'above';
  return steps.find((step) => {
    const lower = step.lower === undefined ? -Infinity : threshold + step.lower;
    const upper = step.upper === undefined ? Infinity : threshold + step.upper;
    return above ? lower <= value && value < upper : lower < value && value <= upper;
  });
}

/** `[0, 10)` above the threshold, `(-10, 0]` below it; infinities as `-∞` and `+∞`. */
export function formatInterval(step: StepAdjustment, side: Side): string {
  const lower = step.lower === undefined ? '-∞' : String(step.lower);
  const upper = step.upper === undefined ? '+∞' : String(step.upper);
  return side === 'above' ? `[${lower}, ${upper})` : `(${lower}, ${upper}]`;
}

/** Steps ordered from the threshold outwards: ascending above it, descending below it. */
export function outwardOrder<S extends StepAdjustment>(steps: readonly S[], side: Side): S[] {
  const key = (step: StepAdjustment) =>
    side === 'above' ? (step.lower ?? -Infinity) : -(step.upper ?? Infinity);
  return [...steps].sort((a, b) => key(a) - key(b));
}

export interface StepProblem {
  /** Index of the step in the configured list, or undefined when the problem is the list as a whole. */
  index?: number;
  field?: 'lower' | 'upper' | 'adjustment';
  message: string;
}

/**
 * What is wrong with a policy's steps, in the order an operator would fix it: each step on its own, then the
 * tiling of the policy's side of the threshold (no overlap, no gap, nothing on the wrong side, open at the far
 * end), then the adjustments (sign and monotony).
 */
export function stepProblems(
  steps: readonly StepAdjustment[],
  comparison: Comparison,
  adjustmentType: AdjustmentType,
): StepProblem[] {
  const side = sideOf(comparison);
  const own = stepShapeProblems(steps, side, comparison);
  if (own.length > 0) return own;
  const tiling = tilingProblems(steps, side);
  if (tiling.length > 0) return tiling;
  return adjustmentProblems(steps, side, comparison, adjustmentType);
}

function stepShapeProblems(steps: readonly StepAdjustment[], side: Side, comparison: Comparison) {
  const problems: StepProblem[] = [];
  steps.forEach((step, index) => {
    if (step.lower === undefined && step.upper === undefined) {
      problems.push({
        index,
        message: 'a step needs a lower or an upper bound (AWS refuses a step open at both ends)',
      });
    } else if (step.lower !== undefined && step.upper !== undefined && step.lower >= step.upper) {
      problems.push({
        index,
        field: 'upper',
        message: `upper (${step.upper}) must be above lower (${step.lower})`,
      });
    } else if (side === 'above' && (step.lower === undefined || step.lower < 0)) {
      problems.push({
        index,
        field: 'lower',
        message: `a ${comparison} policy acts only at or above its threshold; give this step a lower bound of 0 or more`,
      });
    } else if (side === 'below' && (step.upper === undefined || step.upper > 0)) {
      problems.push({
        index,
        field: 'upper',
        message: `a ${comparison} policy acts only at or below its threshold; give this step an upper bound of 0 or less`,
      });
    }
  });
  return problems;
}

function tilingProblems(steps: readonly StepAdjustment[], side: Side): StepProblem[] {
  const ordered = outwardOrder(steps, side);
  const [first] = ordered;
  const last = ordered.at(-1);
  if (first === undefined || last === undefined) return [];
  const near = (step: StepAdjustment) => (side === 'above' ? step.lower : step.upper) ?? 0;
  const far = (step: StepAdjustment) => (side === 'above' ? step.upper : step.lower);
  const show = (step: StepAdjustment) => formatInterval(step, side);
  if (near(first) !== 0) {
    const gap = side === 'above' ? `[0, ${near(first)})` : `(${near(first)}, 0]`;
    return [
      {
        message: `no step covers ${gap} next to the threshold; start the first step at 0 (adjustment: 0 makes a no-op band)`,
      },
    ];
  }
  for (let i = 1; i < ordered.length; i++) {
    const previous = ordered[i - 1] as StepAdjustment;
    const step = ordered[i] as StepAdjustment;
    const end = far(previous);
    if (end === undefined) {
      const open = side === 'above' ? 'upper' : 'lower';
      return [
        {
          message: `only one step may leave its ${open} bound out, but ${show(previous)} and ${show(step)} both reach ${side === 'above' ? '+∞' : '-∞'}; end the first at ${near(step)}`,
        },
      ];
    }
    const start = near(step);
    if (start === end) continue;
    const overlaps = side === 'above' ? start < end : start > end;
    return [
      {
        message: overlaps
          ? `the intervals ${show(previous)} and ${show(step)} overlap; start the second where the first ends (${end})`
          : `the intervals ${show(previous)} and ${show(step)} leave a gap; start the second where the first ends (${end})`,
      },
    ];
  }
  if (far(last) !== undefined) {
    const open = side === 'above' ? 'upper' : 'lower';
    return [
      {
        message: `the last step ${show(last)} ends at ${far(last)}; leave its ${open} bound out so a larger breach still scales`,
      },
    ];
  }
  return [];
}

function adjustmentProblems(
  steps: readonly StepAdjustment[],
  side: Side,
  comparison: Comparison,
  adjustmentType: AdjustmentType,
): StepProblem[] {
  const problems: StepProblem[] = [];
  steps.forEach((step, index) => {
    if (adjustmentType === 'ExactCapacity') {
      if (step.adjustment < 0) {
        problems.push({
          index,
          field: 'adjustment',
          message: 'ExactCapacity sets a task count; write 0 or more',
        });
      }
    } else if (side === 'above' && step.adjustment < 0) {
      problems.push({
        index,
        field: 'adjustment',
        message: `a ${comparison} policy scales out; write an adjustment of 0 or more (scale in with a LessThan… policy)`,
      });
    } else if (side === 'below' && step.adjustment > 0) {
      problems.push({
        index,
        field: 'adjustment',
        message: `a ${comparison} policy scales in; write an adjustment of 0 or less (scale out with a GreaterThan… policy)`,
      });
    } else if (adjustmentType === 'PercentChangeInCapacity' && step.adjustment < -100) {
      problems.push({
        index,
        field: 'adjustment',
        message: 'a scale-in cannot remove more than 100 percent',
      });
    }
  });
  if (problems.length > 0) return problems;
  // A larger breach asking for less than a smaller one is a typo in practice, and it would make the policy's
  // response non-monotonic in the metric. Outward, adjustments never decrease above the threshold (they add
  // or set more) and never increase below it (they remove more or set less).
  const ordered = outwardOrder(steps, side);
  for (let i = 1; i < ordered.length; i++) {
    const nearer = ordered[i - 1] as StepAdjustment;
    const further = ordered[i] as StepAdjustment;
    const backwards =
      side === 'above' ? further.adjustment < nearer.adjustment : further.adjustment > nearer.adjustment;
    if (backwards) {
      return [
        {
          message: `${formatInterval(further, side)} adjusts by ${further.adjustment} but the nearer ${formatInterval(nearer, side)} by ${nearer.adjustment}; a larger breach must not scale less, so order the adjustments`,
        },
      ];
    }
  }
  return [];
}

/**
 * Step scaling's guarantees under random policies, counts, metrics and histories: the desired count it sets is
 * always within [min, max]; the no-op band never changes capacity; a larger breach never scales out less;
 * ExactCapacity ignores the current count but for min/max; no scale-in happens within a cooldown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ScalingPolicyConfig } from '../../../../lib/scaling/config.js';
import type { ScalingActivity } from '../../../../lib/scaling/cooldown.js';
import { type Decision, decide } from '../../../../lib/scaling/decide.js';
import { isBreached } from '../../../../lib/scaling/steps.js';

const NOW = new Date('2024-05-02T12:00:00Z');
const THRESHOLD = 50;

/** Valid steps for one side of the threshold: contiguous from 0 outwards, adjustments growing outwards. */
const stepsArbitrary = (side: 'above' | 'below', exact: boolean) =>
  fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: exact ? 30 : 100 }), { minLength: 5, maxLength: 5 }),
    )
    .map(([cuts, sizes]) => {
      const bounds = [0, ...cuts.sort((a, b) => a - b)];
      const sorted = sizes.slice(0, bounds.length).sort((a, b) => a - b);
      return bounds.map((bound, index) => {
        const next = bounds[index + 1];
        const magnitude = sorted[index] ?? 0;
        if (side === 'above') {
          return { lower: bound, ...(next === undefined ? {} : { upper: next }), adjustment: magnitude };
        }
        return {
          upper: -bound,
          ...(next === undefined ? {} : { lower: -next }),
          adjustment: exact ? 30 - magnitude : -Math.min(magnitude, 100),
        };
      });
    });

const policyArbitrary = fc
  .record({
    side: fc.constantFrom<'above' | 'below'>('above', 'below'),
    strict: fc.boolean(),
    adjustmentType: fc.constantFrom('ChangeInCapacity', 'PercentChangeInCapacity', 'ExactCapacity'),
    minAdjustmentMagnitude: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    minCapacity: fc.integer({ min: 0, max: 10 }),
    span: fc.integer({ min: 0, max: 20 }),
    metricAggregationType: fc.constantFrom('Average', 'Minimum', 'Maximum'),
  })
  .chain((shape) =>
    stepsArbitrary(shape.side, shape.adjustmentType === 'ExactCapacity').map((steps) =>
      z.parse(ScalingPolicyConfig, {
        cluster: 'prod',
        service: 'worker',
        metric: { cloudWatch: { namespace: 'MyApp', name: 'Load', statistic: 'Average' } },
        threshold: THRESHOLD,
        comparison:
          shape.side === 'above'
            ? shape.strict
              ? 'GreaterThanThreshold'
              : 'GreaterThanOrEqualToThreshold'
            : shape.strict
              ? 'LessThanThreshold'
              : 'LessThanOrEqualToThreshold',
        adjustmentType: shape.adjustmentType,
        ...(shape.adjustmentType === 'PercentChangeInCapacity' && shape.minAdjustmentMagnitude !== undefined
          ? { minAdjustmentMagnitude: shape.minAdjustmentMagnitude }
          : {}),
        metricAggregationType: shape.metricAggregationType,
        steps,
        minCapacity: shape.minCapacity,
        maxCapacity: shape.minCapacity + shape.span,
        cooldownSeconds: 300,
      }),
    ),
  );

const activityArbitrary: fc.Arbitrary<ScalingActivity> = fc
  .record({
    secondsAgo: fc.integer({ min: 0, max: 900 }),
    from: fc.integer({ min: 0, max: 40 }),
    to: fc.integer({ min: 0, max: 40 }),
    cooldownSeconds: fc.integer({ min: 0, max: 600 }),
  })
  .map(({ secondsAgo, ...rest }) => ({ at: new Date(NOW.getTime() - secondsAgo * 1000), ...rest }));

const scenarioArbitrary = fc.record({
  policy: policyArbitrary,
  runningCount: fc.integer({ min: 0, max: 40 }),
  desiredCount: fc.integer({ min: 0, max: 40 }),
  metric: fc.double({ min: -100, max: 200, noNaN: true }),
  activities: fc.array(activityArbitrary, { maxLength: 4 }),
});
type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer S> ? S : never;

const decideFor = (scenario: Scenario, metric = scenario.metric): Decision =>
  decide({ ...scenario, now: NOW, datapoints: [metric] });

/** The desired count after the decision: the new one, or the one left alone. */
const desiredAfter = (decision: Decision, before: number) =>
  decision.action === 'scale' ? decision.desired : before;

describe('step scaling decisions', () => {
  it('set a desired count within [min, max]', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const decision = decideFor(scenario);
        if (decision.action !== 'scale') return;
        expect(decision.desired).toBeGreaterThanOrEqual(scenario.policy.minCapacity);
        expect(decision.desired).toBeLessThanOrEqual(scenario.policy.maxCapacity);
        expect(decision.adjustment).toBe(decision.desired - scenario.desiredCount);
      }),
      { numRuns: 500 },
    );
  });

  it('never change capacity for a metric inside the no-op band', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { threshold, comparison } = scenario.policy;
        fc.pre(!isBreached(scenario.metric, threshold, comparison));
        expect(decideFor(scenario)).toMatchObject({ action: 'ignore', reason: 'no-step' });
      }),
      { numRuns: 300 },
    );
  });

  it('never scale out less for a higher metric', () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.double({ min: 0, max: 100, noNaN: true }), (scenario, rise) => {
        fc.pre(scenario.policy.comparison.startsWith('Greater'));
        const lower = desiredAfter(decideFor(scenario), scenario.desiredCount);
        const higher = desiredAfter(decideFor(scenario, scenario.metric + rise), scenario.desiredCount);
        expect(higher).toBeGreaterThanOrEqual(lower);
      }),
      { numRuns: 500 },
    );
  });

  it('with ExactCapacity, set the step’s count whatever the current one, but for min/max', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        fc.pre(scenario.policy.adjustmentType === 'ExactCapacity');
        const decision = decideFor(scenario);
        if (decision.action !== 'scale' || decision.step === undefined) return;
        const { minCapacity, maxCapacity } = scenario.policy;
        expect(decision.desired).toBe(Math.min(maxCapacity, Math.max(minCapacity, decision.step.adjustment)));
      }),
      { numRuns: 500 },
    );
  });

  it('never scale in within a cooldown', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        // The latest change decides (of two at one instant, the one recorded later); a later one whose cooldown
        // has run out ends an earlier one's.
        const changes = scenario.activities.filter((activity) => activity.to !== activity.from);
        const latest = changes.reduce<(typeof changes)[number] | undefined>(
          (newest, activity) =>
            newest === undefined || activity.at.getTime() >= newest.at.getTime() ? activity : newest,
          undefined,
        );
        const inCooldown =
          latest !== undefined && latest.at.getTime() + latest.cooldownSeconds * 1000 > NOW.getTime();
        fc.pre(inCooldown);
        const decision = decideFor(scenario);
        if (decision.action === 'scale')
          expect(decision.desired).toBeGreaterThanOrEqual(scenario.desiredCount);
      }),
      { numRuns: 500 },
    );
  });
});

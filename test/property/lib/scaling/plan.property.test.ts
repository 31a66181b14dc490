/**
 * What an evaluation plans, under random histories, counts and backlogs: a claimed change still landing holds
 * every other evaluation, and nothing else does; when the plan is to scale, it claims exactly the change it
 * applies, counted from the running count, at the revision it read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, changeInFlight, type Observation, planOf } from '../../../../lib/scaling/plan.js';
import type { RecordedActivity } from '../../../../lib/scaling/scaling-store.js';
import { policy, QUEUE_WORKERS } from '../../../support/scaling-policies.js';

const NOW = new Date('2024-05-02T12:00:00Z');
const POLICY = policy(QUEUE_WORKERS);

const activityArbitrary: fc.Arbitrary<RecordedActivity> = fc
  .record({
    // Mostly around the lease, some stamped a little after now (another evaluation's clock).
    ageMs: fc.integer({ min: -5_000, max: 3 * CLAIM_LEASE_MS }),
    from: fc.integer({ min: 0, max: 20 }),
    to: fc.integer({ min: 0, max: 20 }),
    policy: fc.constantFrom('out', 'in'),
  })
  .map(({ ageMs, ...rest }) => ({ at: new Date(NOW.getTime() - ageMs), cooldownSeconds: 60, ...rest }));

const observationArbitrary = fc
  .record({
    running: fc.integer({ min: 0, max: 20 }),
    desired: fc.integer({ min: 0, max: 20 }),
    backlog: fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: undefined }),
    activities: fc.array(activityArbitrary, { maxLength: 3 }),
    revision: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  })
  .map(
    ({ running, desired, backlog, activities, revision }): Extract<Observation, { service: 'active' }> => ({
      service: 'active',
      running,
      desired,
      stored: { activities, revision },
      scalableTarget: undefined,
      nativePolicies: [],
      metric: {
        datapoints: backlog === undefined ? undefined : [backlog],
        read: backlog === undefined ? 'read failed' : `backlog ${backlog}`,
      },
    }),
  );

const evaluation = { name: 'out', policy: POLICY, at: NOW };

describe('an evaluation’s plan', () => {
  it('is held exactly while the latest claim is younger than the lease and not yet in the desired count', () => {
    fc.assert(
      fc.property(observationArbitrary, (observation) => {
        const latest = observation.stored.activities.at(-1);
        const age = latest === undefined ? undefined : NOW.getTime() - latest.at.getTime();
        const landing =
          latest !== undefined &&
          age !== undefined &&
          age >= 0 &&
          age < CLAIM_LEASE_MS &&
          latest.to !== observation.desired;
        expect(changeInFlight(observation.stored.activities, observation.desired, NOW)).toBe(
          landing ? latest : undefined,
        );
        const plan = planOf(evaluation, observation);
        if (landing) {
          expect(plan).toMatchObject({
            effect: 'none',
            settled: { outcome: { reason: 'change-in-flight' } },
          });
        } else if (plan.effect === 'none') {
          expect(plan.settled.outcome.reason).not.toBe('change-in-flight');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('claims the very change it applies, from the running count, at the revision it read', () => {
    fc.assert(
      fc.property(observationArbitrary, (observation) => {
        const plan = planOf(evaluation, observation);
        if (plan.effect === 'none') return;
        expect(plan.claim.read).toBe(observation.stored);
        expect(plan.claim.activity).toEqual({
          at: NOW,
          from: observation.running,
          to: plan.to,
          cooldownSeconds: POLICY.cooldownSeconds,
          policy: 'out',
        });
        expect(plan.from).toBe(observation.desired);
        expect(plan.to).not.toBe(plan.from);
        expect(plan.applied).toMatchObject({
          desired: plan.to,
          adjustment: plan.to - plan.from,
          applied: true,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('never scales on a metric it could not read', () => {
    fc.assert(
      fc.property(observationArbitrary, (observation) => {
        fc.pre(observation.metric.datapoints === undefined);
        expect(planOf(evaluation, observation).effect).toBe('none');
      }),
      { numRuns: 200 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type ServiceCounts } from '../../../../local/ecs/scheduler.js';

const counts = (over: Partial<ServiceCounts>): ServiceCounts => ({
  desiredCount: 4,
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  healthy: 0,
  starting: 0,
  draining: 0,
  ...over,
});

describe('the service scheduler', () => {
  it('starts the missing tasks', () => {
    expect(decide(counts({ healthy: 1, starting: 1 }))).toEqual({ start: 2, stopExcess: 0, stopDraining: 0 });
  });

  it('stops tasks beyond the desired count regardless of minimumHealthyPercent', () => {
    expect(decide(counts({ desiredCount: 1, healthy: 3 }))).toEqual({
      start: 0,
      stopExcess: 2,
      stopDraining: 0,
    });
  });

  it('starts replacements for draining tasks first, then stops them once enough are healthy', () => {
    expect(decide(counts({ draining: 4 }))).toEqual({ start: 4, stopExcess: 0, stopDraining: 0 });
    expect(decide(counts({ starting: 4, draining: 4 }))).toEqual({
      start: 0,
      stopExcess: 0,
      stopDraining: 0,
    });
    expect(decide(counts({ healthy: 4, draining: 4 }))).toEqual({ start: 0, stopExcess: 0, stopDraining: 4 });
  });

  it('with maximumPercent 100 stops draining tasks first, down to minimumHealthyPercent', () => {
    const decision = decide(counts({ minimumHealthyPercent: 50, maximumPercent: 100, draining: 4 }));
    expect(decision).toEqual({ start: 0, stopExcess: 0, stopDraining: 2 });
  });

  it('cannot drain when both limits are 100% (as in ECS)', () => {
    const decision = decide(counts({ maximumPercent: 100, healthy: 0, draining: 4 }));
    expect(decision).toEqual({ start: 0, stopExcess: 0, stopDraining: 0 });
  });

  const serviceArb = fc
    .record({
      desiredCount: fc.integer({ min: 0, max: 20 }),
      minimumHealthyPercent: fc.integer({ min: 0, max: 100 }),
      maximumPercent: fc.integer({ min: 100, max: 200 }),
      healthy: fc.integer({ min: 0, max: 25 }),
      starting: fc.integer({ min: 0, max: 25 }),
      draining: fc.integer({ min: 0, max: 25 }),
    })
    // Draining needs headroom on one side, as ECS documents.
    .filter(
      (c) =>
        c.draining === 0 ||
        Math.floor((c.desiredCount * c.maximumPercent) / 100) > c.desiredCount ||
        Math.ceil((c.desiredCount * c.minimumHealthyPercent) / 100) < c.desiredCount,
    );

  it('converges to desiredCount healthy tasks and no draining ones, starting tasks becoming healthy each round', () => {
    fc.assert(
      fc.property(serviceArb, (initial) => {
        let state = { ...initial };
        // With no headroom above desiredCount, one draining task moves per two rounds: allow that worst case.
        const rounds = 2 * (initial.desiredCount + initial.draining) + 4;
        for (let round = 0; round < rounds; round++) {
          const { start, stopExcess, stopDraining } = decide(state);
          const fromStarting = Math.min(stopExcess, state.starting);
          state = {
            ...state,
            healthy: state.healthy + state.starting - fromStarting - (stopExcess - fromStarting),
            starting: start,
            draining: state.draining - stopDraining,
          };
        }
        expect(state).toMatchObject({ healthy: initial.desiredCount, starting: 0, draining: 0 });
      }),
    );
  });

  it('never stops draining tasks below minimumHealthyPercent, nor starts beyond maximumPercent', () => {
    fc.assert(
      fc.property(serviceArb, (c) => {
        const { start, stopExcess, stopDraining } = decide(c);
        const live = c.healthy + c.starting + c.draining;
        const maximum = Math.floor((c.desiredCount * c.maximumPercent) / 100);
        if (start > 0) expect(live + start).toBeLessThanOrEqual(maximum);
        if (stopDraining > 0) {
          const minimum = Math.ceil((c.desiredCount * c.minimumHealthyPercent) / 100);
          expect(c.healthy - stopExcess + c.draining - stopDraining).toBeGreaterThanOrEqual(minimum);
        }
      }),
    );
  });
});

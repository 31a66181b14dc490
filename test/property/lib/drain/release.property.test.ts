/**
 * Releasing a drain cut short by its deadline, under random deliveries, concurrent callers and faults — SNS
 * failing, callers dying before or after completing the lifecycle action, or after SNS took the page: the
 * instance is released, its lifecycle action completed once, and on-call paged exactly once — never lost, and
 * twice only when a caller died between SNS taking the page and marking it sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DrainChangedError, type StoredDrain } from '../../../../lib/drain/drain-store.js';
import { createDrainExecutor, type DrainExecutorDependencies } from '../../../../lib/drain/executor.js';
import { observe } from '../../../../lib/drain/machine.js';
import type { Drain } from '../../../../lib/drain/model.js';
import type { AlertMessage } from '../../../../lib/platform/notification/message.js';
import { A, atDate, drainOf, instance, SETTINGS, service } from '../../../support/drains.js';

const FAULTS = [
  'none',
  'sns-fails',
  'crash-before-complete',
  'crash-after-complete',
  'crash-after-publish',
] as const;
type Fault = (typeof FAULTS)[number];

/** The process running a step died: nothing after it runs, not even a give-back. */
class Crash extends Error {}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One drain, the world around it and the callers' faults, in memory. */
function world(initial: Drain) {
  const state = {
    now: atDate(61),
    stored: { drain: initial, revision: 1 } as StoredDrain,
    completions: 0,
    published: [] as AlertMessage[],
    fault: 'none' as Fault,
    crashNextSave: false,
    diedAfterPublish: 0,
  };
  const take = (fault: Fault) => {
    if (state.fault !== fault) return false;
    state.fault = 'none';
    return true;
  };
  const drains = {
    async get() {
      await tick();
      return structuredClone(state.stored);
    },
    async save(drain: Drain, expected: number | undefined): Promise<StoredDrain> {
      await tick();
      if (state.crashNextSave) {
        state.crashNextSave = false;
        state.diedAfterPublish += 1;
        throw new Crash('died after SNS took the page');
      }
      if (expected !== state.stored.revision) throw new DrainChangedError(drain.ec2InstanceId);
      state.stored = { drain: structuredClone(drain), revision: state.stored.revision + 1 };
      return structuredClone(state.stored);
    },
  };
  const autoScaling = {
    async send(command: object) {
      await tick();
      if (command.constructor.name !== 'CompleteLifecycleActionCommand') return {};
      if (take('crash-before-complete')) throw new Crash('died before completing the action');
      if (state.completions > 0) {
        throw Object.assign(new Error('No active Lifecycle Action found with instance ID i-0abc'), {
          name: 'ValidationError',
        });
      }
      state.completions += 1;
      if (take('crash-after-complete')) throw new Crash('died after completing the action');
      return {};
    },
  };
  const publisher = {
    async publish(message: AlertMessage) {
      await tick();
      if (take('sns-fails'))
        throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' });
      state.published.push(message);
      if (take('crash-after-publish')) state.crashNextSave = true;
      return `message-${state.published.length}`;
    },
  };
  const executor = createDrainExecutor({
    drains,
    ecs: { send: async () => ({}) } as unknown as DrainExecutorDependencies['ecs'],
    autoScaling: autoScaling as unknown as DrainExecutorDependencies['autoScaling'],
    publisher,
    journal: { append: async () => {} },
    settings: SETTINGS,
    now: () => state.now,
  });
  /** One delivery: once the action is completed, EC2 terminates the instance and ECS reports it gone. */
  const deliver = async () => {
    const stored = await drains.get();
    const gone =
      state.completions === 0
        ? stored.drain
        : observe(stored.drain, {
            instance: instance('INACTIVE', 9, 0),
            tasks: { [A]: { ...service('STOPPED', 9), group: 'family:etl' } },
          });
    return executor.settleMerged(stored, gone).catch((error: unknown) => {
      if (
        error instanceof Crash ||
        error instanceof DrainChangedError ||
        (error as Error).message === 'SNS is down'
      )
        return undefined;
      throw error;
    });
  };
  return { state, deliver };
}

const step = fc.record({
  advanceMs: fc.integer({ min: 0, max: 90_000 }),
  callers: fc.integer({ min: 1, max: 3 }),
  fault: fc.constantFrom(...FAULTS),
});

describe('a release cut short by its deadline, under faults and concurrent callers', () => {
  it('releases once and pages once — twice only when a caller died after SNS took the page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 8 }), async (steps) => {
        const { state, deliver } = world(
          drainOf({
            instance: instance('DRAINING', 4, 1),
            tasks: { [A]: { ...service('RUNNING', 2), group: 'family:etl' } },
          }),
        );
        for (const { advanceMs, callers, fault } of steps) {
          state.now = new Date(state.now.getTime() + advanceMs);
          state.fault = fault;
          await Promise.all(Array.from({ length: callers }, deliver));
          state.fault = 'none';
          state.crashNextSave = false;
        }
        // Then the sweeps go on with nothing failing, until the drain is released.
        for (let sweep = 0; sweep < 3 && state.stored.drain.state !== 'released'; sweep++) {
          state.now = new Date(state.now.getTime() + 120_000);
          await deliver();
        }

        expect(state.stored.drain.state).toBe('released');
        expect(state.completions).toBe(1);
        expect(state.stored.drain.page).toMatchObject({ state: 'sent', reason: 'deadline', remaining: [A] });
        expect(state.published.length).toBeGreaterThanOrEqual(1);
        expect(state.published.length).toBeLessThanOrEqual(1 + state.diedAfterPublish);
        for (const message of state.published)
          expect(message.json).toMatchObject({ remaining: [{ arn: A }] });
      }),
      { numRuns: 150 },
    );
  });
});

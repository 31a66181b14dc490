/**
 * The run loop. Each tick, simulated time runs while the loop waits; then, with time standing still, the
 * simulation catches up with it through every cluster transition, schedule and script step on the way, each at
 * its own time, and the event source mappings deliver what is due. A step acts on the simulation as it is at
 * the step's time, once the schedules that fired before it have run. A step that fails, or finds nothing to
 * act on, stops the run with a ScriptStepError: a story that skipped a step would report what it never caused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EcsOpsError } from '../../lib/platform/errors.js';
import type { SimulatedEcs } from '../ecs/index.js';
import type { LocalSchedules } from '../scheduler/schedules.js';
import type { SandboxClock } from './clock.js';
import type { ScenarioStep } from './scenario.js';

/** What the loop needs of the world the script acts on: the simulated cluster, to catch it up. */
export interface LoopWorld {
  sim: Pick<SimulatedEcs, 'advanceTo' | 'nextDueAt'>;
}

export interface RunLoopOptions<World extends LoopWorld> {
  clock: SandboxClock;
  /** Simulated milliseconds per wall-clock millisecond. */
  speed: number;
  /** The simulated time the run ends at. */
  until: number;
  script: readonly ScenarioStep<World>[];
  world: World;
  schedules: Pick<LocalSchedules, 'fire' | 'nextDueAt' | 'settle'>;
  /** Hands what the simulation emitted to the bus. */
  publish(): Promise<void>;
  /** Lets the event source mappings deliver what is due. */
  deliver(): Promise<void>;
  /** A step is about to act, at simulated time `at`. */
  onStep(at: number, step: ScenarioStep<World>): void;
  tickMs: number;
  signal?: AbortSignal;
}

/** A script step that failed or found nothing to act on, named with its time after the start. */
export class ScriptStepError extends EcsOpsError {
  override name = 'ScriptStepError';

  constructor(step: Pick<ScenarioStep, 'at' | 'say'>, cause: unknown) {
    super(
      `the script's step at +${(step.at / 1000).toFixed(1)}s, "${step.say}", failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { retryable: false, cause },
    );
  }
}

/** Runs the script until `until` (or the signal); says whether the signal stopped it. */
export async function runLoop<World extends LoopWorld>(
  options: RunLoopOptions<World>,
): Promise<{ interrupted: boolean }> {
  const { clock, world, schedules } = options;
  const pending = [...options.script];

  const act = async (step: ScenarioStep<World>, at: number) => {
    await schedules.settle();
    options.onStep(at, step);
    try {
      await step.act(world);
    } catch (error) {
      throw new ScriptStepError(step, error);
    }
    await options.publish();
  };

  const catchUp = async (target: number) => {
    for (;;) {
      const step = pending[0];
      const stepAt = step === undefined ? Number.POSITIVE_INFINITY : clock.startedAt + step.at;
      // Stopping at each transition too publishes every event at its own time, in order with the steps.
      const transition = world.sim.nextDueAt() ?? Number.POSITIVE_INFINITY;
      const next = Math.min(
        target,
        stepAt,
        schedules.nextDueAt() ?? Number.POSITIVE_INFINITY,
        transition > clock.now() ? transition : Number.POSITIVE_INFINITY,
      );
      world.sim.advanceTo(next, (at) => clock.reach(at));
      schedules.fire(next);
      await options.publish();
      if (step !== undefined && stepAt === next) {
        pending.shift();
        await act(step, next);
      } else if (next === target) {
        return;
      }
    }
  };

  while (clock.now() < options.until) {
    if (options.signal?.aborted) return { interrupted: true };
    clock.run(options.speed);
    await sleep(options.tickMs, undefined, { signal: options.signal }).catch(() => undefined);
    clock.stop();
    await catchUp(Math.min(clock.functionsNow(), options.until));
    await options.deliver();
  }
  return { interrupted: false };
}

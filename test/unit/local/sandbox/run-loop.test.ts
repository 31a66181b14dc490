/**
 * The run loop plays the script on the simulated clock: each step acts on the simulation as it is at the
 * step's time, however late the tick that reaches it, and a step that finds nothing to act on stops the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SimulatedEcs } from '../../../../local/ecs/index.js';
import { seededRandom } from '../../../../local/random.js';
import { SandboxClock } from '../../../../local/sandbox/clock.js';
import { type RunLoopOptions, runLoop, ScriptStepError } from '../../../../local/sandbox/run-loop.js';
import type { ScenarioStep } from '../../../../local/sandbox/scenario.js';

const START = Date.parse('2024-05-02T09:00:00Z');
/** Each tick moves simulated time on by some 20 s (50 ms of wall time at 400 times its speed). */
const SPEED = 400;
const TICK_MS = 50;

interface World {
  sim: SimulatedEcs;
}

/** A cluster whose two api tasks (bridge, on EC2) are PENDING from the start and RUNNING 3 s later. */
function setup() {
  const clock = new SandboxClock(START);
  const sim = new SimulatedEcs({ now: clock.now, random: seededRandom(1), emit: () => undefined });
  sim.createCluster('prod');
  sim.registerContainerInstance({ cluster: 'prod', ec2InstanceId: 'i-0001', cpu: 2048, memory: 4096 });
  sim.registerTaskDefinition({
    family: 'api',
    requiresCompatibilities: ['EC2'],
    networkMode: 'bridge',
    containers: [{ name: 'api', image: 'api:1', cpu: 256, memory: 512, essential: true }],
  });
  sim.createService({
    cluster: 'prod',
    serviceName: 'api',
    taskDefinition: 'api',
    desiredCount: 2,
    launchType: 'EC2',
  });
  const log: string[] = [];
  const seconds = (at: number) => `+${((at - START) / 1000).toFixed(1)}s`;
  const options = (script: ScenarioStep<World>[], overrides: Partial<RunLoopOptions<World>> = {}) =>
    runLoop<World>({
      clock,
      speed: SPEED,
      until: START + 20_000,
      script,
      world: { sim },
      schedules: { fire: () => 0, nextDueAt: () => undefined, settle: async () => undefined },
      publish: async () => undefined,
      deliver: async () => undefined,
      onStep: (at, step) => log.push(`${seconds(at)} ${step.say}`),
      tickMs: TICK_MS,
      ...overrides,
    });
  const running = () => sim.snapshot().tasks.filter((task) => task.lastStatus === 'RUNNING');
  return { clock, sim, log, seconds, run: options, running };
}

describe('the sandbox run loop', () => {
  it('has each step act on the simulation as it is at the step’s time, however far a tick moves time', async () => {
    const { clock, log, seconds, run, running, sim } = setup();
    const seen: string[] = [];
    await run([
      {
        at: 1_000,
        say: 'a step',
        act: async () => void seen.push(`${seconds(clock.now())}: ${running().length} api tasks RUNNING`),
      },
      {
        at: 5_000,
        say: 'kill an api task',
        act: async () => {
          seen.push(`${seconds(clock.now())}: ${running().length} api tasks RUNNING`);
          sim.crashTask(String(running()[0]?.taskArn), { exitCode: 137 });
        },
      },
    ]);
    expect(log).toEqual(['+1.0s a step', '+5.0s kill an api task']);
    expect(seen).toEqual(['+1.0s: 0 api tasks RUNNING', '+5.0s: 2 api tasks RUNNING']);
    const killed = sim.snapshot().tasks.find((task) => task.stopCode === 'EssentialContainerExited');
    expect(killed?.stoppingAt).toBe(new Date(START + 5_000).toISOString());
    expect(clock.now()).toBe(START + 20_000);
  });

  it('keeps simulated time still while a step works: a slow step (a cold start, say) costs the story nothing', async () => {
    const { clock, seconds, run } = setup();
    const seen: string[] = [];
    await run([
      {
        at: 1_000,
        say: 'a slow step',
        act: async () => {
          const before = clock.functionsNow();
          await sleep(200);
          seen.push(`${seconds(clock.now())}: the functions' time moved ${clock.functionsNow() - before} ms`);
        },
      },
    ]);
    expect(seen).toEqual(["+1.0s: the functions' time moved 0 ms"]);
  });

  it('stops the run when a step finds nothing to act on, naming the step, its time and what it looked for', async () => {
    const { log, run } = setup();
    const failed = run([
      {
        at: 2_000,
        say: 'kill an api task',
        act: async () => {
          throw new Error(
            'found no RUNNING task of service api in prod to kill (ListTasks: PENDING, PENDING)',
          );
        },
      },
      { at: 3_000, say: 'never reached', act: async () => undefined },
    ]);
    await expect(failed).rejects.toThrow(ScriptStepError);
    await expect(failed).rejects.toThrow(
      'the script\'s step at +2.0s, "kill an api task", failed: found no RUNNING task of service api in prod to kill (ListTasks: PENDING, PENDING)',
    );
    expect(log).toEqual(['+2.0s kill an api task']);
  });

  it('fires schedules in time order with the steps, and a step acts once what fired before it has run', async () => {
    const { clock, log, seconds, run } = setup();
    let next = START + 6_000;
    const inFlight: Promise<void>[] = [];
    await run([{ at: 7_000, say: 'after the schedule', act: async () => undefined }], {
      schedules: {
        nextDueAt: () => next,
        fire: (now) => {
          if (next > now) return 0;
          log.push(`${seconds(clock.now())} schedule fired`);
          inFlight.push(sleep(50).then(() => void log.push('scheduled invocation done')));
          next += 60_000;
          return 1;
        },
        settle: async () => void (await Promise.all(inFlight)),
      },
    });
    expect(log).toEqual(['+6.0s schedule fired', 'scheduled invocation done', '+7.0s after the schedule']);
  });

  it('ends at its time with the simulation there', async () => {
    const { clock, run } = setup();
    expect(await run([])).toEqual({ interrupted: false });
    expect(clock.now()).toBe(START + 20_000);
  });

  it('ends early when stopped (Ctrl-C)', async () => {
    const { clock, run } = setup();
    const stop = new AbortController();
    const until = START + 3_600_000;
    const stopped = await run([{ at: 1_000, say: 'Ctrl-C', act: async () => stop.abort() }], {
      until,
      signal: stop.signal,
    });
    expect(stopped).toEqual({ interrupted: true });
    expect(clock.now()).toBeLessThan(until);
  });
});

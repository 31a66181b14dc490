/**
 * The sandbox (`npm start`, `ecs-ops sandbox`): ecs-ops running end to end with no AWS account. A run starts
 * clean (fresh-store.ts), wires a local account from serverless.yml (wiring.ts), builds the story's cluster
 * and plays its script on the simulated clock (scenario.ts, run-loop.ts, clock.ts), then drains delivery,
 * checks the store against the simulator and reports (report.ts, view.ts). The run ends at its duration, when
 * the script is done, on Ctrl-C, or — with a ScriptStepError — when a step fails.
 */
import { join } from 'node:path';
import { seededRandom } from '../random.js';
import { loadDeployment } from '../serverless/routes.js';
import { SandboxClock } from './clock.js';
import { startClean } from './fresh-store.js';
import { BREAK_TO_MS, type SandboxOptions, type SandboxReport } from './model.js';
import { finishRun } from './report.js';
import { runLoop } from './run-loop.js';
import { buildTopology, SCRIPT, SCRIPT_MS, type ScenarioWorld, SERVICES_ASG } from './scenario.js';
import { saveTaskDefinitions } from './task-definitions.js';
import { SandboxView } from './view.js';
import { REGION, RESYNC_FUNCTION, startLocalAccount } from './wiring.js';

/** Wall-clock time between two catch-ups of the simulation. */
const TICK_MS = 100;
const MINUTE_MS = 60_000;

export async function runSandbox(options: SandboxOptions): Promise<SandboxReport> {
  const removed = await startClean(options.dir, options.store);
  const storyMs = options.durationMs === undefined ? SCRIPT_MS : options.durationMs * options.speed;
  // With --break, the run lasts until the broken function's errors alarm can clear: the whole minute after
  // its recovery, then one more period, whose evaluation sends the OK.
  const simulatedMs =
    options.breakFunction === undefined
      ? storyMs
      : Math.max(storyMs, Math.ceil(BREAK_TO_MS / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  // Simulated time starts as far in the past as the story outruns the wall clock, so it ends no later than the
  // run does: nothing stamped is in the future for the CLI reading the store afterwards (whose --since
  // windows end at the wall clock's now). It starts on a whole minute: the every-minute schedules then fire on
  // their minute slots, and report's first scheduled slot always comes after the script's manual run.
  const startedAt = Date.now() + simulatedMs / options.speed - simulatedMs;
  const clock = new SandboxClock(Math.floor(startedAt / MINUTE_MS) * MINUTE_MS);
  const view = new SandboxView(options.out, clock.startedAt, clock.now);
  const deployment = loadDeployment(join(options.root, 'serverless.yml'), {
    stage: 'local',
    region: REGION,
    configFile: options.configFile,
  });
  view.headline(deployment, options, removed);
  const random = seededRandom(options.seed);
  const account = await startLocalAccount({ options, deployment, clock, random, view });
  view.endpoint(account.endpoint.url);
  try {
    const [services = 'default', jobs = services] = options.clusters;
    buildTopology(account.sim, [services, jobs], options.drain.autoScalingGroups[0] ?? SERVICES_ASG, random);
    // As deploying does: one resync at once backfills what the cluster ran before ecs-ops watched it.
    await account.functions.invoke(RESYNC_FUNCTION, { trigger: 'deploy' });
    const world: ScenarioWorld = {
      sim: account.sim,
      ecs: account.ecs,
      sqs: account.sqs,
      services,
      jobs,
      invoke: (name, event) => account.functions.invoke(name, event),
      consumeAll: (queueName) => {
        const queue = account.queues.named(queueName);
        let taken = 0;
        for (let batch = queue.receive(10); batch.length > 0; batch = queue.receive(10)) {
          for (const message of batch) queue.delete(message.receiptHandle);
          taken += batch.length;
        }
        return taken;
      },
      now: clock.now,
      marks: {},
    };
    const { interrupted } = await runLoop({
      clock,
      speed: options.speed,
      until: clock.startedAt + simulatedMs,
      script: SCRIPT,
      world,
      schedules: account.schedules,
      publish: () => account.publish(),
      deliver: async () => {
        await account.bus.pump();
        // Each period's end: the queues sampled, the stack's alarms evaluated, their changes notified.
        await account.monitoring.tick(clock.now());
      },
      onStep: (at, step) => view.step(at, step.say),
      tickMs: TICK_MS,
      signal: options.signal,
    });
    saveTaskDefinitions(account.sim, account.capture, options.dir);
    const report = await finishRun(account, {
      options,
      clock,
      view,
      interrupted,
      backlogAt: world.marks.backlog,
    });
    view.summary(report);
    return report;
  } finally {
    await account.close();
  }
}

/**
 * `ecs-ops sandbox` (npm start): the toolkit end to end on a simulated ECS account — see local/sandbox/sandbox.ts.
 * Ctrl-C stops it cleanly: delivery is drained and the summary printed before the store closes.
 */
import { randomInt } from 'node:crypto';
import { runSandbox, SandboxUsageError } from '../../local/sandbox/sandbox.js';
import type { CommandContext } from '../context.js';
import { packageRoot } from '../package-root.js';
import { UsageError } from '../usage.js';

export interface SandboxFlags {
  duration?: string;
  speed?: string;
  chaos?: string;
  seed?: string;
}

export async function sandboxCommand(context: CommandContext, flags: SandboxFlags): Promise<number> {
  if (context.engineEndpoint === undefined) {
    throw new UsageError('the sandbox runs on the local store only; leave out --store aws');
  }
  const durationSeconds =
    flags.duration === undefined ? undefined : number('--duration', flags.duration, 1, 86_400);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  try {
    const report = await runSandbox({
      root: packageRoot(),
      dir: context.options.dir,
      configFile: context.options.config ?? 'ops.config.yml',
      clusters: context.config.clusters ?? ['default'],
      dynamoDbEndpoint: context.engineEndpoint,
      store: context.store,
      drain: context.config.drain,
      scaling: context.config.scaling,
      ...(durationSeconds === undefined ? {} : { durationMs: durationSeconds * 1000 }),
      // Twice real time: the story's 95 simulated seconds, the every-minute job included, in under a minute.
      speed: flags.speed === undefined ? 2 : number('--speed', flags.speed, 0.1, 100),
      chaos: flags.chaos === undefined ? 0.1 : number('--chaos', flags.chaos, 0, 1),
      seed: flags.seed === undefined ? randomInt(2 ** 31) : number('--seed', flags.seed, 0, 2 ** 32 - 1),
      out: context.options.json ? () => undefined : context.out,
      signal: stop.signal,
    });
    if (context.options.json) context.out(JSON.stringify(report, null, 2));
    return report.groundTruth.mismatches.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof SandboxUsageError) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
  }
}

function number(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} ${value}: expected a number from ${min} to ${max}`);
  }
  return parsed;
}

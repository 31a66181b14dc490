/**
 * `ecs-ops sandbox` (npm start): the toolkit end to end on a simulated ECS account — see local/sandbox/sandbox.ts.
 * Ctrl-C stops it cleanly: delivery is drained and the summary printed before the store closes.
 */
import { randomInt } from 'node:crypto';
import { runSandbox } from '../../local/sandbox/sandbox.js';
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
  const durationMs = flags.duration === undefined ? undefined : duration(flags.duration);
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
      ...(durationMs === undefined ? {} : { durationMs }),
      // Twice real time: the story's 95 simulated seconds, the every-minute job included, in under a minute.
      speed: flags.speed === undefined ? 2 : number('--speed', flags.speed, 0.1, 100),
      chaos: flags.chaos === undefined ? 0.1 : number('--chaos', flags.chaos, 0, 1),
      seed: flags.seed === undefined ? randomInt(2 ** 31) : number('--seed', flags.seed, 0, 2 ** 32 - 1),
      out: context.options.json ? () => undefined : context.out,
      signal: stop.signal,
    });
    if (context.options.json) context.out(JSON.stringify(report, null, 2));
    return report.groundTruth.mismatches.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', interrupt);
  }
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const MAX_DURATION_MS = 24 * UNIT_MS.h;

/**
 * `--duration`: `40s`, `2m`, `1h` (as `--since` reads ages) or a bare number of seconds; the run lasts that long
 * at its speed (duration × speed of simulated time), longer on the wall clock when the machine is busy.
 */
function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(value);
  const ms =
    match === null ? Number.NaN : Number(match[1]) * UNIT_MS[(match[2] || 's') as keyof typeof UNIT_MS];
  if (!(ms >= UNIT_MS.s && ms <= MAX_DURATION_MS)) {
    throw new UsageError(
      `--duration ${value}: expected a duration from 1s to 24h, such as 40s, 2m or 1h (a bare number is seconds)`,
    );
  }
  return ms;
}

function number(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} ${value}: expected a number from ${min} to ${max}`);
  }
  return parsed;
}

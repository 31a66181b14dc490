/**
 * `ecs-ops sandbox` (npm start): the toolkit end to end on a simulated ECS account — see local/sandbox/sandbox.ts.
 * Ctrl-C stops it cleanly: delivery is drained and the summary printed before the store closes.
 */
import { randomInt } from 'node:crypto';
import { FUNCTIONS } from '../../deploy/monitoring.js';
import type { SandboxOptions } from '../../local/sandbox/model.js';
import { runSandbox } from '../../local/sandbox/sandbox.js';
import type { CommandContext } from '../context.js';
import type { CommandSpec } from '../options.js';
import { printerOf } from '../output.js';
import { packageRoot } from '../package-root.js';
import { UsageError } from '../usage.js';

export const SANDBOX: CommandSpec = {
  name: 'sandbox',
  localOnly: 'the sandbox runs on the local store only; leave out --store aws',
  noArgs: 'use --duration, --speed, --chaos, --loss, --seed or --break',
  summary:
    "run ecs-ops end to end on a simulated ECS account: the deployed functions, serverless.yml's routing, a " +
    'local AWS endpoint (npm start)',
  flags: {
    duration: {
      type: 'string',
      value: '<time>',
      help: '40s, 2m, 1h or seconds of the story at its speed (default: the whole story, about a minute)',
    },
    speed: { type: 'string', value: '<n>', help: 'simulated seconds per second (default 2)' },
    chaos: {
      type: 'string',
      value: '<p>',
      help: 'share of events delivered twice, all reordered (default 0.1; 0 = off)',
    },
    loss: {
      type: 'string',
      value: '<p>',
      help:
        'share of ECS state-change events lost before any rule sees them, as when ECS never sends one ' +
        '(default 0 = off; below 1); resync heals them',
    },
    seed: { type: 'string', value: '<n>', help: 'replay a run (into a fresh --dir; default: a new seed)' },
    break: {
      type: 'string',
      value: '<function>',
      help:
        'make a function throw on every invocation from +20s to +50s of the story: its errors alarm fires into ' +
        'the mailbox, then clears (the run lasts until the OK arrives)',
    },
  },
};

export interface SandboxFlags {
  duration?: string;
  speed?: string;
  chaos?: string;
  loss?: string;
  seed?: string;
  break?: string;
}

/** What the flags set of a sandbox run, every value checked (a UsageError says which flag and what to pass). */
export type SandboxSettings = Pick<
  SandboxOptions,
  'durationMs' | 'speed' | 'chaos' | 'loss' | 'seed' | 'breakFunction'
>;

export function sandboxSettings(flags: SandboxFlags): SandboxSettings {
  const durationMs = flags.duration === undefined ? undefined : duration(flags.duration);
  return {
    ...(durationMs === undefined ? {} : { durationMs }),
    // Twice real time: the story's 95 simulated seconds, the every-minute job included, in under a minute.
    speed: flags.speed === undefined ? 2 : number('--speed', flags.speed, 0.1, 100),
    chaos: flags.chaos === undefined ? 0.1 : number('--chaos', flags.chaos, 0, 1),
    loss: flags.loss === undefined ? 0 : loss(flags.loss),
    seed: flags.seed === undefined ? randomInt(2 ** 31) : number('--seed', flags.seed, 0, 2 ** 32 - 1),
    ...(flags.break === undefined ? {} : { breakFunction: breakFunction(flags.break) }),
  };
}

/** `--break`: one of serverless.yml's functions (deploy/monitoring.ts FUNCTIONS, which the tests hold to it). */
function breakFunction(value: string): string {
  if (!(FUNCTIONS as readonly string[]).includes(value)) {
    throw new UsageError(`--break ${value}: expected one of the functions: ${FUNCTIONS.join(', ')}`);
  }
  return value;
}

export async function sandboxCommand(context: CommandContext, flags: SandboxFlags): Promise<number> {
  if (context.engineEndpoint === undefined) {
    throw new UsageError('the sandbox runs on the local store only; leave out --store aws');
  }
  const settings = sandboxSettings(flags);
  const printer = printerOf(context);
  const quiet = printer.format !== 'table';
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
      ...settings,
      out: quiet ? () => undefined : context.out,
      signal: stop.signal,
    });
    printer.document(report);
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

/**
 * `--loss`: the share of ECS state-change events lost before any rule sees them, from 0 (off) up to, not
 * including, 1 — losing every event would leave nothing for the run to show but resync.
 */
function loss(value: string): number {
  const parsed = value.trim() === '' ? Number.NaN : Number(value);
  if (!(parsed >= 0 && parsed < 1)) {
    throw new UsageError(
      `--loss ${value}: expected a probability from 0 up to (not including) 1, such as 0.05 to lose 5% of ECS events (0 = off)`,
    );
  }
  return parsed;
}

function number(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} ${value}: expected a number from ${min} to ${max}`);
  }
  return parsed;
}

/**
 * The `ecs-ops` command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid input.
 * Each command declares its flags (cli/options.ts); a flag it does not take is refused, never ignored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadOpsConfig } from '../lib/ops-config.js';
import { EcsOpsError } from '../lib/platform/errors.js';
import { type AwsFailureContext, awsFailureContextOf, describeAwsFailure } from './aws-errors.js';
import { ALERTS, alertsCommand } from './commands/alerts.js';
import { CRON, cronCommand } from './commands/cron.js';
import { DEMO, demoCommand } from './commands/demo.js';
import { DLQ, dlqCommand } from './commands/dlq.js';
import { DRAIN, DRAINS, drainCommand, drainsCommand } from './commands/drains.js';
import { INSTANCE, instanceCommand } from './commands/instance.js';
import { JOBS, jobsCommand } from './commands/jobs.js';
import { MAILBOX, mailboxCommand } from './commands/mailbox.js';
import { REPLAY, replayCommand, replayFlags } from './commands/replay.js';
import { RESYNC, resyncCommand } from './commands/resync.js';
import { SANDBOX, sandboxCommand } from './commands/sandbox.js';
import { SCALE, scaleCommand } from './commands/scale.js';
import { SCALING, scalingCommand } from './commands/scaling.js';
import { INSTANCES, instancesCommand, TASKS, tasksCommand } from './commands/state.js';
import { STATUS, statusCommand } from './commands/status.js';
import { STOPS, stopsCommand } from './commands/stops.js';
import { TASK, taskCommand } from './commands/task.js';
import { TIMELINE, timelineCommand } from './commands/timeline.js';
import { type CommandContext, type GlobalOptions, withContext } from './context.js';
import { commandHelp, generalHelp } from './help.js';
import {
  type CommandLine,
  type CommandSpec,
  listOf,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseCommandLine,
  stringOf,
  type Values,
} from './options.js';
import { printerOf, type Terminal, terminalOf } from './output.js';
import { packageRoot } from './package-root.js';
import { checkZone } from './time.js';
import { CommandFailure, UsageError } from './usage.js';

/** Every command, in the order `ecs-ops --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  REPLAY,
  TASK,
  INSTANCE,
  TASKS,
  INSTANCES,
  STOPS,
  TIMELINE,
  ALERTS,
  SANDBOX,
  MAILBOX,
  CRON,
  JOBS,
  SCALE,
  SCALING,
  DRAINS,
  DRAIN,
  RESYNC,
  DLQ,
  STATUS,
  DEMO,
];

type Run = (context: CommandContext, line: CommandLine) => Promise<number> | number;

/** The commands that run against the store, by their first word. */
const RUNS: Record<string, Run> = {
  replay: (context, { args, values }) => replayCommand(context, args[0], replayFlags(values)),
  task: (context, { args, values }) => taskCommand(context, args, values),
  instance: (context, { args, values }) => instanceCommand(context, args, values),
  tasks: (context, { values }) => tasksCommand(context, values),
  instances: (context, { values }) => instancesCommand(context, values),
  stops: (context, { values }) => stopsCommand(context, values),
  timeline: (context, { args, values }) => timelineCommand(context, args, values),
  alerts: (context, { values }) => alertsCommand(context, values),
  demo: (context) => demoCommand(context),
  drains: (context, { values }) => drainsCommand(context, values),
  drain: (context, { args }) => drainCommand(context, args),
  resync: (context, { values }) => resyncCommand(context, values),
  dlq: (context, { words, args, values }) => dlqCommand(context, words[1], args, values),
  status: (context, { args, values }) => statusCommand(context, args, values),
  scaling: (context, { values }) =>
    scalingCommand(context, {
      service: listOf(values, 'service'),
      since: stringOf(values, 'since'),
      until: stringOf(values, 'until'),
      limit: stringOf(values, 'limit'),
    }),
  mailbox: (context, { values }) => mailboxCommand(context, values),
  sandbox: (context, { values }) =>
    sandboxCommand(context, {
      duration: stringOf(values, 'duration'),
      speed: stringOf(values, 'speed'),
      chaos: stringOf(values, 'chaos'),
      loss: stringOf(values, 'loss'),
      seed: stringOf(values, 'seed'),
      break: stringOf(values, 'break'),
    }),
  jobs: (context, { words, args, values }) => jobsCommand(context, words[1], args, values),
};

const stdoutLine = (text: string) => {
  process.stdout.write(`${text}\n`);
};

/**
 * Runs one command line; returns the exit code. `out` and `err` receive whole lines of text. `terminal` is what
 * standard output is when it is one (tables fit its width and use colour); by default it is looked up only when
 * `out` is standard output itself.
 */
export async function runCli(
  argv: readonly string[],
  out: (text: string) => void = stdoutLine,
  err: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
  terminal: Terminal | undefined = out === stdoutLine ? terminalOf(process.stdout) : undefined,
): Promise<number> {
  // With --store aws: what an AWS failure during the command is described against (stage, region, profile).
  let aws: AwsFailureContext | undefined;
  try {
    const line = parseCommandLine(argv, COMMANDS);
    const { spec, words, args, values } = line;
    if (values.version === true) {
      out(version());
      return 0;
    }
    if (words[0] === 'help') return help(args, out);
    if (spec === undefined) {
      out(generalHelp(COMMANDS));
      return values.help === true ? 0 : 2;
    }
    if (values.help === true) {
      out(commandHelp(spec));
      return 0;
    }
    const options = globalOptions(values, spec, err, terminal);
    aws = awsFailureContextOf(options);
    // `cron next` and `scale plan` read no store.
    if (words[0] === 'cron') {
      const flags = { count: stringOf(values, 'count'), from: stringOf(values, 'from'), tz: options.tz };
      return cronCommand(words[1], args, flags, printerOf({ options, out }));
    }
    if (words[0] === 'scale') {
      const config = loadOpsConfig(options.config ?? 'ops.config.yml', options.config !== undefined);
      const flags = {
        policy: stringOf(values, 'policy'),
        current: stringOf(values, 'current'),
        metric: stringOf(values, 'metric'),
      };
      return scaleCommand(words[1], args, flags, config, printerOf({ options, out }));
    }
    if (spec.localOnly !== undefined && options.store === 'aws') throw new UsageError(spec.localOnly);
    const run = RUNS[words[0] as string] as Run;
    return await withContext(options, out, (context) => Promise.resolve(run(context, line)));
  } catch (thrown) {
    // AWS refusing the command midway (access denied, the table gone, credentials expired): one line, as when
    // the store is opened.
    const error = (aws && describeAwsFailure(thrown, aws)) ?? thrown;
    if (error instanceof UsageError || error instanceof ConfigError) {
      err(`ecs-ops: ${error.message}`);
      return 2;
    }
    if (error instanceof CommandFailure) {
      err(`ecs-ops: ${error.message}`);
      return 1;
    }
    // ecs-ops' own errors say what happened; anything else is a bug, and its stack is what a report needs.
    if (error instanceof EcsOpsError) err(`ecs-ops: ${error.name}: ${error.message}`);
    else err(`ecs-ops: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

/** `ecs-ops help [<command> [<subcommand>]]` */
function help(args: readonly string[], out: (text: string) => void): number {
  const [name, sub] = args;
  if (name === undefined) {
    out(generalHelp(COMMANDS));
    return 0;
  }
  const spec = COMMANDS.find((command) => command.name === name);
  if (spec === undefined) throw new UsageError(`unknown command ${name}; see ecs-ops --help`);
  const subSpec = spec.subcommands?.specs.find((command) => command.name === `${name} ${sub}`);
  out(commandHelp(subSpec ?? spec));
  return 0;
}

function globalOptions(
  values: Values,
  spec: CommandSpec,
  err: (text: string) => void,
  terminal: Terminal | undefined,
): GlobalOptions {
  const store = stringOf(values, 'store') ?? 'local';
  if (store !== 'local' && store !== 'aws') throw new UsageError(`--store ${store}: expected local or aws`);
  const tz = stringOf(values, 'tz');
  if (tz !== undefined) checkZone(tz);
  const output = outputOf(values, spec);
  return {
    store,
    dir: stringOf(values, 'dir') ?? '.ecs-ops',
    stage: stringOf(values, 'stage') ?? 'dev',
    region: stringOf(values, 'region'),
    profile: stringOf(values, 'profile'),
    config: stringOf(values, 'config'),
    json: output === 'json',
    output,
    tz,
    err,
    terminal,
  };
}

/** -o (or --json): one of the formats, csv and wide for lists only. */
export function outputOf(values: Values, spec: CommandSpec): OutputFormat {
  const named = stringOf(values, 'output');
  if (named !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(named)) {
    throw new UsageError(`-o ${named}: expected ${OUTPUT_FORMATS.join(', ')}`);
  }
  if (values.json === true && named !== undefined && named !== 'json') {
    throw new UsageError(`--json and -o ${named} disagree: --json is -o json; give one of them`);
  }
  const format = values.json === true ? 'json' : ((named ?? 'table') as OutputFormat);
  if ((format === 'csv' || format === 'wide') && spec.list !== true) {
    const lists = COMMANDS.flatMap((command) => [command, ...(command.subcommands?.specs ?? [])])
      .filter((command) => command.list)
      .map((command) => command.name);
    throw new UsageError(
      `${spec.name} prints no list: -o ${format} is for lists (${lists.join(', ')}); use -o table, json or yaml`,
    );
  }
  return format;
}

/** `ecs-ops --version`: package.json's. */
function version(): string {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return `ecs-ops ${version}`;
}

/**
 * The `ecs-ops` command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid input.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadOpsConfig } from '../lib/ops-config.js';
import { EcsOpsError } from '../lib/platform/errors.js';
import { alertsCommand } from './commands/alerts.js';
import { cronCommand } from './commands/cron.js';
import { demoCommand } from './commands/demo.js';
import { drainCommand, drainsCommand } from './commands/drains.js';
import { jobsCommand } from './commands/jobs.js';
import { mailboxCommand } from './commands/mailbox.js';
import { replayCommand } from './commands/replay.js';
import { resyncCommand } from './commands/resync.js';
import { sandboxCommand } from './commands/sandbox.js';
import { scaleCommand } from './commands/scale.js';
import { scalingCommand } from './commands/scaling.js';
import { instancesCommand, parseLimit, taskCommand, tasksCommand } from './commands/state.js';
import { type GlobalOptions, withContext } from './context.js';
import { COMMAND_HELP, CommandFailure, HELP, UsageError } from './usage.js';

const OPTIONS = {
  store: { type: 'string', default: 'local' },
  dir: { type: 'string', default: '.ecs-ops' },
  stage: { type: 'string', default: 'dev' },
  region: { type: 'string' },
  profile: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  history: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  cluster: { type: 'string', multiple: true },
  status: { type: 'string' },
  group: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  duration: { type: 'string' },
  speed: { type: 'string' },
  chaos: { type: 'string' },
  loss: { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string', short: 'n' },
  tz: { type: 'string' },
  from: { type: 'string' },
  open: { type: 'boolean', default: false },
  policy: { type: 'string' },
  current: { type: 'string' },
  metric: { type: 'string' },
  service: { type: 'string' },
} as const;

/** Runs one command line; returns the exit code. `out` and `err` receive whole lines of text. */
export async function runCli(
  argv: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
  err: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    const [command, target, ...extra] = positionals;
    // `ecs-ops <command> --help` and `ecs-ops help <command>`, for the commands with a help of their own.
    const helpOf = command === 'help' ? target : values.help ? command : undefined;
    if (helpOf !== undefined && Object.hasOwn(COMMAND_HELP, helpOf)) {
      out(COMMAND_HELP[helpOf] as string);
      return 0;
    }
    if (values.help || command === undefined || command === 'help') {
      out(HELP);
      return command === undefined && !values.help ? 2 : 0;
    }
    // `cron next <expression>` needs no store, and takes a second positional.
    if (command === 'cron') return cronCommand(target, extra, values, out);
    // `scale plan` reads the configuration only, no store.
    if (command === 'scale') {
      const config = loadOpsConfig(values.config ?? 'ops.config.yml', values.config !== undefined);
      return scaleCommand(target, extra, values, config, out);
    }
    // `jobs <subcommand> <name>` takes a second positional too.
    if (extra.length > 0 && command !== 'jobs') throw new UsageError(`unexpected argument ${extra[0]}`);
    if (values.store !== 'local' && values.store !== 'aws') {
      throw new UsageError(`--store ${values.store}: expected local or aws`);
    }
    const options: GlobalOptions = { ...values, store: values.store };
    if (command === 'jobs') {
      return await withContext(options, out, (context) => jobsCommand(context, positionals.slice(1), values));
    }
    const run = COMMANDS[command];
    if (run === undefined) throw new UsageError(`unknown command ${command}; see ecs-ops --help`);
    return await withContext(options, out, (context) => run(context, target, values));
  } catch (error) {
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

type Values = ReturnType<typeof parseCommandLine>['values'];
type Command = (
  context: Parameters<Parameters<typeof withContext>[2]>[0],
  target: string | undefined,
  values: Values,
) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  replay: (context, target) => replayCommand(context, target),
  task: (context, target, values) => taskCommand(context, target, values.history),
  tasks: (context, target, values) => {
    if (target !== undefined) throw new UsageError(`tasks takes no argument (got ${target}); use --cluster`);
    return tasksCommand(context, values);
  },
  instances: (context, target, values) => {
    if (target !== undefined)
      throw new UsageError(`instances takes no argument (got ${target}); use --cluster`);
    return instancesCommand(context, values);
  },
  alerts: (context, target, values) => {
    if (target !== undefined) throw new UsageError(`alerts takes no argument (got ${target}); use --since`);
    return alertsCommand(context, values);
  },
  demo: (context) => demoCommand(context),
  drains: (context, target, values) => {
    if (target !== undefined) throw new UsageError(`drains takes no argument (got ${target}); use --open`);
    return drainsCommand(context, values);
  },
  drain: (context, target) => drainCommand(context, target),
  resync: (context, target, values) => {
    if (target !== undefined)
      throw new UsageError(`resync takes no argument (got ${target}); name clusters with --cluster`);
    return resyncCommand(context, values);
  },
  scaling: (context, target, values) => {
    if (target !== undefined)
      throw new UsageError(`scaling takes no argument (got ${target}); use --service`);
    return scalingCommand(context, values);
  },
  mailbox: async (context, target, values) => {
    if (target !== undefined) throw new UsageError(`mailbox takes no argument (got ${target}); use --limit`);
    return mailboxCommand(context, parseLimit(values.limit));
  },
  sandbox: (context, target, values) => {
    if (target !== undefined) throw new UsageError(`sandbox takes no argument (got ${target})`);
    return sandboxCommand(context, values);
  },
};

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

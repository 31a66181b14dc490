/**
 * Each command declares its flags (a CommandSpec); the command line is read against the command's own flags and
 * the global ones, so a flag the command does not take is refused (exit 2) naming the flags it does take. The
 * same declarations write `ecs-ops --help` and `ecs-ops <command> --help` (cli/help.ts).
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given several times; a filter's values are alternatives: `--cluster prod --cluster batch`. */
  repeatable?: boolean;
  /** How help writes its value: `<name>`. */
  value?: string;
  help: string;
}

export type Flags = Readonly<Record<string, Flag>>;

export interface CommandSpec {
  /** `tasks`, or a subcommand's whole name: `jobs history`. */
  name: string;
  /** Its arguments in help: `<arn|id>`. */
  args?: string;
  /** It takes no argument; what to use instead (`use --cluster`), said when one is given. */
  noArgs?: string;
  /** At most this many arguments (unset: the command checks its own). */
  maxArgs?: number;
  /** What it does, for the command list (help wraps it). */
  summary: string;
  /** A shorter title for its own --help (default: the summary). */
  title?: string;
  flags: Flags;
  /** It runs on the local store only: why, refusing --store aws before anything is opened. */
  localOnly?: string;
  /** It prints a list: `-o wide` and `-o csv` apply (every command prints table, json and yaml). */
  list?: boolean;
  /** Paragraphs its own --help adds after the usage line. */
  about?: string;
  /** Sections its own --help ends with (output, exit codes). */
  more?: string;
  /** Its subcommands (`jobs history`); `required` when the command does nothing alone (`cron`). */
  subcommands?: { required: boolean; specs: readonly CommandSpec[] };
}

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'csv', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Flags every command takes. */
export const GLOBAL_FLAGS: Flags = {
  store: {
    type: 'string',
    value: 'local|aws',
    help: 'local (default): the embedded engine in --dir; aws: the deployed table',
  },
  dir: { type: 'string', value: '<path>', help: 'local store folder (default .ecs-ops)' },
  stage: { type: 'string', value: '<stage>', help: 'with --store aws: the deployed stage (default dev)' },
  region: { type: 'string', value: '<region>', help: 'with --store aws' },
  profile: { type: 'string', value: '<profile>', help: 'with --store aws' },
  config: {
    type: 'string',
    value: '<file>',
    help: 'ops.config.yml to read (default ./ops.config.yml if present)',
  },
  output: {
    type: 'string',
    short: 'o',
    value: '<format>',
    help:
      'table (default), json, yaml; for lists also wide (every column, nothing cut) and csv. A table on a ' +
      'terminal fits its width and colours statuses (never with NO_COLOR set)',
  },
  json: { type: 'boolean', help: 'one JSON document: the same as -o json' },
  tz: {
    type: 'string',
    value: '<zone>',
    help:
      'IANA zone that tables show times in and that times without a zone are read in (default UTC); ' +
      'e.g. Europe/Paris',
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', help: 'the version of ecs-ops' },
};

export type Values = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface CommandLine {
  /** The command (or subcommand) named, if any. */
  spec?: CommandSpec;
  /** The words that named it: ['jobs', 'history']; the first positional otherwise (an unknown command). */
  words: string[];
  /** The positionals after the command words. */
  args: string[];
  values: Values;
}

/**
 * Reads `argv` against the command it names. Global flags may come before or after the command; a flag the
 * command does not take, a single-valued flag given twice or an argument a command takes none of is a UsageError.
 */
export function parseCommandLine(argv: readonly string[], specs: readonly CommandSpec[]): CommandLine {
  const positionals = scan(argv, specs);
  const words: string[] = [];
  let spec = specs.find((candidate) => candidate.name === positionals[0]);
  if (spec !== undefined) words.push(spec.name);
  else if (positionals[0] !== undefined) words.push(positionals[0]);
  const word = positionals[1];
  if (spec?.subcommands !== undefined) {
    const sub = spec.subcommands.specs.find((candidate) => candidate.name === `${spec?.name} ${word}`);
    if (sub !== undefined) {
      words.push(word as string);
      spec = sub;
    }
  }
  if (spec === undefined) {
    if (positionals[0] !== undefined && positionals[0] !== 'help') {
      throw new UsageError(`unknown command ${positionals[0]}; see ecs-ops --help`);
    }
    // No command, or `help <command>`: global flags only.
    return { words, args: positionals.slice(1), values: readFlags(argv, undefined) };
  }
  const values = readFlags(argv, spec);
  const args = positionals.slice(words.length);
  if (values.help !== true) checkArgs(spec, args);
  return { spec, words, args, values };
}

/** The flags a command takes, its own then the global ones. */
export function flagsOf(spec: CommandSpec | undefined): Flags {
  return { ...spec?.flags, ...GLOBAL_FLAGS };
}

/** `--cluster --status --group …`: a command's own flags, as a refusal lists them. */
export function flagList(spec: CommandSpec): string {
  const names = Object.keys(spec.flags).map((name) => `--${name}`);
  return names.length === 0 ? '(none of its own)' : names.join(' ');
}

function parseOptions(flags: Flags) {
  return Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.short === undefined ? {} : { short: flag.short }),
        ...(flag.repeatable ? { multiple: true } : {}),
      },
    ]),
  );
}

/** The positionals of `argv`, values of every command's flags consumed (so `--service web tasks` names tasks). */
function scan(argv: readonly string[], specs: readonly CommandSpec[]): string[] {
  const every: Record<string, Flag> = { ...GLOBAL_FLAGS };
  const add = (spec: CommandSpec): void => {
    Object.assign(every, spec.flags);
    for (const sub of spec.subcommands?.specs ?? []) add(sub);
  };
  for (const spec of specs) add(spec);
  const { positionals } = parseArgs({
    args: [...argv],
    options: parseOptions(every),
    strict: false,
    allowPositionals: true,
  });
  return positionals;
}

function readFlags(argv: readonly string[], spec: CommandSpec | undefined): Values {
  const allowed = flagsOf(spec);
  // Not strict: a value may start with a dash (`--metric -5`); the checks below are the strict parts, worded.
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: parseOptions(allowed),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const seen = new Map<string, number>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const flag = Object.hasOwn(allowed, token.name) ? allowed[token.name] : undefined;
    if (flag === undefined) throw foreignFlag(spec, token.rawName);
    if (flag.type === 'string' && token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value: ${token.rawName} ${flag.value ?? '<value>'}`);
    }
    if (flag.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`${token.rawName} takes no value (got ${token.rawName}=${token.value})`);
    }
    seen.set(token.name, (seen.get(token.name) ?? 0) + 1);
  }
  for (const [name, count] of seen) {
    const flag = allowed[name] as Flag;
    if (count > 1 && flag.type === 'string' && !flag.repeatable) {
      throw new UsageError(`--${name} is given ${count} times; ${spec?.name ?? 'ecs-ops'} takes one`);
    }
  }
  return values as Values;
}

function foreignFlag(spec: CommandSpec | undefined, flag: string): UsageError {
  if (spec === undefined) {
    return new UsageError(`${flag} is not a global flag; name a command first (ecs-ops --help lists them)`);
  }
  return new UsageError(
    `${spec.name} does not take ${flag}; its flags: ${flagList(spec)} ` +
      `(ecs-ops ${spec.name} --help; global flags: ${Object.keys(GLOBAL_FLAGS)
        .map((name) => `--${name}`)
        .join(' ')})`,
  );
}

function checkArgs(spec: CommandSpec, args: readonly string[]): void {
  const [first] = args;
  if (first === undefined) return;
  const sub = spec.subcommands;
  if (sub !== undefined) {
    const forms = sub.specs.map((s) => `ecs-ops ${s.name}${s.args === undefined ? '' : ` ${s.args}`}`);
    throw new UsageError(`unknown ${spec.name} subcommand ${first}; expected ${forms.join(', or ')}`);
  }
  if (spec.noArgs !== undefined) {
    throw new UsageError(`${spec.name} takes no argument (got ${first}); ${spec.noArgs}`);
  }
  const extra = spec.maxArgs === undefined ? undefined : args[spec.maxArgs];
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
}

/** The values of a repeatable flag (none: an empty list). */
export function listOf(values: Values, name: string): string[] {
  const value = values[name];
  if (value === undefined || typeof value === 'boolean') return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The value of a single-valued string flag. */
export function stringOf(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** `ecs-ops --help` and `ecs-ops <command> --help`, written from the commands' declarations (options.ts). */
import { type CommandSpec, type Flag, type Flags, GLOBAL_FLAGS } from './options.js';

const WIDTH = 110;
const LABEL = 29;

export const TIMES_HELP = `Times (--since, --until, --from):
  30m, 24h, 7d, 2w, 90s      that long before now; units combine: 1h30m
  2024-05-01T12:00Z          ISO 8601 with its zone: Z, +02:00, -0500
  2024-05-01 12:00           without a zone: read in --tz (default UTC), the zone tables print times in
  2024-05-01                 midnight of that day in --tz
  today, yesterday, now      midnight in --tz; now
  A bare number (40) is refused: write 40m, 40h or an ISO time with its zone. --until defaults to now;
  --since after --until is refused, as is a time --tz skips or repeats (daylight saving): add its offset.`;

export const OUTPUT_HELP = `Output (-o):
  table (default)            aligned columns under a heading that names the zone of its times ("times in
                             UTC"); on a terminal fitted to its width (long text cut with …) and coloured
                             (never with NO_COLOR set); a list cut by --limit says so after it
  wide                       the table with every column, nothing cut
  json, yaml                 one document; --json is -o json; notes (a cut list) go to standard error
  csv                        a list's every column, times as ISO 8601 with the offset of --tz`;

/** The general help: every command with its flags, then the global flags, times and output. */
export function generalHelp(specs: readonly CommandSpec[]): string {
  const lines = [
    'ecs-ops — audit ECS state kept by ecs-ops, locally or in AWS',
    '',
    'Usage: ecs-ops <command> [options]       ecs-ops <command> --help: a command and its flags',
    '',
    'Commands:',
  ];
  for (const spec of specs) {
    const shown = spec.subcommands?.required
      ? spec.subcommands.specs
      : [spec, ...(spec.subcommands?.specs ?? [])];
    for (const command of shown) {
      lines.push(
        ...entry(`  ${command.name}${command.args === undefined ? '' : ` ${command.args}`}`, command.summary),
      );
      lines.push(...flagLines(command.flags, '        '));
    }
  }
  lines.push('', 'Global options:', ...flagLines(GLOBAL_FLAGS, '  '));
  lines.push(
    '',
    TIMES_HELP,
    '',
    OUTPUT_HELP,
    '',
    'Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid input.',
  );
  return lines.join('\n');
}

/** One command's help: what it does, its usage, its own flags, the global ones, and times if it takes any. */
export function commandHelp(spec: CommandSpec): string {
  const subs = spec.subcommands?.specs ?? [];
  const forms = [...(spec.subcommands?.required ? [] : [spec]), ...subs].map(usageOf);
  const lines = [...entry(`ecs-ops ${spec.name} —`, spec.title ?? spec.summary, 0, ' '), ''];
  forms.forEach((form, index) => {
    lines.push(...entry(index === 0 ? 'Usage:' : '', form, 7));
  });
  if (spec.about !== undefined) lines.push('', spec.about);
  if (Object.keys(spec.flags).length > 0) lines.push('', 'Options:', ...flagLines(spec.flags, '  '));
  for (const sub of subs) {
    lines.push('', ...entry(`${sub.name}${sub.args === undefined ? '' : ` ${sub.args}`}`, sub.summary, 0));
    lines.push(...flagLines(sub.flags, '  '));
  }
  lines.push('', 'Global options:', ...flagLines(GLOBAL_FLAGS, '  '));
  const flags = [spec, ...subs].flatMap((command) => Object.keys(command.flags));
  if (flags.some((name) => name === 'since' || name === 'until' || name === 'from'))
    lines.push('', TIMES_HELP);
  if (spec.list || subs.some((sub) => sub.list)) lines.push('', OUTPUT_HELP);
  if (spec.more !== undefined) lines.push('', spec.more);
  return lines.join('\n');
}

/** "ecs-ops tasks [--cluster <name>]... [--since <time>] [options]" */
function usageOf(spec: CommandSpec): string {
  const own = Object.entries(spec.flags).map(
    ([name, flag]) =>
      `[--${name}${flag.type === 'string' ? ` ${flag.value ?? '<value>'}` : ''}]${flag.repeatable ? '...' : ''}`,
  );
  return ['ecs-ops', spec.name, ...(spec.args === undefined ? [] : [spec.args]), ...own, '[options]'].join(
    ' ',
  );
}

function flagLines(flags: Flags, indent: string): string[] {
  return Object.entries(flags).flatMap(([name, flag]) =>
    entry(`${indent}${label(name, flag)}`, helpOf(flag)),
  );
}

function label(name: string, flag: Flag): string {
  const short = flag.short === undefined ? '' : `-${flag.short}, `;
  return `${short}--${name}${flag.type === 'string' ? ` ${flag.value ?? '<value>'}` : ''}`;
}

const helpOf = (flag: Flag) => flag.help;

/**
 * A label and its text wrapped beside it from `column` (under it when the label leaves no room; 0: always), or
 * after it on its line when `joined` says what joins them. The text is split at spaces, or given as its words.
 */
function entry(head: string, body: string | readonly string[], column = LABEL, joined?: string): string[] {
  const lines: string[] = [];
  const continuation = ' '.repeat(column === 0 ? 2 : column);
  let line = continuation;
  if (joined !== undefined) line = `${head}${joined}`;
  else if (column > 0 && head.length < column) line = head.padEnd(column);
  else lines.push(head);
  let empty = true;
  const words = typeof body === 'string' ? body.split(/\s+/).filter((part) => part !== '') : body;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = continuation;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/**
 * Where and how a command prints: the format (`-o table|wide|json|csv|yaml`, `--json` = `-o json`), the zone
 * times are shown in (`--tz`), the terminal a table is fitted to and coloured for, and notes that must stay off a
 * machine-readable standard output (they go to standard error beside json, csv and yaml).
 */
import { stringify } from 'yaml';
import type { OutputFormat } from './options.js';
import { DEFAULT_ZONE, wallTime } from './time.js';

/** Standard output when it is a terminal: its width, and whether colour is wanted. */
export interface Terminal {
  columns?: number;
  colour: boolean;
}

/** What a run prints with; GlobalOptions carries it (every field optional: a bare context prints a table). */
export interface PrintOptions {
  json?: boolean;
  output?: OutputFormat;
  tz?: string;
  err?: (text: string) => void;
  terminal?: Terminal;
}

export interface Printer {
  readonly format: OutputFormat;
  readonly timeZone: string;
  readonly terminal: Terminal | undefined;
  out(text: string): void;
  /** A remark on the result: after it in a table; on standard error beside json, csv and yaml. */
  note(text: string): void;
  /** JSON or YAML: prints `value` and returns true. A table or wide: returns false (the caller prints). */
  document(value: unknown): boolean;
  /** A time as tables show it, in --tz: "2024-05-01 14:40:02". */
  time(value: unknown): string;
}

/**
 * The terminal `stream` is, or undefined when it is none (a pipe, a file). Colour needs a terminal that is not
 * `TERM=dumb`, and is never used when NO_COLOR is set, to any value.
 */
export function terminalOf(
  stream: { isTTY?: boolean; columns?: number },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Terminal | undefined {
  if (stream.isTTY !== true) return undefined;
  return {
    ...(stream.columns !== undefined && stream.columns > 0 ? { columns: stream.columns } : {}),
    colour: env.NO_COLOR === undefined && env.TERM !== 'dumb',
  };
}

export function printerOf({ options, out }: { options: PrintOptions; out: (text: string) => void }): Printer {
  const format: OutputFormat = options.output ?? (options.json ? 'json' : 'table');
  const timeZone = options.tz ?? DEFAULT_ZONE;
  const human = format === 'table' || format === 'wide';
  const err = options.err ?? (() => undefined);
  return {
    format,
    timeZone,
    terminal: options.terminal,
    out,
    note: (text) => (human ? out(text) : err(`ecs-ops: ${text}`)),
    document(value) {
      if (human) return false;
      // csv is a list's (printList); a command that prints no list refuses it before it runs.
      out(format === 'yaml' ? stringify(value).trimEnd() : JSON.stringify(value, null, 2));
      return true;
    },
    time: (value) => wallTime(value, timeZone),
  };
}

/** A printer for a command called with an output function only (tests, other commands): a plain table. */
export const asPrinter = (output: Printer | ((text: string) => void)): Printer =>
  typeof output === 'function' ? printerOf({ options: {}, out: output }) : output;

export type Tone = 'red' | 'green' | 'yellow';

const TONES: Record<string, Tone> = {};
for (const [tone, words] of Object.entries({
  red: 'stopped failed critical high inactive registration_failed deadline error',
  green: 'running active ok succeeded released connected',
  yellow:
    'draining releasing pending provisioning activating deactivating stopping deprovisioning registering ' +
    'deregistering medium missing disconnected',
}))
  for (const word of words.split(' ')) TONES[word] = tone as Tone;

/** The tone of a status, outcome or severity, by its first word: STOPPED/failed red, RUNNING/ok green, … */
export function toneOf(value: string): Tone | undefined {
  const word = /^[A-Za-z_-]+/.exec(value)?.[0]?.toLowerCase();
  return word === undefined ? undefined : TONES[word];
}

const ANSI: Record<Tone, number> = { red: 31, green: 32, yellow: 33 };

/** `value` in its tone's colour (ANSI), or as it is when it has none. */
export function paint(value: string): string {
  const tone = toneOf(value);
  return tone === undefined ? value : `\u001b[${ANSI[tone]}m${value}\u001b[39m`;
}

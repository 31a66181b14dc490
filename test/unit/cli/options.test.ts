/**
 * Each command declares its flags (cli/options.ts): the command line is read against them, a flag the command
 * does not take is refused naming the ones it does, and `--help` is written from the same declaration.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../../../cli/main.js';
import { type CommandSpec, flagList, flagsOf, GLOBAL_FLAGS, parseCommandLine } from '../../../cli/options.js';
import { PROJECT_ROOT } from '../../support/fixtures.js';

/** Every command and subcommand, as typed: `jobs history`. */
const ALL: CommandSpec[] = COMMANDS.flatMap((spec) => [
  ...(spec.subcommands?.required ? [] : [spec]),
  ...(spec.subcommands?.specs ?? []),
]);
const words = (spec: CommandSpec) => spec.name.split(' ');
/** Every flag any command declares, by name. */
const EVERY_FLAG = Object.fromEntries(ALL.flatMap((spec) => Object.entries(spec.flags)));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the declarations', () => {
  it('give a flag the same type in every command that declares it (the command line is read with all of them)', () => {
    for (const spec of ALL) {
      for (const [name, flag] of Object.entries(spec.flags)) {
        expect(EVERY_FLAG[name]?.type, `--${name} of ${spec.name}`).toBe(flag.type);
        expect(Object.hasOwn(GLOBAL_FLAGS, name), `--${name} of ${spec.name} is global too`).toBe(false);
      }
    }
  });

  it('name the flags each command takes', () => {
    const flags = Object.fromEntries(ALL.map((spec) => [spec.name, Object.keys(spec.flags)]));
    expect(flags).toEqual({
      replay: ['alerts', 'task-definitions'],
      task: ['history'],
      instance: ['limit'],
      tasks: ['cluster', 'status', 'group', 'since', 'until', 'limit', 'next-token'],
      instances: ['cluster', 'status', 'limit'],
      stops: ['cluster', 'group', 'class', 'exit-code', 'since', 'until', 'limit', 'next-token'],
      timeline: ['cluster', 'since', 'until'],
      alerts: ['cluster', 'group', 'since', 'until', 'limit'],
      sandbox: ['duration', 'speed', 'chaos', 'loss', 'seed', 'break'],
      mailbox: ['limit'],
      'cron next': ['count', 'from'],
      jobs: [],
      'jobs history': ['limit'],
      'jobs run': [],
      'jobs suspend': [],
      'jobs resume': [],
      'scale plan': ['policy', 'current', 'metric'],
      scaling: ['service', 'since', 'until', 'limit'],
      drains: ['open', 'cluster', 'since', 'until', 'limit'],
      drain: [],
      resync: ['cluster', 'dry-run', 'limit'],
      'dlq list': ['limit'],
      'dlq show': [],
      'dlq redrive': ['to', 'max-per-second', 'wait', 'dry-run'],
      status: ['watch'],
      demo: [],
    });
  });

  it('make the filters repeatable: repeated, they are alternatives', () => {
    const repeatable = ALL.flatMap((spec) =>
      Object.entries(spec.flags)
        .filter(([, flag]) => flag.repeatable)
        .map(([name]) => `${spec.name} --${name}`),
    );
    expect(repeatable).toEqual([
      'tasks --cluster',
      'tasks --status',
      'tasks --group',
      'instances --cluster',
      'instances --status',
      'stops --cluster',
      'stops --group',
      'stops --class',
      'timeline --cluster',
      'alerts --cluster',
      'alerts --group',
      'scaling --service',
      'drains --cluster',
      'resync --cluster',
    ]);
  });
});

describe('a flag the command does not take is refused (exit 2), naming the flags it does take', () => {
  /** For each command, a flag another command takes and it does not. */
  const foreign = ALL.map((spec) => {
    const name = Object.keys(EVERY_FLAG).find((flag) => !Object.hasOwn(flagsOf(spec), flag)) as string;
    return [spec.name, name, spec] as const;
  });

  it.each(foreign)('%s --%s', async (_name, flag, spec) => {
    const value = EVERY_FLAG[flag]?.type === 'string' ? ['x'] : [];
    const { code, out, err } = await cli(...words(spec), `--${flag}`, ...value);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `ecs-ops: ${spec.name} does not take --${flag}; its flags: ${flagList(spec)} (ecs-ops ${spec.name} ` +
        '--help; global flags: --store --dir --stage --region --profile --config --output --json --tz --help --version)',
    );
  });

  it.each([
    [
      ['tasks', '--service', 'web'],
      'tasks does not take --service; its flags: --cluster --status --group --since --until --limit --next-token',
    ],
    [
      ['instances', '--since', '1m'],
      'instances does not take --since; its flags: --cluster --status --limit',
    ],
    [
      ['drains', '--group', 'service:web'],
      'drains does not take --group; its flags: --open --cluster --since --until --limit',
    ],
    [
      ['alerts', '--status', 'STOPPED'],
      'alerts does not take --status; its flags: --cluster --group --since --until --limit',
    ],
    [['task', 'abc', '--since', '1h'], 'task does not take --since; its flags: --history'],
    [['jobs', '--limit', '5'], 'jobs does not take --limit; its flags: (none of its own)'],
    [['demo', '-n', '3'], 'demo does not take -n; its flags: (none of its own)'],
    [['tasks', '--colour'], 'tasks does not take --colour; its flags:'],
  ])('%j', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('whether it comes before or after the command', async () => {
    const { code, err } = await cli('--service', 'web', 'tasks');
    expect(code).toBe(2);
    expect(err).toContain('tasks does not take --service');
  });

  it('and a flag without a command is no global flag', async () => {
    const { code, err } = await cli('--cluster', 'prod');
    expect(code).toBe(2);
    expect(err).toBe(
      'ecs-ops: --cluster is not a global flag; name a command first (ecs-ops --help lists them)',
    );
  });
});

describe('reading the command line', () => {
  it('takes global flags before or after the command, and repeated filters as a list', () => {
    const line = parseCommandLine(
      ['--dir', '/tmp/x', 'tasks', '--cluster', 'prod', '--cluster', 'batch', '-o', 'csv', '--tz', 'UTC'],
      COMMANDS,
    );
    expect(line.spec?.name).toBe('tasks');
    expect(line.values).toMatchObject({
      dir: '/tmp/x',
      cluster: ['prod', 'batch'],
      output: 'csv',
      tz: 'UTC',
    });
  });

  it('finds a subcommand and its arguments', () => {
    const line = parseCommandLine(['jobs', 'history', 'report', '--limit', '5'], COMMANDS);
    expect(line).toMatchObject({ words: ['jobs', 'history'], args: ['report'], values: { limit: '5' } });
  });

  it('takes a value that starts with a dash', () => {
    expect(parseCommandLine(['scale', 'plan', '--metric', '-5'], COMMANDS).values.metric).toBe('-5');
  });

  it.each([
    [['tasks', '--since', '1h', '--since', '2h'], '--since is given 2 times; tasks takes one'],
    [['tasks', '--limit'], '--limit needs a value: --limit <n>'],
    [['drains', '--open=yes'], '--open takes no value (got --open=yes)'],
    [['tasks', 'prod'], 'tasks takes no argument (got prod); use --cluster'],
    [['task', 'a', 'b'], 'unexpected argument b'],
    [['jobs', 'pause', 'report'], 'unknown jobs subcommand pause; expected ecs-ops jobs history <name>'],
    [['frobnicate'], 'unknown command frobnicate; see ecs-ops --help'],
    [['tasks', '-o', 'xml'], '-o xml: expected table, wide, json, csv, yaml'],
    [['tasks', '--json', '-o', 'yaml'], '--json and -o yaml disagree: --json is -o json; give one of them'],
    [
      ['replay', 'x.jsonl', '-o', 'csv'],
      'replay prints no list: -o csv is for lists (instance, tasks, instances, stops, timeline, alerts',
    ],
    [['task', 'abc', '-o', 'wide'], 'task prints no list: -o wide is for lists'],
    [['tasks', '--tz', 'Mars/Olympus'], '--tz Mars/Olympus: unknown time zone'],
    [['sandbox', '--store', 'aws'], 'the sandbox runs on the local store only; leave out --store aws'],
    [['mailbox', '--store', 'aws'], 'the mailbox is the sandbox’s; leave out --store aws'],
  ])('%j is refused: %s', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});

describe('help', () => {
  it.each(ALL.map((spec) => [spec.name, spec] as const))(
    '%s --help is written from its declaration',
    async (_name, spec) => {
      const { code, out } = await cli(...words(spec), '--help');
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^ecs-ops ${spec.name} — `));
      expect(out).toMatch(new RegExp(`^Usage: ecs-ops ${spec.name}`, 'm'));
      for (const [name, flag] of Object.entries(spec.flags)) {
        const label = `${flag.short === undefined ? '' : `-${flag.short}, `}--${name}`;
        expect(out).toContain(`  ${label}`);
        expect(out).toContain(flag.help.split(' ').slice(0, 4).join(' '));
      }
      expect(out).toMatch(/^Global options:$/m);
      expect(out).toMatch(/^ {2}--tz <zone> +IANA zone/m);
      const timed = Object.keys(spec.flags).some((name) => ['since', 'until', 'from'].includes(name));
      expect(out.includes('Times (--since, --until, --from):')).toBe(timed);
    },
  );

  it('-h and `ecs-ops help <command>` say the same', async () => {
    const long = await cli('tasks', '--help');
    expect((await cli('tasks', '-h')).out).toBe(long.out);
    expect((await cli('help', 'tasks')).out).toBe(long.out);
    expect((await cli('help', 'jobs', 'history')).out).toBe((await cli('jobs', 'history', '--help')).out);
  });

  it('says how times are read and what the output formats do', async () => {
    const { out } = await cli('alerts', '--help');
    expect(out).toContain('2024-05-01 12:00           without a zone: read in --tz (default UTC)');
    expect(out).toContain('A bare number (40) is refused');
    expect(out).toContain('csv                        a list');
    expect(out).toMatch(/--since <time> +decisions made at or after this time: .*\(default: 24h\)/s);
  });

  it('lists every command and subcommand in the general help, exit 0 (2 without a command)', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    for (const spec of ALL) expect(out).toMatch(new RegExp(`^ {2}${spec.name}\\b`, 'm'));
    expect(out).toMatch(/^ {8}--service <cluster\/service\|service>$/m);
    expect((await cli()).code).toBe(2);
    expect((await cli('help')).out).toBe(out);
  });
});

describe('ecs-ops --version', () => {
  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli('--version')).toEqual({ code: 0, out: `ecs-ops ${version}`, err: '' });
  });
});

/**
 * `ecs-ops scale plan --policy <name|file> --current <n> --metric <value> [-o json|yaml]`: what a step scaling policy
 * would do now, for a service running <n> tasks (and desiring as many) with the metric at <value>, outside any
 * cooldown. The same pure decision the `scale` function makes (lib/scaling/decide.ts). Needs no store.
 *
 * `--policy` is a policy of ops.config.yml's `scaling` section, or a YAML or JSON file holding one policy.
 * `--metric` is the metric source's own value: for an SQS policy with perTask, the whole backlog.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import { describeIssues, type ScalingConfig, ScalingPolicyConfig } from '../../lib/scaling/config.js';
import { type Decision, decide } from '../../lib/scaling/decide.js';
import type { CommandSpec } from '../options.js';
import { type Printer, printerOf } from '../output.js';
import { requireSubcommand, UsageError } from '../usage.js';

export const SCALE: CommandSpec = {
  name: 'scale',
  summary: 'step scaling policies',
  flags: {},
  subcommands: {
    required: true,
    specs: [
      {
        name: 'scale plan',
        summary:
          'what a step scaling policy would do now, for a service running --current tasks with the metric at ' +
          '--metric (outside any cooldown)',
        flags: {
          policy: {
            type: 'string',
            value: '<name|file>',
            help: "a policy of ops.config.yml's scaling section, or a YAML/JSON file",
          },
          current: {
            type: 'string',
            value: '<n>',
            help: 'running tasks (the starting point, as AWS computes it)',
          },
          metric: {
            type: 'string',
            value: '<value>',
            help: "the metric source's value (for sqs perTask: the whole backlog)",
          },
        },
      },
    ],
  },
};

export interface ScaleFlags {
  policy?: string;
  current?: string;
  metric?: string;
  json?: boolean;
}

export function scaleCommand(
  subcommand: string | undefined,
  args: readonly string[],
  flags: ScaleFlags,
  config: { scaling: ScalingConfig },
  output: Printer | ((text: string) => void),
  now: () => Date = () => new Date(),
): number {
  const printer =
    typeof output === 'function'
      ? printerOf({ options: { json: flags.json === true }, out: output })
      : output;
  requireSubcommand('scale', subcommand, 'plan --policy <name|file> --current <n> --metric <value>');
  if (args.length > 0) throw new UsageError(`unexpected argument ${args[0]}; scale plan takes flags only`);
  const { name, policy } = resolvePolicy(flags.policy, config);
  const current = parseCurrent(flags.current);
  const metric = parseMetric(flags.metric);
  const decision = decide({
    policy,
    now: now(),
    runningCount: current,
    desiredCount: current,
    datapoints: [metric],
  });
  if (printer.document({ policy: name, service: policy.service, current, metric, decision })) return 0;
  printer.out(render(name, policy, current, decision));
  return 0;
}

function resolvePolicy(
  flag: string | undefined,
  config: { scaling: ScalingConfig },
): { name: string; policy: ScalingPolicyConfig } {
  if (flag === undefined || flag === '') {
    throw new UsageError('scale plan needs --policy: a policy name from ops.config.yml, or a policy file');
  }
  const configured = Object.hasOwn(config.scaling, flag) ? config.scaling[flag] : undefined;
  if (configured !== undefined) return { name: flag, policy: configured };
  let text: string;
  try {
    text = readFileSync(flag, 'utf8');
  } catch {
    const known = Object.keys(config.scaling);
    throw new UsageError(
      `--policy ${flag}: neither a policy of ops.config.yml (its scaling policies are ${known.length === 0 ? '(none)' : known.join(', ')}) nor a readable file`,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new UsageError(`--policy ${flag}: not valid YAML or JSON: ${(error as Error).message}`);
  }
  const parsed = z.safeParse(ScalingPolicyConfig, document);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, '');
    throw new UsageError(
      `--policy ${flag} is not a valid scaling policy:\n${problems.map((line) => `  ${line}`).join('\n')}`,
    );
  }
  return { name: flag, policy: parsed.data };
}

function parseCurrent(flag: string | undefined): number {
  if (flag === undefined)
    throw new UsageError('scale plan needs --current: the running task count, e.g. --current 4');
  const value = Number(flag);
  if (flag.trim() === '' || !Number.isInteger(value) || value < 0) {
    throw new UsageError(
      `--current ${flag}: expected a whole number of running tasks, 0 or more (e.g. --current 4)`,
    );
  }
  return value;
}

function parseMetric(flag: string | undefined): number {
  if (flag === undefined) {
    throw new UsageError('scale plan needs --metric: the metric value now, e.g. --metric 120');
  }
  const value = Number(flag);
  if (flag.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--metric ${flag}: expected a number, e.g. --metric 120 or --metric 0.75`);
  }
  return value;
}

function render(name: string, policy: ScalingPolicyConfig, current: number, decision: Decision): string {
  const head = `${name}: ${policy.cluster}/${policy.service} at ${current} running`;
  if (decision.action === 'scale') {
    return [
      head,
      `  scale to ${decision.desired} (${decision.adjustment > 0 ? '+' : ''}${decision.adjustment})`,
      `  why: ${decision.reason}`,
      ...decision.warnings.map((warning) => `  warning: ${warning}`),
    ].join('\n');
  }
  return [head, `  no change (${decision.reason})`, `  why: ${decision.explanation}`].join('\n');
}

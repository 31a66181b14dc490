import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ScaleFlags, scaleCommand } from '../../../cli/commands/scale.js';
import { UsageError } from '../../../cli/usage.js';
import { policy, QUEUE_WORKERS, SCALE_OUT_BY_PERCENT } from '../../support/scaling-policies.js';

const CONFIG = { scaling: { workers: policy(QUEUE_WORKERS), web: policy() } };

function plan(flags: ScaleFlags, subcommand: string | undefined = 'plan', args: string[] = []) {
  const lines: string[] = [];
  const code = scaleCommand(subcommand, args, flags, CONFIG, (text) => lines.push(text));
  return { code, text: lines.join('\n') };
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'scale-plan-')), name);
  writeFileSync(path, text);
  return path;
}

describe('ecs-ops scale plan', () => {
  it('prints what a configured policy would do, and why', () => {
    expect(plan({ policy: 'workers', current: '4', metric: '200' })).toEqual({
      code: 0,
      text: [
        'workers: prod/worker at 4 running',
        '  scale to 7 (+3)',
        '  why: the backlog per task of orders is 50 (200 over 4 running), in step [40, +∞) of threshold 10: 4 +3 = 7; desired 4 → 7',
      ].join('\n'),
    });
  });

  it('prints why nothing changes', () => {
    expect(plan({ policy: 'web', current: '10', metric: '45' }).text).toBe(
      [
        'web: prod/worker at 10 running',
        '  no change (no-step)',
        '  why: MyApp Utilization (Average) is 45, not at or above the threshold 50: inside the no-op band, 10 desired stays',
      ].join('\n'),
    );
  });

  it('prints one JSON document with --json', () => {
    const { text } = plan({ policy: 'web', current: '10', metric: '60', json: true });
    expect(JSON.parse(text)).toMatchObject({
      policy: 'web',
      service: 'worker',
      current: 10,
      metric: 60,
      decision: {
        action: 'scale',
        desired: 11,
        adjustment: 1,
        step: { lower: 10, upper: 20, adjustment: 10 },
      },
    });
  });

  it('reads a policy from a YAML or JSON file', () => {
    const json = file('policy.json', JSON.stringify(SCALE_OUT_BY_PERCENT));
    expect(plan({ policy: json, current: '11', metric: '70' }).text).toContain('scale to 14 (+3)');
    const yaml = file(
      'policy.yml',
      'cluster: prod\nservice: api\nmetric: { state: { group: "service:api", status: PENDING } }\nthreshold: 5\ncomparison: GreaterThanThreshold\nadjustmentType: ExactCapacity\nsteps: [{ lower: 0, adjustment: 8 }]\nminCapacity: 1\nmaxCapacity: 20\n',
    );
    expect(plan({ policy: yaml, current: '3', metric: '6' }).text).toContain('scale to 8 (+5)');
  });

  it.each([
    [
      { current: '4', metric: '1' },
      'scale plan needs --policy: a policy name from ops.config.yml, or a policy file',
    ],
    [
      { policy: 'nope', current: '4', metric: '1' },
      '--policy nope: neither a policy of ops.config.yml (its scaling policies are workers, web) nor a readable file',
    ],
    [{ policy: 'web', metric: '1' }, 'scale plan needs --current: the running task count, e.g. --current 4'],
    [
      { policy: 'web', current: '-1', metric: '1' },
      '--current -1: expected a whole number of running tasks, 0 or more (e.g. --current 4)',
    ],
    [
      { policy: 'web', current: '2.5', metric: '1' },
      '--current 2.5: expected a whole number of running tasks, 0 or more (e.g. --current 4)',
    ],
    [{ policy: 'web', current: '4' }, 'scale plan needs --metric: the metric value now, e.g. --metric 120'],
    [
      { policy: 'web', current: '4', metric: 'high' },
      '--metric high: expected a number, e.g. --metric 120 or --metric 0.75',
    ],
  ])('refuses %o: %s', (flags, message) => {
    expect(() => plan(flags)).toThrow(new UsageError(message));
  });

  it('refuses a policy file that is not a valid policy, naming each setting', () => {
    const bad = file(
      'bad.yml',
      'cluster: prod\nservice: api\nmetric: { sqs: { queue: orders } }\nthreshold: 5\ncomparison: GreaterThanThreshold\nadjustmentType: ChangeInCapacity\nsteps: [{ lower: 0, upper: 10, adjustment: 1 }, { lower: 5, adjustment: 2 }]\nminCapacity: 3\nmaxCapacity: 2\n',
    );
    expect(() => plan({ policy: bad, current: '1', metric: '1' })).toThrow(
      new UsageError(
        [
          `--policy ${bad} is not a valid scaling policy:`,
          '  minCapacity: minCapacity 3 is above maxCapacity 2; lower it or raise maxCapacity',
          '  steps: the intervals [0, 10) and [5, +∞) overlap; start the second where the first ends (10)',
        ].join('\n'),
      ),
    );
  });

  it('knows only the plan subcommand and takes no positional', () => {
    expect(() => scaleCommand(undefined, [], {}, CONFIG, () => {})).toThrow(
      /scale needs a subcommand: ecs-ops scale plan --policy/,
    );
    expect(() => plan({}, 'apply')).toThrow(/unknown scale subcommand apply/);
    expect(() => plan({ policy: 'web', current: '1', metric: '1' }, 'plan', ['extra'])).toThrow(
      'unexpected argument extra; scale plan takes flags only',
    );
  });
});

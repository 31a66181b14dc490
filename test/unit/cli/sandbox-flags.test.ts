import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxSettings } from '../../../cli/commands/sandbox.js';
import { runCli } from '../../../cli/main.js';
import { UsageError } from '../../../cli/usage.js';

const LOSS_FIX =
  'expected a probability from 0 up to (not including) 1, such as 0.05 to lose 5% of ECS events (0 = off)';

describe('ecs-ops sandbox --loss', () => {
  it('is off unless given, and takes a probability below 1', () => {
    expect(sandboxSettings({ seed: '7' })).toMatchObject({ loss: 0, chaos: 0.1, speed: 2, seed: 7 });
    expect(sandboxSettings({ loss: '0.05' }).loss).toBe(0.05);
    expect(sandboxSettings({ loss: '0' }).loss).toBe(0);
    expect(sandboxSettings({ loss: '.5' }).loss).toBe(0.5);
    expect(sandboxSettings({ loss: '0.999' }).loss).toBe(0.999);
  });

  it.each(['1', '1.5', '-0.1', '5%', 'half', '', ' ', 'NaN', 'Infinity'])(
    'refuses --loss %j, naming the flag and what to pass',
    (value) => {
      expect(() => sandboxSettings({ loss: value })).toThrow(UsageError);
      expect(() => sandboxSettings({ loss: value })).toThrow(`--loss ${value}: ${LOSS_FIX}`);
    },
  );

  it('exits 2 with the message before anything runs', async () => {
    const err: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-flags-'));
    const code = await runCli(
      ['--dir', dir, 'sandbox', '--loss', '1'],
      () => undefined,
      (line) => err.push(line),
    );
    expect(code).toBe(2);
    expect(err).toEqual([`ecs-ops: --loss 1: ${LOSS_FIX}`]);
  });

  it('is in the sandbox command’s help', async () => {
    const out: string[] = [];
    expect(await runCli(['--help'], (line) => out.push(line))).toBe(0);
    expect(out.join('\n')).toMatch(/--loss <p> +share of ECS state-change events lost/);
  });
});

/**
 * `ecs-ops sandbox --break reconcile`: reconcile throws on every invocation from +20 s to +50 s of the story. The
 * stack's own alarms, evaluated locally each simulated minute over the functions' AWS/Lambda metrics, notice: its
 * errors alarm publishes CloudWatch's ALARM notification to the alert topic (the mailbox) within a period of the
 * first failure, then OK once a minute passed without one; the failed records are retried after recovery, so the
 * store still ends equal to the simulator.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxSettings } from '../../../../cli/commands/sandbox.js';
import { UsageError } from '../../../../cli/usage.js';
import type { SandboxReport } from '../../../../local/sandbox/model.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { runCaptured } from '../../../support/cli-run.js';

const ALARM = 'ecs-ops-local-reconcile-errors';

describe('ecs-ops sandbox --break reconcile: the errors alarm fires into the mailbox, then clears', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-break-'));
  let report: SandboxReport;
  let messages: ReturnType<SnsMailbox['list']>;

  beforeAll(async () => {
    const run = await runCaptured([
      '--dir',
      dir,
      'sandbox',
      '--speed',
      '10',
      '--break',
      'reconcile',
      '--seed',
      '7',
      '--json',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    report = JSON.parse(run.out) as SandboxReport;
    messages = new SnsMailbox({ dir: join(dir, 'mailbox'), region: 'us-east-1', account: '000000000000' })
      .list()
      .reverse();
  }, 90_000);

  it('published ALARM within one simulated minute of the first failure, then OK after recovery', () => {
    const alarm = messages.find((m) => m.subject === `ALARM: "${ALARM}" in US East (N. Virginia)`);
    const ok = messages.find((m) => m.subject === `OK: "${ALARM}" in US East (N. Virginia)`);
    expect(alarm).toBeDefined();
    expect(ok).toBeDefined();
    const body = JSON.parse(alarm?.message ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      AlarmName: ALARM,
      NewStateValue: 'ALARM',
      // Its first evaluation: the run starts with every alarm INSUFFICIENT_DATA.
      OldStateValue: 'INSUFFICIENT_DATA',
      Region: 'US East (N. Virginia)',
      Trigger: {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ name: 'FunctionName', value: 'ecs-ops-local-reconcile' }],
        Period: 60,
      },
    });
    expect(String(body.AlarmDescription)).toMatch(/^\[high\] /);
    const okBody = JSON.parse(ok?.message ?? '{}') as Record<string, unknown>;
    expect(okBody).toMatchObject({ NewStateValue: 'OK', OldStateValue: 'ALARM' });
    const alarmAt = Date.parse(String(body.StateChangeTime).replace('+0000', 'Z'));
    const okAt = Date.parse(String(okBody.StateChangeTime).replace('+0000', 'Z'));
    expect(okAt - alarmAt).toBe(60_000);
    expect(Date.parse(alarm?.time ?? '')).toBeLessThan(Date.parse(ok?.time ?? ''));
  });

  it('reports the alarm that fired and cleared, and no other', () => {
    expect(report.alarms.fired).toEqual([{ alarm: ALARM, severity: 'high', firedAt: 60, clearedAt: 120 }]);
    // Fired at the end of the minute of the first failure (+20 s .. +50 s): within one period of it.
    expect(report.alarms.fired[0]?.firedAt).toBeLessThanOrEqual(20 + 60);
    expect(report.alarms.evaluated).toBeGreaterThan(30);
    expect(report.simulatedSeconds).toBeGreaterThanOrEqual(120);
  });

  it('failed reconcile batches on the way, retried after recovery: the store ends equal to the simulator', () => {
    expect(report.bus.failedInvocations).toBeGreaterThan(0);
    expect(report.groundTruth.mismatches).toEqual([]);
    expect(report.groundTruth.tasks).toBeGreaterThan(10);
  });

  it('refuses a --break that names no function, listing them', () => {
    expect(() => sandboxSettings({ break: 'reconciler' })).toThrow(UsageError);
    expect(() => sandboxSettings({ break: 'reconciler' })).toThrow(
      /--break reconciler: expected one of the functions: reconcile, resync, alert, .*scale$/,
    );
    expect(sandboxSettings({ break: 'drain' }).breakFunction).toBe('drain');
  });
});

/**
 * `ecs-ops sandbox --break reconcile`: reconcile throws on every invocation from +20 s to +50 s of the story. The
 * stack's own alarms, evaluated locally each simulated minute over the functions' AWS/Lambda metrics, notice: its
 * errors alarm changes to ALARM within a period of the first failure, and CloudWatch's state-change event goes
 * through the AlarmStates rule and queue to the alarm function, which pages in ecs-ops' own form (severity
 * attribute, pager action and key); once a minute passed without a failure it changes to OK, and the same
 * function resolves the page. The failed records are retried after recovery, so the store still ends equal to
 * the simulator.
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

  it('paged within one simulated minute of the first failure, in ecs-ops’ form, then resolved after recovery', () => {
    const fired = messages.find(
      (m) => m.subject === '[ecs-ops] HIGH: ecs-ops alarm reconcile-errors fired in local',
    );
    const cleared = messages.find(
      (m) => m.subject === '[ecs-ops] RESOLVED: ecs-ops alarm reconcile-errors cleared in local (was high)',
    );
    expect(fired?.attributes.severity?.value).toBe('high');
    expect(cleared?.attributes.severity?.value).toBe('high');
    const document = (m: typeof fired) => JSON.parse(m?.bodies?.lambda ?? '{}') as Record<string, unknown>;
    expect(document(fired)).toMatchObject({
      kind: 'alarm',
      alarm: ALARM,
      // Its first evaluation: the run starts with every alarm INSUFFICIENT_DATA.
      previousState: 'INSUFFICIENT_DATA',
      state: 'ALARM',
      severity: 'high',
      action: 'trigger',
      dedupKey: `alarm/${ALARM}`,
    });
    expect(document(cleared)).toMatchObject({
      previousState: 'ALARM',
      state: 'OK',
      action: 'resolve',
      dedupKey: `alarm/${ALARM}`,
    });
    expect(fired?.bodies?.email).toContain('Read /aws/lambda/ecs-ops-local-reconcile for the error');
    const changedAt = (m: typeof fired) => Date.parse(String(document(m).changedAt));
    expect(changedAt(cleared) - changedAt(fired)).toBe(60_000);
    // None of CloudWatch's own notifications: reconcile's alarm has no actions of its own.
    expect(messages.filter((m) => !m.subject?.startsWith('[ecs-ops] '))).toEqual([]);
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
      /--break reconciler: expected one of the functions: reconcile, resync, alert, .*scale, alarm$/,
    );
    expect(sandboxSettings({ break: 'drain' }).breakFunction).toBe('drain');
  });
});

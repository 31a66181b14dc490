/**
 * The sandbox with 5% of ECS events lost on top of the chaos: resync (the deploy's backfill, and the run that
 * follows the story as its schedule would) heals the store to the simulator's last word, and every incident is
 * still paged once — late, and saying so, when its event was the one lost.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../cli/main.js';
import type { SandboxReport } from '../../../../local/sandbox/model.js';

describe('ecs-ops sandbox --loss 0.05: resync heals what the lost events left behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-loss-'));
  let report: SandboxReport;
  const subjects: string[] = [];

  beforeAll(async () => {
    const out: string[] = [];
    const err: string[] = [];
    const argv = ['--dir', dir, 'sandbox', '--speed', '10', '--duration', '11', '--chaos', '0.3'];
    const code = await runCli(
      [...argv, '--loss', '0.05', '--seed', '7', '--json'],
      (line) => out.push(line),
      (line) => err.push(line),
    );
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    report = JSON.parse(out.join('\n')) as SandboxReport;
    const mailbox: string[] = [];
    expect(
      await runCli(
        ['--dir', dir, 'mailbox', '--json'],
        (line) => mailbox.push(line),
        () => {},
      ),
    ).toBe(0);
    subjects.push(...(JSON.parse(mailbox.join('\n')) as { subject: string }[]).map((m) => m.subject));
  }, 90_000);

  it('lost ECS events on the way, and the store still ends equal to the simulator', () => {
    expect(report.bus.lost).toBeGreaterThan(0);
    expect(report.groundTruth.mismatches).toEqual([]);
    expect(report.groundTruth.tasks).toBeGreaterThan(10);
  });

  it('healed through resync: the backfill at deploy and the closing run corrected the store', () => {
    expect(report.resync.runs).toBeGreaterThanOrEqual(2);
    expect(report.resync.added + report.resync.advanced).toBeGreaterThan(0);
    expect(report.resync.failed).toBe(0);
    expect(report.resync.markedMissing).toBe(0);
  });

  it('paged every incident once, whether its event arrived or resync found it late', () => {
    expect(Object.values(report.alerts.pagesPerIncident).every((pages) => pages === 1)).toBe(true);
    // The pages; crash-loop summaries and resolved messages follow some of them.
    const pages = subjects.filter(
      (subject) => !subject.startsWith('[ecs-ops] RESOLVED:') && !/ more exits? in /.test(subject),
    );
    expect(new Set(pages.map((subject) => subject.replace('[late] ', '')))).toEqual(
      new Set([
        '[ecs-ops] CRITICAL: api OOM-killed (exit 137, limit 1024 MiB) in prod',
        '[ecs-ops] HIGH: ingest exited with code 1 in batch',
        '[ecs-ops] HIGH: migrate failed: image pull (CannotPullContainerError) in batch',
        '[ecs-ops] HIGH: worker exited with code 1 in prod',
      ]),
    );
    expect(pages).toHaveLength(4);
  });
});

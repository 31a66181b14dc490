/**
 * The three audit questions on-call asks, each answered by one command, on what a short sandbox run stored (its
 * story, local/sandbox/scenario.ts: the worker service crash-loops and is scaled to 0, an api task is killed for
 * memory, the ingest job exits 1):
 * - "what happened to service worker last night?"   ecs-ops timeline worker --since …
 * - "which tasks were OOM-killed this week?"         ecs-ops stops --class oom --since 7d
 * - "why did job ingest fail?"                       ecs-ops stops --group family:ingest
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StopRow } from '../../../cli/commands/stops.js';
import type { TimelineEvent } from '../../../cli/commands/timeline.js';
import { runCaptured } from '../../support/cli-run.js';

async function cli(dir: string, ...argv: string[]) {
  return runCaptured(['--dir', dir, ...argv]);
}

describe('audit questions, one command each, on a sandbox run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-audit-'));

  beforeAll(async () => {
    // 110 simulated seconds: the whole story (105 s) and its last deliveries.
    const run = await cli(dir, 'sandbox', '--speed', '10', '--duration', '11', '--seed', '7', '--json');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
  }, 120_000);

  it('what happened to service worker? its crash loop: deployed, each task started and exited 1, paged once, the rest grouped, scaled to 0', async () => {
    const { code, out } = await cli(dir, 'timeline', 'worker', '--since', '1h', '--json');
    expect(code).toBe(0);
    const events = JSON.parse(out) as TimelineEvent[];
    expect(events.every((event) => event.cluster === 'prod')).toBe(true);
    expect(events[0]).toMatchObject({ kind: 'deployment', what: 'first task' });
    const crashes = events.filter(
      (event) => event.what === 'stopped' && /app-error: worker exit 1/.test(event.detail),
    );
    expect(crashes.length).toBeGreaterThanOrEqual(3);
    expect(
      events.filter((event) => event.kind === 'task' && event.what === 'started').length,
    ).toBeGreaterThanOrEqual(crashes.length);
    const alerts = events.filter((event) => event.kind === 'alert');
    expect(alerts[0]).toMatchObject({
      what: 'sent',
      detail: 'app-error: [ecs-ops] HIGH: worker exited with code 1 in prod',
    });
    // The later exits grouped; once on-call stopped it, one summary of them, then one resolved message.
    expect(alerts.slice(1, -2).every((event) => event.what === 'grouped')).toBe(true);
    // Both sent by the same sweep, at the same instant.
    expect(
      alerts
        .slice(-2)
        .map((event) => event.what)
        .sort(),
    ).toEqual(['resolved', 'summary-sent']);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    // The page follows the first crash, and names its task.
    expect(events.indexOf(alerts[0] as TimelineEvent)).toBeGreaterThan(
      events.indexOf(crashes[0] as TimelineEvent),
    );
    expect(alerts[0]?.task).toBe(crashes[0]?.task);
    // On-call scaled it to 0: the service scheduler stopped the task it had started last.
    expect(
      events.some((event) => event.what === 'stopped' && /^ServiceSchedulerInitiated/.test(event.detail)),
    ).toBe(true);

    const table = await cli(dir, 'timeline', 'worker', '--since', '1h');
    expect(table.out).toMatch(/^Timeline of service:worker in prod since .* \(\d+; times in UTC\):$/m);
  });

  it('which tasks were OOM-killed this week? the api task the story killed for memory, and only it', async () => {
    const { code, out } = await cli(dir, 'stops', '--class', 'oom', '--since', '7d', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as StopRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      cluster: 'prod',
      group: 'service:api',
      stopCode: 'EssentialContainerExited',
      container: 'api',
      exitCode: 137,
      class: 'oom',
      reason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    // Its id, as the table shows it, finds it: `ecs-ops task <8 characters>`.
    const task = await cli(dir, 'task', String(rows[0]?.taskArn.slice(-32, -24)));
    expect(task.code).toBe(0);
    // Its page, and once api was back to its desired count, the message that says so.
    expect(task.out).toMatch(/^Alerts \(2; times in UTC\):$/m);
    expect(task.out).toContain('[ecs-ops] CRITICAL: api OOM-killed (exit 137, limit 1024 MiB) in prod');
    expect(task.out).toMatch(
      / resolved +oom +critical +resolved: running 4 of 4 desired; no essential exit for /,
    );
    expect(task.out).toMatch(/^container instance {2}[0-9a-f]{32} on i-[0-9a-f]{17} /m);
  });

  it('why did job ingest fail? its essential container exited 1: an application error', async () => {
    const { code, out } = await cli(dir, 'stops', '--group', 'family:ingest', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as StopRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      cluster: 'batch',
      group: 'family:ingest',
      stopCode: 'EssentialContainerExited',
      container: 'ingest',
      exitCode: 1,
      class: 'app-error',
    });
    const table = await cli(dir, 'stops', '--group', 'family:ingest');
    expect(table.out).toMatch(/family:ingest +EssentialContainerExited +ingest +1 +app-error/);
  });
});

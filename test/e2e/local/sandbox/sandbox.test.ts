/**
 * The sandbox as a newcomer runs it (`npm start` is `ecs-ops sandbox`): a simulated ECS account driving the
 * deployed reconcile bundle through serverless.yml's routing, then the CLI reading back what was stored.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertReplaySummary } from '../../../../cli/alert-replay.js';
import type { SandboxReport } from '../../../../local/sandbox/model.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { runCaptured } from '../../../support/cli-run.js';
import { PROJECT_ROOT } from '../../../support/fixtures.js';
import { decisionsPerTask } from '../../../support/sandbox-replay.js';

const root = PROJECT_ROOT;

async function cli(dir: string, ...argv: string[]) {
  return runCaptured(['--dir', dir, ...argv]);
}

describe('ecs-ops sandbox, a bounded run under chaos', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-'));
  let report: SandboxReport;

  beforeAll(async () => {
    const { code, out, err } = await cli(
      dir,
      'sandbox',
      '--speed',
      '10',
      // 110 simulated seconds: the story's 95 and its last deliveries, before report's second scheduled run.
      '--duration',
      '11',
      '--chaos',
      '0.3',
      '--seed',
      '7',
      '--json',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    report = JSON.parse(out) as SandboxReport;
  }, 60_000);

  it('ends with the store holding exactly the simulator’s latest state of every task and instance', () => {
    expect(report.groundTruth.mismatches).toEqual([]);
    expect(report.groundTruth.tasks).toBeGreaterThan(10);
    expect(report.groundTruth.instances).toBe(4);
  });

  it('drained the scaled-in instance and the Spot one, releasing the hook on the event that showed it empty', async () => {
    const byTrigger = Object.fromEntries(report.drains.drains.map((drain) => [drain.trigger, drain]));
    expect(byTrigger.lifecycle).toMatchObject({ state: 'released', reason: 'empty' });
    expect(byTrigger.lifecycle?.tasks).toBeGreaterThan(0);
    // Issue target: ≤ 5 s (wall clock) from the last task's STOPPED event to CompleteLifecycleAction.
    expect(byTrigger.lifecycle?.releaseLatencyMs).toBeLessThan(5_000);
    expect(byTrigger.lifecycle?.apiCalls).toBeLessThanOrEqual(4);
    expect(byTrigger.spot).toMatchObject({ state: 'released', reason: 'empty' });
    const { code, out } = await cli(dir, 'drains', '--json');
    expect(code).toBe(0);
    expect(
      (JSON.parse(out) as { release?: { lifecycleResult?: string } }[]).map(
        (d) => d.release?.lifecycleResult,
      ),
    ).toContain('CONTINUE');
  });

  it('scaled the queue workers out on the burst, within a minute, and in once the cooldown was over; explains every decision', async () => {
    expect(report.scaling.changes).toMatchObject([
      { service: 'queue-worker', desiredCount: 4 },
      { service: 'queue-worker', desiredCount: 3 },
    ]);
    expect(report.scaling.reactionSeconds).toBeLessThanOrEqual(60);
    const { code, out } = await cli(dir, 'scaling', '--json');
    expect(code).toBe(0);
    const decisions = JSON.parse(out) as { policy: string; action: string; explanation: string }[];
    expect(decisions).toContainEqual(
      expect.objectContaining({
        policy: 'queue-workers-out',
        action: 'scale',
        explanation: expect.stringContaining('1 +3 = 4'),
      }),
    );
  });

  it('delivered events twice and out of order, and the reconciler absorbed the duplicates', () => {
    expect(report.bus.duplicatesInjected).toBeGreaterThan(0);
    expect(report.reconciled.duplicate).toBeGreaterThan(0);
    expect(report.reconciled.invalid).toBe(0);
    expect(report.reconciled.failed).toBe(0);
    expect(report.bus.deadLettered).toBe(0);
  });

  it('paged on-call once per incident, within seconds, despite the duplicated deliveries; resolved what recovered, once', async () => {
    const { out } = await cli(dir, 'mailbox', '--json');
    const subjects = (JSON.parse(out) as { subject: string }[]).map((message) => message.subject).sort();
    expect(subjects).toEqual([
      '[ecs-ops] CRITICAL: api OOM-killed (exit 137, limit 1024 MiB) in prod',
      '[ecs-ops] HIGH: ingest exited with code 1 in batch',
      '[ecs-ops] HIGH: migrate failed: image pull (CannotPullContainerError) in batch',
      '[ecs-ops] HIGH: worker exited with code 1 in prod',
      expect.stringMatching(/^\[ecs-ops\] HIGH: worker: \d+ more exits? in 1 min in prod, last exit 1$/),
      // api back to its desired count, and worker stopped by on-call, each quiet for alerts.recovery.quietMinutes.
      '[ecs-ops] RESOLVED: api in prod recovered (was critical)',
      '[ecs-ops] RESOLVED: worker in prod recovered (was high)',
    ]);
    expect(Object.values(report.alerts.pagesPerIncident).every((pages) => pages === 1)).toBe(true);
    // The worker's incident: its page, the summary of its crash loop and the one resolved message.
    expect(Object.values(report.alerts.perIncident).sort()).toEqual([1, 1, 2, 3]);
    expect(report.alerts.latencyMs.max).toBeLessThan(5_000);
  });

  it('journals every alert decision: the worker’s later crashes are grouped, the finished job is not paged', async () => {
    const { code, out } = await cli(dir, 'alerts', '--json');
    expect(code).toBe(0);
    const entries = JSON.parse(out) as { outcome: string; group: string; reason: string }[];
    expect(entries.filter((e) => e.outcome === 'sent')).toHaveLength(4);
    expect(entries.some((e) => e.outcome === 'grouped' && e.group === 'service:worker')).toBe(true);
    expect(
      entries.some((e) => e.group === 'family:nightly-report' && /standalone task finished/.test(e.reason)),
    ).toBe(true);
  });

  it('drove the cluster through the ECS API of the local endpoint', () => {
    // 4 from the story, the manual run of report, and report's first scheduled run.
    expect(report.requests['ecs.RunTask']).toBe(6);
    // web 3 → 6 → 2 and worker 0 → 1 → 0 by the script; queue-worker 1 → 4 → 3 by scale: the on-demand
    // scale-in comes some 28 simulated seconds after the scale-out, its 10 s cooldown long over.
    expect(report.requests['ecs.UpdateService']).toBe(6);
    // The story lists once; each resync lists RUNNING and STOPPED tasks of both clusters (one page each).
    expect(report.requests['ecs.ListTasks']).toBe(1 + (report.invocations.resync ?? 0) * 2 * 2);
  });

  it('lets ecs-ops tasks show why each task stopped', async () => {
    const { code, out } = await cli(dir, 'tasks', '--cluster', 'prod', '--status', 'STOPPED', '--json');
    expect(code).toBe(0);
    const stopCodes = new Set(
      (JSON.parse(out) as { detail: { stopCode?: string } }[]).map((task) => task.detail.stopCode),
    );
    expect(stopCodes).toEqual(
      new Set(['EssentialContainerExited', 'SpotInterruption', 'ServiceSchedulerInitiated']),
    );
    const jobs = await cli(dir, 'tasks', '--cluster', 'batch', '--status', 'STOPPED');
    expect(jobs.out).toContain('TaskFailedToStart');
    expect(jobs.out).toContain('ingest=1');
  });

  it('ran the worker service in a crash loop: the scheduler replaced each task that exited 1', async () => {
    const { out } = await cli(dir, 'tasks', '--cluster', 'prod', '--status', 'STOPPED', '--json');
    const crashed = (
      JSON.parse(out) as {
        detail: { group?: string; stopCode?: string; containers?: { exitCode?: number }[] };
      }[]
    ).filter(
      ({ detail }) =>
        detail.group === 'service:worker' &&
        detail.stopCode === 'EssentialContainerExited' &&
        detail.containers?.[0]?.exitCode === 1,
    );
    // The first exit is the incident, each later one belongs to the crash loop.
    expect(crashed.length).toBeGreaterThanOrEqual(2);
  });

  it('counts every message that landed in the mailbox, each under its incident', () => {
    expect(report.alerts.messages).toBe(report.mailbox);
    const perIncident = Object.values(report.alerts.perIncident);
    expect(perIncident.reduce((sum, n) => sum + n, 0)).toBe(report.alerts.messages);
    if (report.alerts.latencyMs.max !== null) {
      expect(report.alerts.latencyMs.p50).toBeLessThanOrEqual(report.alerts.latencyMs.max);
    }
  });

  it('ran the example job report by hand and on its every-minute schedule, and recorded both successes', async () => {
    expect(report.invocations.launch).toBeGreaterThanOrEqual(2);
    expect(report.invocations['job-runs']).toBeGreaterThanOrEqual(2);
    const { code, out } = await cli(dir, 'jobs', 'history', 'report', '--json');
    expect(code).toBe(0);
    const runs = JSON.parse(out) as { status: string; requestId?: string; tasks: string[] }[];
    expect(runs.map((run) => [run.status, run.requestId ?? 'scheduled'])).toEqual([
      ['succeeded', 'scheduled'],
      ['succeeded', 'sandbox-manual-run-1'],
    ]);
    expect(runs.map((run) => run.tasks.length)).toEqual([1, 1]);
    const [job] = JSON.parse((await cli(dir, 'jobs', '--json')).out) as { lastRun: { status: string } }[];
    expect(job?.lastRun.status).toBe('succeeded');
  });

  it('runs the functions on the simulated clock: a drain is released after it started', async () => {
    const { out } = await cli(dir, 'drains', '--json');
    const drains = JSON.parse(out) as { startedAt: string; release?: { at: string } }[];
    expect(drains).toHaveLength(2);
    for (const drain of drains) {
      expect(Date.parse(drain.release?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(drain.startedAt));
    }
  });

  it('runs the functions on the simulated clock: reconcile’s log spans the run’s simulated time', () => {
    const stamps = readFileSync(join(dir, 'logs', 'reconcile.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { timestamp?: string })
      // The log lines, not the EMF lines of its metrics (timed by `_aws.Timestamp`).
      .flatMap(({ timestamp }) => (timestamp === undefined ? [] : [Date.parse(timestamp)]));
    // 110 simulated seconds in 11 of the wall clock: the first batch comes within seconds of the start (a cold
    // start takes a few wall-clock seconds more), the last one at the end.
    expect(Math.max(...stamps) - Math.min(...stamps)).toBeGreaterThan(60_000);
  });

  it('lets ecs-ops instances show the instance drained by a Spot interruption', async () => {
    const { code, out } = await cli(dir, 'instances', '--cluster', 'prod', '--status', 'DRAINING');
    expect(code).toBe(0);
    expect(out).toContain('DRAINING');
  });

  it('writes each function’s logs where the summary says, as the deployed function logs them', () => {
    const log = readFileSync(join(dir, 'logs', 'reconcile.log'), 'utf8')
      .trim()
      .split('\n');
    const batches = log
      .map((line) => JSON.parse(line) as { message: string })
      .filter((e) => e.message === 'batch reconciled');
    expect(batches.length).toBe(report.invocations.reconcile);
  });

  it('replays what it put on the bus (events.jsonl) with --alerts to the decisions the deployed alert function made', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'ecs-ops-replay-'));
    const capture = join(dir, 'events.jsonl');
    // The sandbox saved the definitions of every task it ran, as DescribeTaskDefinition returns them.
    const definitions = join(dir, 'task-definitions');
    const replayed = await cli(
      fresh,
      'replay',
      capture,
      '--alerts',
      '--task-definitions',
      definitions,
      '--json',
    );
    expect(replayed.code).toBe(0);
    const { alerts } = JSON.parse(replayed.out) as { alerts: AlertReplaySummary };
    expect(alerts.taskDefinitions.unknown).toEqual([]);

    const journal = await cli(dir, 'alerts', '--limit', '0', '--json');
    const live = decisionsPerTask(JSON.parse(journal.out) as Parameters<typeof decisionsPerTask>[0]);
    expect(
      Object.values(live)
        .flat()
        .filter((decision) => decision.startsWith('sent')),
    ).toHaveLength(4);
    // Only what the alert rule routes reaches the alert function, and its journal.
    expect(decisionsPerTask(alerts.decisions.filter((decision) => decision.routed))).toEqual(live);
  }, 60_000);
});

describe('ecs-ops mailbox', () => {
  it('lists what was published to SNS in the sandbox, newest first, and says so when there is nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-mailbox-'));
    expect((await cli(dir, 'mailbox')).out).toContain('is empty');
    const published = [Date.parse('2024-05-02T09:00:00Z'), Date.parse('2024-05-02T09:00:01Z')];
    const mailbox = new SnsMailbox({
      dir: join(dir, 'mailbox'),
      now: () => new Date(published.shift() ?? 0),
    });
    const { TopicArn } = mailbox.createTopic({ Name: 'ecs-ops-alerts' });
    await mailbox.publish({ TopicArn, Subject: 'prod api exited 137', Message: 'OutOfMemoryError' });
    await mailbox.publish({
      TopicArn,
      Subject: 'batch ingest exited 1',
      Message: 'Essential container exited',
    });
    const { code, out } = await cli(dir, 'mailbox');
    expect(code).toBe(0);
    expect(out.indexOf('batch ingest exited 1')).toBeLessThan(out.indexOf('prod api exited 137'));
    expect(out).toContain('ecs-ops-alerts');
    const listed = JSON.parse((await cli(dir, 'mailbox', '--limit', '1', '--json')).out) as {
      subject: string;
    }[];
    expect(listed.map((message) => message.subject)).toEqual(['batch ingest exited 1']);
  });
});

describe('ecs-ops sandbox, as a process', () => {
  it('stops cleanly on Ctrl-C: drains delivery, checks the store and prints the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-'));
    const child = spawn(process.execPath, [join(root, 'bin/ecs-ops.mjs'), 'sandbox', '--dir', dir], {
      cwd: root,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!out.includes('▶') && `${out}${chunk}`.includes('▶')) child.kill('SIGINT');
      out += chunk;
    });
    const code = await new Promise((done) => child.on('exit', done));
    expect(code).toBe(0);
    expect(out).toContain('Stopped early');
    expect(out).toContain('✓ the store holds exactly');
  }, 30_000);

  it('starts clean in a --dir that holds an earlier run: a replayed seed reports only its own run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-'));
    const run = async () => {
      const { code, out } = await cli(
        dir,
        'sandbox',
        '--seed',
        '3',
        '--speed',
        '10',
        '--duration',
        '2s',
        '--json',
      );
      expect(code).toBe(0);
      return JSON.parse(out) as SandboxReport;
    };
    const first = await run();
    const again = await run();
    expect(again.groundTruth).toEqual(first.groundTruth);
    expect(again.mailbox).toBe(first.mailbox);
    const listed = JSON.parse((await cli(dir, 'mailbox', '--json')).out) as unknown[];
    expect(listed).toHaveLength(again.mailbox);
    const batches = readFileSync(join(dir, 'logs', 'reconcile.log'), 'utf8')
      .trim()
      .split('\n');
    expect(batches.filter((line) => line.includes('"batch reconciled"'))).toHaveLength(
      again.invocations.reconcile ?? 0,
    );
  });

  it('refuses the deployed store, bad numbers and bad durations with exit 2 and what to fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-sandbox-'));
    expect(await cli(dir, 'sandbox', '--store', 'aws')).toMatchObject({
      code: 2,
      err: expect.stringContaining('local store only'),
    });
    expect(await cli(dir, 'sandbox', '--speed', 'fast')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--speed fast: expected a number from 0.1 to 100'),
    });
    for (const duration of ['5x', '2 m', '0s', '25h']) {
      expect(await cli(dir, 'sandbox', '--duration', duration)).toMatchObject({
        code: 2,
        err: expect.stringContaining(
          `--duration ${duration}: expected a duration from 1s to 24h, such as 40s, 2m or 1h (a bare number is seconds)`,
        ),
      });
    }
  });
});

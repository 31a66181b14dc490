/**
 * The launch function on each engine: one launch per slot however often the schedule fires,
 * concurrency policies against the previous run, placement failures retried then paged once.
 */
import { describe, expect, it } from 'vitest';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { fargateJob, lambdaContext, SLOT, setup, unplaceableJob } from '../../../support/jobs-harness.js';

const MINUTE = 60_000;
const scheduled = (job: string, at = SLOT) => ({ job, scheduledTime: at });

describe.each(engines())('launch on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('launches once when the same slot is delivered twice at once', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob() });

    const summaries = await Promise.all([
      h.launcher()(scheduled('report'), lambdaContext()),
      h.launcher()(scheduled('report'), lambdaContext()),
    ]);

    expect(summaries.map((s) => s.outcome).sort()).toEqual(['duplicate', 'launched']);
    expect(h.taskStates()).toHaveLength(1);
    const history = await h.runs.history('report');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ slot: '2024-05-02T02:30:00.000Z', status: 'running', attempts: 1 });
    expect(history[0]?.tasks).toEqual([h.taskStates()[0]?.taskArn]);
    expect(h.logged.filter((l) => l.message === 'job launched')).toHaveLength(1);
    expect(h.logged.filter((l) => l.message === 'job duplicate')).toHaveLength(1);
    expect((await h.jobEntries()).map((e) => e.fields.outcome)).toEqual(['launched']);
  });

  it('launches once when the slot is delivered again later', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob() });
    const first = await h.launcher()(scheduled('report'), lambdaContext());
    h.advance(10_000);

    const again = await h.launcher()(scheduled('report'), lambdaContext());

    expect(again).toMatchObject({ outcome: 'duplicate', tasks: first.tasks });
    expect(h.taskStates()).toHaveLength(1);
  });

  it('skips the slot and records why when the previous run is still running (Forbid)', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob({ concurrency: 'Forbid' }) }, 0);
    await h.launcher()(scheduled('report'), lambdaContext());
    h.advance(MINUTE - 4_000 + 5_000);
    await h.reconcile();

    const next = await h.launcher()(scheduled('report', '2024-05-02T02:31:00Z'), lambdaContext());

    expect(next.outcome).toBe('skipped');
    expect(next.reason).toMatch(/previous run still RUNNING/);
    expect(h.taskStates()).toHaveLength(1);
    const [latest] = await h.runs.history('report');
    expect(latest).toMatchObject({ slot: '2024-05-02T02:31:00.000Z', status: 'skipped' });
    expect(latest?.decisions.join(' ')).toMatch(/skipped: previous run still RUNNING/);
    expect(h.logged.map((l) => l.message)).toContain('job skipped');
  });

  it('stops the previous run and launches a new one (Replace)', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob({ concurrency: 'Replace' }) });
    const first = await h.launcher()(scheduled('report'), lambdaContext());
    h.advance(MINUTE - 4_000 + 5_000);
    await h.reconcile();

    const next = await h.launcher()(scheduled('report', '2024-05-02T02:31:00Z'), lambdaContext());

    expect(next.outcome).toBe('replaced');
    const states = h.taskStates();
    expect(states).toHaveLength(2);
    expect(states.find((t) => t.taskArn === first.tasks[0])?.desiredStatus).toBe('STOPPED');
    expect(states.find((t) => t.taskArn === next.tasks[0])?.desiredStatus).toBe('RUNNING');
    const previous = await h.runs.get('report', '2024-05-02T02:30:00.000Z');
    expect(previous?.replacedBy).toBe('2024-05-02T02:31:00.000Z');
    expect(h.logged.map((l) => l.message)).toContain('job replaced');
  });

  it('retries a launch that cannot be placed, then fails it and pages once', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { crunch: unplaceableJob(2, 10) });

    const summary = await h.launcher()(scheduled('crunch'), lambdaContext());
    const again = await h.launcher()(scheduled('crunch'), lambdaContext());

    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(/gave up after 3 attempts: RESOURCE:MEMORY/);
    expect(again.outcome).toBe('duplicate');
    expect(h.taskStates()).toHaveLength(0);
    const run = await h.runs.get('crunch', '2024-05-02T02:30:00.000Z');
    expect(run).toMatchObject({ status: 'failed', attempts: 3 });
    const pages = h.mailbox.list();
    expect(pages).toHaveLength(1);
    expect(pages[0]?.subject).toBe('[ecs-ops] HIGH: job crunch failed to launch in batch');
    expect(JSON.stringify(pages[0])).toMatch(/RESOURCE:MEMORY/);
    expect(h.logged.filter((l) => l.message === 'job failed')).toHaveLength(1);
  });

  it('pages a failed launch once on the next delivery when SNS failed as it gave up', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { crunch: unplaceableJob(0, 10) });
    h.failPublishes(2);

    await expect(h.launcher()(scheduled('crunch'), lambdaContext())).rejects.toThrow();
    const again = await h.launcher()(scheduled('crunch'), lambdaContext());
    await h.launcher()(scheduled('crunch'), lambdaContext());

    expect(again.outcome).toBe('duplicate');
    expect(h.mailbox.list()).toHaveLength(1);
    expect(await h.runs.get('crunch', '2024-05-02T02:30:00.000Z')).toMatchObject({
      status: 'failed',
      alert: 'sent',
    });
  });

  it('gives up when the next retry would not fit in the Lambda’s remaining time', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { crunch: unplaceableJob(3, 60) });

    const summary = await h.launcher()(scheduled('crunch'), lambdaContext(30_000));

    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(/gave up after 1 attempt: .*remaining time/);
    expect(h.mailbox.list()).toHaveLength(1);
  });

  it('records a slot past its starting deadline, launches nothing for a disabled job, names an unknown job', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, {
      report: fargateJob({ startingDeadlineSeconds: 60 }),
      paused: fargateJob({ enabled: false }),
    });
    h.clock.now += 10 * MINUTE;

    const late = await h.launcher()(scheduled('report'), lambdaContext());
    const disabled = await h.launcher()(scheduled('paused'), lambdaContext());

    expect(late.outcome).toBe('past-deadline');
    expect((await h.runs.get('report', '2024-05-02T02:30:00.000Z'))?.status).toBe('skipped');
    expect(disabled.outcome).toBe('disabled');
    expect(h.taskStates()).toHaveLength(0);
    await expect(h.launcher()(scheduled('nightly'), lambdaContext())).rejects.toThrow(
      /"nightly".*report, paused/,
    );
  });

  it('runs a manual request once, whatever the minute', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob() });

    const summary = await h.launcher()({ job: 'report', requestId: 'req-1' }, lambdaContext());

    expect(summary.outcome).toBe('launched');
    expect(h.taskStates()).toHaveLength(1);
    expect((await h.runs.history('report'))[0]).toMatchObject({ requestId: 'req-1', status: 'running' });
  });
});

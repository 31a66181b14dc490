/**
 * The job-runs function on each engine: a launched run is driven in the simulator until its task stops, the
 * emitted events are reconciled, and the STOPPED event completes the run once (paging once when it failed).
 */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RESYNC_SOURCE } from '../../../../lib/platform/events/statuses.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { body, type Envelope, sqsEvent, taskEvent, uuidFrom } from '../../../support/fixtures.js';
import { fargateJob, lambdaContext, SLOT, setup } from '../../../support/jobs-harness.js';

const MINUTE = 60_000;
/** Resync notices a lost stop this long after it. */
const NOTICED_AFTER_MS = 3 * MINUTE + 12_000;

/**
 * The STOPPED events of `event` as resync feeds them when they never arrived: the same task, in the envelope of
 * an ECS Task State Change from `ecs-ops.resync`, timed when resync read it from the ECS API.
 */
function foundByResync(event: SQSEvent): { event: SQSEvent; foundAt: string[] } {
  const envelopes = event.Records.map((record) => JSON.parse(record.body) as Envelope);
  const found = envelopes.map((envelope) => ({
    ...envelope,
    source: RESYNC_SOURCE,
    time: new Date(Date.parse(String(envelope.detail.stoppedAt)) + NOTICED_AFTER_MS).toISOString(),
    id: uuidFrom(`resync#${envelope.id}`),
  }));
  return { event: sqsEvent(found.map(body)), foundAt: found.map((envelope) => envelope.time) };
}

/** What a page says, as an email subscriber reads it. */
const textOf = (page: { message: string } | undefined) =>
  (JSON.parse(page?.message ?? '{}') as { default?: string }).default ?? '';

describe.each(engines())('job-runs on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const live = engine;

  async function runToTheEnd(exitCode: number) {
    const store = await freshStore(live);
    const h = await setup(store, { report: fargateJob() }, exitCode);
    const launched = await h.launcher()({ job: 'report', scheduledTime: SLOT }, lambdaContext());
    h.advance(5 * MINUTE);
    await h.reconcile();
    return { h, launched, event: h.stoppedJobEvents() };
  }

  it('completes a run whose container exited 0: succeeded, no page', async () => {
    const { h, launched, event } = await runToTheEnd(0);
    expect(event.Records).toHaveLength(1);

    const response = await h.jobRuns()(event, lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const run = await h.runs.get('report', '2024-05-02T02:30:00.000Z');
    expect(run).toMatchObject({ status: 'succeeded', result: 'succeeded', exitCodes: { report: 0 } });
    expect(run?.tasks).toEqual(launched.tasks);
    expect(run?.durationSeconds).toBeGreaterThanOrEqual(60);
    expect(h.mailbox.list()).toHaveLength(0);
    const completed = h.logged.find((l) => l.message === 'job run completed');
    expect(completed?.fields).toMatchObject({
      job: 'report',
      slot: '2024-05-02T02:30:00.000Z',
      result: 'succeeded',
      exitCodes: { report: 0 },
    });
    expect(typeof completed?.fields.durationSeconds).toBe('number');
  });

  it('completes a run whose container exited 1 as failed and pages once, however often the event comes', async () => {
    const { h, event } = await runToTheEnd(1);

    const responses = await Promise.all([
      h.jobRuns()(event, lambdaContext()),
      h.jobRuns()(event, lambdaContext()),
    ]);
    await h.jobRuns()(event, lambdaContext());

    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    const run = await h.runs.get('report', '2024-05-02T02:30:00.000Z');
    expect(run).toMatchObject({ status: 'failed', exitCodes: { report: 1 } });
    const pages = h.mailbox.list();
    expect(pages).toHaveLength(1);
    expect(pages[0]?.subject).toBe('[ecs-ops] HIGH: job report failed: report exited 1 in batch');
    // Filterable on its severity; email gets the text, SQS the JSON with what a pager forwarder needs.
    expect(pages[0]?.attributes.severity).toEqual({ dataType: 'String', value: 'high' });
    expect(pages[0]?.bodies?.email).toMatch(/^Job report's run of .* failed\./);
    expect(JSON.parse(pages[0]?.bodies?.sqs ?? '')).toMatchObject({
      kind: 'job-run-failed',
      severity: 'high',
      dedupKey: 'job#report#2024-05-02T02:30:00.000Z',
      action: 'trigger',
    });
    expect(h.logged.filter((l) => l.message === 'job run completed')).toHaveLength(1);
    const entries = await h.jobEntries();
    expect(entries.map((e) => e.fields.outcome).sort()).toEqual(['failed', 'launched']);
  });

  it('pages once on redelivery when SNS failed as the run was completed', async () => {
    const { h, event } = await runToTheEnd(1);
    h.failPublishes(2);

    const failed = await h.jobRuns()(event, lambdaContext());
    const redelivered = await h.jobRuns()(event, lambdaContext());
    await h.jobRuns()(event, lambdaContext());

    expect(failed.batchItemFailures).toHaveLength(1);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(h.mailbox.list()).toHaveLength(1);
    expect(await h.runs.get('report', '2024-05-02T02:30:00.000Z')).toMatchObject({
      status: 'failed',
      alert: 'sent',
    });
  });

  it('stops a run past its timeout, then records it timed out and pages once', async () => {
    const store = await freshStore(live);
    const h = await setup(store, { report: fargateJob({ timeoutMinutes: 1 }) }, 0);
    const launched = await h.launcher()({ job: 'report', scheduledTime: SLOT }, lambdaContext());
    h.advance(30_000);
    expect(await h.sweepTimeouts()).toEqual([]);

    // 61 s after the launch: past the timeout, before the container would exit by itself (60 s after RUNNING).
    h.advance(31_000);
    const stopped = await h.sweepTimeouts();
    h.advance(MINUTE);
    await h.reconcile();
    await h.jobRuns()(h.stoppedJobEvents(), lambdaContext());

    expect(stopped).toEqual([
      expect.objectContaining({
        job: 'report',
        tasks: launched.tasks,
        reason: 'ecs-ops: timed out after 1 minute',
      }),
    ]);
    expect(await h.runs.get('report', '2024-05-02T02:30:00.000Z')).toMatchObject({ status: 'timed-out' });
    const pages = h.mailbox.list();
    expect(pages).toHaveLength(1);
    expect(pages[0]?.subject).toBe('[ecs-ops] HIGH: job report failed: timed out in batch');
  });

  it('journals a timeout once while its stop takes more than a minute, re-sending StopTask meanwhile', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob({ timeoutMinutes: 1 }) }, 0);
    const launched = await h.launcher()({ job: 'report', scheduledTime: SLOT }, lambdaContext());
    h.advance(61_000);

    // Two overlapping sweeps, then one a minute later: job-runs has not seen the STOPPED event yet.
    const first = await Promise.all([h.sweepTimeouts(), h.sweepTimeouts()]);
    h.advance(MINUTE);
    const later = await h.sweepTimeouts();

    expect(first.flat()).toEqual([expect.objectContaining({ job: 'report', tasks: launched.tasks })]);
    expect(later).toEqual([]);
    const timeouts = (await h.jobEntries()).filter((e) => e.fields.outcome === 'timed-out');
    expect(timeouts).toHaveLength(1);
    expect(h.requests()['ecs.StopTask']).toBe(3);
    const run = await h.runs.get('report', '2024-05-02T02:30:00.000Z');
    expect(run).toMatchObject({ status: 'running', timeoutRequestedAt: '2024-05-02T02:31:05.000Z' });
    expect(run?.decisions.filter((d) => d.includes('timed out'))).toEqual([
      'ecs-ops: timed out after 1 minute: its tasks were stopped',
    ]);
  });

  it('does not page for a run stopped on purpose to be replaced', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob({ concurrency: 'Replace' }) });
    await h.launcher()({ job: 'report', scheduledTime: SLOT }, lambdaContext());
    h.advance(MINUTE);
    await h.reconcile();
    await h.launcher()({ job: 'report', scheduledTime: '2024-05-02T02:31:00Z' }, lambdaContext());
    h.advance(30_000);
    await h.reconcile();

    await h.jobRuns()(h.stoppedJobEvents(), lambdaContext());

    const previous = await h.runs.get('report', '2024-05-02T02:30:00.000Z');
    expect(previous?.status).toBe('failed');
    expect(previous?.replacedBy).toBe('2024-05-02T02:31:00.000Z');
    expect(h.mailbox.list()).toHaveLength(0);
  });

  it('logs a job task no run launched, ignores other tasks, dead-letters invalid records', async () => {
    const store = await freshStore(engine);
    const h = await setup(store, { report: fargateJob() });
    const byHand = taskEvent({
      fixture: 'ecs/task/fargate-stopped-essential-exit.json',
      id: 'by-hand',
      detail: { startedBy: 'ecs-ops-job/report' },
    });
    const service = taskEvent({ fixture: 'ecs/task/fargate-stopped-essential-exit.json', id: 'svc' });
    const event = sqsEvent([body(byHand), body(service), 'not json']);

    const response = await h.jobRuns()(event, lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(h.logged.map((l) => l.message)).toContain('job task without a run');
    expect(h.deadLetters.letters.map((l) => l.field)).toEqual(['(body)']);
    expect(h.mailbox.list()).toHaveLength(0);
  });

  describe('a run whose last STOPPED event never arrived, completed from the stop resync found', () => {
    it('completes a failed run and pages once, late and saying so; the event arriving after it pages nothing', async () => {
      const { h, event, launched } = await runToTheEnd(1);
      const resync = foundByResync(event);

      const response = await h.jobRuns()(resync.event, lambdaContext());
      const lateEvent = await h.jobRuns()(event, lambdaContext());

      expect([response, lateEvent].map((r) => r.batchItemFailures)).toEqual([[], []]);
      const run = await h.runs.get('report', '2024-05-02T02:30:00.000Z');
      expect(run).toMatchObject({
        status: 'failed',
        exitCodes: { report: 1 },
        alert: 'sent',
        foundByResync: { at: resync.foundAt[0], taskArn: launched.tasks[0] },
      });
      expect(run?.decisions.at(-1)).toMatch(
        /^failed: .*; completed late: found by resync at .*, its STOPPED event never arrived$/,
      );
      const pages = h.mailbox.list();
      expect(pages).toHaveLength(1);
      expect(pages[0]?.subject).toBe('[ecs-ops] HIGH: [late] job report failed: report exited 1 in batch');
      expect(textOf(pages[0]).split('\n').slice(0, 5)).toEqual([
        `Found by resync at ${resync.foundAt[0]}:`,
        'the ECS event for this stop never arrived, so this page is late',
        '(stopped 3m 12s before it was noticed).',
        '',
        "Job report's run of 2024-05-02T02:30:00Z failed.",
      ]);
      const completed = (await h.jobEntries()).filter((e) => e.fields.outcome === 'failed');
      expect(completed).toHaveLength(1);
      expect(completed[0]?.fields).toMatchObject({
        foundBy: 'resync',
        foundByResyncAt: resync.foundAt[0],
        subject: '[ecs-ops] HIGH: [late] job report failed: report exited 1 in batch',
      });
      expect(h.logged.filter((l) => l.message === 'job run completed').map((l) => l.fields.foundBy)).toEqual([
        'resync',
      ]);
    });

    it('still says late when the page owed (SNS failed) is sent on the ECS event that arrived after', async () => {
      const { h, event } = await runToTheEnd(1);
      h.failPublishes(2);

      const failed = await h.jobRuns()(foundByResync(event).event, lambdaContext());
      const lateEvent = await h.jobRuns()(event, lambdaContext());

      expect(failed.batchItemFailures).toHaveLength(1);
      expect(lateEvent.batchItemFailures).toEqual([]);
      const pages = h.mailbox.list();
      expect(pages).toHaveLength(1);
      expect(pages[0]?.subject).toBe('[ecs-ops] HIGH: [late] job report failed: report exited 1 in batch');
      expect(textOf(pages[0])).toMatch(/^Found by resync at /);
    });

    it('completes a run that succeeded, without a page, journaled as found by resync', async () => {
      const { h, event } = await runToTheEnd(0);

      const response = await h.jobRuns()(foundByResync(event).event, lambdaContext());

      expect(response.batchItemFailures).toEqual([]);
      expect(await h.runs.get('report', '2024-05-02T02:30:00.000Z')).toMatchObject({
        status: 'succeeded',
        exitCodes: { report: 0 },
      });
      expect(h.mailbox.list()).toHaveLength(0);
      const completed = (await h.jobEntries()).filter((e) => e.fields.outcome === 'succeeded');
      expect(completed.map((e) => e.fields.foundBy)).toEqual(['resync']);
    });
  });
});

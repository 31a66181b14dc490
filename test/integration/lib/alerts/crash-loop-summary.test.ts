/**
 * A crash-loop window's summary through page-once, on each engine: claimed on the window (which stays listed),
 * marked sent or given back. A sweeper that dies holding the claim loses nothing — the next sweep after its lease
 * sends the summary; of concurrent sweepers one sends it; SNS failing gives it back to the next sweep; and no
 * exit reopens the window over a summary not sent. Here web never gets back to its desired count, so its
 * outage is never resolved (recovery is specified in alert-recovery.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { recordInWindow } from '../../../../lib/alerts/alerting.js';
import { CrashLoopStore } from '../../../../lib/alerts/crash-loop-store.js';
import { summariseEndedWith } from '../../../../lib/alerts/summary.js';
import { type SweepOutcome, sweepWindows } from '../../../../lib/alerts/sweep.js';
import { ConflictError } from '../../../../lib/platform/errors.js';
import { Journal } from '../../../../lib/platform/journal.js';
import type { AlertMessage } from '../../../../lib/platform/notification/message.js';
import { PAGE_LEASE_MS } from '../../../../lib/platform/notification/page-once.js';
import { AFTER_END, CONFIG, exitOf, OPENER, windowOf } from '../../../support/crash-loop-cases.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const KEY_OF_WINDOW = windowOf().key;
const at = (time: string) => new Date(`2024-05-01T${time}Z`);
const ENDED = at('13:11:00');

describe.each(engines())('crash-loop summaries on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const live = engine;

  /** The group's window from 13:00 to 13:10 with `exits` more exits after its page; SNS fails `failures` times. */
  async function loop(exits: number, failures = 0) {
    const state = await freshStore(live);
    const windows = new CrashLoopStore({ ...state, config: CONFIG });
    const sent: AlertMessage[] = [];
    let failing = failures;
    const publisher = {
      async publish(message: AlertMessage) {
        if (failing-- > 0) throw new Error('InternalError: SNS is down');
        sent.push(message);
        return `summary-${sent.length}`;
      },
    };
    const dependencies = {
      config: CONFIG,
      windows,
      publisher,
      journal: new Journal({ ...state, retentionDays: 0 }),
    };
    await windows.record(OPENER, at('13:00:00'));
    for (let n = 0; n < exits; n++) await windows.record(exitOf(`exit-${n}`), at('13:02:00'));
    // Web stays one task short: every sweep finds it unresolved, which these specs leave out.
    const services = { of: async () => ({ status: 'found', running: 2, desired: 3, pending: 0 }) as const };
    const sweep = async (now: Date) =>
      (await sweepWindows({ ...dependencies, services, now: () => now }))
        .map(({ outcome }) => outcome)
        .filter((outcome) => outcome !== 'unresolved');
    return { windows, dependencies, sent, sweep };
  }

  it('is sent by the next sweep after a sweeper died holding its claim, once its lease ran out', async () => {
    const { windows, sent, sweep } = await loop(2);
    // A sweeper claims the summary and dies before publishing.
    expect(await windows.claimSummary(KEY_OF_WINDOW, ENDED)).toMatchObject({ count: 2 });

    const whileHeld = await sweep(new Date(ENDED.getTime() + PAGE_LEASE_MS));
    const afterLease = await sweep(new Date(ENDED.getTime() + PAGE_LEASE_MS + 1));
    const after = await sweep(at('13:20:00'));

    expect([whileHeld, afterLease, after]).toEqual<SweepOutcome['outcome'][][]>([
      ['already-claimed'],
      ['summary-sent'],
      [],
    ]);
    expect(sent.map(({ subject }) => subject)).toEqual([expect.stringMatching(/2 more exits/)]);
  });

  it('is sent once by concurrent sweepers', async () => {
    const { sent, sweep } = await loop(3);

    const outcomes = (await Promise.all(Array.from({ length: 5 }, () => sweep(ENDED)))).flat();

    // A sweeper that lists the windows after the summary was sent finds none: how many saw it claimed is timing.
    expect(outcomes.filter((outcome) => outcome === 'summary-sent')).toHaveLength(1);
    expect(
      outcomes.filter((outcome) => outcome !== 'summary-sent').every((o) => o === 'already-claimed'),
    ).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('is given back when SNS fails, and sent by the next sweep', async () => {
    const { sent, sweep } = await loop(1, 1);

    expect(await sweep(ENDED)).toEqual(['failed']);
    expect(await sweep(ENDED)).toEqual(['summary-sent']);
    expect(await sweep(ENDED)).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it('holds off the next exit until it is sent, then the exit reopens the window: the outage goes on', async () => {
    const { windows, dependencies, sweep } = await loop(1);
    const summariseEnded = summariseEndedWith(dependencies);
    const claimed = await windows.claimSummary(KEY_OF_WINDOW, ENDED);
    if (claimed === undefined) throw new Error('the summary was not claimed');

    await expect(recordInWindow(windows, AFTER_END, ENDED, summariseEnded)).rejects.toThrow(ConflictError);
    await windows.summary(claimed).markSent('summary-1');

    expect(await recordInWindow(windows, AFTER_END, ENDED, summariseEnded)).toEqual({
      action: 'page',
      windowStartedAt: ENDED.toISOString(),
      windowEndsAt: at('13:21:00').toISOString(),
      continues: { incidentKey: OPENER.key, since: at('13:00:00').toISOString() },
    });
    expect(await sweep(ENDED)).toEqual([]);
  });

  it('is summarised by the exit that ends the window when no sweeper came first', async () => {
    const { windows, dependencies, sent } = await loop(1);

    const verdict = await recordInWindow(windows, AFTER_END, ENDED, summariseEndedWith(dependencies));

    expect(verdict).toMatchObject({ action: 'page', windowStartedAt: ENDED.toISOString() });
    expect(sent.map(({ subject }) => subject)).toEqual([expect.stringMatching(/1 more exit/)]);
  });

  it('sends no summary for a window that counted nothing after its page: it is resolved instead', async () => {
    const { windows, sent, sweep } = await loop(0);

    expect(await sweep(ENDED)).toEqual(['closed-quietly', 'resolved']);
    expect(await windows.listedWindows()).toEqual([]);
    expect(sent.map(({ subject, action }) => [subject, action])).toEqual([
      ['[ecs-ops] RESOLVED: web in prod recovered (was critical)', 'resolve'],
    ]);
  });
});

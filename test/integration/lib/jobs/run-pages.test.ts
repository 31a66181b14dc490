/**
 * A run's page through page-once on each engine (RunStore.page, the claim as a conditional UpdateItem): claimed
 * when owed and free, refused while another delivery holds it, taken over when its lease ran out, given back
 * when SNS fails, never claimed again once sent — and of concurrent deliveries, one wins.
 */
import { describe, expect, it } from 'vitest';
import { type JobRun, runPageClaim } from '../../../../lib/jobs/run.js';
import { RunStore } from '../../../../lib/jobs/run-store.js';
import { PAGE_LEASE_MS, pageOnce } from '../../../../lib/platform/notification/page-once.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const SLOT = '2024-05-02T02:30:00.000Z';
const T0 = new Date('2024-05-02T02:35:00.000Z');
const plus = (ms: number) => new Date(T0.getTime() + ms);

describe.each(engines())('a run’s page on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const live = engine;

  /** A failed run whose completing write claimed its page at T0. */
  async function failedRun(page: Partial<JobRun> = runPageClaim(T0)) {
    const state = await freshStore(live);
    const runs = new RunStore({ tableName: state.tableName, client: state.client, retentionDays: 0 });
    const run: JobRun = {
      job: 'report',
      slot: SLOT,
      status: 'failed',
      cluster: 'batch',
      tasks: [],
      attempts: 1,
      decisions: [],
      ...page,
    };
    await runs.begin(run, T0);
    const clock = { now: T0 };
    return { runs, clock, port: runs.page('report', SLOT, () => clock.now) };
  }

  it('is refused to another delivery while the claim’s lease holds, and taken over once it ran out', async () => {
    const { clock, port } = await failedRun();

    const held = await port.claim();
    clock.now = plus(PAGE_LEASE_MS);
    const atTheEnd = await port.claim();
    clock.now = plus(PAGE_LEASE_MS + 1);
    const lapsed = await port.claim();

    expect([held, atTheEnd, lapsed]).toEqual([false, false, true]);
  });

  it('is claimable at once once given back, and never again once sent', async () => {
    const { runs, port } = await failedRun();

    await port.giveBack();
    const reclaimed = await port.claim();
    await port.markSent('message-1');
    const again = await port.claim();

    expect([reclaimed, again]).toEqual([true, false]);
    expect(await runs.get('report', SLOT)).toMatchObject({ alert: 'sent', alertMessageId: 'message-1' });
  });

  it('is claimed by one of concurrent deliveries, and published once', async () => {
    const { runs, port } = await failedRun({ alert: 'pending' });
    let published = 0;
    const publish = async () => `message-${++published}`;

    const results = await Promise.all(Array.from({ length: 4 }, () => pageOnce({ ...port, publish })));

    expect(published).toBe(1);
    expect(results.filter((result) => result !== undefined)).toEqual(['message-1']);
    expect(await runs.get('report', SLOT)).toMatchObject({ alert: 'sent', alertMessageId: 'message-1' });
  });

  it('is never claimed for a run that owes none', async () => {
    const { port } = await failedRun({});

    expect(await port.claim()).toBe(false);
  });
});

/**
 * AlarmStore on each engine, through the real SDK: one item per alarm whose every write is conditional on what
 * its caller read. The first change is written once however many deliveries race for it; a write whose read is
 * out of date is refused; a change's page is claimed with it, held for its lease, marked sent or given back —
 * and claimed again only while it is owed and free.
 */
import { describe, expect, it } from 'vitest';
import { AlarmStore } from '../../../../lib/alarms/alarm-store.js';
import type { AlarmRecord } from '../../../../lib/alarms/decide.js';
import type { AlarmState } from '../../../../lib/alarms/state-change.js';
import { PAGE_LEASE_MS } from '../../../../lib/platform/notification/page-once.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const ALARM = 'ecs-ops-prod-reconcile-errors';
const T0 = new Date('2024-05-01T12:00:00.000Z');
const plus = (ms: number) => new Date(T0.getTime() + ms);
const change = (state: AlarmState, changedAt: string) => ({ alarm: ALARM, state, changedAt });
const FIRED = change('ALARM', '2024-05-01T11:58:00.000Z');
const CLEARED = change('OK', '2024-05-01T11:59:00.000Z');

describe.each(engines())('AlarmStore on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const live = engine;

  async function alarms() {
    const state = await freshStore(live);
    return new AlarmStore({ tableName: state.tableName, client: state.client });
  }

  it('has no record before an alarm’s first change, and reads back what a quiet change recorded', async () => {
    const store = await alarms();

    const before = await store.read(ALARM);
    const written = await store.recordQuiet(change('INSUFFICIENT_DATA', FIRED.changedAt), undefined, true);

    expect(before).toBeUndefined();
    expect(written).toBe(true);
    expect(await store.read(ALARM)).toEqual({
      changedAt: FIRED.changedAt,
      state: 'INSUFFICIENT_DATA',
      open: true,
    });
  });

  it('lets one of concurrent deliveries of an alarm’s first change claim its page', async () => {
    const store = await alarms();

    const claims = await Promise.all(
      Array.from({ length: 5 }, () => store.claim(FIRED, undefined, true, T0)),
    );

    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.read(ALARM)).toEqual({
      changedAt: FIRED.changedAt,
      state: 'ALARM',
      open: true,
      page: { state: 'sending', leaseUntil: plus(PAGE_LEASE_MS).toISOString() },
    });
  });

  it('lets one of two changes read against the same record write: the other must read again', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);
    await store.markSent(FIRED, 'm-1');
    const last = (await store.read(ALARM)) as AlarmRecord;

    const [resolve, quiet] = await Promise.all([
      store.claim(CLEARED, last, false, T0),
      store.recordQuiet(change('INSUFFICIENT_DATA', CLEARED.changedAt), last, true),
    ]);

    expect([resolve, quiet].filter(Boolean)).toHaveLength(1);
    expect((await store.read(ALARM))?.changedAt).toBe(CLEARED.changedAt);
  });

  it('refuses a write read against a record that has moved on, and one that read none where one is', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);
    const fired = (await store.read(ALARM)) as AlarmRecord;
    await store.markSent(FIRED, 'm-1');
    await store.claim(CLEARED, fired, false, T0);

    const stale = await store.recordQuiet(
      change('INSUFFICIENT_DATA', '2024-05-01T12:00:30.000Z'),
      fired,
      true,
    );
    const blind = await store.claim(change('ALARM', '2024-05-01T12:01:00.000Z'), undefined, true, T0);

    expect([stale, blind]).toEqual([false, false]);
    expect(await store.read(ALARM)).toMatchObject({ changedAt: CLEARED.changedAt, state: 'OK', open: false });
  });

  it('marks a page sent, with its message id, and never claims that change again', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);

    const marked = await store.markSent(FIRED, 'm-1');
    const record = (await store.read(ALARM)) as AlarmRecord;
    const again = await store.claim(FIRED, record, true, plus(10 * PAGE_LEASE_MS));

    expect(marked).toBe(true);
    expect(record.page).toEqual({ state: 'sent', messageId: 'm-1' });
    expect(again).toBe(false);
  });

  it('holds a claim until its lease runs out; a redelivery takes it over then', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);
    const record = (await store.read(ALARM)) as AlarmRecord;

    const held = await store.claim(FIRED, record, true, plus(PAGE_LEASE_MS));
    const lapsed = await store.claim(FIRED, record, true, plus(PAGE_LEASE_MS + 1));

    expect([held, lapsed]).toEqual([false, true]);
    expect((await store.read(ALARM))?.page).toEqual({
      state: 'sending',
      leaseUntil: plus(2 * PAGE_LEASE_MS + 1).toISOString(),
    });
  });

  it('gives a page back, claimable at once by one of concurrent redeliveries', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);

    const given = await store.giveBack(FIRED);
    const record = (await store.read(ALARM)) as AlarmRecord;
    const claims = await Promise.all(
      Array.from({ length: 4 }, () => store.claim(FIRED, record, true, plus(1))),
    );

    expect(given).toBe(true);
    expect(record.page).toEqual({ state: 'pending' });
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('refuses to mark or give back the page of a change the record has moved on from', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);
    const fired = (await store.read(ALARM)) as AlarmRecord;
    await store.recordQuiet(change('INSUFFICIENT_DATA', CLEARED.changedAt), fired, true);

    const marked = await store.markSent(FIRED, 'm-late');
    const given = await store.giveBack(FIRED);

    expect([marked, given]).toEqual([false, false]);
    expect(await store.read(ALARM)).toEqual({
      changedAt: CLEARED.changedAt,
      state: 'INSUFFICIENT_DATA',
      open: true,
    });
  });

  it('refuses to give back a page sent since: a late sender’s failure does not make it owed again', async () => {
    const store = await alarms();
    await store.claim(FIRED, undefined, true, T0);
    const lapsed = (await store.read(ALARM)) as AlarmRecord;
    await store.claim(FIRED, lapsed, true, plus(PAGE_LEASE_MS + 1));
    await store.markSent(FIRED, 'm-1');

    const given = await store.giveBack(FIRED);

    expect(given).toBe(false);
    expect((await store.read(ALARM))?.page).toEqual({ state: 'sent', messageId: 'm-1' });
  });

  it('refuses to mark or give back a page of an alarm it has no record of', async () => {
    const store = await alarms();

    expect([await store.markSent(FIRED, 'm-1'), await store.giveBack(FIRED)]).toEqual([false, false]);
    expect(await store.read(ALARM)).toBeUndefined();
  });

  it('keeps each alarm’s record apart', async () => {
    const store = await alarms();
    const other = { ...FIRED, alarm: 'ecs-ops-prod-alert-errors' };

    await store.claim(FIRED, undefined, true, T0);
    const first = await store.claim(other, undefined, true, T0);

    expect(first).toBe(true);
    expect((await store.read(other.alarm))?.state).toBe('ALARM');
  });
});

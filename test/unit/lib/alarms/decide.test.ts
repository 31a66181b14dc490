/**
 * Whether a change of an ecs-ops alarm pages, every case: the first change of an alarm, a later one against the
 * record of the last one handled, an older one (stale), and the same one again (duplicate, held elsewhere, owed).
 */
import { describe, expect, it } from 'vitest';
import { type AlarmRecord, decideAlarmPage } from '../../../../lib/alarms/decide.js';
import { ALARM_STATES, type AlarmState } from '../../../../lib/alarms/state-change.js';
import { PAGE_LEASE_MS } from '../../../../lib/platform/notification/page-once.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const EARLIER = '2024-05-01T11:50:00.000Z';
const AT = '2024-05-01T11:55:00.000Z';
const LATER = '2024-05-01T11:58:00.000Z';

const change = (state: AlarmState, previous: AlarmState, changedAt = AT) => ({ state, previous, changedAt });
const record = (overrides: Partial<AlarmRecord> = {}): AlarmRecord => ({
  changedAt: EARLIER,
  state: 'OK',
  open: false,
  ...overrides,
});
const others = (state: AlarmState) => ALARM_STATES.filter((other) => other !== state);

describe('decideAlarmPage', () => {
  describe('the first change of an alarm (nothing stored): its previous state says whether a page is open', () => {
    it.each(others('ALARM'))('into ALARM from %s: a trigger, the page open', (previous) => {
      expect(decideAlarmPage(change('ALARM', previous), undefined, NOW)).toEqual({
        kind: 'page',
        action: 'trigger',
        open: true,
      });
    });

    it('into OK from ALARM: a resolve (a page went out before anything was stored)', () => {
      expect(decideAlarmPage(change('OK', 'ALARM'), undefined, NOW)).toEqual({
        kind: 'page',
        action: 'resolve',
        open: false,
      });
    });

    it('into OK from INSUFFICIENT_DATA (every new alarm does it): nobody', () => {
      expect(decideAlarmPage(change('OK', 'INSUFFICIENT_DATA'), undefined, NOW)).toEqual({
        kind: 'quiet',
        open: false,
        reason: 'no page is open (it was INSUFFICIENT_DATA, not firing)',
      });
    });

    it.each([
      ['ALARM', true, 'no data to evaluate: the open page stays open until the alarm is seen to clear'],
      ['OK', false, 'no data to evaluate, and no page is open'],
    ] as const)('into INSUFFICIENT_DATA from %s: nobody, open %s', (previous, open, reason) => {
      expect(decideAlarmPage(change('INSUFFICIENT_DATA', previous), undefined, NOW)).toEqual({
        kind: 'quiet',
        open,
        reason,
      });
    });
  });

  describe('the next change after the last one handled (it leaves the stored state): the record says whether a page is open', () => {
    const cases = ALARM_STATES.flatMap((state) =>
      others(state).flatMap((previous) => [false, true].map((open) => ({ state, previous, open }))),
    );

    it.each(cases)('into $state from $previous, a page open: $open', ({ state, previous, open }) => {
      const decision = decideAlarmPage(change(state, previous), record({ state: previous, open }), NOW);
      const expected =
        state === 'ALARM'
          ? { kind: 'page', action: 'trigger', open: true }
          : state === 'OK'
            ? open
              ? { kind: 'page', action: 'resolve', open: false }
              : { kind: 'quiet', open: false }
            : open && previous === 'OK'
              ? // Cleared, yet a page open: its resolve was not sent.
                { kind: 'page', action: 'resolve', open: false }
              : { kind: 'quiet', open };

      expect(decision).toMatchObject(expected);
    });
  });

  describe('a later change that leaves another state than the stored one (the change between is yet to come, stale)', () => {
    it.each([false, true])('into ALARM: a trigger (a page open: %s)', (open) => {
      for (const stored of others('OK')) {
        expect(decideAlarmPage(change('ALARM', 'OK'), record({ state: stored, open }), NOW)).toEqual({
          kind: 'page',
          action: 'trigger',
          open: true,
        });
      }
    });

    it('from ALARM: the firing in between left a page open, as for an alarm’s first change', () => {
      const stored = record({ state: 'OK', open: false });

      expect(decideAlarmPage(change('OK', 'ALARM'), stored, NOW)).toEqual({
        kind: 'page',
        action: 'resolve',
        open: false,
      });
      expect(decideAlarmPage(change('INSUFFICIENT_DATA', 'ALARM'), stored, NOW)).toMatchObject({
        kind: 'quiet',
        open: true,
      });
    });

    it('from OK into INSUFFICIENT_DATA, a page open: it cleared in between, so the page is resolved now', () => {
      const stored = record({ state: 'ALARM', open: true, page: { state: 'sent', messageId: 'm-1' } });

      expect(decideAlarmPage(change('INSUFFICIENT_DATA', 'OK'), stored, NOW)).toEqual({
        kind: 'page',
        action: 'resolve',
        open: false,
      });
    });

    it('from OK into INSUFFICIENT_DATA, no page open: nobody', () => {
      // (Only the record knows whether a page is open: the clearing between may have resolved it.)
      expect(
        decideAlarmPage(change('INSUFFICIENT_DATA', 'OK'), record({ state: 'ALARM', open: false }), NOW),
      ).toMatchObject({ kind: 'quiet', open: false });
    });

    it.each([false, true])(
      'from INSUFFICIENT_DATA (unknown whether it fired between): as the record says, open %s',
      (open) => {
        const stored = record({ state: open ? 'ALARM' : 'OK', open });

        expect(decideAlarmPage(change('OK', 'INSUFFICIENT_DATA'), stored, NOW)).toMatchObject(
          open ? { kind: 'page', action: 'resolve', open: false } : { kind: 'quiet', open: false },
        );
      },
    );
  });

  describe('an older change than the last one handled: stale, whatever it says', () => {
    it.each(ALARM_STATES.flatMap((state) => others(state).map((previous) => ({ state, previous }))))(
      'into $state from $previous',
      ({ state, previous }) => {
        const last = record({ changedAt: LATER, state: 'OK', open: false });

        expect(decideAlarmPage(change(state, previous, AT), last, NOW)).toEqual({
          kind: 'stale',
          reason: `a later change (OK at ${LATER}) was already handled`,
        });
      },
    );

    it('is stale by a millisecond', () => {
      const last = record({ changedAt: '2024-05-01T11:55:00.001Z' });

      expect(decideAlarmPage(change('ALARM', 'OK'), last, NOW).kind).toBe('stale');
    });
  });

  describe('a later change after one whose page is not known to have gone out: the page is taken as open', () => {
    const owed = [
      ['given back', { state: 'pending' }],
      ['held', { state: 'sending', leaseUntil: new Date(NOW.getTime() + PAGE_LEASE_MS).toISOString() }],
      ['held by a sender whose lease ran out', { state: 'sending', leaseUntil: EARLIER }],
    ] as const;

    it.each(owed)('a resolve %s: the clearing no data follows resolves the page again', (_, page) => {
      const last = record({ state: 'OK', open: false, page });

      expect(decideAlarmPage(change('INSUFFICIENT_DATA', 'OK'), last, NOW)).toEqual({
        kind: 'page',
        action: 'resolve',
        open: false,
      });
      expect(decideAlarmPage(change('ALARM', 'OK'), last, NOW)).toMatchObject({
        kind: 'page',
        action: 'trigger',
      });
    });

    it.each(owed)('a trigger %s: a clearing after it resolves it, no data keeps it open', (_, page) => {
      const last = record({ state: 'ALARM', open: true, page });

      expect(decideAlarmPage(change('OK', 'ALARM'), last, NOW)).toMatchObject({
        kind: 'page',
        action: 'resolve',
      });
      expect(decideAlarmPage(change('INSUFFICIENT_DATA', 'ALARM'), last, NOW)).toMatchObject({
        kind: 'quiet',
        open: true,
      });
    });
  });

  describe('the change handled last, delivered again', () => {
    const fired = change('ALARM', 'OK');
    const same = (overrides: Partial<AlarmRecord>) =>
      record({ changedAt: AT, state: 'ALARM', open: true, ...overrides });

    it('that paged nobody: a duplicate', () => {
      const quiet = change('INSUFFICIENT_DATA', 'OK');

      expect(decideAlarmPage(quiet, same({ state: 'INSUFFICIENT_DATA', open: false }), NOW)).toEqual({
        kind: 'duplicate',
        reason: 'already handled: it paged nobody',
      });
    });

    it('whose page was sent: a duplicate, naming the message', () => {
      expect(decideAlarmPage(fired, same({ page: { state: 'sent', messageId: 'm-1' } }), NOW)).toEqual({
        kind: 'duplicate',
        reason: 'already paged (message m-1)',
      });
    });

    it('whose page another delivery holds: in progress elsewhere, to the last millisecond of its lease', () => {
      const leaseUntil = new Date(NOW.getTime() + PAGE_LEASE_MS).toISOString();

      expect(decideAlarmPage(fired, same({ page: { state: 'sending', leaseUntil } }), NOW)).toEqual({
        kind: 'in-progress',
        reason: `its page is being sent (claimed until ${leaseUntil})`,
      });
      expect(
        decideAlarmPage(fired, same({ page: { state: 'sending', leaseUntil: NOW.toISOString() } }), NOW).kind,
      ).toBe('in-progress');
    });

    it('whose holder’s lease ran out: the page again, as the claim recorded it', () => {
      const leaseUntil = new Date(NOW.getTime() - 1).toISOString();

      expect(decideAlarmPage(fired, same({ page: { state: 'sending', leaseUntil } }), NOW)).toEqual({
        kind: 'page',
        action: 'trigger',
        open: true,
      });
    });

    it.each([
      ['ALARM', 'OK', true, 'trigger'],
      ['OK', 'ALARM', false, 'resolve'],
      ['INSUFFICIENT_DATA', 'OK', false, 'resolve'],
    ] as const)(
      'into %s from %s whose page was given back: the %s again',
      (state, previous, open, action) => {
        const last = same({ state, open, page: { state: 'pending' } });

        expect(decideAlarmPage(change(state, previous), last, NOW)).toEqual({ kind: 'page', action, open });
        expect(last.state).toBe(state);
      },
    );
  });
});

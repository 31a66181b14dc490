/**
 * The alarm function's page decision under any delivery: one alarm's changes (a valid history: each change
 * leaves the state the one before entered) delivered in any order, some more than once, some publishes failing
 * (the page given back, the record redelivered) and some senders dying after their claim (redelivered once the
 * lease has run out), each decision applied to the record as AlarmStore applies it. Whatever the order:
 * a stale change never pages and pages never go back in time; no change pages twice; triggers are ALARM's and
 * resolves OK's, a resolve only while a page is open, no second trigger while one is open but after a spell of
 * no data; the alarm's last firing is paged; nothing owed is left unsent; and the record ends at the latest change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlarmRecord, decideAlarmPage, type PageAction } from '../../../../lib/alarms/decide.js';
import { ALARM_STATES, type AlarmState } from '../../../../lib/alarms/state-change.js';
import { claimedPage } from '../../../../lib/platform/notification/page-once.js';

const START = Date.parse('2024-05-01T12:00:00.000Z');

interface Change {
  state: AlarmState;
  previous: AlarmState;
  changedAt: string;
}

type Fate = 'sent' | 'publish-fails' | 'dies-after-claim';

/** A valid history of one alarm: every change enters another state than the one it leaves. */
const historyArbitrary = fc
  .record({
    first: fc.constantFrom(...ALARM_STATES),
    steps: fc.array(fc.record({ pick: fc.nat(1), gap: fc.integer({ min: 1, max: 600_000 }) }), {
      minLength: 1,
      maxLength: 7,
    }),
  })
  .map(({ first, steps }) => {
    const changes: Change[] = [];
    let state: AlarmState = first;
    let at = START;
    for (const { pick, gap } of steps) {
      const next = ALARM_STATES.filter((other) => other !== state)[pick] as AlarmState;
      at += gap;
      changes.push({ state: next, previous: state, changedAt: new Date(at).toISOString() });
      state = next;
    }
    return changes;
  });

/** Deliveries: every change at least once, some again, in any order; what befalls each; the clock's steps. */
const scenarioArbitrary = historyArbitrary.chain((changes) =>
  fc.record({
    changes: fc.constant(changes),
    order: fc
      .array(fc.nat(changes.length - 1), { maxLength: 2 * changes.length })
      .chain((extra) =>
        fc.shuffledSubarray([...changes.keys(), ...extra], { minLength: changes.length + extra.length }),
      ),
    fates: fc.array(fc.constantFrom<Fate>('sent', 'sent', 'sent', 'publish-fails', 'dies-after-claim'), {
      minLength: 30,
      maxLength: 30,
    }),
    steps: fc.array(fc.integer({ min: 1_000, max: 45_000 }), { minLength: 30, maxLength: 30 }),
  }),
);

interface Page {
  action: PageAction;
  change: number;
}

/**
 * Delivers `order` as SQS would, one record at a time, applying each decision to the record as AlarmStore does;
 * a delivery that failed (publish refused, sender died, page held elsewhere) is redelivered at the end of the
 * queue. Fates and clock steps are used in turn, for the first deliveries (later ones send and step 45 s).
 */
function deliver(
  changes: readonly Change[],
  order: readonly number[],
  fates: readonly Fate[] = [],
  steps: readonly number[] = [],
) {
  let record: AlarmRecord | undefined;
  let now = START + 3_600_000;
  const queue = [...order];
  const pages: Page[] = [];
  const decisions: {
    change: number;
    kind: string;
    action?: PageAction;
    /** Whether this delivery's page went out. */
    sent?: boolean;
    recordBefore: AlarmRecord | undefined;
  }[] = [];
  for (let delivery = 0; queue.length > 0; delivery++) {
    if (delivery > 500) throw new Error('deliveries never settle');
    const index = queue.shift() as number;
    const change = changes[index] as Change;
    now += steps[delivery] ?? 45_000;
    const at = new Date(now);
    const decision = decideAlarmPage(change, record, at);
    decisions.push({
      change: index,
      kind: decision.kind,
      ...(decision.kind === 'page' ? { action: decision.action } : {}),
      recordBefore: record,
    });
    switch (decision.kind) {
      case 'stale':
      case 'duplicate':
        break;
      case 'in-progress':
        queue.push(index);
        break;
      case 'quiet':
        record = { changedAt: change.changedAt, state: change.state, open: decision.open };
        break;
      case 'page': {
        record = {
          changedAt: change.changedAt,
          state: change.state,
          open: decision.open,
          page: claimedPage(at),
        };
        const fate = fates[delivery] ?? 'sent';
        (decisions.at(-1) as (typeof decisions)[number]).sent = fate === 'sent';
        if (fate === 'sent') {
          pages.push({ action: decision.action, change: index });
          record = { ...record, page: { state: 'sent', messageId: `m-${pages.length}` } };
        } else {
          if (fate === 'publish-fails') record = { ...record, page: { state: 'pending' } };
          queue.push(index);
        }
      }
    }
  }
  return { record, pages, decisions };
}

/** The pages decided (claimed with their change), each change once: a retry's claim is the same page. */
const claimed = (decisions: ReturnType<typeof deliver>['decisions']) =>
  decisions
    .flatMap(({ change, action }) => (action === undefined ? [] : [{ change, action }]))
    .filter((page, index, all) => all.findIndex((other) => other.change === page.change) === index);

const inOrder = (changes: readonly Change[]) => deliver(changes, [...changes.keys()]);

describe('decideAlarmPage, applied to the record, under any delivery', () => {
  it('never pages a stale change, and pages never go back in time', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order, fates, steps }) => {
        const { pages, decisions } = deliver(changes, order, fates, steps);

        for (const { change, kind, recordBefore } of decisions) {
          const stale =
            recordBefore !== undefined && recordBefore.changedAt > (changes[change] as Change).changedAt;
          expect(kind === 'stale').toBe(stale);
        }
        const times = pages.map((page) => page.change);
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }),
    );
  });

  it('pages each change at most once: triggers for ALARM, resolves for OK (or for no data right after OK)', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order, fates, steps }) => {
        const { pages } = deliver(changes, order, fates, steps);

        expect(new Set(pages.map((page) => page.change)).size).toBe(pages.length);
        for (const page of pages) {
          const { state, previous } = changes[page.change] as Change;
          if (page.action === 'trigger') expect(state).toBe('ALARM');
          else expect(state === 'OK' || (state === 'INSUFFICIENT_DATA' && previous === 'OK')).toBe(true);
        }
      }),
    );
  });

  it('decides a resolve only while a page is open, and never leaves one open once the alarm is seen to clear', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order, fates, steps }) => {
        const { decisions } = deliver(changes, order, fates, steps);
        const seen = new Set<number>();
        // Open: a trigger was decided, or a change handled says the alarm was firing (before anything was stored,
        // or in a change between that comes stale), or a resolve did not go out — and no resolve since. What was
        // decided, not what went out: a sender that died after its claim may have published.
        let open = false;

        for (const { change, kind, action, sent } of decisions) {
          if (kind === 'stale' || kind === 'duplicate' || kind === 'in-progress') continue;
          if (seen.has(change)) {
            // The page of the change handled last, claimed again: a resolve that goes out now closes the page.
            if (action === 'resolve' && sent === true) open = false;
            continue;
          }
          seen.add(change);
          const { state, previous } = changes[change] as Change;
          if (previous === 'ALARM') open = true;
          if (action === 'resolve') {
            expect(open, `resolve of change ${change}`).toBe(true);
            open = sent !== true;
          } else if (action === 'trigger') open = true;
          else if (state === 'OK' || previous === 'OK')
            expect(open, `page left open by change ${change}`).toBe(false);
        }
      }),
    );
  });

  it('decides, changes delivered in order (copies and failures too), no second trigger while one is open but after no data', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order, fates, steps }) => {
        // Out of order, the clearing between two firings may come after the second: stale, it resolves nothing.
        const { decisions } = deliver(
          changes,
          [...order].sort((a, b) => a - b),
          fates,
          steps,
        );

        let lastTrigger: number | undefined;
        for (const { action, change } of claimed(decisions)) {
          if (action === 'resolve') lastTrigger = undefined;
          else {
            if (lastTrigger !== undefined) {
              // ALARM → INSUFFICIENT_DATA → ALARM: the page stayed open, and the firing again is paged again.
              const between = changes.slice(lastTrigger + 1, change).map(({ state }) => state);
              expect(between).toContain('INSUFFICIENT_DATA');
              expect(between).not.toContain('OK');
            }
            lastTrigger = change;
          }
        }
      }),
    );
  });

  it('always pages the alarm’s last firing, and leaves no page open once it cleared', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order, fates, steps }) => {
        const { pages } = deliver(changes, order, fates, steps);
        const latest = changes.length - 1;
        const last = pages.at(-1);

        if ((changes[latest] as Change).state === 'ALARM')
          expect(last).toEqual({ action: 'trigger', change: latest });
        const { state, previous } = changes[latest] as Change;
        if (state === 'OK' || (state === 'INSUFFICIENT_DATA' && previous === 'OK')) {
          expect(last?.action ?? 'resolve').toBe('resolve');
        }
      }),
    );
  });

  it('ends with the record the in-order delivery leaves: the latest change, whether a page is open, nothing owed', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order, fates, steps }) => {
        const { record } = deliver(changes, order, fates, steps);
        const expected = inOrder(changes).record as AlarmRecord;

        expect(record).toMatchObject({ changedAt: expected.changedAt, state: expected.state });
        expect(record?.page?.state ?? 'sent').toBe('sent');
        expect(record?.open).toBe(expected.open);
      }),
    );
  });

  it('sends, in order and with every delivery going through, a trigger for each firing and a resolve for each clearing', () => {
    fc.assert(
      fc.property(historyArbitrary, (changes) => {
        const { pages } = inOrder(changes);
        const expected: Page[] = [];
        let open = (changes[0] as Change).previous === 'ALARM';
        for (const [index, change] of changes.entries()) {
          if (change.state === 'ALARM') {
            expected.push({ action: 'trigger', change: index });
            open = true;
          } else if (change.state === 'OK' && open) {
            expected.push({ action: 'resolve', change: index });
            open = false;
          }
        }

        expect(pages).toEqual(expected);
      }),
    );
  });

  it('is undisturbed by the same delivery order repeated: every second copy is a duplicate or stale', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ changes, order }) => {
        const once = deliver(changes, order);
        const twice = deliver(changes, [...order, ...order]);

        expect(twice.pages).toEqual(once.pages);
        expect(twice.record).toEqual(once.record);
        expect(
          twice.decisions.slice(order.length).every(({ kind }) => kind === 'duplicate' || kind === 'stale'),
        ).toBe(true);
      }),
    );
  });
});

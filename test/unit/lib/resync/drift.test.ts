/**
 * Resync's pure decisions (lib/resync/drift.ts) as a specification: what a snapshot of the ECS API may correct
 * in the store under the one version rule (add what is absent, advance what is behind, never touch what is
 * equal or newer), what ECS's MISSING answers may mark (live, unmarked states only), and which corrections are
 * stops nobody was told of (tasks found STOPPED that the store held live or never held, stopped since watching
 * began). Each function is pinned by examples, then checked against an independent model with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CurrentState } from '../../../../lib/platform/store/state-store.js';
import {
  type Correction,
  driftOf,
  lateStops,
  missingCorrections,
  type ObservedState,
} from '../../../../lib/resync/drift.js';

const WATCHING_SINCE = '2024-05-01T12:00:00.000Z';
const SINCE_MS = Date.parse(WATCHING_SINCE);
const iso = (offsetMs: number) => new Date(SINCE_MS + offsetMs).toISOString();

const ARN_PREFIX = 'arn:aws:ecs:us-east-1:123456789012';
const arnOfKey = (key: string) =>
  key.startsWith('task/')
    ? `${ARN_PREFIX}:task/prod/${key.slice('task/'.length)}`
    : `${ARN_PREFIX}:container-instance/prod/${key.slice('container-instance/'.length)}`;
const kindOf = (key: string): 'task' | 'instance' => (key.startsWith('task/') ? 'task' : 'instance');

function observed(
  key: string,
  version: number,
  status = kindOf(key) === 'task' ? 'RUNNING' : 'ACTIVE',
  detail: Record<string, unknown> = {},
): ObservedState {
  const kind = kindOf(key);
  const arn = arnOfKey(key);
  return {
    key,
    arn,
    kind,
    version,
    status,
    detail: {
      ...(kind === 'task' ? { taskArn: arn, lastStatus: status } : { containerInstanceArn: arn, status }),
      version,
      ...detail,
    },
  };
}

const stored = (version: number, live = true, missing = false): CurrentState => ({
  version,
  live,
  missing,
  statusKey: `prod|task|${live ? 'live' : 'STOPPED'}|0`,
});
const storeOf = (entries: [string, CurrentState][]) => new Map(entries);
const stoppedTask = (key: string, version: number, stoppedAt: string | undefined, more = {}) =>
  observed(key, version, 'STOPPED', { ...(stoppedAt === undefined ? {} : { stoppedAt }), ...more });

describe('driftOf: what one snapshot may correct', () => {
  it.each<[string, number, CurrentState | undefined, Correction['action'] | 'inSync' | 'storeNewer']>([
    ['nothing is stored: the day-one backfill adds it', 3, undefined, 'add'],
    ['nothing is stored and the version is 0', 0, undefined, 'add'],
    ['the store is one version behind: the event in between was lost', 4, stored(3), 'advance'],
    ['the store is several versions behind', 9, stored(2), 'advance'],
    ['the store holds 0, ECS says 1', 1, stored(0), 'advance'],
    ['the store holds the same version', 4, stored(4), 'inSync'],
    ['both versions are 0', 0, stored(0), 'inSync'],
    ['the store is newer: an event arrived after the API was read', 3, stored(4), 'storeNewer'],
    ['the store is much newer', 1, stored(40), 'storeNewer'],
    ['the store holds it marked missing at the same version', 4, stored(4, false, true), 'inSync'],
    ['the store holds it marked missing at a higher version', 3, stored(4, false, true), 'storeNewer'],
  ])('when %s', (_, version, current, expected) => {
    const state = observed('task/a', version);
    const drift = driftOf([state], storeOf(current === undefined ? [] : [['task/a', current]]));

    const counts = { inSync: drift.inSync, storeNewer: drift.storeNewer };
    if (expected === 'inSync' || expected === 'storeNewer') {
      expect(drift.corrections).toEqual([]);
      expect(counts).toEqual({ inSync: 0, storeNewer: 0, [expected]: 1 });
    } else {
      expect(counts).toEqual({ inSync: 0, storeNewer: 0 });
      expect(drift.corrections).toHaveLength(1);
      expect(drift.corrections[0]?.action).toBe(expected);
      expect(drift.corrections[0]).toMatchObject({ observed: state });
    }
  });

  it('says where an advance comes from: the stored version and whether the store held it live', () => {
    const running = observed('task/a', 5, 'STOPPED');
    const instance = observed('container-instance/b', 8, 'INACTIVE');

    const drift = driftOf(
      [running, instance],
      storeOf([
        ['task/a', stored(2, true)],
        ['container-instance/b', stored(6, false, true)],
      ]),
    );

    expect(drift.corrections).toEqual([
      { action: 'advance', observed: running, from: 2, fromLive: true },
      { action: 'advance', observed: instance, from: 6, fromLive: false },
    ]);
  });

  it('advances a resource the store marked missing only with a strictly higher version', () => {
    const marked = storeOf([['task/a', stored(4, false, true)]]);

    expect(driftOf([observed('task/a', 4)], marked).corrections).toEqual([]);
    expect(driftOf([observed('task/a', 3)], marked).corrections).toEqual([]);
    expect(driftOf([observed('task/a', 5)], marked).corrections).toMatchObject([
      { action: 'advance', from: 4, fromLive: false },
    ]);
  });

  it('keeps the order of the snapshot and ignores stored resources the snapshot does not hold', () => {
    const states = [observed('task/c', 1), observed('task/a', 2), observed('container-instance/b', 3)];

    const drift = driftOf(states, storeOf([['task/z', stored(1)]]));

    expect(drift.corrections.map((c) => (c.action === 'mark-missing' ? c.key : c.observed.key))).toEqual([
      'task/c',
      'task/a',
      'container-instance/b',
    ]);
  });

  it('finds nothing in an empty snapshot', () => {
    expect(driftOf([], storeOf([['task/a', stored(1)]]))).toEqual({
      corrections: [],
      inSync: 0,
      storeNewer: 0,
    });
  });

  it('never corrects from a state without a usable version (the parser refuses it later, with its reason)', () => {
    const versionless = { ...observed('task/a', 1), version: Number(undefined) };

    expect(driftOf([versionless], storeOf([['task/a', stored(1)]])).corrections).toEqual([]);
  });
});

describe('missingCorrections: what ECS no longer knows', () => {
  it('marks a live resource the store holds, with its kind and its current state', () => {
    const task = stored(3);
    const instance = stored(7);

    expect(
      missingCorrections(
        ['task/a', 'container-instance/b'],
        storeOf([
          ['task/a', task],
          ['container-instance/b', instance],
        ]),
      ),
    ).toEqual([
      { action: 'mark-missing', key: 'task/a', kind: 'task', state: task },
      { action: 'mark-missing', key: 'container-instance/b', kind: 'instance', state: instance },
    ]);
  });

  it.each<[string, CurrentState | undefined]>([
    ['the store never held it', undefined],
    ['the store holds it finished (STOPPED, INACTIVE)', stored(5, false)],
    ['the store already marked it missing', stored(5, false, true)],
  ])('leaves it alone when %s', (_, state) => {
    expect(missingCorrections(['task/a'], storeOf(state === undefined ? [] : [['task/a', state]]))).toEqual(
      [],
    );
  });

  it('marks a key ECS answered MISSING for more than once only once', () => {
    const current = storeOf([['task/a', stored(2)]]);

    expect(missingCorrections(['task/a', 'task/a', 'task/a'], current)).toHaveLength(1);
  });

  it('marks nothing when ECS answered MISSING for nothing', () => {
    expect(missingCorrections([], storeOf([['task/a', stored(2)]]))).toEqual([]);
  });
});

describe('lateStops: the stops nobody was told of', () => {
  const add = (state: ObservedState): Correction => ({ action: 'add', observed: state });
  const advance = (state: ObservedState, fromLive: boolean): Correction => ({
    action: 'advance',
    observed: state,
    from: state.version - 1,
    fromLive,
  });

  it.each<[string, boolean, Correction]>([
    [
      'a task the store held running, found STOPPED after watching began',
      true,
      advance(stoppedTask('task/a', 5, iso(60_000)), true),
    ],
    [
      'a task the store never held, found STOPPED after watching began',
      true,
      add(stoppedTask('task/a', 5, iso(60_000))),
    ],
    [
      'a task that stopped at the very moment watching began',
      true,
      advance(stoppedTask('task/a', 5, iso(0)), true),
    ],
    [
      'a task stopped one millisecond before watching began (history, not an incident)',
      false,
      advance(stoppedTask('task/a', 5, iso(-1)), true),
    ],
    ['a task stopped a day before watching began', false, add(stoppedTask('task/a', 5, iso(-86_400_000)))],
    [
      'a task the store already held STOPPED (its stop was heard)',
      false,
      advance(stoppedTask('task/a', 6, iso(60_000)), false),
    ],
    ['a task the store held marked missing', false, advance(stoppedTask('task/a', 6, iso(60_000)), false)],
    ['a task found STOPPED without any stop time', false, add(stoppedTask('task/a', 5, undefined))],
    ['a task found STOPPED with a stop time that is no time', false, add(stoppedTask('task/a', 5, 'soon'))],
    [
      'a task whose only stop time is executionStoppedAt, after watching began',
      true,
      add(stoppedTask('task/a', 5, undefined, { executionStoppedAt: iso(1000) })),
    ],
    [
      'a task whose only stop time is executionStoppedAt, before watching began',
      false,
      add(stoppedTask('task/a', 5, undefined, { executionStoppedAt: iso(-1000) })),
    ],
    [
      'a task whose stoppedAt is after and executionStoppedAt before watching began (stoppedAt decides)',
      true,
      add(stoppedTask('task/a', 5, iso(1000), { executionStoppedAt: iso(-1000) })),
    ],
    [
      'a task found RUNNING',
      false,
      advance(observed('task/a', 5, 'RUNNING', { stoppedAt: iso(1000) }), true),
    ],
    [
      'a task found DEPROVISIONING (stopping, not yet stopped)',
      false,
      advance(observed('task/a', 5, 'DEPROVISIONING', { stoppedAt: iso(1000) }), true),
    ],
    [
      'a container instance (never a page)',
      false,
      advance(observed('container-instance/b', 5, 'STOPPED', { stoppedAt: iso(1000) }), true),
    ],
    [
      'a resource marked missing',
      false,
      { action: 'mark-missing', key: 'task/a', kind: 'task', state: stored(4) },
    ],
  ])('%s → a late stop: %s', (_, late, correction) => {
    const found = lateStops([correction], WATCHING_SINCE);

    expect(found).toEqual(correction.action === 'mark-missing' || !late ? [] : [correction.observed]);
  });

  it('returns the observed states themselves, in the order of the corrections', () => {
    const first = stoppedTask('task/b', 4, iso(2000));
    const second = stoppedTask('task/a', 7, iso(1000));
    const corrections: Correction[] = [
      add(first),
      { action: 'mark-missing', key: 'task/c', kind: 'task', state: stored(2) },
      add(observed('task/d', 1)),
      advance(second, true),
    ];

    const found = lateStops(corrections, WATCHING_SINCE);

    expect(found).toHaveLength(2);
    expect(found[0]).toBe(first);
    expect(found[1]).toBe(second);
  });
});

// ---- properties against an independent model ---------------------------------------------------------------

const TASK_STATUSES = ['PROVISIONING', 'PENDING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'STOPPED'];
const INSTANCE_STATUSES = ['REGISTERING', 'ACTIVE', 'DRAINING', 'INACTIVE'];
/** A small pool, so snapshots, stores and MISSING answers overlap. */
const keyArbitrary = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f').map((id) => `task/${id}`),
  fc.constantFrom('g', 'h', 'i').map((id) => `container-instance/${id}`),
);
const versionArbitrary = fc.nat({ max: 12 });
/** Stop times around watchingSince (before, at, after), absent, or unparseable. */
const stopTimeArbitrary = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((minutes) => iso(minutes * 60_000)),
  fc.constant(undefined),
  fc.constant('not a time'),
);

const observedArbitrary = fc
  .record({
    key: keyArbitrary,
    version: versionArbitrary,
    statusIndex: fc.nat({ max: TASK_STATUSES.length - 1 }),
    stoppedAt: stopTimeArbitrary,
    executionStoppedAt: stopTimeArbitrary,
  })
  .map(({ key, version, statusIndex, stoppedAt, executionStoppedAt }) => {
    const statuses = kindOf(key) === 'task' ? TASK_STATUSES : INSTANCE_STATUSES;
    const status = statuses[statusIndex % statuses.length] as string;
    return observed(key, version, status, {
      ...(stoppedAt === undefined ? {} : { stoppedAt }),
      ...(executionStoppedAt === undefined ? {} : { executionStoppedAt }),
    });
  });

/** What currentStates can return: a state marked missing is never live. */
const currentStateArbitrary = fc
  .record({ version: versionArbitrary, live: fc.boolean(), missing: fc.boolean() })
  .map(({ version, live, missing }) => stored(version, live && !missing, missing));

const currentArbitrary = fc
  .uniqueArray(fc.tuple(keyArbitrary, currentStateArbitrary), { selector: ([key]) => key, maxLength: 9 })
  .map((entries) => storeOf(entries));

/** The rule, restated without judgeVersion: higher (or nothing stored) corrects; equal is in sync; lower is not. */
function expectedOutcome(state: ObservedState, current: ReadonlyMap<string, CurrentState>) {
  const held = current.get(state.key);
  if (held === undefined) return { action: 'add' as const };
  if (state.version > held.version)
    return { action: 'advance' as const, from: held.version, fromLive: held.live };
  return state.version === held.version ? { action: 'inSync' as const } : { action: 'storeNewer' as const };
}

/** Applies corrections as the store's conditional writes would: only a higher version replaces. */
function applied(current: ReadonlyMap<string, CurrentState>, corrections: readonly Correction[]) {
  const next = new Map(current);
  for (const correction of corrections) {
    if (correction.action === 'mark-missing') {
      const held = next.get(correction.key);
      if (held?.version === correction.state.version && !held.missing)
        next.set(correction.key, { ...held, live: false, missing: true });
      continue;
    }
    const { key, version, kind, status } = correction.observed;
    const held = next.get(key);
    if (held !== undefined && held.version >= version) continue;
    const live = kind === 'task' ? status !== 'STOPPED' : status !== 'INACTIVE';
    next.set(key, stored(version, live, false));
  }
  return next;
}

const stopTimeOf = (state: ObservedState) =>
  Date.parse(String(state.detail.stoppedAt ?? state.detail.executionStoppedAt ?? ''));

describe('drift properties', () => {
  it('classifies every observed state exactly once, by the version rule, in order', () => {
    fc.assert(
      fc.property(fc.array(observedArbitrary, { maxLength: 12 }), currentArbitrary, (states, current) => {
        const drift = driftOf(states, current);

        // Counts add up: corrections + in sync + store newer = observed.
        expect(drift.corrections.length + drift.inSync + drift.storeNewer).toBe(states.length);
        const outcomes = states.map((state) => expectedOutcome(state, current));
        expect(drift.inSync).toBe(outcomes.filter((o) => o.action === 'inSync').length);
        expect(drift.storeNewer).toBe(outcomes.filter((o) => o.action === 'storeNewer').length);
        const expected = states.flatMap((state, index) => {
          const outcome = outcomes[index] as ReturnType<typeof expectedOutcome>;
          if (outcome.action === 'add') return [{ action: 'add', observed: state }];
          if (outcome.action === 'advance') return [{ ...outcome, observed: state }];
          return [];
        });
        expect(drift.corrections).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('corrects iff the observed version is higher than the stored one or nothing is stored', () => {
    fc.assert(
      fc.property(
        keyArbitrary,
        versionArbitrary,
        fc.option(currentStateArbitrary, { nil: undefined }),
        (key, version, held) => {
          const state = observed(key, version);
          const drift = driftOf([state], storeOf(held === undefined ? [] : [[key, held]]));

          const corrects = held === undefined || version > held.version;
          expect(drift.corrections.length).toBe(corrects ? 1 : 0);
          for (const correction of drift.corrections) {
            expect(correction.action).not.toBe('mark-missing');
            if (correction.action === 'advance') expect(correction.from).toBeLessThan(version);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('marks missing exactly the live, unmarked states among the MISSING answers, each once', () => {
    fc.assert(
      fc.property(fc.array(keyArbitrary, { maxLength: 12 }), currentArbitrary, (keys, current) => {
        const corrections = missingCorrections(keys, current);

        const expected = [...new Set(keys)].filter((key) => current.get(key)?.live === true);
        expect(corrections.map((c) => (c.action === 'mark-missing' ? c.key : undefined))).toEqual(expected);
        for (const correction of corrections) {
          if (correction.action !== 'mark-missing') throw new Error(`not a mark: ${correction.action}`);
          expect(correction.state).toBe(current.get(correction.key));
          expect(correction.state.live).toBe(true);
          expect(correction.state.missing).toBe(false);
          expect(correction.kind).toBe(kindOf(correction.key));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('finds as late stops exactly the tasks observed STOPPED, held live or never held, stopped at/after watching began', () => {
    fc.assert(
      fc.property(
        fc.array(observedArbitrary, { maxLength: 12 }),
        currentArbitrary,
        fc.array(keyArbitrary, { maxLength: 4 }),
        (states, current, missing) => {
          const corrections = [
            ...driftOf(states, current).corrections,
            ...missingCorrections(missing, current),
          ];

          const found = lateStops(corrections, WATCHING_SINCE);

          const expected = corrections.flatMap((correction) => {
            if (correction.action === 'mark-missing') return [];
            const state = correction.observed;
            const heldLiveOrNever = current.get(state.key)?.live ?? true;
            const stoppedAt = stopTimeOf(state);
            return state.kind === 'task' &&
              state.status === 'STOPPED' &&
              heldLiveOrNever &&
              !Number.isNaN(stoppedAt) &&
              stoppedAt >= SINCE_MS
              ? [state]
              : [];
          });
          expect(found).toEqual(expected);
          for (const state of found) expect(states).toContain(state);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('converges: once its corrections are applied, the same snapshot corrects nothing and each key holds the highest version', () => {
    fc.assert(
      fc.property(
        fc.array(observedArbitrary, { maxLength: 12 }),
        currentArbitrary,
        fc.array(keyArbitrary, { maxLength: 4 }),
        (states, current, missing) => {
          const drift = driftOf(states, current);
          const after = applied(current, [...drift.corrections, ...missingCorrections(missing, current)]);

          const again = driftOf(states, after);
          expect(again.corrections).toEqual([]);
          expect(again.inSync + again.storeNewer).toBe(states.length);
          // Nothing is deleted, no version goes down, and each key holds the highest version either side saw.
          for (const [key, held] of current)
            expect(after.get(key)?.version).toBe(
              Math.max(held.version, ...states.filter((s) => s.key === key).map((s) => s.version)),
            );
          for (const state of states)
            expect(after.get(state.key)?.version).toBeGreaterThanOrEqual(state.version);
          // A mark never comes back as live from the same snapshot.
          for (const [key, held] of after)
            if (held.missing) expect(missingCorrections([key], after)).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

/**
 * The crash-loop window rule judged by DynamoDB itself: the cases the pure rule is tested with
 * (test/support/crash-loop-cases.ts) run through the store on both engines, each window stored as the case
 * says, and must come out as the pure rule decides them — for the table, for random windows, exits and times,
 * and for concurrent exits. The summary's page-once writes are judged the same way.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordInWindow } from '../../../../lib/alerts/alerting.js';
import {
  nextStep,
  OPEN_WINDOWS,
  RESOLUTION_PAGE,
  type Step,
  type StoredWindow,
  SUMMARY_PAGE,
} from '../../../../lib/alerts/crash-loop.js';
import { CrashLoopStore } from '../../../../lib/alerts/crash-loop-store.js';
import { ConflictError } from '../../../../lib/platform/errors.js';
import { claimedPage } from '../../../../lib/platform/notification/page-once.js';
import type { StateStore } from '../../../../lib/platform/store/state-store.js';
import { INDEX, KEY } from '../../../../lib/platform/store/table.js';
import {
  AFTER_END,
  CLAIM_CASES,
  CLOSE_EARLY_CASES,
  CONFIG,
  COUNTED,
  EXIT_CASES,
  exitOf,
  HELD_WINDOW,
  NEW_EXIT,
  OPENER,
  RESOLUTION_CLAIM_CASES,
  RESOLVING_WINDOW,
  SETTLE_CASES,
  WINDOW_END,
  WINDOW_SHAPES,
  windowOf,
} from '../../../support/crash-loop-cases.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const KEY_OF_WINDOW = windowOf().key;

/** The store on a fresh table, and what its conditional writes did: written, or refused by their condition. */
async function open(state: StateStore) {
  const writes: ('written' | 'refused')[] = [];
  const client = {
    send: async (command: UpdateItemCommand) => {
      try {
        const output = await state.client.send(command);
        writes.push('written');
        return output;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') writes.push('refused');
        throw error;
      }
    },
  } as Pick<DynamoDBClient, 'send'>;
  const windows = new CrashLoopStore({ tableName: state.tableName, client, config: CONFIG });
  return { windows, writes };
}

/** Stores the window as the store keeps it (or none). */
async function seed(state: StateStore, window: StoredWindow | undefined) {
  await state.client.send(
    new DeleteItemCommand({
      TableName: state.tableName,
      Key: marshall({ [KEY.partition]: KEY_OF_WINDOW, [KEY.sort]: 'window' }),
    }),
  );
  if (window === undefined) return;
  const { key, listed, summary, resolution, outage, ...attributes } = window;
  await state.client.send(
    new PutItemCommand({
      TableName: state.tableName,
      Item: marshall(
        {
          [KEY.partition]: key,
          [KEY.sort]: 'window',
          ...attributes,
          ...(listed
            ? { [INDEX.byStatus.partition]: OPEN_WINDOWS, [INDEX.byStatus.sort]: window.endsAt }
            : {}),
          [SUMMARY_PAGE.state]: summary?.state,
          [SUMMARY_PAGE.leaseUntil]: summary?.leaseUntil,
          [SUMMARY_PAGE.messageId]: summary?.messageId,
          [RESOLUTION_PAGE.state]: resolution?.state,
          [RESOLUTION_PAGE.leaseUntil]: resolution?.leaseUntil,
          [RESOLUTION_PAGE.messageId]: resolution?.messageId,
          outageKey: outage?.incidentKey,
          outageSince: outage?.since,
        },
        { removeUndefinedValues: true },
      ),
    }),
  );
}

async function storedItem(state: StateStore) {
  const { Item } = await state.client.send(
    new GetItemCommand({
      TableName: state.tableName,
      Key: marshall({ [KEY.partition]: KEY_OF_WINDOW, [KEY.sort]: 'window' }),
      ConsistentRead: true,
    }),
  );
  return Item === undefined ? undefined : unmarshall(Item);
}

/**
 * An exit through the store; an ended window is summarised as the sweeper's summary does (claimed, then marked
 * sent). A window whose summary another caller holds is refused with a ConflictError: `wait`.
 */
async function record(windows: CrashLoopStore, exit: ReturnType<typeof exitOf>, now: Date) {
  const summarised: StoredWindow[] = [];
  try {
    const verdict = await recordInWindow(windows, exit, now, async (ended, at) => {
      summarised.push(ended);
      const claimed = await windows.claimSummary(ended.key, at);
      if (claimed !== undefined) await windows.summary(claimed).markSent('summary-2');
    });
    return { verdict, summarised };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return { verdict: undefined, summarised };
  }
}

/** Which step of the rule the store took, from what it answered. */
function stepTaken(
  {
    verdict,
    summarised,
  }: { verdict: Awaited<ReturnType<typeof recordInWindow>> | undefined; summarised: StoredWindow[] },
  window: StoredWindow | undefined,
  now: Date,
): Step['action'] {
  if (summarised.length > 0) return 'summarise';
  if (verdict === undefined) return 'wait';
  if (verdict.action === 'group' && verdict.late !== undefined) return 'late';
  if (verdict.action === 'page') {
    if (verdict.windowStartedAt !== now.toISOString()) return 'page';
    return verdict.continues === undefined ? 'open' : 'reopen';
  }
  return verdict.count === (window?.count ?? 0) + 1 ? 'count' : 'group';
}

describe.each(engines())('crash-loop store on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it.each(EXIT_CASES)('$name: $step', async ({ window, exit, now, step }) => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    await seed(state, window);

    const taken = await record(windows, exit, now);

    expect(stepTaken(taken, window, now)).toBe(step);
    expect(nextStep(window, exit, now, CONFIG).action).toBe(step);
    if (step === 'summarise') {
      // Summarised first, then the window reopens from now (the outage goes on) and pages.
      expect(taken.summarised).toEqual([window]);
      expect(taken.verdict).toMatchObject({
        action: 'page',
        windowStartedAt: now.toISOString(),
        continues: { incidentKey: OPENER.key },
      });
    }
  });

  it('opens a window listed for the sweeper, and counts the next exit into it', async () => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    const now = new Date('2024-05-01T13:00:00.000Z');

    expect((await record(windows, OPENER, now)).verdict).toEqual({
      action: 'page',
      windowStartedAt: '2024-05-01T13:00:00.000Z',
      windowEndsAt: WINDOW_END,
    });
    expect(await storedItem(state)).toMatchObject({
      count: 0,
      openedBy: OPENER.key,
      [INDEX.byStatus.partition]: OPEN_WINDOWS,
      [INDEX.byStatus.sort]: WINDOW_END,
      [SUMMARY_PAGE.state]: 'pending',
    });
    expect((await record(windows, COUNTED, new Date('2024-05-01T13:02:00.000Z'))).verdict).toEqual({
      action: 'group',
      windowStartedAt: '2024-05-01T13:00:00.000Z',
      count: 1,
    });
    expect(await storedItem(state)).toMatchObject({ count: 1, lastIncident: COUNTED.key });
    expect((await windows.listedWindows()).map(({ key, count }) => [key, count])).toEqual([
      [KEY_OF_WINDOW, 1],
    ]);
  });

  it('pages once for concurrent first exits of a group, and counts every other one once', async () => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    const now = new Date('2024-05-01T13:04:00.000Z');
    const exits = Array.from({ length: 6 }, (_, n) => exitOf(`exit-${n}`));

    const verdicts = await Promise.all(exits.map(async (exit) => (await record(windows, exit, now)).verdict));

    expect(verdicts.filter((verdict) => verdict?.action === 'page')).toHaveLength(1);
    const counts = verdicts.flatMap((verdict) => (verdict?.action === 'group' ? [verdict.count] : []));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it.each(CLAIM_CASES)('summary claim: $name', async ({ window, now, claims }) => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    await seed(state, window);

    const claimed = await windows.claimSummary(KEY_OF_WINDOW, now);

    expect(claimed).toEqual(
      claims && window !== undefined ? { ...window, summary: claimedPage(now) } : undefined,
    );
    // A claimed window stays listed: its summary is not sent yet.
    if (claims) expect(await storedItem(state)).toHaveProperty(INDEX.byStatus.partition, OPEN_WINDOWS);
  });

  it.each(SETTLE_CASES)('summary settled: $name', async ({ window, settles }) => {
    const state = await freshStore(engine);
    const { windows, writes } = await open(state);
    const settle = [
      () => windows.summary(HELD_WINDOW).markSent('summary-2'),
      () => windows.summary(HELD_WINDOW).giveBack(),
      () => windows.closeQuietly(HELD_WINDOW),
    ];
    for (const write of settle) {
      await seed(state, window);
      await write();
    }

    expect(writes).toEqual(settle.map(() => (settles ? 'written' : 'refused')));
  });

  it.each(RESOLUTION_CLAIM_CASES)('resolution claim: $name', async ({ window, now, claims }) => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    await seed(state, window);

    const claimed = await windows.claimResolution(window ?? windowOf(), now, 'recovered');

    expect(claimed).toEqual(
      claims && window !== undefined
        ? { ...window, resolution: claimedPage(now), recovery: 'recovered' }
        : undefined,
    );
  });

  it('sends the resolved message once: marked sent, the window leaves the list; given back, it is owed', async () => {
    const state = await freshStore(engine);
    const { windows, writes } = await open(state);
    await seed(state, RESOLVING_WINDOW);

    await windows.resolution(RESOLVING_WINDOW).giveBack();
    expect(await storedItem(state)).toMatchObject({ [RESOLUTION_PAGE.state]: 'pending' });
    await windows.resolution(RESOLVING_WINDOW).markSent('resolved-1');
    const stored = await storedItem(state);
    expect(stored).toMatchObject({
      [RESOLUTION_PAGE.state]: 'sent',
      [RESOLUTION_PAGE.messageId]: 'resolved-1',
    });
    expect(stored).not.toHaveProperty(INDEX.byStatus.partition);
    await windows.resolution(RESOLVING_WINDOW).markSent('resolved-2');
    expect(writes).toEqual(['written', 'written', 'refused']);
    expect(await windows.listedWindows()).toEqual([]);
  });

  it.each(CLOSE_EARLY_CASES)('closed early: $name', async ({ seen, stored, now, closes }) => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    await seed(state, stored);

    const closed = await windows.closeEarly(seen, now, 'running 3 of 3 desired');

    expect(closed === undefined ? undefined : [closed.endsAt, closed.recovery]).toEqual(
      closes ? [new Date(now.getTime() - 1).toISOString(), 'running 3 of 3 desired'] : undefined,
    );
  });

  it('decides as the pure rule does, for any window, exit and time (property)', async () => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    // Around the window's end, to the millisecond.
    const times = fc
      .integer({ min: -3_000, max: 3_000 })
      .map((offset) => new Date(Date.parse(WINDOW_END) + offset));
    await fc.assert(
      fc.asyncProperty(
        WINDOW_SHAPES,
        fc.constantFrom(OPENER, COUNTED, NEW_EXIT, AFTER_END),
        times,
        async (shape, exit, now) => {
          const window = shape === undefined ? undefined : windowOf(shape);
          await seed(state, window);
          const taken = await record(windows, exit, now);
          expect(stepTaken(taken, window, now)).toBe(nextStep(window, exit, now, CONFIG).action);
        },
      ),
      { numRuns: 40 },
    );
  });
});

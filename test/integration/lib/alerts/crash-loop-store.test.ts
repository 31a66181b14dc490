/**
 * The crash-loop window rule judged by DynamoDB itself: the cases the pure rule is tested with
 * (test/support/crash-loop-cases.ts) run through the store on both engines, each window stored as the case
 * says, and must come out as the pure rule decides them — for the table, for random windows, exits and times,
 * and for concurrent exits.
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
import {
  nextStep,
  OPEN_WINDOWS,
  type Step,
  type StoredWindow,
  type WindowVerdict,
} from '../../../../lib/alerts/crash-loop.js';
import { CrashLoopStore } from '../../../../lib/alerts/crash-loop-store.js';
import type { StateStore } from '../../../../lib/platform/store/state-store.js';
import { INDEX, KEY } from '../../../../lib/platform/store/table.js';
import {
  CLOSED_WINDOW,
  CONFIG,
  COUNTED,
  EXIT_CASES,
  exitOf,
  NEW_EXIT,
  OPENER,
  REOPEN_CASES,
  SWEEP_CASES,
  WINDOW_END,
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
  const { key, open: listed, ...attributes } = window;
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

/** An exit through the store; the summary of an ended window closes it, as the sweeper's summary does. */
async function record(windows: CrashLoopStore, exit: ReturnType<typeof exitOf>, now: Date) {
  const summarised: StoredWindow[] = [];
  const verdict = await windows.record(exit, now, async (ended, at) => {
    summarised.push(ended);
    await windows.close(ended.key, at);
  });
  return { verdict, summarised };
}

/** Which step of the rule the store took, from what it answered. */
function stepTaken(
  { verdict, summarised }: { verdict: WindowVerdict; summarised: StoredWindow[] },
  window: StoredWindow | undefined,
  now: Date,
): Step['action'] {
  if (summarised.length > 0) return 'summarise';
  if (verdict.action === 'page') return verdict.windowStartedAt === now.toISOString() ? 'open' : 'page';
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
      // Summarised first, then a new window opens from now and pages.
      expect(taken.summarised).toEqual([window]);
      expect(taken.verdict).toMatchObject({ action: 'page', windowStartedAt: now.toISOString() });
    }
  });

  it('opens a window listed for the sweeper until its end, and counts the next exit into it', async () => {
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
    });
    expect((await record(windows, COUNTED, new Date('2024-05-01T13:02:00.000Z'))).verdict).toEqual({
      action: 'group',
      windowStartedAt: '2024-05-01T13:00:00.000Z',
      count: 1,
    });
    expect(await storedItem(state)).toMatchObject({ count: 1, lastIncident: COUNTED.key });
    expect(await windows.dueWindows(new Date('2024-05-01T13:10:00.000Z'))).toEqual([]);
    expect(await windows.dueWindows(new Date('2024-05-01T13:10:00.001Z'))).toEqual([KEY_OF_WINDOW]);
  });

  it('pages once for concurrent first exits of a group, and counts every other one once', async () => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    const now = new Date('2024-05-01T13:04:00.000Z');
    const exits = Array.from({ length: 6 }, (_, n) => exitOf(`exit-${n}`));

    const verdicts = await Promise.all(exits.map(async (exit) => (await record(windows, exit, now)).verdict));

    expect(verdicts.filter((verdict) => verdict.action === 'page')).toHaveLength(1);
    const counts = verdicts.flatMap((verdict) => (verdict.action === 'group' ? [verdict.count] : []));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it.each(SWEEP_CASES)('sweeper: $name', async ({ window, now, closes }) => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    await seed(state, window);

    const closed = await windows.close(KEY_OF_WINDOW, now);

    expect(closed).toEqual(closes ? window : undefined);
    if (closes) expect(await storedItem(state)).not.toHaveProperty(INDEX.byStatus.partition);
  });

  it.each(REOPEN_CASES)('a summary given back: $name', async ({ window, reopens }) => {
    const state = await freshStore(engine);
    const { windows, writes } = await open(state);
    await seed(state, window);

    await windows.reopen(CLOSED_WINDOW);

    expect(writes).toEqual([reopens ? 'written' : 'refused']);
    expect(await storedItem(state)).toMatchObject({
      startedAt: window.startedAt,
      [INDEX.byStatus.partition]: OPEN_WINDOWS,
    });
  });

  it('decides as the pure rule does, for any window, exit and time (property)', async () => {
    const state = await freshStore(engine);
    const { windows } = await open(state);
    const shapes = fc.option(
      fc.record({
        open: fc.boolean(),
        count: fc.nat(30),
        lastIncident: fc.constantFrom(undefined, COUNTED.key, OPENER.key),
      }),
      { nil: undefined },
    );
    // Around the window's end, to the millisecond.
    const times = fc
      .integer({ min: -3_000, max: 3_000 })
      .map((offset) => new Date(Date.parse(WINDOW_END) + offset));
    await fc.assert(
      fc.asyncProperty(
        shapes,
        fc.constantFrom(OPENER, COUNTED, NEW_EXIT),
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

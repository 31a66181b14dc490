import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../../lib/platform/errors.js';
import type { Item } from '../../../../../lib/platform/store/items.js';
import {
  checkLimit,
  comesBefore,
  decodePosition,
  encodePosition,
  type IndexEntry,
  inListingOrder,
  isoBound,
  mergeInOrder,
} from '../../../../../lib/platform/store/listing.js';
import { KEY } from '../../../../../lib/platform/store/table.js';

async function* itemsOf(entries: readonly IndexEntry[]): AsyncGenerator<Item> {
  for (const { key, time } of entries) yield { [KEY.partition]: { S: key }, t: { S: time } };
}
async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream) out.push(value);
  return out;
}
const entry = (time: string, key: string): IndexEntry => ({ time, key });

describe('the listing order', () => {
  it('puts the newest time first, and the entries of one time by key, descending', () => {
    expect(comesBefore(entry('2', 'a'), entry('1', 'z'))).toBe(true);
    expect(comesBefore(entry('1', 'b'), entry('1', 'a'))).toBe(true);
    expect(comesBefore(entry('1', 'a'), entry('1', 'a'))).toBe(false);
  });

  it('sorts each run of one time that a Query returns in an order of its own', async () => {
    // Act
    const sorted = await collect(
      inListingOrder(
        itemsOf([entry('3', 'a'), entry('2', 'a'), entry('2', 'c'), entry('2', 'b'), entry('1', 'x')]),
        't',
      ),
    );

    // Assess
    expect(sorted).toEqual([
      entry('3', 'a'),
      entry('2', 'c'),
      entry('2', 'b'),
      entry('2', 'a'),
      entry('1', 'x'),
    ]);
  });

  it('merges partitions into one order, reading each only as far as needed', async () => {
    // Prepare
    let read = 0;
    async function* counted(entries: IndexEntry[]) {
      for (const value of entries) {
        read++;
        yield value;
      }
    }
    const shards = [
      counted([entry('5', 'a'), entry('3', 'b'), entry('1', 'c')]),
      counted([entry('4', 'd'), entry('3', 'e')]),
      counted([]),
    ];

    // Act
    const merged = mergeInOrder(shards);
    const firstThree: IndexEntry[] = [];
    for await (const value of merged) {
      firstThree.push(value);
      if (firstThree.length === 3) break;
    }

    // Assess
    expect(firstThree).toEqual([entry('5', 'a'), entry('4', 'd'), entry('3', 'e')]);
    expect(read).toBeLessThan(5);
  });
});

describe('positions', () => {
  it('round-trip through an opaque token bound to its listing', () => {
    // Prepare
    const position = { part: 1, entry: entry('2024-05-01T12:00:00.000Z', 'task/abc') };

    // Act
    const token = encodePosition('["stoppedTasks","prod"]', position);

    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePosition('["stoppedTasks","prod"]', token)).toEqual(position);
    expect(() => decodePosition('["stoppedTasks","staging"]', token)).toThrow(/another listing/);
  });

  it.each(['', 'not-a-token', Buffer.from('[1,2]').toString('base64url')])('refuses %j', (token) => {
    expect(() => decodePosition('x', token)).toThrow(InvalidInputError);
  });
});

describe('bounds and limits', () => {
  it('writes a bound as index times are written, and refuses one that is no time', () => {
    expect(isoBound('since', '2024-05-01T12:00:00Z')).toBe('2024-05-01T12:00:00.000Z');
    expect(isoBound('until', undefined)).toBeUndefined();
    expect(() => isoBound('until', 'tomorrow')).toThrow(/until: "tomorrow" is not a time/);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the limit %s', (limit) => {
    expect(() => checkLimit(limit)).toThrow(InvalidInputError);
  });

  it('takes a whole limit, or none', () => {
    expect(() => checkLimit(1)).not.toThrow();
    expect(() => checkLimit(undefined)).not.toThrow();
  });
});

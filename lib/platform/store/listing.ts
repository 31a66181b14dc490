/**
 * Newest-first listings over the KEYS_ONLY indexes, as the windowed task queries read them: the entries of
 * several index partitions (a cluster's status shards) merged into one order and read lazily, page by page, so a
 * limited listing reads little more than it returns; and positions in that order, which a cut listing hands back
 * as its continuation token. No I/O here: the store supplies the Query pages.
 */
import { InvalidInputError } from '../errors.js';
import type { Item } from './items.js';
import { KEY } from './table.js';

/** A resource an index lists: its table key (`task/<id>`) and its time in that index. */
export interface IndexEntry {
  key: string;
  time: string;
}

/**
 * The listing order: the newest index time first, and the entries of one time by key, descending. The key makes
 * the order total, so a position (the entry last returned) is exact even when times tie, as they do for the
 * tasks one resync run marks missing.
 */
export const comesBefore = (a: IndexEntry, b: IndexEntry): boolean =>
  a.time === b.time ? a.key > b.key : a.time > b.time;

const inOrder = (a: IndexEntry, b: IndexEntry) => (comesBefore(a, b) ? -1 : comesBefore(b, a) ? 1 : 0);

/**
 * One partition's Query items (read newest first) in the listing order: DynamoDB returns an index partition by
 * its sort key but leaves entries of one time in an order of its own, so each run of one time is sorted.
 */
export async function* inListingOrder(
  items: AsyncIterable<Item>,
  sortAttribute: string,
): AsyncGenerator<IndexEntry> {
  let run: IndexEntry[] = [];
  for await (const item of items) {
    const entry = { key: item[KEY.partition]?.S ?? '', time: item[sortAttribute]?.S ?? '' };
    if (run.length > 0 && run[0]?.time !== entry.time) {
      yield* run.sort(inOrder);
      run = [];
    }
    run.push(entry);
  }
  yield* run.sort(inOrder);
}

/** Streams in the listing order merged into one, each read only as far as the merge needs. */
export async function* mergeInOrder(
  streams: readonly AsyncGenerator<IndexEntry>[],
): AsyncGenerator<IndexEntry> {
  try {
    const heads = await Promise.all(streams.map((stream) => stream.next()));
    for (;;) {
      let next: number | undefined;
      let newest: IndexEntry | undefined;
      for (const [i, head] of heads.entries()) {
        if (head.done || (newest !== undefined && !comesBefore(head.value, newest))) continue;
        next = i;
        newest = head.value;
      }
      if (next === undefined || newest === undefined) return;
      yield newest;
      heads[next] = await (streams[next] as AsyncGenerator<IndexEntry>).next();
    }
  } finally {
    // A listing that stops early (its limit reached) leaves no Query half read.
    await Promise.all(streams.map((stream) => stream.return(undefined)));
  }
}

/** Where a cut listing stopped: which of its parts (live tasks, then stopped ones) and the entry last returned. */
export interface Position {
  part: number;
  entry: IndexEntry;
}

/**
 * The opaque token of a position, bound to the listing it came from (`listing` names the query: method, cluster,
 * window, filters), so a token given to another query is refused rather than silently skipping resources.
 */
export function encodePosition(listing: string, position: Position): string {
  const { part, entry } = position;
  return Buffer.from(JSON.stringify([fingerprint(listing), part, entry.time, entry.key])).toString(
    'base64url',
  );
}

export function decodePosition(listing: string, token: string): Position {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    fields = undefined;
  }
  if (
    !Array.isArray(fields) ||
    fields.length !== 4 ||
    typeof fields[0] !== 'string' ||
    !Number.isInteger(fields[1]) ||
    typeof fields[2] !== 'string' ||
    typeof fields[3] !== 'string'
  )
    throw new InvalidInputError('nextToken', 'is not a token a listing returned');
  if (fields[0] !== fingerprint(listing))
    throw new InvalidInputError(
      'nextToken',
      'was returned by another listing (another cluster, window or filter): repeat the query it came from',
    );
  return { part: fields[1] as number, entry: { time: fields[2], key: fields[3] } };
}

/** FNV-1a, 32 bits, in hex: enough to tell listings apart, short enough for a token. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16);
}

/**
 * A window bound as index times are written (toISOString): "12:00:00Z" and "12:00:00.000Z" are one time but not
 * one string, and index times compare as strings. A bound that is no time is refused.
 */
export function isoBound(name: 'since' | 'until', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw new InvalidInputError(name, `${JSON.stringify(value)} is not a time (e.g. 2024-05-01T12:00:00Z)`);
  return time.toISOString();
}

/** A limit is a whole number of resources, at least 1; undefined lists them all. */
export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
    throw new InvalidInputError('limit', `${limit} is not a whole number ≥ 1`);
}

/**
 * The windowed listings of `tasks` and `stops` read a page at a time (StateStore.stoppedTasks, tasksInWindow),
 * cut at --limit, and `--next-token`: where a cut list goes on.
 *
 * The token a cut list's notice prints is the CLI's own, opaque. It holds:
 * - a fingerprint of the query as written (command, cluster, --since and --until as typed, every filter), so a
 *   token given to another query is refused (exit 2) rather than silently skipping rows;
 * - the window as the first page resolved it, so `--since 24h` means the same on every page (its "now" is the
 *   first page's);
 * - which part of the list it stops in (`tasks`: live tasks, then stopped ones) and the store's own token of that
 *   part — which the store binds to its query in turn, refusing another's.
 * Only --limit and the output (-o, --tz) may change from page to page.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../lib/platform/errors.js';
import type { ResourcePage, StoredResource } from '../lib/platform/store/state-store.js';
import type { Flag } from './options.js';
import type { Window } from './time.js';
import { UsageError } from './usage.js';

export const nextTokenFlag: Flag = {
  type: 'string',
  value: '<token>',
  help:
    'the next page of a cut list: the token its notice printed, with the same query (one cluster; only ' +
    '--limit and the output may change)',
};

/** One read of a store listing: `limit` resources (undefined: all) after `nextToken` (undefined: its start). */
export type ReadPage = (nextToken: string | undefined, limit: number | undefined) => Promise<ResourcePage>;

export interface CutOptions {
  /** The store's token to start after (undefined: the listing's start). */
  start?: string | undefined;
  /** Rows wanted (0: none, only whether there is one); undefined: all. */
  limit?: number | undefined;
  /** Rows the list keeps; the others are read past (filters the store cannot apply). */
  keep?: (resource: StoredResource) => boolean;
  /** A resource that ends the list: it and everything after it are not this list's. */
  ends?: (resource: StoredResource) => boolean;
  /** With no limit, read this many at a time (undefined: the whole listing at once). */
  page?: number;
}

export interface Cut {
  rows: StoredResource[];
  /** Another row follows: the list is cut. */
  more: boolean;
  /** With `more`: the store's token that reads on after the last row (undefined: from the listing's start). */
  nextToken?: string;
}

/** A filtered listing is read this many at a time (at least one more than the rows still wanted). */
const FILTERED_PAGE = 200;

/**
 * The first `limit` rows of a listing, whether another follows, and where to read on — exactly after the last
 * row, so the next page repeats none and skips none. Unfiltered, a page of the rows wanted says both (the store's
 * `more` and `nextToken`); filtered, pages of FILTERED_PAGE are read until one more row than wanted turns up or
 * the listing ends, and when that row shares its page with the last one kept, the page is read again up to that
 * row for the token.
 */
export async function readCut(read: ReadPage, options: CutOptions): Promise<Cut> {
  const { limit, keep, ends } = options;
  const rows: StoredResource[] = [];
  let token = options.start;
  for (;;) {
    const need = limit === undefined ? undefined : limit - rows.length;
    const size =
      need === undefined
        ? options.page
        : keep === undefined
          ? Math.max(need, 1)
          : Math.max(FILTERED_PAGE, need + 1);
    const page = await readChecked(read, token, size);
    // Where in this page the last row taken is (-1: none taken from it).
    let last = -1;
    for (const [index, resource] of page.resources.entries()) {
      if (ends?.(resource)) return { rows, more: false };
      if (keep !== undefined && !keep(resource)) continue;
      if (rows.length === limit) {
        const after = last < 0 ? token : (await readChecked(read, token, last + 1)).nextToken;
        return { rows, more: true, ...(after === undefined ? {} : { nextToken: after }) };
      }
      rows.push(resource);
      last = index;
    }
    if (!page.more || page.nextToken === undefined) return { rows, more: false };
    // Every resource is a row: the store's `more` says whether another follows.
    if (keep === undefined && ends === undefined && rows.length === limit)
      return { rows, more: true, nextToken: page.nextToken };
    token = page.nextToken;
  }
}

/** A read whose token the store refuses (another query's, or no token at all) is bad usage: exit 2. */
async function readChecked(
  read: ReadPage,
  token: string | undefined,
  limit: number | undefined,
): Promise<ResourcePage> {
  try {
    return await read(token, limit);
  } catch (error) {
    if (error instanceof InvalidInputError && error.field === 'nextToken')
      throw new UsageError(`--next-token: ${error.reason}`);
    throw error;
  }
}

/** Where a cut list goes on: the part it stops in, and the store's token in that part (none: its start). */
export interface Position {
  part: string;
  token?: string | undefined;
}

/** What a token continues: the query as written, and the window its first page resolved. */
export interface Resumed extends Position {
  window: Window;
}

/** The query a token belongs to: its command, cluster and every flag that chooses rows, as written. */
export function queryOf(command: string, cluster: string, flags: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([command, cluster, flags]))
    .digest('base64url')
    .slice(0, 11);
}

/** The token that continues `query` (in `window`) at `position`. */
export function encodeNextToken(query: string, window: Window, position: Position): string {
  const time = (value: string | undefined) => (value === undefined ? null : Date.parse(value));
  const head = Buffer.from(
    JSON.stringify([query, time(window.since), time(window.until), position.part]),
  ).toString('base64url');
  // base64url has no '.': the store's token (itself base64url) follows the CLI's part whole.
  return position.token === undefined ? head : `${head}.${position.token}`;
}

const NOT_A_TOKEN = '--next-token: not a token a cut list printed (copy the whole token from its notice)';

/** A token read back for `query`; refused (exit 2) when it is none, or another query's. */
export function decodeNextToken(token: string, query: string, parts: readonly string[]): Resumed {
  const dot = token.indexOf('.');
  const head = dot < 0 ? token : token.slice(0, dot);
  const storeToken = dot < 0 ? undefined : token.slice(dot + 1);
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
  } catch {
    fields = undefined;
  }
  const isTime = (value: unknown) => value === null || Number.isSafeInteger(value);
  if (
    !Array.isArray(fields) ||
    fields.length !== 4 ||
    typeof fields[0] !== 'string' ||
    !isTime(fields[1]) ||
    !isTime(fields[2]) ||
    typeof fields[3] !== 'string' ||
    storeToken === ''
  )
    throw new UsageError(NOT_A_TOKEN);
  // The query first: another command's token names parts of its own.
  if (fields[0] !== query)
    throw new UsageError(
      '--next-token: printed for another query (another cluster, window or filter); repeat the query it came ' +
        'from, changing only --limit or the output',
    );
  if (!parts.includes(fields[3])) throw new UsageError(NOT_A_TOKEN);
  const iso = (value: unknown) => (value === null ? undefined : new Date(value as number).toISOString());
  const since = iso(fields[1]);
  const until = iso(fields[2]);
  return {
    window: { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) },
    part: fields[3] as string,
    ...(storeToken === undefined ? {} : { token: storeToken }),
  };
}

/** --next-token continues one cluster's list: the one cluster listed, else a UsageError. */
export function onlyCluster(clusters: readonly string[]): string {
  const [cluster] = clusters;
  if (clusters.length === 1 && cluster !== undefined) return cluster;
  throw new UsageError(
    `--next-token continues one cluster's list, and this lists ${clusters.join(', ')}: name that cluster ` +
      'alone with --cluster (the notice of a cut list names it)',
  );
}

/** The flags a cut section's notice offers for its next page: `--next-token <token>`, with its cluster if several are listed. */
export function nextPageFlags(token: string, cluster: string, clusters: readonly string[]): string {
  return clusters.length > 1 ? `--cluster ${cluster} --next-token ${token}` : `--next-token ${token}`;
}

/**
 * cli/pages.ts: a windowed listing read to --limit with its next page exactly after the last row (unfiltered,
 * filtered, ended by the first resource that is not the list's), and the CLI's --next-token, bound to its query.
 * The listing here is the store's contract in memory: resources in order, a page of `limit` after a token, `more`
 * and a token to read on, another listing's token refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeNextToken,
  encodeNextToken,
  nextPageFlags,
  onlyCluster,
  queryOf,
  type ReadPage,
  readCut,
} from '../../../cli/pages.js';
import { UsageError } from '../../../cli/usage.js';
import { InvalidInputError } from '../../../lib/platform/errors.js';
import type { StoredResource } from '../../../lib/platform/store/state-store.js';

const resource = (id: string, lastStatus = 'RUNNING'): StoredResource => ({
  arn: `arn:aws:ecs:us-east-1:111122223333:task/prod/${id}`,
  kind: 'task',
  version: 1,
  eventTime: '2024-05-01T12:00:00Z',
  source: 'event',
  detail: { lastStatus },
  trimmedFields: [],
});
const idOf = (task: StoredResource) => task.arn.split('/').at(-1) as string;

/** A listing of `resources` as the store pages one: tokens are positions; `reads` counts the reads. */
function listing(resources: readonly StoredResource[]) {
  const reads: { token: string | undefined; limit: number | undefined }[] = [];
  const read: ReadPage = async (token, limit) => {
    reads.push({ token, limit });
    if (token !== undefined && !/^at:\d+$/.test(token))
      throw new InvalidInputError('nextToken', 'was returned by another listing');
    const from = token === undefined ? 0 : Number(token.slice(3)) + 1;
    const to = limit === undefined ? resources.length : Math.min(resources.length, from + limit);
    const more = to < resources.length;
    return {
      resources: resources.slice(from, to),
      more,
      ...(more && to > from ? { nextToken: `at:${to - 1}` } : {}),
    };
  };
  return { read, reads };
}

const tasks = (...ids: string[]) => ids.map((id) => resource(id));

describe('readCut', () => {
  it('unfiltered: one read of the rows wanted; the store says whether more follow and where', async () => {
    const { read, reads } = listing(tasks('a', 'b', 'c', 'd', 'e'));
    const cut = await readCut(read, { limit: 3 });
    expect({ ids: cut.rows.map(idOf), more: cut.more, nextToken: cut.nextToken }).toEqual({
      ids: ['a', 'b', 'c'],
      more: true,
      nextToken: 'at:2',
    });
    expect(reads).toEqual([{ token: undefined, limit: 3 }]);
    const next = await readCut(read, { start: cut.nextToken, limit: 3 });
    expect({ ids: next.rows.map(idOf), more: next.more }).toEqual({ ids: ['d', 'e'], more: false });
  });

  it('filtered: the token is right after the last row kept, even when the next row shares its page', async () => {
    const { read, reads } = listing(tasks('a1', 'b2', 'c3', 'd4', 'e5', 'f6'));
    const even = (task: StoredResource) => Number(idOf(task).slice(1)) % 2 === 0;
    const cut = await readCut(read, { limit: 2, keep: even });
    expect({ ids: cut.rows.map(idOf), more: cut.more, nextToken: cut.nextToken }).toEqual({
      ids: ['b2', 'd4'],
      more: true,
      nextToken: 'at:3',
    });
    // One page, then that page again up to the last row kept.
    expect(reads).toEqual([
      { token: undefined, limit: 200 },
      { token: undefined, limit: 4 },
    ]);
    expect((await readCut(read, { start: cut.nextToken, limit: 2, keep: even })).rows.map(idOf)).toEqual([
      'f6',
    ]);
  });

  it('ended: the first resource that is not the list’s ends it, and is never a reason to say "more"', async () => {
    const { read } = listing([...tasks('a', 'b', 'c'), resource('x', 'STOPPED'), resource('y', 'STOPPED')]);
    const ends = (task: StoredResource) => task.detail.lastStatus === 'STOPPED';
    const exact = await readCut(read, { limit: 3, ends });
    const cut = await readCut(read, { limit: 2, ends });
    const all = await readCut(read, { ends, page: 2 });
    expect({ ids: exact.rows.map(idOf), more: exact.more }).toEqual({ ids: ['a', 'b', 'c'], more: false });
    expect({ ids: cut.rows.map(idOf), more: cut.more, nextToken: cut.nextToken }).toEqual({
      ids: ['a', 'b'],
      more: true,
      nextToken: 'at:1',
    });
    expect({ ids: all.rows.map(idOf), more: all.more }).toEqual({ ids: ['a', 'b', 'c'], more: false });
  });

  it('a limit of 0 reads one resource to tell whether there is any, and starts the next page where it began', async () => {
    const { read } = listing(tasks('a'));
    expect(await readCut(read, { limit: 0 })).toEqual({ rows: [], more: true });
    expect(await readCut(read, { limit: 0, start: 'at:0' })).toEqual({ rows: [], more: false });
  });

  it('a token the store refuses is bad usage, with the store’s reason', async () => {
    const { read } = listing(tasks('a'));
    await expect(readCut(read, { start: 'elsewhere', limit: 1 })).rejects.toThrow(
      new UsageError('--next-token: was returned by another listing'),
    );
  });

  it('pages read one after the other list every row once, in order, whatever the limit and filter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kept: fc.boolean(), over: fc.boolean() }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (flags, limit, filtered, ended) => {
          const all = flags.map((flag, index) =>
            resource(`${index}-${flag.kept ? 'kept' : 'dropped'}`, flag.over ? 'STOPPED' : 'RUNNING'),
          );
          const keep = filtered ? (task: StoredResource) => idOf(task).endsWith('kept') : undefined;
          const ends = ended ? (task: StoredResource) => task.detail.lastStatus === 'STOPPED' : undefined;
          const end = ends === undefined ? all.length : all.findIndex(ends);
          const expected = all.slice(0, end < 0 ? all.length : end).filter(keep ?? (() => true));
          const { read } = listing(all);
          const listed: StoredResource[] = [];
          let start: string | undefined;
          for (let page = 0; page <= all.length + 1; page++) {
            const cut = await readCut(read, {
              start,
              limit,
              ...(keep === undefined ? {} : { keep }),
              ...(ends === undefined ? {} : { ends }),
            });
            expect(cut.rows.length).toBeLessThanOrEqual(limit);
            listed.push(...cut.rows);
            if (!cut.more) break;
            expect(cut.rows).toHaveLength(limit);
            start = cut.nextToken;
          }
          expect(listed.map(idOf)).toEqual(expected.map(idOf));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('--next-token', () => {
  const query = queryOf('tasks', 'prod', { since: '24h', groups: [], statuses: [] });
  const window = { since: '2024-05-01T12:00:00.000Z' };

  it('carries the window its first page read, the part it stops in and the store’s token', () => {
    const token = encodeNextToken(query, window, { part: 'live', token: 'c3RvcmU' });
    expect(token).toMatch(/^[\w-]+\.c3RvcmU$/);
    expect(decodeNextToken(token, query, ['live', 'stopped'])).toEqual({
      window,
      part: 'live',
      token: 'c3RvcmU',
    });
    // A part's start has no store token.
    const start = encodeNextToken(query, { until: '2024-05-01T13:00:00.000Z' }, { part: 'stopped' });
    expect(decodeNextToken(start, query, ['live', 'stopped'])).toEqual({
      window: { until: '2024-05-01T13:00:00.000Z' },
      part: 'stopped',
    });
  });

  it('is refused for another query, and when it is no token at all', () => {
    const token = encodeNextToken(query, window, { part: 'live', token: 'x' });
    const other = queryOf('tasks', 'prod', { since: '7d', groups: [], statuses: [] });
    expect(other).not.toBe(query);
    expect(queryOf('tasks', 'batch', { since: '24h', groups: [], statuses: [] })).not.toBe(query);
    expect(() => decodeNextToken(token, other, ['live', 'stopped'])).toThrow(
      /^--next-token: printed for another query \(another cluster, window or filter\)/,
    );
    for (const bad of [
      '',
      'x',
      'not a token',
      `${token.split('.')[0]}.`,
      Buffer.from('[1,2]').toString('base64url'),
    ])
      expect(() => decodeNextToken(bad, query, ['live', 'stopped'])).toThrow(
        '--next-token: not a token a cut list printed (copy the whole token from its notice)',
      );
    expect(() => decodeNextToken(token, query, ['stopped'])).toThrow('not a token a cut list printed');
  });

  it('continues one cluster: with several, the notice names it and the token wants it alone', () => {
    expect(onlyCluster(['prod'])).toBe('prod');
    expect(() => onlyCluster(['prod', 'batch'])).toThrow(
      "--next-token continues one cluster's list, and this lists prod, batch: name that cluster alone with --cluster",
    );
    expect(nextPageFlags('t', 'prod', ['prod'])).toBe('--next-token t');
    expect(nextPageFlags('t', 'batch', ['prod', 'batch'])).toBe('--cluster batch --next-token t');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coalesce,
  judgeVersion,
  type Versioned,
  type VersionVerdict,
} from '../../../../lib/platform/version-rule.js';

interface Tagged extends Versioned {
  tag: string;
}

/** Items named by a tag, so tests can say which input ended up where. */
const items = (...specs: [arn: string, version: number][]): Tagged[] =>
  specs.map(([arn, version], index) => ({ arn, version, tag: `#${index}` }));
const tags = (list: readonly Tagged[]) => list.map((item) => item.tag);

describe('judgeVersion', () => {
  const cases: { name: string; incoming: number; stored: number | undefined; verdict: VersionVerdict }[] = [
    { name: 'nothing is stored yet', incoming: 1, stored: undefined, verdict: 'accepted' },
    { name: 'nothing is stored and the version is 0', incoming: 0, stored: undefined, verdict: 'accepted' },
    { name: 'the incoming version is higher', incoming: 5, stored: 4, verdict: 'accepted' },
    { name: 'the incoming version is higher by a gap', incoming: 9, stored: 2, verdict: 'accepted' },
    { name: 'the versions are equal', incoming: 4, stored: 4, verdict: 'duplicate' },
    { name: 'both versions are 0', incoming: 0, stored: 0, verdict: 'duplicate' },
    { name: 'the incoming version is lower', incoming: 3, stored: 4, verdict: 'stale' },
    { name: 'the incoming version is 0 and 1 is stored', incoming: 0, stored: 1, verdict: 'stale' },
    { name: 'the incoming version is 1 and 0 is stored', incoming: 1, stored: 0, verdict: 'accepted' },
    {
      name: 'the largest safe integer follows the one below it',
      incoming: Number.MAX_SAFE_INTEGER,
      stored: Number.MAX_SAFE_INTEGER - 1,
      verdict: 'accepted',
    },
    {
      name: 'the largest safe integer arrives twice',
      incoming: Number.MAX_SAFE_INTEGER,
      stored: Number.MAX_SAFE_INTEGER,
      verdict: 'duplicate',
    },
    {
      name: 'a large version arrives after the largest safe integer',
      incoming: Number.MAX_SAFE_INTEGER - 1,
      stored: Number.MAX_SAFE_INTEGER,
      verdict: 'stale',
    },
    {
      name: 'versions beyond 2^32 differ by one',
      incoming: 2 ** 32 + 1,
      stored: 2 ** 32,
      verdict: 'accepted',
    },
  ];

  it.each(cases)('says $verdict when $name', ({ incoming, stored, verdict }) => {
    // Prepare: the case. Act
    const result = judgeVersion(incoming, stored);

    // Assess
    expect(result).toBe(verdict);
  });

  it('agrees with a plain comparison for any pair of safe versions', () => {
    fc.assert(
      fc.property(fc.nat(), fc.option(fc.nat(), { nil: undefined }), (incoming, stored) => {
        const expected =
          stored === undefined || incoming > stored
            ? 'accepted'
            : incoming === stored
              ? 'duplicate'
              : 'stale';
        expect(judgeVersion(incoming, stored)).toBe(expected);
      }),
    );
  });
});

describe('coalesce', () => {
  it('returns nothing for an empty batch', () => {
    // Act
    const result = coalesce<Tagged>([]);

    // Assess
    expect(result).toEqual({ newest: [], distinct: [], superseded: [] });
  });

  it('makes a single item the newest and only distinct version', () => {
    // Prepare
    const batch = items(['a', 3]);

    // Act
    const result = coalesce(batch);

    // Assess
    expect(tags(result.newest)).toEqual(['#0']);
    expect(tags(result.distinct)).toEqual(['#0']);
    expect(result.superseded).toEqual([]);
  });

  it('keeps the first of exact duplicates as newest and marks the others duplicate', () => {
    // Prepare
    const batch = items(['a', 3], ['a', 3], ['a', 3]);

    // Act
    const result = coalesce(batch);

    // Assess
    expect(tags(result.newest)).toEqual(['#0']);
    expect(tags(result.distinct)).toEqual(['#0']);
    expect(result.superseded.map(({ item, verdict }) => [item.tag, verdict])).toEqual([
      ['#1', 'duplicate'],
      ['#2', 'duplicate'],
    ]);
  });

  it('picks the highest version when versions arrive out of order', () => {
    // Prepare
    const batch = items(['a', 2], ['a', 5], ['a', 1], ['a', 4]);

    // Act
    const result = coalesce(batch);

    // Assess
    expect(result.newest.map(({ tag, version }) => [tag, version])).toEqual([['#1', 5]]);
    expect(result.distinct.map((item) => item.version)).toEqual([2, 5, 1, 4]);
    expect(result.superseded.map(({ item, verdict }) => [item.tag, verdict])).toEqual([
      ['#0', 'stale'],
      ['#2', 'stale'],
      ['#3', 'stale'],
    ]);
  });

  it('coalesces several interleaved resources independently', () => {
    // Prepare
    const batch = items(['a', 1], ['b', 7], ['a', 3], ['c', 2], ['b', 6], ['a', 2], ['c', 2], ['b', 8]);

    // Act
    const result = coalesce(batch);

    // Assess
    expect(result.newest.map(({ arn, version }) => [arn, version])).toEqual([
      ['a', 3],
      ['b', 8],
      ['c', 2],
    ]);
    expect(result.distinct).toHaveLength(7);
    expect(result.superseded.map(({ item, verdict }) => [item.tag, verdict])).toEqual([
      ['#0', 'stale'],
      ['#1', 'stale'],
      ['#4', 'stale'],
      ['#5', 'stale'],
      ['#6', 'duplicate'],
    ]);
  });

  it('keeps one distinct item per version when a lower version is repeated', () => {
    // Prepare
    const batch = items(['a', 2], ['a', 9], ['a', 2], ['a', 2], ['a', 9]);

    // Act
    const result = coalesce(batch);

    // Assess
    expect(tags(result.distinct)).toEqual(['#0', '#1']);
    expect(result.superseded.map(({ item, verdict }) => [item.tag, verdict])).toEqual([
      ['#0', 'stale'],
      ['#2', 'stale'],
      ['#3', 'stale'],
      ['#4', 'duplicate'],
    ]);
  });

  it('treats version 0 as a real version', () => {
    // Prepare
    const batch = items(['a', 0], ['a', 0]);

    // Act
    const result = coalesce(batch);

    // Assess
    expect(tags(result.newest)).toEqual(['#0']);
    expect(result.superseded).toEqual([{ item: batch[1], verdict: 'duplicate' }]);
  });

  it('orders its output by first appearance in the input, deterministically', () => {
    // Prepare
    const batch = items(['z', 1], ['m', 4], ['a', 2], ['m', 5], ['z', 0]);

    // Act
    const first = coalesce(batch);
    const second = coalesce(batch);

    // Assess: resources in the order they first appear, not sorted; the same answer every time.
    expect(first.newest.map((item) => item.arn)).toEqual(['z', 'm', 'a']);
    expect(tags(first.newest)).toEqual(['#0', '#3', '#2']);
    expect(tags(first.distinct)).toEqual(['#0', '#1', '#2', '#3', '#4']);
    expect(second).toEqual(first);
  });

  it('does not modify its input', () => {
    // Prepare
    const batch = items(['a', 2], ['a', 1], ['b', 1]);
    const before = structuredClone(batch);

    // Act
    coalesce(batch);

    // Assess
    expect(batch).toEqual(before);
  });
});

describe('coalesce, for any batch', () => {
  const arbitraryBatch = fc
    .array(fc.record({ arn: fc.constantFrom('a', 'b', 'c', 'd', 'e'), version: fc.nat({ max: 12 }) }), {
      maxLength: 60,
    })
    .map((specs) => specs.map((spec, index): Tagged => ({ ...spec, tag: `#${index}` })));

  it('makes newest hold exactly the highest version of each resource, once', () => {
    fc.assert(
      fc.property(arbitraryBatch, (batch) => {
        const { newest } = coalesce(batch);
        const highest = new Map<string, number>();
        for (const { arn, version } of batch) highest.set(arn, Math.max(version, highest.get(arn) ?? -1));
        expect(new Map(newest.map(({ arn, version }) => [arn, version]))).toEqual(highest);
        expect(newest).toHaveLength(highest.size);
      }),
    );
  });

  it('makes distinct hold exactly the set of (arn, version) pairs, once each', () => {
    fc.assert(
      fc.property(arbitraryBatch, (batch) => {
        const { distinct } = coalesce(batch);
        const key = ({ arn, version }: Versioned) => `${arn}@${version}`;
        const keys = distinct.map(key);
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(keys)).toEqual(new Set(batch.map(key)));
      }),
    );
  });

  it('accounts for every input exactly once across newest and superseded, with the right verdict', () => {
    fc.assert(
      fc.property(arbitraryBatch, (batch) => {
        const { newest, superseded } = coalesce(batch);
        const seen = [...newest, ...superseded.map(({ item }) => item)];
        expect(seen).toHaveLength(batch.length);
        expect(new Set(seen)).toEqual(new Set(batch));
        const winner = new Map(newest.map((item) => [item.arn, item.version]));
        for (const { item, verdict } of superseded) {
          expect(verdict).toBe(item.version === winner.get(item.arn) ? 'duplicate' : 'stale');
        }
      }),
    );
  });

  it('gives the same newest versions and distinct pairs whatever the order of the batch', () => {
    fc.assert(
      fc.property(
        arbitraryBatch.chain((batch) =>
          fc.tuple(fc.constant(batch), fc.shuffledSubarray(batch, { minLength: batch.length })),
        ),
        ([batch, shuffled]) => {
          const versions = (list: readonly Versioned[]) =>
            list.map(({ arn, version }) => `${arn}@${version}`).sort();
          expect(versions(coalesce(shuffled).newest)).toEqual(versions(coalesce(batch).newest));
          expect(versions(coalesce(shuffled).distinct)).toEqual(versions(coalesce(batch).distinct));
        },
      ),
    );
  });
});

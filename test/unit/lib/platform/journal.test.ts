/** The journal's keys: one partition per UTC day, entries sorted by time within it. */
import { describe, expect, it } from 'vitest';
import { daysNewestFirst, journalEntryKey, journalPartition } from '../../../../lib/platform/journal.js';

describe('journal keys', () => {
  it('partitions by the UTC day of the entry, whatever the offset it was written with', () => {
    expect(journalPartition('2024-05-01T23:59:59.999Z')).toBe('journal#2024-05-01');
    expect(journalPartition('2024-05-02T01:30:00+02:00')).toBe('journal#2024-05-01');
    expect(journalPartition('2024-05-02T00:00:00Z')).toBe('journal#2024-05-02');
  });

  it('sorts entries by time first (normalised to toISOString), then kind and id', () => {
    expect(journalEntryKey('2024-05-01T12:00:00Z', 'alert', 'task/abc')).toBe(
      '2024-05-01T12:00:00.000Z#alert#task/abc',
    );
    const keys = [
      journalEntryKey('2024-05-01T12:00:01Z', 'alert', 'a'),
      journalEntryKey('2024-05-01T09:00:00Z', 'job', 'z'),
      journalEntryKey('2024-05-01T12:00:00.500Z', 'alert', 'b'),
    ];
    expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0]]);
  });

  it('lists the UTC days of a range newest first, both ends included', () => {
    const days = daysNewestFirst(new Date('2024-04-29T22:00:00Z'), new Date('2024-05-01T01:00:00Z'));
    expect(days.map((day) => day.toISOString().slice(0, 10))).toEqual([
      '2024-05-01',
      '2024-04-30',
      '2024-04-29',
    ]);
    expect(daysNewestFirst(new Date('2024-05-01T01:00:00Z'), new Date('2024-05-01T02:00:00Z'))).toHaveLength(
      1,
    );
    expect(daysNewestFirst(new Date('2024-05-02T00:00:00Z'), new Date('2024-05-01T00:00:00Z'))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { isTimeZone, wallClock } from '../../../../lib/platform/wall-clock.js';

describe('wall-clock time in IANA zones', () => {
  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus', false],
    ['', false],
  ])('%j is a time zone: %s', (zone, valid) => {
    expect(isTimeZone(zone)).toBe(valid);
  });

  it('reads the wall clock of an instant in a zone, Sunday as 0', () => {
    expect(wallClock(new Date('2026-03-29T01:30:00Z'), 'Europe/Paris')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 3,
      minute: 30,
      second: 0,
      weekday: 0,
    });
  });
});

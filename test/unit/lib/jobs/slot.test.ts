import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlineOf, isPastDeadline, journalTime, slotOf } from '../../../../lib/jobs/slot.js';

describe('the slot of a launch', () => {
  it.each([
    [{ scheduledTime: '2024-05-02T02:30:00Z' }, '2024-05-02T02:30:00.000Z'],
    [{ scheduledTime: '2024-05-02T02:30:41.123Z' }, '2024-05-02T02:30:00.000Z'],
    [{ scheduledTime: '2024-05-02T04:30:00+02:00' }, '2024-05-02T02:30:00.000Z'],
    [{ scheduledTime: '2024-05-02T02:30:00Z', time: '2024-05-02T02:33:10Z' }, '2024-05-02T02:30:00.000Z'],
    [{ time: '2024-05-02T02:33:10Z' }, '2024-05-02T02:33:00.000Z'],
  ])('of %j is %s', (input, slot) => {
    expect(slotOf(input).toISOString()).toBe(slot);
  });

  it.each([
    [{}, 'scheduledTime: missing; the schedule input must carry it'],
    [
      { scheduledTime: '<aws.scheduler.scheduled-time>' },
      'scheduledTime: "<aws.scheduler.scheduled-time>" is not an ISO 8601 time such as 2024-05-02T02:30:00Z',
    ],
    [{ time: 'yesterday' }, 'time: "yesterday" is not an ISO 8601 time'],
  ])('is refused for %j', (input, message) => {
    expect(() => slotOf(input)).toThrow(message);
  });

  it('is a whole minute, at most a minute before the scheduled time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_000_000_000_000 }), (ms) => {
        const slot = slotOf({ scheduledTime: new Date(ms).toISOString() });
        expect(slot.getTime() % 60_000).toBe(0);
        expect(ms - slot.getTime()).toBeGreaterThanOrEqual(0);
        expect(ms - slot.getTime()).toBeLessThan(60_000);
      }),
    );
  });
});

describe('the starting deadline', () => {
  const slot = new Date('2024-05-02T02:30:00Z');
  const config = { startingDeadlineSeconds: 300 };

  it('is slot + startingDeadlineSeconds', () => {
    expect(deadlineOf(slot, config).toISOString()).toBe('2024-05-02T02:35:00.000Z');
  });

  it.each([
    ['2024-05-02T02:29:00Z', false],
    ['2024-05-02T02:30:00Z', false],
    ['2024-05-02T02:35:00Z', false],
    ['2024-05-02T02:35:00.001Z', true],
    ['2024-05-02T03:00:00Z', true],
  ])('at %s is past: %s', (now, past) => {
    expect(isPastDeadline(slot, new Date(now), config)).toBe(past);
  });
});

describe('journal times', () => {
  it.each([
    [new Date('2024-05-02T02:30:04Z'), '2024-05-02T02:30:04Z'],
    ['2024-05-02T02:30:04.250Z', '2024-05-02T02:30:04.250Z'],
    ['not a time', 'not a time'],
  ])('%s is printed %s', (time, printed) => {
    expect(journalTime(time)).toBe(printed);
  });
});

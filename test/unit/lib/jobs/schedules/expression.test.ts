import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleError, tryParseSchedule } from '../../../../../lib/jobs/schedules/index.js';

describe('parseSchedule: rate()', () => {
  it.each([
    ['rate(1 minute)', 'minute', 60_000],
    ['rate(5 minutes)', 'minute', 300_000],
    ['rate(1 hour)', 'hour', 3_600_000],
    ['rate(12 hours)', 'hour', 43_200_000],
    ['rate(1 day)', 'day', 86_400_000],
    ['rate(7 days)', 'day', 604_800_000],
  ])('%s', (expression, unit, periodMs) => {
    expect(parseSchedule(expression)).toMatchObject({ kind: 'rate', unit, periodMs });
  });
});

describe('parseSchedule: cron()', () => {
  it('prepends seconds, maps names to AWS numbers and rewrites a/s as a-max/s for croner', () => {
    expect(parseSchedule('cron(0/15 8-17 ? * MON-FRI *)')).toMatchObject({
      kind: 'cron',
      pattern: '0 0-59/15 8-17 * * 2-6 *',
    });
    expect(parseSchedule('cron(0 9 ? jul/2 2#1 2025/5)')).toMatchObject({
      pattern: '0 0 9 * 7-12/2 2#1 2025-2199/5',
    });
    expect(parseSchedule('cron(0 9 LW * ? *)')).toMatchObject({ pattern: '0 0 9 LW * * *' });
    expect(parseSchedule('cron(0 9 ? * FRIL *)')).toMatchObject({ pattern: '0 0 9 * * 6L *' });
  });

  it('reads every special character', () => {
    const parsed = (expression: string) => {
      const schedule = parseSchedule(expression);
      if (schedule.kind !== 'cron') throw new Error('not cron');
      return schedule;
    };
    expect(parsed('cron(0 10 L * ? *)').dayOfMonth).toEqual({ kind: 'last' });
    expect(parsed('cron(0 10 LW * ? *)').dayOfMonth).toEqual({ kind: 'lastWeekday' });
    expect(parsed('cron(0 10 15W * ? *)').dayOfMonth).toEqual({ kind: 'nearestWeekday', day: 15 });
    expect(parsed('cron(0 10 ? * 6L *)').dayOfWeek).toEqual({ kind: 'lastOfMonth', day: 6 });
    expect(parsed('cron(0 10 ? * 2#1 *)').dayOfWeek).toEqual({ kind: 'nth', day: 2, nth: 1 });
    expect(parsed('cron(0 10 ? * L *)').dayOfWeek).toEqual({ kind: 'days', days: new Set([7]) });
    expect([...parsed('cron(*/20 * * * ? *)').minutes]).toEqual([0, 20, 40]);
    expect([...parsed('cron(5/20 * * * ? *)').minutes]).toEqual([5, 25, 45]);
    expect([...parsed('cron(0,30 9-11 * * ? *)').hours]).toEqual([9, 10, 11]);
    expect(parsed('cron(0 9 ? * 1-5/2 *)').dayOfWeek).toEqual({ kind: 'days', days: new Set([1, 3, 5]) });
    expect([...parsed('cron(0 9 1 JAN,JUL,DEC ? *)').months]).toEqual([1, 7, 12]);
    expect([...parsed('cron(0 9 1 * ? 2030-2032)').years]).toEqual([2030, 2031, 2032]);
  });
});

describe('parseSchedule refuses what EventBridge refuses, naming the field and the fix', () => {
  it.each([
    ['cron(0 10 * * * *)', 'day-of-month and day-of-week cannot both be set; use ? in one'],
    ['cron(0 10 1 * MON *)', 'day-of-month and day-of-week cannot both be set; use ? in one'],
    ['cron(0 10 ? * ? *)', 'day-of-month and day-of-week cannot both be ?'],
    ['cron(0 10 * * ?)', 'expected 6 fields (minutes hours day-of-month month day-of-week year), got 5'],
    ['cron(0 0 10 * * ? *)', 'got 7'],
    ['cron()', 'got 0'],
    ['cron(60 10 * * ? *)', 'minutes field: 60 is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hours field: 24 is out of range 0-23'],
    ['cron(0 10 32 * ? *)', 'day-of-month field: 32 is out of range 1-31'],
    ['cron(0 10 0 * ? *)', 'day-of-month field: 0 is out of range 1-31'],
    ['cron(0 10 * 13 ? *)', 'month field: 13 is out of range 1-12'],
    ['cron(0 10 ? * 0 *)', 'day-of-week field: 0 is out of range 1-7'],
    ['cron(0 10 ? * 8 *)', 'day-of-week field: 8 is out of range 1-7'],
    ['cron(0 10 ? * FOO *)', 'day-of-week field: FOO is not a number or a name'],
    ['cron(0 10 * * ? 1969)', 'year field: 1969 is out of range 1970-2199'],
    ['cron(0 10 * * ? 2200)', 'year field: 2200 is out of range 1970-2199'],
    ['cron(? 10 * * ? *)', 'minutes field: ? is allowed only in day-of-month or day-of-week'],
    ['cron(0 10 * ? ? *)', 'month field: ? is allowed only'],
    ['cron(0/0 * * * ? *)', 'minutes field: 0/0: the step after / must be 1 or more'],
    ['cron(10-5 * * * ? *)', 'minutes field: 10-5: the range starts after it ends'],
    ['cron(1-2-3 * * * ? *)', 'minutes field: 1-2-3: a range is <from>-<to>'],
    ['cron(0 10 L,15 * ? *)', 'day-of-month field: L,15: L and W stand alone'],
    ['cron(0 10 32W * ? *)', 'day-of-month field: 32W: W needs a day from 1 to 31'],
    ['cron(0 10 ? * 2#6 *)', 'day-of-week field: 2#6: the occurrence after # must be 1 to 5'],
    ['cron(0 10 ? * 9L *)', 'day-of-week field: 9 is out of range 1-7'],
    ['cron(0 10 ? * 2#1,3 *)', 'day-of-week field: 2#1,3: L and # stand alone'],
    ['cron(a 10 * * ? *)', 'minutes field: A is not a number'],
    ['rate(1 minutes)', 'requires rate(1 minute) for a value of 1'],
    ['rate(5 minute)', 'requires the plural for a value above 1: rate(5 minutes)'],
    ['rate(0 minutes)', 'the value must be 1 or more'],
    ['rate(3 seconds)', 'the unit must be minute(s), hour(s) or day(s), not seconds'],
    ['rate(1.5 hours)', 'expected rate(<value> <unit>), e.g. rate(1 minute)'],
    ['every day', 'expected rate(<value> <unit>) or cron(<fields>)'],
  ])('%s', (expression, reason) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleError);
    expect(() => parseSchedule(expression)).toThrow(reason);
    expect(tryParseSchedule(expression)).toEqual({ error: expect.stringContaining(reason) });
  });

  it('starts the message with the expression and ends with an example of the field', () => {
    expect(() => parseSchedule('cron(0 24 * * ? *)')).toThrow(
      'cron(0 24 * * ? *): hours field: 24 is out of range 0-23; e.g. 9, 8-17, 0/2 or *',
    );
  });
});

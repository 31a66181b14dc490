import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CronSchedule,
  matchesWallClock,
  nextFires,
  parseSchedule,
  ScheduleError,
} from '../../../../../lib/jobs/schedules/index.js';
import { wallClock } from '../../../../../lib/platform/wall-clock.js';

const fires = (expression: string, from: string, count: number, timeZone = 'UTC') =>
  nextFires(parseSchedule(expression), { from: new Date(from), count, timeZone }).map((date) =>
    date.toISOString().replace(':00.000Z', 'Z'),
  );

describe('nextFires: the EventBridge documentation’s examples (UTC)', () => {
  // 2024-05-02 is a Thursday.
  it.each([
    [
      'cron(0 10 * * ? *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-02T10:00Z', '2024-05-03T10:00Z', '2024-05-04T10:00Z'],
    ],
    [
      'cron(15 12 * * ? *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-02T12:15Z', '2024-05-03T12:15Z', '2024-05-04T12:15Z'],
    ],
    [
      'cron(0 18 ? * MON-FRI *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-02T18:00Z', '2024-05-03T18:00Z', '2024-05-06T18:00Z'],
    ],
    [
      'cron(0 8 1 * ? *)',
      '2024-05-02T00:00:00Z',
      ['2024-06-01T08:00Z', '2024-07-01T08:00Z', '2024-08-01T08:00Z'],
    ],
    [
      'cron(0/15 * * * ? *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-02T00:15Z', '2024-05-02T00:30Z', '2024-05-02T00:45Z'],
    ],
    [
      'cron(0/10 * ? * MON-FRI *)',
      '2024-05-03T23:40:00Z',
      ['2024-05-03T23:50Z', '2024-05-06T00:00Z', '2024-05-06T00:10Z'],
    ],
    [
      'cron(0/5 8-17 ? * MON-FRI *)',
      '2024-05-03T17:50:00Z',
      ['2024-05-03T17:55Z', '2024-05-06T08:00Z', '2024-05-06T08:05Z'],
    ],
    [
      'cron(0 9 ? * 2#1 *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-06T09:00Z', '2024-06-03T09:00Z', '2024-07-01T09:00Z'],
    ],
  ])('%s', (expression, from, expected) => {
    expect(fires(expression, from, 3)).toEqual(expected);
  });

  it('fires strictly after from', () => {
    expect(fires('cron(0 10 * * ? *)', '2024-05-02T10:00:00Z', 1)).toEqual(['2024-05-03T10:00Z']);
    expect(fires('cron(0 10 * * ? *)', '2024-05-02T09:59:59.999Z', 1)).toEqual(['2024-05-02T10:00Z']);
  });
});

describe('nextFires: special characters, month ends, leap years, the year field', () => {
  it.each([
    // L: the last day of February, leap and not (2100 is not a leap year).
    [
      'cron(0 0 L 2 ? *)',
      '2023-01-01T00:00:00Z',
      ['2023-02-28T00:00Z', '2024-02-29T00:00Z', '2025-02-28T00:00Z'],
    ],
    [
      'cron(0 0 L 2 ? *)',
      '2099-03-01T00:00:00Z',
      ['2100-02-28T00:00Z', '2101-02-28T00:00Z', '2102-02-28T00:00Z'],
    ],
    [
      'cron(0 0 29 2 ? *)',
      '2024-03-01T00:00:00Z',
      ['2028-02-29T00:00Z', '2032-02-29T00:00Z', '2036-02-29T00:00Z'],
    ],
    // The 31st skips short months.
    [
      'cron(0 0 31 * ? *)',
      '2024-01-01T00:00:00Z',
      ['2024-01-31T00:00Z', '2024-03-31T00:00Z', '2024-05-31T00:00Z'],
    ],
    // LW: the last weekday (Mar 31 2024 is a Sunday, Aug 31 a Saturday).
    [
      'cron(0 0 LW * ? *)',
      '2024-03-01T00:00:00Z',
      ['2024-03-29T00:00Z', '2024-04-30T00:00Z', '2024-05-31T00:00Z'],
    ],
    [
      'cron(0 0 LW 8 ? *)',
      '2024-01-01T00:00:00Z',
      ['2024-08-30T00:00Z', '2025-08-29T00:00Z', '2026-08-31T00:00Z'],
    ],
    // W never crosses the month: Jun 1 2024 is a Saturday (→ Mon 3rd), Aug 31 a Saturday (→ Fri 30th),
    // Jun 30 a Sunday (→ Fri 28th), Sep 15 a Sunday (→ Mon 16th), Mar 15 2024 a Friday (itself).
    ['cron(0 0 1W 6 ? *)', '2024-01-01T00:00:00Z', ['2024-06-03T00:00Z', '2025-06-02T00:00Z']],
    ['cron(0 0 31W 8 ? *)', '2024-01-01T00:00:00Z', ['2024-08-30T00:00Z', '2025-08-29T00:00Z']],
    ['cron(0 0 30W 6 ? *)', '2024-01-01T00:00:00Z', ['2024-06-28T00:00Z', '2025-06-30T00:00Z']],
    ['cron(0 0 15W 9 ? *)', '2024-01-01T00:00:00Z', ['2024-09-16T00:00Z', '2025-09-15T00:00Z']],
    ['cron(0 0 15W 3 ? *)', '2024-01-01T00:00:00Z', ['2024-03-15T00:00Z', '2025-03-14T00:00Z']],
    // nL: the last Friday; L alone: Saturday.
    [
      'cron(0 9 ? * 6L *)',
      '2024-05-01T00:00:00Z',
      ['2024-05-31T09:00Z', '2024-06-28T09:00Z', '2024-07-26T09:00Z'],
    ],
    [
      'cron(0 9 ? * FRIL *)',
      '2024-05-01T00:00:00Z',
      ['2024-05-31T09:00Z', '2024-06-28T09:00Z', '2024-07-26T09:00Z'],
    ],
    [
      'cron(0 9 ? * L *)',
      '2024-05-01T00:00:00Z',
      ['2024-05-04T09:00Z', '2024-05-11T09:00Z', '2024-05-18T09:00Z'],
    ],
    // #: the fifth Friday, only in months that have one.
    [
      'cron(0 9 ? * 6#5 *)',
      '2024-05-01T00:00:00Z',
      ['2024-05-31T09:00Z', '2024-08-30T09:00Z', '2024-11-29T09:00Z'],
    ],
    // AWS numbering 1 = SUN … 7 = SAT; lists, ranges, steps, names.
    [
      'cron(0 9 ? * 1,7 *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-04T09:00Z', '2024-05-05T09:00Z', '2024-05-11T09:00Z'],
    ],
    [
      'cron(0 9 ? * 1-5/2 *)',
      '2024-05-02T00:00:00Z',
      ['2024-05-02T09:00Z', '2024-05-05T09:00Z', '2024-05-07T09:00Z'],
    ],
    [
      'cron(*/20 9-10 1 JAN,JUL ? *)',
      '2024-05-02T00:00:00Z',
      ['2024-07-01T09:00Z', '2024-07-01T09:20Z', '2024-07-01T09:40Z'],
    ],
    [
      'cron(0 0 1 JUL/3 ? *)',
      '2024-01-01T00:00:00Z',
      ['2024-07-01T00:00Z', '2024-10-01T00:00Z', '2025-07-01T00:00Z'],
    ],
    // The year field: no fires after its last year.
    ['cron(0 0 1 1 ? 2025-2026)', '2024-05-02T00:00:00Z', ['2025-01-01T00:00Z', '2026-01-01T00:00Z']],
    ['cron(0 0 1 1 ? 2020)', '2024-05-02T00:00:00Z', []],
    ['cron(59 23 31 12 ? *)', '2199-06-01T00:00:00Z', ['2199-12-31T23:59Z']],
  ])('%s from %s', (expression, from, expected) => {
    expect(fires(expression, from, Math.max(expected.length, 1))).toEqual(expected);
  });

  it('stops after the year field’s last year', () => {
    expect(fires('cron(0 0 1 1 ? 2025-2026)', '2024-05-02T00:00:00Z', 5)).toEqual([
      '2025-01-01T00:00Z',
      '2026-01-01T00:00Z',
    ]);
    expect(fires('cron(0 0 1 1 ? 2020)', '2024-05-02T00:00:00Z', 5)).toEqual([]);
    expect(fires('cron(0 0 1 1 ? *)', '2198-05-02T00:00:00Z', 5)).toEqual(['2199-01-01T00:00Z']);
  });
});

describe('nextFires: daylight saving time, as EventBridge Scheduler runs it', () => {
  const local = (expression: string, from: string, count: number, timeZone: string) =>
    nextFires(parseSchedule(expression), { from: new Date(from), count, timeZone }).map((date) =>
      date.toISOString(),
    );

  it('skips 02:30 in Europe/Berlin on the spring-forward day and runs it once on the fall-back day', () => {
    expect(local('cron(30 2 * * ? *)', '2024-03-29T12:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2024-03-30T01:30:00.000Z', // 02:30 CET
      '2024-04-01T00:30:00.000Z', // 02:30 CEST — March 31 has no 02:30
      '2024-04-02T00:30:00.000Z',
    ]);
    expect(local('cron(30 2 * * ? *)', '2024-10-26T12:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2024-10-27T00:30:00.000Z', // the first 02:30 (CEST); not again at 01:30Z (CET)
      '2024-10-28T01:30:00.000Z',
      '2024-10-29T01:30:00.000Z',
    ]);
  });

  it('skips 02:30 in America/New_York on the spring-forward day and runs 01:30 once on the fall-back day', () => {
    expect(local('cron(30 2 * * ? *)', '2024-03-09T00:00:00Z', 3, 'America/New_York')).toEqual([
      '2024-03-09T07:30:00.000Z', // 02:30 EST
      '2024-03-11T06:30:00.000Z', // 02:30 EDT — March 10 has no 02:30
      '2024-03-12T06:30:00.000Z',
    ]);
    expect(local('cron(30 2 * * ? *)', '2024-11-02T12:00:00Z', 2, 'America/New_York')).toEqual([
      '2024-11-03T07:30:00.000Z', // 02:30 EST, which happens once
      '2024-11-04T07:30:00.000Z',
    ]);
    expect(local('cron(30 1 * * ? *)', '2024-11-02T12:00:00Z', 2, 'America/New_York')).toEqual([
      '2024-11-03T05:30:00.000Z', // the first 01:30 (EDT); not again at 06:30Z (EST)
      '2024-11-04T06:30:00.000Z',
    ]);
  });

  it('runs each minute of a repeated hour once, and none of a skipped hour, for interval schedules', () => {
    expect(local('cron(0/30 2 * * ? *)', '2024-10-26T12:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2024-10-27T00:00:00.000Z',
      '2024-10-27T00:30:00.000Z',
      '2024-10-28T01:00:00.000Z',
    ]);
    expect(local('cron(0/30 2 * * ? *)', '2024-03-30T12:00:00Z', 2, 'Europe/Berlin')).toEqual([
      '2024-04-01T00:00:00.000Z',
      '2024-04-01T00:30:00.000Z',
    ]);
  });

  it('refuses an unknown time zone', () => {
    expect(() =>
      nextFires(parseSchedule('cron(0 10 * * ? *)'), {
        from: new Date(),
        count: 1,
        timeZone: 'Mars/Olympus',
      }),
    ).toThrow(ScheduleError);
  });
});

describe('nextFires: rate()', () => {
  it('fires one period after the start, then every period, strictly after from', () => {
    const start = new Date('2024-05-02T09:00:00Z');
    const schedule = parseSchedule('rate(5 minutes)');
    expect(nextFires(schedule, { from: start, count: 2 }).map((d) => d.toISOString())).toEqual([
      '2024-05-02T09:05:00.000Z',
      '2024-05-02T09:10:00.000Z',
    ]);
    expect(
      nextFires(schedule, { from: new Date('2024-05-02T09:10:00Z'), start, count: 1 }).map((d) =>
        d.toISOString(),
      ),
    ).toEqual(['2024-05-02T09:15:00.000Z']);
  });
});

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

const cronExpression = fc
  .record({
    minutes: fc.constantFrom('0', '30', '0/15', '*/20', '5-10', '0,45', '*'),
    hours: fc.constantFrom('2', '1-3', '*', '0/6', '9,17', '23'),
    days: fc.constantFrom(
      ['*', '?'],
      ['L', '?'],
      ['LW', '?'],
      ['15W', '?'],
      ['1,15', '?'],
      ['31', '?'],
      ['?', 'MON-FRI'],
      ['?', '6L'],
      ['?', '2#1'],
      ['?', '1,7'],
    ),
    month: fc.constantFrom('*', '2', 'MAR-NOV', '1/4'),
    year: fc.constantFrom('*', '2025-2027'),
  })
  .map(
    ({ minutes, hours, days, month, year }) =>
      `cron(${minutes} ${hours} ${days[0]} ${month} ${days[1]} ${year})`,
  );

describe('nextFires: properties', () => {
  it('cron fires are strictly increasing, after from, and each matches the expression on the zone’s wall clock', () => {
    fc.assert(
      fc.property(
        cronExpression,
        fc.constantFrom(...ZONES),
        fc.date({
          min: new Date('2024-01-01T00:00:00Z'),
          max: new Date('2027-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (expression, timeZone, from) => {
          const schedule = parseSchedule(expression) as CronSchedule;
          const result = nextFires(schedule, { from, count: 6, timeZone });
          let previous = from.getTime();
          for (const fire of result) {
            expect(fire.getTime()).toBeGreaterThan(previous);
            expect(fire.getTime() % 60_000).toBe(0);
            expect(matchesWallClock(schedule, wallClock(fire, timeZone))).toBe(true);
            previous = fire.getTime();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('cron fires miss no matching minute in between (checked minute by minute over short windows)', () => {
    fc.assert(
      fc.property(
        cronExpression.filter(
          (expression) => !/ 2025-2027\)$/.test(expression) && / \* \S+ \*\)$/.test(expression),
        ),
        fc.constantFrom(...ZONES),
        fc.date({
          min: new Date('2024-01-01T00:00:00Z'),
          max: new Date('2026-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (expression, timeZone, from) => {
          const schedule = parseSchedule(expression) as CronSchedule;
          const result = nextFires(schedule, { from, count: 3, timeZone });
          const last = result.at(-1);
          if (last === undefined || last.getTime() - from.getTime() > 3 * 86_400_000) return;
          const seen = new Set<string>();
          const expected: number[] = [];
          // Starts three hours early so that a minute first seen before `from` counts as repeated.
          const first = Math.floor(from.getTime() / 60_000 + 1) * 60_000;
          for (let t = first - 3 * 3_600_000; t <= last.getTime(); t += 60_000) {
            const wall = wallClock(new Date(t), timeZone);
            const key = `${wall.year}-${wall.month}-${wall.day} ${wall.hour}:${wall.minute}`;
            const repeated = seen.has(key);
            seen.add(key);
            if (t >= first && !repeated && matchesWallClock(schedule, wall)) expected.push(t);
          }
          expect(result.map((date) => date.getTime())).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rate fires are start + k·period, consecutive, the first after from', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'rate(1 minute)',
          'rate(7 minutes)',
          'rate(1 hour)',
          'rate(5 hours)',
          'rate(1 day)',
          'rate(3 days)',
        ),
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: 0, max: 100 * 86_400_000 }),
        fc.integer({ min: 1, max: 20 }),
        (expression, start, after, count) => {
          const schedule = parseSchedule(expression);
          if (schedule.kind !== 'rate') throw new Error('not rate');
          const from = start + after;
          const result = nextFires(schedule, { from: new Date(from), start: new Date(start), count });
          expect(result).toHaveLength(count);
          const first = result[0]?.getTime() ?? Number.NaN;
          const k0 = (first - start) / schedule.periodMs;
          expect(Number.isInteger(k0) && k0 >= 1).toBe(true);
          expect(first).toBeGreaterThan(from);
          expect(first - schedule.periodMs).toBeLessThanOrEqual(Math.max(from, start));
          expect(result.map((fire) => fire.getTime())).toEqual(
            result.map((_, k) => start + (k0 + k) * schedule.periodMs),
          );
        },
      ),
    );
  });
});

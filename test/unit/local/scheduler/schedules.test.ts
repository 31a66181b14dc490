import { describe, expect, it } from 'vitest';
import {
  dueFires,
  dueRateFires,
  type LocalScheduleDefinition,
  LocalSchedules,
  nextRateFire,
  nextScheduleFire,
  ratePeriodMs,
  ScheduleExpressionError,
  scheduledEvent,
  schedulerInput,
} from '../../../../local/scheduler/schedules.js';
import type { ScheduleDefinition } from '../../../../local/serverless/routes.js';

const START = Date.parse('2024-05-02T09:00:00.250Z');
const MINUTE = 60_000;

describe('ratePeriodMs', () => {
  it.each([
    ['rate(1 minute)', MINUTE],
    ['rate(5 minutes)', 5 * MINUTE],
    ['rate(1 hour)', 60 * MINUTE],
    ['rate(12 hours)', 12 * 60 * MINUTE],
    ['rate(1 day)', 24 * 60 * MINUTE],
    ['rate(7 days)', 7 * 24 * 60 * MINUTE],
  ])('%s is %i ms', (expression, period) => {
    expect(ratePeriodMs(expression)).toBe(period);
  });

  it.each([
    ['rate(1 minutes)', /requires rate\(1 minute\) for a value of 1/],
    ['rate(5 minute)', /requires the plural for a value above 1: rate\(5 minutes\)/],
    ['rate(2 day)', /rate\(2 days\)/],
    ['rate(0 minutes)', /the value must be 1 or more/],
    ['rate(3 seconds)', /the unit must be minute\(s\), hour\(s\) or day\(s\), not seconds/],
    ['rate(1.5 hours)', /expected rate\(<value> <unit>\), e\.g\. rate\(1 minute\)/],
    ['rate(-1 minute)', /expected rate\(<value> <unit>\)/],
    ['rate(1  minute)', /expected rate\(<value> <unit>\)/],
    ['rate(minute)', /expected rate\(<value> <unit>\)/],
    ['every minute', /expected rate\(<value> <unit>\) or cron\(<fields>\)/],
  ])('refuses %s as EventBridge does, saying why', (expression, message) => {
    expect(() => ratePeriodMs(expression)).toThrow(ScheduleExpressionError);
    expect(() => ratePeriodMs(expression)).toThrow(message);
  });

  it('has no period for a cron schedule', () => {
    expect(() => ratePeriodMs('cron(0 9 * * ? *)')).toThrow(
      'cron(0 9 * * ? *): a cron schedule has no fixed period; use nextScheduleFire',
    );
  });
});

describe('nextRateFire', () => {
  it('fires first one period after the rule was created, then one period after each fire', () => {
    expect(nextRateFire('rate(1 minute)', undefined, START)).toBe(START + MINUTE);
    expect(nextRateFire('rate(1 minute)', START + MINUTE, START)).toBe(START + 2 * MINUTE);
    expect(nextRateFire('rate(2 hours)', undefined, START)).toBe(START + 120 * MINUTE);
  });

  it('throws the expression’s error', () => {
    expect(() => nextRateFire('rate(2 minute)', undefined, START)).toThrow(ScheduleExpressionError);
    expect(() => nextRateFire('cron(* * * * ? *)', undefined, START)).toThrow(/no fixed period/);
  });
});

describe('dueRateFires', () => {
  it('lists every fire due by now, none before the first period', () => {
    expect(dueRateFires('rate(1 minute)', undefined, START, START + MINUTE - 1)).toEqual([]);
    expect(dueRateFires('rate(1 minute)', undefined, START, START + MINUTE)).toEqual([START + MINUTE]);
    expect(dueRateFires('rate(1 minute)', START + MINUTE, START, START + 3.5 * MINUTE)).toEqual([
      START + 2 * MINUTE,
      START + 3 * MINUTE,
    ]);
  });
});

describe('nextScheduleFire and dueFires', () => {
  it('fire a rate as nextRateFire does', () => {
    expect(nextScheduleFire('rate(1 minute)', undefined, START)).toBe(START + MINUTE);
    expect(dueFires('rate(1 minute)', START + MINUTE, START, START + 3.5 * MINUTE)).toEqual(
      dueRateFires('rate(1 minute)', START + MINUTE, START, START + 3.5 * MINUTE),
    );
  });

  it('fire a cron at its matching minutes after the start, in UTC or the given zone', () => {
    // START is 2024-05-02T09:00:00.250Z, a Thursday.
    expect(nextScheduleFire('cron(0 9 * * ? *)', undefined, START)).toBe(Date.parse('2024-05-03T09:00:00Z'));
    expect(nextScheduleFire('cron(0 9 * * ? *)', undefined, START, 'Europe/Berlin')).toBe(
      Date.parse('2024-05-03T07:00:00Z'),
    );
    expect(dueFires('cron(0/2 * * * ? *)', undefined, START, START + 5 * MINUTE)).toEqual([
      Date.parse('2024-05-02T09:02:00Z'),
      Date.parse('2024-05-02T09:04:00Z'),
    ]);
    expect(
      dueFires('cron(0/2 * * * ? *)', Date.parse('2024-05-02T09:02:00Z'), START, START + 5 * MINUTE),
    ).toEqual([Date.parse('2024-05-02T09:04:00Z')]);
  });

  it('stop when a cron’s year field has run out', () => {
    expect(nextScheduleFire('cron(0 9 * * ? 2020)', undefined, START)).toBeUndefined();
    expect(dueFires('cron(0 9 * * ? 2020)', undefined, START, START + 365 * 24 * 60 * MINUTE)).toEqual([]);
  });

  it('throw the expression’s error', () => {
    expect(() => nextScheduleFire('cron(0 9 * * * *)', undefined, START)).toThrow(ScheduleExpressionError);
    expect(() => nextScheduleFire('cron(0 9 * * ? *)', undefined, START, 'Nowhere/Land')).toThrow(
      /unknown time zone Nowhere\/Land/,
    );
  });
});

describe('scheduledEvent', () => {
  it('is the envelope EventBridge hands a scheduled rule’s target', () => {
    expect(
      scheduledEvent({
        id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
        account: '000000000000',
        region: 'us-east-1',
        ruleName: 'ecs-ops-local-AlertDashsummaryEventsRuleSchedule1',
        at: START + MINUTE,
      }),
    ).toEqual({
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2024-05-02T09:01:00Z',
      region: 'us-east-1',
      resources: [
        'arn:aws:events:us-east-1:000000000000:rule/ecs-ops-local-AlertDashsummaryEventsRuleSchedule1',
      ],
      detail: {},
    });
  });
});

describe('LocalSchedules', () => {
  const schedule = (name: string, expression: string, extra: Partial<ScheduleDefinition> = {}) =>
    ({
      rule: `${name}Rule`,
      ruleName: `${name}-rule`,
      function: { name, handler: `dist/functions/${name}/index.handler`, environment: {} },
      expression,
      enabled: true,
      method: 'rule',
      timeZone: 'UTC',
      ...extra,
    }) satisfies ScheduleDefinition;

  const setup = (schedules: LocalScheduleDefinition[], invoke = async () => undefined as unknown) => {
    const calls: { name: string; event: unknown }[] = [];
    const warnings: string[] = [];
    const local = new LocalSchedules({
      schedules,
      startedAt: START,
      region: 'us-east-1',
      account: '000000000000',
      invoke: (name, event) => {
        calls.push({ name, event });
        return invoke();
      },
      warn: (text) => warnings.push(text),
      newId: () => 'id-1',
    });
    return { local, calls, warnings };
  };

  it('fires enabled rate schedules on the clock with the Scheduled Event or the schedule’s input', async () => {
    const { local, calls } = setup([
      schedule('summary', 'rate(1 minute)'),
      schedule('digest', 'rate(2 minutes)', { input: { digest: true } }),
      schedule('paused', 'rate(1 minute)', { enabled: false }),
    ]);
    expect(local.functions().map((fn) => fn.name)).toEqual(['summary', 'digest']);
    expect(local.fire(START + 59_999)).toBe(0);
    expect(local.fire(START + MINUTE)).toBe(1);
    expect(local.fire(START + MINUTE + 500)).toBe(0);
    expect(local.fire(START + 2 * MINUTE)).toBe(2);
    await local.settle();
    expect(calls.map((call) => call.name)).toEqual(['summary', 'summary', 'digest']);
    expect(calls[0]?.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2024-05-02T09:01:00Z',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/summary-rule'],
    });
    expect(calls[2]?.event).toEqual({ digest: true });
    expect(local.invocations()).toBe(3);
  });

  it('fires enabled cron schedules at their matching minutes, in UTC or the schedule’s zone', async () => {
    const { local, calls, warnings } = setup([
      schedule('every2', 'cron(0/2 * * * ? *)'),
      schedule('nightly', 'cron(0 3 * * ? *)'),
      { ...schedule('berlin', 'cron(0 11 * * ? *)'), timeZone: 'Europe/Berlin' },
    ]);
    expect(local.functions().map((fn) => fn.name)).toEqual(['every2', 'nightly', 'berlin']);
    expect(local.fire(START + MINUTE)).toBe(0);
    expect(local.fire(Date.parse('2024-05-02T09:02:00Z'))).toBe(1);
    // Until 10:00Z: 09:04 … 10:00 every 2 minutes (29 fires), and 11:00 Berlin (09:00Z) is already past.
    expect(local.fire(Date.parse('2024-05-02T10:00:00Z'))).toBe(29);
    expect(local.fire(Date.parse('2024-05-03T03:00:00Z'))).toBe(17 * 30 + 1);
    expect(local.fire(Date.parse('2024-05-03T09:00:00Z'))).toBe(6 * 30 + 1);
    await local.settle();
    expect(calls[0]?.event).toMatchObject({ time: '2024-05-02T09:02:00Z' });
    expect(calls.filter((call) => call.name === 'nightly')).toHaveLength(1);
    expect(calls.filter((call) => call.name === 'berlin')).toMatchObject([
      { event: { time: '2024-05-03T09:00:00Z' } },
    ]);
    expect(warnings).toEqual([]);
  });

  it('says when its next schedule fires, so a driver can stop its clock there', () => {
    const { local } = setup([
      schedule('summary', 'rate(1 minute)'),
      schedule('digest', 'rate(2 minutes)'),
      schedule('paused', 'rate(1 minute)', { enabled: false }),
    ]);
    expect(local.nextDueAt()).toBe(START + MINUTE);
    local.fire(START + MINUTE);
    expect(local.nextDueAt()).toBe(START + 2 * MINUTE);
    expect(setup([schedule('paused', 'rate(1 minute)', { enabled: false })]).local.nextDueAt()).toBe(
      undefined,
    );
  });

  it('hands a Scheduler schedule its input with <aws.scheduler.scheduled-time> replaced by the fire time', async () => {
    const { local, calls } = setup([
      schedule('launch', 'rate(1 minute)', {
        method: 'scheduler',
        timeZone: 'Europe/Paris',
        input: { job: 'report', scheduledTime: '<aws.scheduler.scheduled-time>' },
      }),
      schedule('rule', 'rate(1 minute)', { input: { at: '<aws.scheduler.scheduled-time>' } }),
    ]);
    expect(local.fire(START + MINUTE)).toBe(2);
    await local.settle();
    expect(calls.map((call) => call.event)).toEqual([
      { job: 'report', scheduledTime: '2024-05-02T09:01:00Z' },
      // An EventBridge rule knows no such placeholder: its input is delivered as written.
      { at: '<aws.scheduler.scheduled-time>' },
    ]);
    expect(schedulerInput(['<aws.scheduler.scheduled-time>', 3], START)).toEqual(['2024-05-02T09:00:00Z', 3]);
  });

  it('refuses a cron EventBridge would refuse, naming the function, before anything fires', () => {
    expect(() => setup([schedule('nightly', 'cron(0 3 * * * *)')])).toThrow(
      /nightly schedule cron\(0 3 \* \* \* \*\): day-of-month and day-of-week cannot both be set; use \? in one/,
    );
  });

  it('refuses a rate EventBridge would refuse, naming the function, before anything fires', () => {
    expect(() => setup([schedule('summary', 'rate(1 minutes)')])).toThrow(
      /summary schedule rate\(1 minutes\): EventBridge requires rate\(1 minute\)/,
    );
  });

  it('reports a failed invocation as a warning and keeps firing', async () => {
    const { local, warnings } = setup([schedule('summary', 'rate(1 minute)')], async () => {
      throw new Error('boom');
    });
    local.fire(START + 2 * MINUTE);
    await local.settle();
    expect(warnings).toEqual([
      'summary (rate(1 minute)) failed: boom',
      'summary (rate(1 minute)) failed: boom',
    ]);
  });
});

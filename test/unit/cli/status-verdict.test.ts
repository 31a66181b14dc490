/**
 * The verdict of `ecs-ops status`: the problems the gathered facts show against the selfMonitoring thresholds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlarmFacts,
  type DeadLetterQueueFacts,
  problemsOf,
  type StatusFacts,
  type Thresholds,
  verdictLine,
} from '../../../cli/status-model.js';

const AT = '2026-01-01T12:00:00.000Z';
const THRESHOLDS: Thresholds = { queueAgeSeconds: 300, lagSeconds: 60, missedRuns: 3 };
const minutesAgo = (minutes: number) => new Date(Date.parse(AT) - minutes * 60_000).toISOString();

const healthy = (): StatusFacts => ({
  at: AT,
  deployment: {
    stage: 'dev',
    region: 'us-east-1',
    store: 'aws',
    table: 'ecs-ops-dev-state',
    tableAnswers: true,
  },
  stack: {
    name: 'ecs-ops-dev',
    outputs: { AlertTopicArn: 'arn:aws:sns:us-east-1:111122223333:ecs-ops-alerts-dev' },
  },
  queues: [
    {
      name: 'ecs-events',
      queue: 'ecs-ops-dev-EcsEventsQueue',
      messages: 3,
      inFlight: 1,
      oldestAgeSeconds: 12,
    },
  ],
  deadLetterQueues: [
    {
      name: 'ecs-events',
      queue: 'ecs-ops-dev-EcsEventsDeadLetterQueue',
      messages: 0,
      inFlight: 0,
      hint: null,
    },
  ],
  functions: [
    {
      name: 'scale',
      functionName: 'ecs-ops-dev-scale',
      periodSeconds: 60,
      windowSeconds: 3600,
      lastRun: minutesAgo(1),
      failed: false,
    },
    {
      name: 'launch',
      functionName: 'ecs-ops-dev-launch',
      periodSeconds: null,
      windowSeconds: 3600,
      lastRun: null,
      failed: null,
    },
  ],
  lag: { p50Seconds: 0.4, p99Seconds: 2 },
  drains: [],
  jobs: [],
  alarms: [],
  unread: [],
  partial: null,
});

type Change = (facts: StatusFacts) => void;
const kinds = (change: Change) => {
  const facts = healthy();
  change(facts);
  return problemsOf(facts, THRESHOLDS).map((problem) => problem.kind);
};
const functionAt = (facts: StatusFacts, index: number) =>
  (facts.functions ?? [])[index] as NonNullable<StatusFacts['functions']>[number];

describe('problemsOf', () => {
  it('finds none in healthy facts', () => {
    expect(problemsOf(healthy(), THRESHOLDS)).toEqual([]);
    expect(verdictLine([])).toBe('healthy');
  });

  it.each<[string, Change, string[]]>([
    ['the table does not answer', (f) => Object.assign(f.deployment, { tableAnswers: false }), ['table']],
    ['a dead letter', (f) => Object.assign(f.deadLetterQueues?.[0] ?? {}, { messages: 1 }), ['dead-letters']],
    [
      'a dead letter in flight',
      (f) => Object.assign(f.deadLetterQueues?.[0] ?? {}, { inFlight: 2 }),
      ['dead-letters'],
    ],
    [
      'an alarm in ALARM',
      (f) => {
        f.alarms = [
          { name: 'ecs-ops-dev-alerts-dead-letters', severity: 'critical', reason: 'x', since: null },
        ];
      },
      ['alarm'],
    ],
    [
      'a queue at the age threshold',
      (f) => Object.assign(f.queues?.[0] ?? {}, { oldestAgeSeconds: 300 }),
      [],
    ],
    [
      'a queue older than it',
      (f) => Object.assign(f.queues?.[0] ?? {}, { oldestAgeSeconds: 301 }),
      ['queue-age'],
    ],
    ['a queue without age data', (f) => Object.assign(f.queues?.[0] ?? {}, { oldestAgeSeconds: null }), []],
    ['p99 lag at the threshold', (f) => Object.assign(f.lag ?? {}, { p99Seconds: 60 }), []],
    ['p99 lag over it', (f) => Object.assign(f.lag ?? {}, { p99Seconds: 61 }), ['lag']],
    ['p50 lag over it alone', (f) => Object.assign(f.lag ?? {}, { p50Seconds: 90 }), []],
    ['a run 3 periods ago', (f) => Object.assign(functionAt(f, 0), { lastRun: minutesAgo(4) }), []],
    [
      'a run more than 3 periods ago',
      (f) => Object.assign(functionAt(f, 0), { lastRun: minutesAgo(5) }),
      ['not-run'],
    ],
    [
      'no run in the window',
      (f) => Object.assign(functionAt(f, 0), { lastRun: null, failed: null }),
      ['not-run'],
    ],
    [
      'no run in a window shorter than 3 periods',
      (f) => Object.assign(functionAt(f, 0), { lastRun: null, periodSeconds: 1800, windowSeconds: 3600 }),
      [],
    ],
    [
      'a failed last run (its errors alarm says it)',
      (f) => Object.assign(functionAt(f, 0), { failed: true }),
      [],
    ],
    ['a function without a period', (f) => Object.assign(functionAt(f, 1), { lastRun: minutesAgo(50) }), []],
    ['a source not read', (f) => f.unread.push({ source: 'alarms', reason: 'AccessDenied' }), ['unread']],
    [
      'the partial local view',
      (f) =>
        Object.assign(f, { queues: null, deadLetterQueues: null, functions: null, lag: null, alarms: null }),
      [],
    ],
  ])('%s', (_name, change, expected) => {
    expect(kinds(change)).toEqual(expected);
  });

  it('says what to run about a dead-letter queue, and counts problems in the verdict', () => {
    const facts = healthy();
    Object.assign(facts.deadLetterQueues?.[0] ?? {}, { messages: 1 });
    facts.alarms = [{ name: 'ecs-ops-dev-x', severity: 'high', reason: 'r', since: null }];
    const problems = problemsOf(facts, THRESHOLDS);
    expect(problems.map((problem) => problem.text)).toEqual([
      'dead-letter queue ecs-events holds 1 message: ecs-ops dlq list ecs-events',
      'alarm ecs-ops-dev-x is in ALARM (high)',
    ]);
    expect(verdictLine(problems)).toBe('2 problems');
    expect(verdictLine(problems.slice(1))).toBe('1 problem');
  });

  it('any dead-letter queue holding a message, and any alarm in ALARM, is a problem', () => {
    const queue = fc.record({
      name: fc.stringMatching(/^[a-z][a-z-]{0,12}$/),
      messages: fc.nat(1000),
      inFlight: fc.nat(1000),
    });
    const alarm = fc.record({
      name: fc.string({ minLength: 1, maxLength: 20 }),
      severity: fc.constantFrom('critical', 'high', 'medium', null),
      reason: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(queue, { maxLength: 6 }), fc.array(alarm, { maxLength: 6 }), (queues, alarms) => {
        const facts = healthy();
        facts.deadLetterQueues = queues.map(
          (q): DeadLetterQueueFacts => ({ ...q, queue: `ecs-ops-dev-${q.name}`, hint: null }),
        );
        facts.alarms = alarms.map((a): AlarmFacts => ({ ...a, since: null }));
        const problems = problemsOf(facts, THRESHOLDS);
        const held = queues.filter((q) => q.messages + q.inFlight > 0);
        expect(problems.filter((p) => p.kind === 'dead-letters').map((p) => p.subject)).toEqual(
          held.map((q) => q.name),
        );
        expect(problems.filter((p) => p.kind === 'alarm')).toHaveLength(alarms.length);
        expect(problems.length === 0).toBe(held.length === 0 && alarms.length === 0);
      }),
    );
  });
});

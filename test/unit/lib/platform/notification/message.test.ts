/**
 * The form every page takes (lib/platform/notification/message.ts): the `[ecs-ops]` subject that fits SNS's
 * limit, reasons cut with a note of how much, and the attributes subscribers filter on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  foundLateLines,
  messageAttributes,
  messageDocument,
  pageSubject,
  REASON_MAX,
  SUBJECT_MAX,
  subjectSummary,
  truncateText,
} from '../../../../../lib/platform/notification/message.js';

describe('pageSubject', () => {
  it.each([
    {
      template: 'job {0} failed to launch in {1}',
      values: ['nightly', 'batch'],
      subject: '[ecs-ops] HIGH: job nightly failed to launch in batch',
    },
    {
      template: '{0} OOM-killed in {1}',
      values: ['api\nserver', 'prod'],
      subject: '[ecs-ops] HIGH: api server OOM-killed in prod',
    },
    { template: '{0} stopped in {1}', values: ['café', ''], subject: '[ecs-ops] HIGH: caf? stopped in ?' },
    {
      template: 'job {0} failed: {2} in {1}',
      values: ['report', 'batch', 'timed out'],
      subject: '[ecs-ops] HIGH: job report failed: timed out in batch',
    },
  ])('$template with $values → $subject', ({ template, values, subject }) => {
    expect(pageSubject('HIGH', template, values)).toBe(subject);
  });

  it('shortens the longest values alike and keeps the template’s words', () => {
    const subject = pageSubject('MEDIUM', '{0} released at its drain deadline with {1}', [
      'i-'.padEnd(80, 'a'),
      'x'.repeat(80),
    ]);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(/^\[ecs-ops\] MEDIUM: i-a+\.\.\. released at its drain deadline with x+\.\.\.$/);
  });

  it('cuts the template itself only when nothing else is left to cut', () => {
    expect(pageSubject('LOW', `${'x'.repeat(120)} {0}`, ['name'])).toHaveLength(SUBJECT_MAX);
  });

  it('is one line of printable ASCII within SNS’s limit for any values (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    fc.assert(
      fc.property(text, text, (first, second) => {
        const subject = pageSubject('CRITICAL', '{0} failed in {1}', [first, second]);
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
        expect(subject).toMatch(/^\[ecs-ops\] CRITICAL: [\x20-\x7e]*$/);
      }),
    );
  });
});

describe('truncateText', () => {
  it.each([
    { text: 'short', max: REASON_MAX, cut: 'short' },
    { text: 'x'.repeat(REASON_MAX), max: REASON_MAX, cut: 'x'.repeat(REASON_MAX) },
    { text: 'abcdef', max: 3, cut: 'abc… (3 more characters)' },
    { text: 'ab   cdef', max: 5, cut: 'ab… (4 more characters)' },
  ])('$text at most $max → $cut', ({ text, max, cut }) => {
    expect(truncateText(text, max)).toBe(cut);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [42_999, '42s'],
    [252_000, '4m 12s'],
    [3_612_000, '1h 0m 12s'],
    [90_061_000, '1d 1h 1m'],
    [-1, 'unknown'],
  ])('formats %i ms as %s', (ms, words) => {
    expect(formatDuration(ms)).toBe(words);
  });
});

describe('foundLateLines: how a late page opens (resync found the stop, its ECS event never arrived)', () => {
  it('says when resync found it, that the event never arrived, and how long after the stop', () => {
    expect(foundLateLines('2024-05-01T13:40:00Z', '2024-05-01T13:28:19.836Z')).toEqual([
      'Found by resync at 2024-05-01T13:40:00.000Z:',
      'the ECS event for this stop never arrived, so this page is late',
      '(stopped 11m 40s before it was noticed).',
    ]);
  });

  it('reads as one sentence', () => {
    expect(foundLateLines('2024-05-01T13:40:00.000Z', '2024-05-01T13:39:18.000Z').join(' ')).toBe(
      'Found by resync at 2024-05-01T13:40:00.000Z: the ECS event for this stop never arrived, ' +
        'so this page is late (stopped 42s before it was noticed).',
    );
  });

  it.each([
    { why: 'no stop time', stoppedAt: undefined, last: '(when it stopped is unknown).' },
    { why: 'an unreadable stop time', stoppedAt: 'yesterday', last: '(when it stopped is unknown).' },
    {
      why: 'a stop time after the noticing (clocks disagree)',
      stoppedAt: '2024-05-01T13:40:01.000Z',
      last: '(stopped 0s before it was noticed).',
    },
  ])('says so plainly for $why', ({ stoppedAt, last }) => {
    expect(foundLateLines('2024-05-01T13:40:00.000Z', stoppedAt)[2]).toBe(last);
  });
});

describe('messageAttributes', () => {
  it('keeps the attributes that have a value, leaving out absent and empty ones (SNS refuses them)', () => {
    expect(
      messageAttributes({
        kind: 'incident',
        cluster: 'prod',
        group: '',
        service: undefined,
        severity: 'critical',
        class: 'oom',
      }),
    ).toEqual({ kind: 'incident', cluster: 'prod', severity: 'critical', class: 'oom' });
  });
});

describe('messageDocument: the JSON machines receive', () => {
  it('carries the facts, the severity, and the key and action a pager forwarder needs', () => {
    expect(
      messageDocument({
        subject: '[ecs-ops] HIGH: job report failed: timed out in batch',
        text: 'Job report timed out.',
        json: { kind: 'job-run-failed', job: 'report' },
        attributes: { cluster: 'batch', severity: 'high', class: 'job-timeout' },
        severity: 'high',
        dedupKey: 'job#report#2024-05-02T02:30:00.000Z',
        action: 'trigger',
      }),
    ).toEqual({
      kind: 'job-run-failed',
      job: 'report',
      severity: 'high',
      dedupKey: 'job#report#2024-05-02T02:30:00.000Z',
      action: 'trigger',
    });
  });
});

describe('subjectSummary', () => {
  it('is the subject without the [ecs-ops] prefix: the pager or chat names the sender itself', () => {
    expect(subjectSummary('[ecs-ops] CRITICAL: api OOM-killed in prod')).toBe(
      'CRITICAL: api OOM-killed in prod',
    );
    expect(subjectSummary('api OOM-killed in prod')).toBe('api OOM-killed in prod');
  });
});

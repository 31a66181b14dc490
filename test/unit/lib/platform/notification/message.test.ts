/**
 * The form every page takes (lib/platform/notification/message.ts): the `[ecs-ops]` subject that fits SNS's
 * limit, reasons cut with a note of how much, and the attributes subscribers filter on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  messageAttributes,
  pageSubject,
  REASON_MAX,
  SUBJECT_MAX,
  truncateText,
} from '../../../../../lib/platform/notification/message.js';

describe('pageSubject', () => {
  it.each([
    {
      template: 'job {0} failed to launch in {1}',
      values: ['nightly', 'batch'],
      subject: '[ecs-ops] job nightly failed to launch in batch',
    },
    {
      template: '{0} OOM-killed in {1}',
      values: ['api\nserver', 'prod'],
      subject: '[ecs-ops] api server OOM-killed in prod',
    },
    { template: '{0} stopped in {1}', values: ['café', ''], subject: '[ecs-ops] caf? stopped in ?' },
    {
      template: 'job {0} failed: {2} in {1}',
      values: ['report', 'batch', 'timed out'],
      subject: '[ecs-ops] job report failed: timed out in batch',
    },
  ])('$template with $values → $subject', ({ template, values, subject }) => {
    expect(pageSubject(template, values)).toBe(subject);
  });

  it('shortens the longest values alike and keeps the template’s words', () => {
    const subject = pageSubject('{0} released at its drain deadline with {1}', [
      'i-'.padEnd(80, 'a'),
      'x'.repeat(80),
    ]);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(/^\[ecs-ops\] i-a+\.\.\. released at its drain deadline with x+\.\.\.$/);
  });

  it('cuts the template itself only when nothing else is left to cut', () => {
    expect(pageSubject(`${'x'.repeat(120)} {0}`, ['name'])).toHaveLength(SUBJECT_MAX);
  });

  it('is one line of printable ASCII within SNS’s limit for any values (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    fc.assert(
      fc.property(text, text, (first, second) => {
        const subject = pageSubject('{0} failed in {1}', [first, second]);
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
        expect(subject).toMatch(/^\[ecs-ops\] [\x20-\x7e]*$/);
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

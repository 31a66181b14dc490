import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientTokenOf,
  jobOfStartedBy,
  MAX_CLIENT_TOKEN,
  MAX_STARTED_BY,
  manualClientTokenOf,
  startedByOf,
} from '../../../../lib/jobs/identity.js';

const jobName = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
/** Whole minutes between 1970 and 2199, the schedule parser's years. */
const slot = fc.integer({ min: 0, max: 7_258_118_400_000 / 60_000 - 1 }).map((m) => new Date(m * 60_000));
const printableAscii = /^[\x21-\x7e]+$/;

describe('startedBy', () => {
  it.each([
    ['nightly', 'ecs-ops-job/nightly'],
    ['etl_hourly-2', 'ecs-ops-job/etl_hourly-2'],
  ])('of %s is %s', (job, startedBy) => {
    expect(startedByOf(job)).toBe(startedBy);
    expect(jobOfStartedBy(startedBy)).toBe(job);
  });

  it.each([
    ['a service deployment id', 'ecs-svc/1234567890123456789'],
    ['another tool', 'events-rule/nightly'],
    ['an empty job', 'ecs-ops-job/'],
    ['a job name with a slash', 'ecs-ops-job/a/b'],
    ['nothing', undefined],
  ])('belongs to no job for %s', (_, startedBy) => {
    expect(jobOfStartedBy(startedBy)).toBeUndefined();
  });

  it('refuses a name that is not a job name', () => {
    expect(() => startedByOf('my job')).toThrow('"my job" is not a job name');
  });

  it('round-trips every job name within RunTask’s 128 characters of [A-Za-z0-9/_-]', () => {
    fc.assert(
      fc.property(jobName, (job) => {
        const startedBy = startedByOf(job);
        expect(startedBy.length).toBeLessThanOrEqual(MAX_STARTED_BY);
        expect(startedBy).toMatch(/^[A-Za-z0-9/_-]+$/);
        expect(jobOfStartedBy(startedBy)).toBe(job);
      }),
    );
  });
});

describe('clientToken', () => {
  const at = new Date('2024-05-02T02:30:00Z');

  it('shows the slot and attempt, then a hash', () => {
    expect(clientTokenOf('nightly', at)).toMatch(/^s20240502T0230Z-1-[A-Za-z0-9_-]{40}$/);
    expect(clientTokenOf('nightly', at, 3)).toMatch(/^s20240502T0230Z-3-/);
  });

  it('is the same for a doubled delivery of a slot, to the minute', () => {
    expect(clientTokenOf('nightly', new Date('2024-05-02T02:30:59.999Z'))).toBe(clientTokenOf('nightly', at));
  });

  it('differs for another job, slot or attempt', () => {
    const token = clientTokenOf('nightly', at);
    expect(clientTokenOf('nightly2', at)).not.toBe(token);
    expect(clientTokenOf('nightly', new Date('2024-05-02T02:31:00Z'))).not.toBe(token);
    expect(clientTokenOf('nightly', at, 2)).not.toBe(token);
  });

  it.each([
    [
      'attempt 0',
      () => clientTokenOf('nightly', at, 0),
      'attempt: expected a whole number from 1 to 99, got 0',
    ],
    ['an invalid slot', () => clientTokenOf('nightly', new Date(Number.NaN)), 'slot: not a valid time'],
    ['an invalid job', () => clientTokenOf('', at), '"" is not a job name'],
    ['an empty request id', () => manualClientTokenOf('nightly', ''), 'requestId: expected a request id'],
  ])('refuses %s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  it('is at most 64 printable ASCII characters, and equal exactly for equal inputs', () => {
    fc.assert(
      fc.property(
        jobName,
        jobName,
        slot,
        slot,
        fc.integer({ min: 1, max: 99 }),
        (jobA, jobB, slotA, slotB, n) => {
          const a = clientTokenOf(jobA, slotA, n);
          expect(a.length).toBeLessThanOrEqual(MAX_CLIENT_TOKEN);
          expect(a).toMatch(printableAscii);
          expect(clientTokenOf(jobA, new Date(slotA.getTime() + 59_999), n)).toBe(a);
          const same = jobA === jobB && slotA.getTime() === slotB.getTime();
          expect(clientTokenOf(jobB, slotB, n) === a).toBe(same);
        },
      ),
    );
  });

  it('of a manual run is at most 64 characters, from the job and request id, and never a slot’s', () => {
    fc.assert(
      fc.property(jobName, fc.string({ minLength: 1, maxLength: 200 }), slot, (job, requestId, at) => {
        const token = manualClientTokenOf(job, requestId);
        expect(token.length).toBeLessThanOrEqual(MAX_CLIENT_TOKEN);
        expect(token).toMatch(printableAscii);
        expect(manualClientTokenOf(job, requestId)).toBe(token);
        expect(manualClientTokenOf(job, `${requestId}x`)).not.toBe(token);
        expect(token).not.toBe(clientTokenOf(job, at));
      }),
    );
  });
});

/**
 * A failed run's page (lib/jobs/render.ts): on time from its STOPPED event, and late — marked, and saying so
 * first — when resync found the stop that completed the run because its event never arrived.
 */
import { describe, expect, it } from 'vitest';
import { type RunFailureAlert, renderLaunchFailure, renderRunFailure } from '../../../../lib/jobs/render.js';
import { SUBJECT_MAX } from '../../../../lib/platform/notification/message.js';

const TASK = 'arn:aws:ecs:us-east-1:111122223333:task/batch/0123456789abcdef0123456789abcdef';
// The task stopped at 02:31:05Z; resync noticed it 4 minutes 12 seconds later.
const STOPPED_AT = '2024-05-02T02:31:05.000Z';
const FOUND_AT = '2024-05-02T02:35:17.000Z';

const failure = (overrides: Partial<RunFailureAlert> = {}): RunFailureAlert => ({
  job: 'report',
  cluster: 'batch',
  slot: '2024-05-02T02:30:00.000Z',
  tasks: [TASK],
  outcome: {
    result: 'failed',
    exitCodes: { report: 1 },
    reason: 'task 0123456789abcdef0123456789abcdef: EssentialContainerExited (report exited 1)',
    durationSeconds: 61,
  },
  ...overrides,
});

describe('renderRunFailure: a run completed from a stop resync found', () => {
  const late = failure({ foundByResync: { at: FOUND_AT, stoppedAt: STOPPED_AT } });

  it('marks the subject late, before the words that say what happened', () => {
    expect(renderRunFailure(failure()).subject).toBe(
      '[ecs-ops] HIGH: job report failed: report exited 1 in batch',
    );
    expect(renderRunFailure(late).subject).toBe(
      '[ecs-ops] HIGH: [late] job report failed: report exited 1 in batch',
    );
  });

  it('opens the body with when resync found it, why the page is late and by how much; the rest as on time', () => {
    const onTime = renderRunFailure(failure()).text;

    const { text } = renderRunFailure(late);

    expect(text.split('\n').slice(0, 4)).toEqual([
      'Found by resync at 2024-05-02T02:35:17.000Z:',
      'the ECS event for this stop never arrived, so this page is late',
      '(stopped 4m 12s before it was noticed).',
      '',
    ]);
    expect(text.split('\n').slice(4).join('\n')).toBe(onTime);
    expect(onTime).not.toContain('resync');
  });

  it('tells machines it was found by resync, and when; the attributes stay those of a job failure', () => {
    const message = renderRunFailure(late);

    expect(message.json).toMatchObject({
      kind: 'job-run-failed',
      foundBy: 'resync',
      foundByResyncAt: FOUND_AT,
    });
    expect(renderRunFailure(failure()).json).not.toHaveProperty('foundBy');
    expect(message.attributes).toEqual(renderRunFailure(failure()).attributes);
  });

  it('marks a late timeout too, and keeps a long job name within SNS’s limit', () => {
    const { subject } = renderRunFailure({
      ...late,
      job: 'a-very-long-job-name-'.repeat(8),
      outcome: { ...late.outcome, result: 'timed-out', reason: 'task x: ecs-ops: timed out after 1 minute' },
    });

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(
      /^\[ecs-ops\] HIGH: \[late\] job a-very-long-job-name-.*\.\.\. failed: timed out in batch$/,
    );
  });
});

describe('a job page: its severity, its key and where to look next', () => {
  it('is of severity high in its subject, attributes and JSON, deduplicated by the run', () => {
    const page = renderRunFailure(failure());

    expect(page.severity).toBe('high');
    expect(page.attributes).toEqual({
      kind: 'job-run-failed',
      cluster: 'batch',
      severity: 'high',
      class: 'job-failure',
      job: 'report',
    });
    expect(page.json).toMatchObject({ severity: 'high' });
    expect(page).toMatchObject({ dedupKey: 'job#report#2024-05-02T02:30:00.000Z', action: 'trigger' });
  });

  it('names the command to run next in the body and, for a chat card, in the JSON', () => {
    const page = renderRunFailure(failure());

    expect(page.text.split('\n').at(-1)).toBe('See: ecs-ops jobs history report');
    expect(page.json.commands).toEqual(['ecs-ops jobs history report']);
  });

  it('says the same of a launch that failed', () => {
    const page = renderLaunchFailure({
      job: 'report',
      cluster: 'batch',
      slot: '2024-05-02T02:30:00.000Z',
      taskDefinition: 'report:3',
      attempts: 3,
      reason: 'RESOURCE:MEMORY',
    });

    expect(page.subject).toBe('[ecs-ops] HIGH: job report failed to launch in batch');
    expect(page.attributes).toMatchObject({
      kind: 'job-launch-failed',
      severity: 'high',
      class: 'job-launch',
    });
    expect(page).toMatchObject({ dedupKey: 'job#report#2024-05-02T02:30:00.000Z', action: 'trigger' });
  });
});

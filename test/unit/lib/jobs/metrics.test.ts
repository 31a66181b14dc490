import { InternalErrorException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { JobRunOutcome } from '../../../../lib/jobs/job-runs.js';
import type { LaunchOutcome } from '../../../../lib/jobs/launch-plan.js';
import { jobRunMetrics, jobTimeoutMetrics, launchMetrics } from '../../../../lib/jobs/metrics.js';
import { failedRecord } from '../../../../lib/platform/dead-letters/dead-letter.js';

const launch = (outcome: LaunchOutcome) =>
  Object.fromEntries(
    launchMetrics({ job: 'report', slot: '2024-05-02T02:30:00.000Z', outcome, tasks: [], reason: '' }).map(
      ({ name, value }) => [name, value],
    ),
  );

describe('launchMetrics', () => {
  it('counts a launch, a launch that gave up and a missed slot by the launch’s outcome', () => {
    const none = { JobLaunches: 0, JobLaunchFailures: 0, JobSlotsMissed: 0, PublishFailures: 0 };
    expect(launch('launched')).toEqual({ ...none, JobLaunches: 1 });
    expect(launch('replaced')).toEqual({ ...none, JobLaunches: 1 });
    expect(launch('partial')).toEqual({ ...none, JobLaunches: 1, JobLaunchFailures: 1 });
    expect(launch('failed')).toEqual({ ...none, JobLaunchFailures: 1 });
    expect(launch('past-deadline')).toEqual({ ...none, JobSlotsMissed: 1 });
    for (const outcome of ['skipped', 'disabled', 'duplicate'] as const)
      expect(launch(outcome)).toEqual(none);
  });

  it('has every metric in the catalogue’s units', () => {
    const summary = { job: 'report', slot: '', outcome: 'launched' as const, tasks: [], reason: '' };
    expect(launchMetrics(summary).map(({ unit }) => unit)).toEqual(['Count', 'Count', 'Count', 'Count']);
  });
});

describe('jobRunMetrics', () => {
  it('counts the runs completed failed or timed out, and failed publishes', () => {
    // The already-completed run that pages: an earlier delivery completed it, and its publish failed.
    const completed = {
      job: 'report',
      slot: 's',
      exitCodes: {},
      durationSeconds: 1,
      reason: '',
      alerted: true,
    };
    const outcomes: JobRunOutcome[] = [
      { id: '1', outcome: 'completed', result: 'succeeded', ...completed },
      { id: '2', outcome: 'completed', result: 'failed', ...completed },
      { id: '3', outcome: 'completed', result: 'timed-out', ...completed },
      { id: '4', outcome: 'already-completed', job: 'report', slot: 's', status: 'failed', alerted: false },
      { id: '6', outcome: 'already-completed', job: 'report', slot: 's', status: 'failed', alerted: true },
      failedRecord('5', new InternalErrorException({ message: 'SNS is down', $metadata: {} })),
    ];

    expect(jobRunMetrics(outcomes)).toEqual([
      { name: 'JobRunsFailed', unit: 'Count', value: 3 },
      { name: 'PublishFailures', unit: 'Count', value: 1 },
    ]);
  });
});

describe('jobTimeoutMetrics', () => {
  it('counts the runs whose tasks the sweep stopped', () => {
    const run = { job: 'report', slot: 's', tasks: ['t'], reason: 'ecs-ops: timed out after 1 minute' };
    expect(jobTimeoutMetrics([run, run])).toEqual([{ name: 'JobRunsTimedOut', unit: 'Count', value: 2 }]);
    expect(jobTimeoutMetrics([])).toEqual([{ name: 'JobRunsTimedOut', unit: 'Count', value: 0 }]);
  });
});

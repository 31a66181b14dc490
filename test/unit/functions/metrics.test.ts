/**
 * What the functions write for CloudWatch, read back from the EMF lines Powertools Metrics puts on stdout: the
 * namespace, the dimensions every metric has (service, stage, function) and each function's metric set, when
 * its handler runs on test doubles. The metric sets' values are the mapping functions' (test/unit/lib/**
 * /metrics.test.ts); here, that each handler emits them, and how.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { createHandler as createAlarm } from '../../../functions/alarm.js';
import { createHandler as createAlertSummary } from '../../../functions/alert-summary.js';
import { createHandler as createDrain } from '../../../functions/drain.js';
import { createHandler as createDrainSweeper } from '../../../functions/drain-sweeper.js';
import { createHandler as createJobTimeouts } from '../../../functions/job-timeouts.js';
import { createHandler as createReconcile } from '../../../functions/reconcile.js';
import { createHandler as createScale } from '../../../functions/scale.js';
import type { AlarmState } from '../../../lib/alarms/state-change.js';
import type { SweepDependencies } from '../../../lib/alerts/sweep.js';
import type { Drainer, DrainReport } from '../../../lib/drain/drainer.js';
import { SPOT_INTERRUPTION_WARNING } from '../../../lib/drain/events.js';
import { JobsConfig } from '../../../lib/jobs/config.js';
import type { TimeoutSweeperDependencies } from '../../../lib/jobs/timeouts.js';
import { functionLogger } from '../../../lib/platform/handler/handler.js';
import { metricDimensions } from '../../../lib/platform/metrics.js';
import type { ScalerDependencies } from '../../../lib/scaling/scaler.js';
import { alarmStateChange } from '../../support/alarm-events.js';
import { body, sqsEvent, taskEvent } from '../../support/fixtures.js';
import { fargateJob } from '../../support/jobs-harness.js';
import { lambdaContext } from '../../support/lambda-context.js';
import { captureLogLines } from '../../support/log-lines.js';
import { emittedMetrics, handlerEnvironment, metricValues } from '../../support/metrics.js';

const NOW = new Date('2024-05-01T12:01:00.000Z');

/** A CloudWatch state change of ecs-ops' reconcile-errors alarm of stage prod, as its queue delivers it. */
const alarmChange = (state: AlarmState, previous: AlarmState, timestamp: string) =>
  alarmStateChange({
    alarm: 'ecs-ops-prod-reconcile-errors',
    state,
    previous,
    timestamp,
    description: '[high] reconcile failed records',
  });
const dimensionsOf = (name: string) => metricDimensions('test', name);

/** A drainer whose every step reports `report`. */
const drainerReporting = (...reports: DrainReport[]) => {
  const next = () => reports.shift() ?? { step: 'ignored' as const, explanation: 'nothing left' };
  return {
    start: async () => next(),
    observeEvent: async () => next(),
    sweep: async () => reports.splice(0),
  } as unknown as Drainer;
};

const released = (reason: 'empty' | 'deadline'): DrainReport => ({
  ec2InstanceId: 'i-0abc1234def567890',
  step: 'released',
  explanation: reason,
  release: { at: NOW.toISOString(), reason, remaining: [] },
});

describe('the functions’ metrics', () => {
  beforeEach(() => {
    handlerEnvironment({ emf: true });
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
  });
  afterEach(() => vi.useRealTimers());

  it('go to the ecs-ops namespace with the stage and the function, and the cold start is counted once', async () => {
    // Prepare: a container Lambda started for an invocation (Powertools counts cold starts only then).
    const lines = captureLogLines();
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const handler = createDrainSweeper(
      () => ({ drainer: drainerReporting() }),
      functionLogger('drain-sweeper'),
    );

    // Act
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());

    // Assess
    const metrics = emittedMetrics(lines);
    expect(metrics.filter(({ name }) => name === 'ColdStart')).toEqual([
      {
        name: 'ColdStart',
        unit: 'Count',
        value: 1,
        dimensions: { ...dimensionsOf('drain-sweeper'), service: 'ecs-ops', function_name: 'ecs-ops-test' },
        namespace: 'ecs-ops',
      },
    ]);
    expect(metrics.filter(({ name }) => name !== 'ColdStart')).toEqual(
      Array.from({ length: 2 }, () => ({
        name: 'DrainsReleased',
        unit: 'Count',
        value: 0,
        dimensions: dimensionsOf('drain-sweeper'),
        namespace: 'ecs-ops',
      })),
    );
  });

  it('need the stage: without STAGE the function is not set up, and says which variable is missing', async () => {
    const lines = captureLogLines();
    vi.stubEnv('STAGE', undefined);
    const handler = createDrainSweeper(
      () => ({ drainer: drainerReporting() }),
      functionLogger('drain-sweeper'),
    );

    await expect(handler({}, lambdaContext())).rejects.toThrow(/^environment variable STAGE: .*redeploy/);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'the function could not be set up' }),
    );
    expect(emittedMetrics(lines)).toEqual([]);
  });

  it('reconcile: what became of each record of the batch, and one lag per state change in one EMF line', async () => {
    const lines = captureLogLines();
    const store = { putLatest: async () => 'accepted' as const, putHistory: async () => [] };
    const handler = createReconcile(() => ({
      store,
      deadLetters: { send: async () => [] },
      retention: { stoppedDays: 30, historyDays: 90 },
      writeConcurrency: 4,
    }));
    const event = sqsEvent([
      body(taskEvent({ id: 'a', time: '2024-05-01T12:00:00.000Z' })),
      body(taskEvent({ id: 'b', time: '2024-05-01T12:00:58.500Z' })),
      '{"not":"an event"}',
    ]);

    await handler(event, lambdaContext());

    expect(metricValues(emittedMetrics(lines), dimensionsOf('reconcile'))).toEqual({
      EventsReceived: 3,
      EventsAccepted: 2,
      EventsDuplicate: 0,
      EventsStale: 0,
      EventsInvalid: 1,
      EventsFailed: 0,
      EventLag: [60_000, 1_500],
    });
    const lag = emittedMetrics(lines).find(({ name }) => name === 'EventLag');
    expect(lag?.unit).toBe('Milliseconds');
    expect(lines.filter((line) => '_aws' in line)).toHaveLength(1);
  });

  it('drain: drains started and released, the release by reason on a line of its own, and failed publishes', async () => {
    const lines = captureLogLines();
    const drainer = drainerReporting(
      { ec2InstanceId: 'i-0abc1234def567890', step: 'started', explanation: 'spot drain' },
      released('empty'),
    );
    const spot = {
      id: 'e1',
      source: 'aws.ec2',
      'detail-type': SPOT_INTERRUPTION_WARNING,
      time: NOW.toISOString(),
      detail: { 'instance-id': 'i-0abc1234def567890', 'instance-action': 'terminate' },
    };
    const handler = createDrain(() => ({ drainer, deadLetters: { send: async () => [] } }));

    await handler(sqsEvent([body(spot), body(spot)]) as SQSEvent, lambdaContext());

    const metrics = emittedMetrics(lines);
    expect(metricValues(metrics, dimensionsOf('drain'))).toEqual({
      DrainsStarted: 1,
      DrainsReleased: 1,
      PublishFailures: 0,
    });
    expect(metricValues(metrics, { ...dimensionsOf('drain'), reason: 'empty' })).toEqual({
      DrainsReleased: 1,
    });
  });

  it('drain-sweeper: drains released at their deadline, in total and by reason', async () => {
    const lines = captureLogLines();
    const handler = createDrainSweeper(() => ({ drainer: drainerReporting(released('deadline')) }));

    await handler({}, lambdaContext());

    const metrics = emittedMetrics(lines);
    expect(metricValues(metrics, dimensionsOf('drain-sweeper'))).toEqual({ DrainsReleased: 1 });
    expect(metricValues(metrics, { ...dimensionsOf('drain-sweeper'), reason: 'deadline' })).toEqual({
      DrainsReleased: 1,
    });
  });

  it('job-timeouts: the runs whose tasks it stopped', async () => {
    const lines = captureLogLines();
    const run = { job: 'report', slot: '2024-05-01T11:00:00.000Z', status: 'running', tasks: ['t1'] };
    const dependencies: TimeoutSweeperDependencies = {
      jobs: z.parse(JobsConfig, { report: fargateJob({ timeoutMinutes: 30 }) }),
      runs: { running: async () => [run], claimTimeout: async () => true } as never,
      ecs: { send: async () => ({}) },
      journal: { append: async () => undefined },
    };
    const handler = createJobTimeouts(() => dependencies);

    await handler({}, lambdaContext());

    expect(metricValues(emittedMetrics(lines), dimensionsOf('job-timeouts'))).toEqual({ JobRunsTimedOut: 1 });
  });

  it('alert-summary: summaries and resolved messages sent, and failed publishes', async () => {
    const lines = captureLogLines();
    const windows = { listedWindows: async () => [] };
    const handler = createAlertSummary(() => ({ windows }) as unknown as SweepDependencies);

    await handler({}, lambdaContext());

    expect(metricValues(emittedMetrics(lines), dimensionsOf('alert-summary'))).toEqual({
      SummariesSent: 0,
      PagesResolved: 0,
      PublishFailures: 0,
    });
  });

  it('alarm: the pages about ecs-ops’ own alarms that fired and cleared, and failed publishes', async () => {
    const lines = captureLogLines();
    // No record yet for any alarm, every write wins: the firing triggers, the clearing out of ALARM resolves.
    const store = {
      read: async () => undefined,
      recordQuiet: async () => true,
      claim: async () => true,
      markSent: async () => true,
      giveBack: async () => true,
    };
    const handler = createAlarm(() => ({
      forwarded: { prefix: 'ecs-ops-prod-', names: ['reconcile-errors'] },
      stage: 'prod',
      store,
      publisher: { publish: async () => 'm-1' },
      deadLetters: { send: async () => [] },
    }));
    const event = sqsEvent([
      alarmChange('ALARM', 'OK', '2024-05-01T11:50:00.000+0000'),
      alarmChange('OK', 'ALARM', '2024-05-01T11:55:00.000+0000'),
      alarmChange('OK', 'INSUFFICIENT_DATA', '2024-05-01T11:56:00.000+0000'),
      'not an alarm change',
    ]);

    const response = await handler(event, lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(metricValues(emittedMetrics(lines), dimensionsOf('alarm'))).toEqual({
      AlarmPagesSent: 1,
      AlarmPagesResolved: 1,
      PublishFailures: 0,
    });
  });

  it('scale: the evaluations, 0 when no policy is configured', async () => {
    const lines = captureLogLines();
    const handler = createScale(() => ({ policies: {} }) as ScalerDependencies);

    await handler({}, lambdaContext());

    expect(metricValues(emittedMetrics(lines), dimensionsOf('scale'))).toEqual({ ScalingDecisions: 0 });
  });
});

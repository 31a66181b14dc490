/**
 * What the functions that work with the state table, ECS and SNS write for CloudWatch, on each engine, read back
 * from their EMF lines: alert, alarm, launch, job-runs, scale and resync through the real SDK clients against the local
 * endpoint. SNS refusing a publish (a 5xx after the SDK's retries) is a publish failure; the retry that gets the
 * page through counts it as what it is (sent, failed run).
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { createHandler as createAlarm } from '../../../functions/alarm.js';
import { createHandler as createAlert } from '../../../functions/alert.js';
import { createHandler as createResync } from '../../../functions/resync.js';
import { createHandler as createScale } from '../../../functions/scale.js';
import { AlarmStore } from '../../../lib/alarms/alarm-store.js';
import type { AlarmState } from '../../../lib/alarms/state-change.js';
import { alertIdempotency } from '../../../lib/alerts/alerting.js';
import { AlertsConfig } from '../../../lib/alerts/config.js';
import { CrashLoopStore } from '../../../lib/alerts/crash-loop-store.js';
import { summariseEndedWith } from '../../../lib/alerts/summary.js';
import { Journal } from '../../../lib/platform/journal.js';
import { metricDimensions } from '../../../lib/platform/metrics.js';
import { SnsPublisher } from '../../../lib/platform/notification/publisher.js';
import type { StateStore } from '../../../lib/platform/store/state-store.js';
import type { FaultRule } from '../../../local/endpoint/index.js';
import { SnsMailbox } from '../../../local/sns/sns-mailbox.js';
import { alarmStateChange } from '../../support/alarm-events.js';
import { engines, freshStore, requireEngine } from '../../support/engines.js';
import { body, sqsEvent, taskEvent } from '../../support/fixtures.js';
import {
  fargateJob,
  setup as jobsWorld,
  lambdaContext,
  SLOT,
  unplaceableJob,
} from '../../support/jobs-harness.js';
import { endpointFor } from '../../support/local-endpoint.js';
import { captureLogLines } from '../../support/log-lines.js';
import { emittedMetrics, handlerEnvironment, metricValues } from '../../support/metrics.js';
import { resyncWorld, startWebTasks } from '../../support/resync-harness.js';
import { SCALE_IN, SCALE_OUT, setup as scalingWorld } from '../../support/scaling-harness.js';
import { tempDir } from '../../support/temp-dir.js';

const MINUTE = 60_000;
const SILENT = () => new Logger({ serviceName: 'ecs-ops', logLevel: 'SILENT' });
/** SNS answers 5xx to the next publish: the clients here make 2 attempts each. */
const SNS_DOWN: FaultRule[] = [{ service: 'sns', operation: 'Publish', serverError: 1, times: 2 }];

/** The metrics `act` makes the function emit under its own dimensions (and `extra`), by name. */
async function metricsOf(
  functionName: string,
  act: () => Promise<unknown>,
  extra: Record<string, string> = {},
) {
  const lines = captureLogLines();
  await act();
  return metricValues(emittedMetrics(lines), { ...metricDimensions('test', functionName), ...extra });
}

/** A STOPPED task of service:api whose essential container was killed for memory. */
const crash = (id: string) =>
  sqsEvent([body(taskEvent({ fixture: 'ecs/task/fargate-stopped-essential-exit.json', id }))]);

/** The alert function on the store, paging through the local endpoint's SNS. */
async function alertWorld(store: StateStore) {
  const mailbox = new SnsMailbox({ dir: join(await tempDir(), 'mailbox') });
  const { endpoint, config: clientConfig } = await endpointFor({ sns: mailbox });
  const sns = new SNSClient({ ...clientConfig, maxAttempts: 2 });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ecs-ops-alerts-test' }));
  const config = z.parse(AlertsConfig, {});
  const publisher = new SnsPublisher(TopicArn as string, sns);
  const journal = new Journal({ tableName: store.tableName, client: store.client, retentionDays: 90 });
  const windows = new CrashLoopStore({ tableName: store.tableName, client: store.client, config });
  handlerEnvironment({ emf: true });
  const handler = createAlert(
    () => ({
      config,
      store,
      // No task definition: every container of the task counts as essential.
      taskDefinitions: { of: async () => undefined },
      publisher,
      windows,
      journal,
      deadLetters: { send: async () => [] },
      idempotency: alertIdempotency(store.tableName, store.client),
      summariseEnded: summariseEndedWith({ config, windows, publisher, journal }),
    }),
    SILENT(),
  );
  return { endpoint, mailbox, deliver: (event: SQSEvent) => handler(event, lambdaContext()) };
}

/** A CloudWatch state change of ecs-ops' reconcile-errors alarm of stage test, as its queue delivers it. */
const alarmChange = (state: AlarmState, previous: AlarmState, timestamp: string) =>
  sqsEvent([
    alarmStateChange({
      alarm: 'ecs-ops-test-reconcile-errors',
      state,
      previous,
      timestamp,
      description: '[high] reconcile failed records',
    }),
  ]);

/** The alarm function on the store, paging through the local endpoint's SNS. */
async function alarmWorld(store: StateStore) {
  const mailbox = new SnsMailbox({ dir: join(await tempDir(), 'mailbox') });
  const { endpoint, config: clientConfig } = await endpointFor({ sns: mailbox });
  const sns = new SNSClient({ ...clientConfig, maxAttempts: 2 });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ecs-ops-alerts-test' }));
  handlerEnvironment({ emf: true });
  const handler = createAlarm(
    () => ({
      forwarded: { prefix: 'ecs-ops-test-', names: ['reconcile-errors'] },
      stage: 'test',
      store: new AlarmStore({ tableName: store.tableName, client: store.client }),
      publisher: new SnsPublisher(TopicArn as string, sns),
      deadLetters: { send: async () => [] },
    }),
    SILENT(),
  );
  return { endpoint, mailbox, deliver: (event: SQSEvent) => handler(event, lambdaContext()) };
}

describe.each(engines())('the functions’ metrics on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('alert: a publish SNS refused, then the page its redelivery sent, then a duplicate and a crash loop', async () => {
    const w = await alertWorld(await freshStore(engine));
    w.endpoint.faults = SNS_DOWN;

    const refused = await metricsOf('alert', () => w.deliver(crash('a')));
    const redelivered = await metricsOf('alert', () => w.deliver(crash('a')));
    const again = await metricsOf('alert', () => w.deliver(crash('a')));
    const loop = await metricsOf('alert', () => w.deliver(crash('b')));

    const none = { PagesSent: 0, PagesGrouped: 0, PagesMuted: 0, PublishFailures: 0 };
    expect(refused).toEqual({ ...none, PublishFailures: 1 });
    expect(redelivered).toEqual({ ...none, PagesSent: 1 });
    expect(again).toEqual(none);
    expect(loop).toEqual({ ...none, PagesGrouped: 1 });
    expect(w.mailbox.list()).toHaveLength(1);
  });

  it('alarm: a page SNS refused, then the page its redelivery sent, then a duplicate and the resolve', async () => {
    const w = await alarmWorld(await freshStore(engine));
    const fired = alarmChange('ALARM', 'OK', '2024-05-01T11:50:00.000+0000');
    w.endpoint.faults = SNS_DOWN;

    const refused = await metricsOf('alarm', () => w.deliver(fired));
    const redelivered = await metricsOf('alarm', () => w.deliver(fired));
    const again = await metricsOf('alarm', () => w.deliver(fired));
    const cleared = await metricsOf('alarm', () =>
      w.deliver(alarmChange('OK', 'ALARM', '2024-05-01T11:55:00.000+0000')),
    );

    const none = { AlarmPagesSent: 0, AlarmPagesResolved: 0, PublishFailures: 0 };
    expect(refused).toEqual({ ...none, PublishFailures: 1 });
    expect(redelivered).toEqual({ ...none, AlarmPagesSent: 1 });
    expect(again).toEqual(none);
    expect(cleared).toEqual({ ...none, AlarmPagesResolved: 1 });
    expect(w.mailbox.list()).toHaveLength(2);
  });

  it('launch: a launch, a missed slot, a launch that gave up, and one whose page SNS refused', async () => {
    const h = await jobsWorld(await freshStore(engine), {
      report: fargateJob(),
      late: fargateJob({ startingDeadlineSeconds: 60 }),
      crunch: unplaceableJob(0, 10),
      other: unplaceableJob(0, 10),
    });
    handlerEnvironment({ emf: true });
    const launch = (job: string, scheduledTime = SLOT) =>
      h.launcher()({ job, scheduledTime }, lambdaContext());

    const launched = await metricsOf('launch', () => launch('report'));
    const gaveUp = await metricsOf('launch', () => launch('crunch'));
    h.failPublishes(2);
    const refused = await metricsOf('launch', () => expect(launch('other')).rejects.toThrow());
    h.clock.now += 10 * MINUTE;
    const missed = await metricsOf('launch', () => launch('late'));

    const none = { JobLaunches: 0, JobLaunchFailures: 0, JobSlotsMissed: 0, PublishFailures: 0 };
    expect(launched).toEqual({ ...none, JobLaunches: 1 });
    expect(gaveUp).toEqual({ ...none, JobLaunchFailures: 1 });
    expect(refused).toEqual({ PublishFailures: 1 });
    expect(missed).toEqual({ ...none, JobSlotsMissed: 1 });
  });

  it('job-runs: a failed run whose page SNS refused is counted once, by the redelivery that pages', async () => {
    const h = await jobsWorld(await freshStore(engine), { report: fargateJob() }, 1);
    handlerEnvironment({ emf: true });
    await h.launcher()({ job: 'report', scheduledTime: SLOT }, lambdaContext());
    h.advance(5 * MINUTE);
    await h.reconcile();
    const stopped = h.stoppedJobEvents();
    h.failPublishes(2);

    const refused = await metricsOf('job-runs', () => h.jobRuns()(stopped, lambdaContext()));
    const redelivered = await metricsOf('job-runs', () => h.jobRuns()(stopped, lambdaContext()));
    const again = await metricsOf('job-runs', () => h.jobRuns()(stopped, lambdaContext()));

    expect(refused).toEqual({ JobRunsFailed: 0, PublishFailures: 1 });
    expect(redelivered).toEqual({ JobRunsFailed: 1, PublishFailures: 0 });
    expect(again).toEqual({ JobRunsFailed: 0, PublishFailures: 0 });
  });

  it('scale: every evaluation, in total and by outcome', async () => {
    const h = await scalingWorld(await freshStore(engine), { out: SCALE_OUT, in: SCALE_IN });
    handlerEnvironment({ emf: true });
    const handler = createScale(h.dependencies, SILENT());
    await h.enqueue(30);

    const lines = captureLogLines();
    await handler({}, lambdaContext());

    const metrics = emittedMetrics(lines);
    const dimensions = metricDimensions('test', 'scale');
    expect(metricValues(metrics, dimensions)).toEqual({ ScalingDecisions: 2 });
    expect(metricValues(metrics, { ...dimensions, outcome: 'scale' })).toEqual({ ScalingDecisions: 1 });
    expect(metricValues(metrics, { ...dimensions, outcome: 'ignore' })).toEqual({ ScalingDecisions: 1 });
  });

  it('resync: the drift one run corrected', async () => {
    const w = await resyncWorld(await freshStore(engine));
    handlerEnvironment({ emf: true });
    const handler = createResync(() => ({ ...w.dependencies, lambda: {} as LambdaClient }), SILENT());
    startWebTasks(w, 5);

    const found = await metricsOf('resync', () =>
      handler({ 'detail-type': 'Scheduled Event' }, lambdaContext()),
    );
    const quiet = await metricsOf('resync', () =>
      handler({ 'detail-type': 'Scheduled Event' }, lambdaContext()),
    );

    expect(found).toEqual({ ResyncDrift: 5 });
    expect(quiet).toEqual({ ResyncDrift: 0 });
  });
});

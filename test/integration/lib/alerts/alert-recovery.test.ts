/**
 * "Resolved" messages end to end, on each engine: a simulated cluster behind the local endpoint (ECS answers
 * DescribeTaskDefinition and DescribeServices from its own state, SNS delivers to a mailbox), the deployed
 * `alert` and `alert-summary` handlers with their real dependencies, and time moved by the simulation's clock.
 * A paged outage is resolved exactly once — whatever duplicates, concurrent sweepers, a publish that fails or a
 * sweeper that dies holding the claim — and only once the service is back to its desired count and quiet.
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { createHandler } from '../../../../functions/alert.js';
import { createHandler as createSweepHandler } from '../../../../functions/alert-summary.js';
import { alertIdempotency } from '../../../../lib/alerts/alerting.js';
import { AlertsConfig } from '../../../../lib/alerts/config.js';
import { CrashLoopStore } from '../../../../lib/alerts/crash-loop-store.js';
import type { AlertJournalEntry } from '../../../../lib/alerts/model.js';
import { EcsServiceCounts } from '../../../../lib/alerts/service-counts.js';
import { summariseEndedWith } from '../../../../lib/alerts/summary.js';
import type { SweepOutcome } from '../../../../lib/alerts/sweep.js';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import { Journal } from '../../../../lib/platform/journal.js';
import type { AlertMessage } from '../../../../lib/platform/notification/message.js';
import { type AlertPublisher, SnsPublisher } from '../../../../lib/platform/notification/publisher.js';
import type { StateStore } from '../../../../lib/platform/store/state-store.js';
import { TaskDefinitions } from '../../../../lib/platform/task-definitions.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { body, redeliver, sqsEvent } from '../../../support/fixtures.js';
import { lambdaContext } from '../../../support/lambda-context.js';
import { endpointFor } from '../../../support/local-endpoint.js';
import { handlerEnvironment } from '../../../support/metrics.js';
import { prodCluster, START } from '../../../support/simulated-ecs.js';
import { RecordingDeadLetters } from '../../../support/simulated-world.js';
import { tempDir } from '../../../support/temp-dir.js';

const MINUTE = 60_000;
const SILENT = () => new Logger({ serviceName: 'ecs-ops', logLevel: 'SILENT' });

/** Web, two Fargate tasks, in prod; a 10-minute crash-loop window; 5 quiet minutes before "resolved". */
async function world(store: StateStore, wrap: (real: AlertPublisher) => AlertPublisher = (real) => real) {
  const cluster = prodCluster();
  cluster.sim.createService({
    cluster: 'prod',
    serviceName: 'web',
    taskDefinition: 'web',
    desiredCount: 2,
    launchType: 'FARGATE',
  });
  cluster.advance(MINUTE);
  const mailbox = new SnsMailbox({ dir: join(await tempDir(), 'mailbox') });
  const { config: clientConfig } = await endpointFor({ sns: mailbox, ecs: cluster.sim });
  const ecs = new ECSClient(clientConfig);
  const sns = new SNSClient({ ...clientConfig, maxAttempts: 1 });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ecs-ops-alerts-test' }));
  const config = z.parse(AlertsConfig, { crashLoop: { windowMinutes: 10 }, recovery: { quietMinutes: 5 } });
  const publisher = wrap(new SnsPublisher(TopicArn as string, sns));
  const journal = new Journal({ tableName: store.tableName, client: store.client, retentionDays: 90 });
  const windows = new CrashLoopStore({ tableName: store.tableName, client: store.client, config });
  const now = () => new Date(cluster.clock.now);
  const summary = { config, windows, publisher, journal, now };
  handlerEnvironment();
  const alert = createHandler(
    () => ({
      ...summary,
      store,
      taskDefinitions: new TaskDefinitions(ecs),
      deadLetters: new RecordingDeadLetters(),
      idempotency: alertIdempotency(store.tableName, store.client),
      summariseEnded: summariseEndedWith(summary),
    }),
    SILENT(),
  );
  const sweepOnce = async () => {
    const { outcomes } = (await createSweepHandler(
      () => ({ ...summary, services: new EcsServiceCounts(ecs) }),
      SILENT(),
    )({}, lambdaContext())) as { outcomes: SweepOutcome[] };
    return outcomes.map(({ outcome }) => outcome);
  };
  let delivered = 0;
  /** Delivers every web STOPPED event not delivered yet (and `again` copies of each), as SQS would. */
  const deliverStops = async (again = 0) => {
    const stops = cluster.events
      .filter((event) => event.detail.lastStatus === 'STOPPED' && event.detail.group === 'service:web')
      .slice(delivered);
    delivered += stops.length;
    const bodies = stops.flatMap((event: EventEnvelope) =>
      Array.from({ length: again + 1 }, () => body(event)),
    );
    let pending = sqsEvent(bodies);
    for (let attempt = 0; attempt < 10 && pending.Records.length > 0; attempt++) {
      const response = (await alert(pending, lambdaContext())) as SQSBatchResponse;
      pending = redeliver(
        pending,
        response.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier),
      );
    }
    return stops.length;
  };
  /** Crashes a RUNNING web task (exit 1) and lets the simulation run `ms`: the scheduler replaces it. */
  const crashWeb = (ms = 5_000) => {
    const task = cluster.sim
      .snapshot()
      .tasks.find((candidate) => candidate.group === 'service:web' && candidate.lastStatus === 'RUNNING');
    if (task === undefined) throw new Error('no RUNNING web task to crash');
    cluster.sim.crashTask(String(task.taskArn), { exitCode: 1 });
    cluster.advance(ms);
  };
  const messages = () => [...mailbox.list()].reverse();
  const entries = async () =>
    (
      await journal.list<Omit<AlertJournalEntry, 'at'>>({
        kind: 'alert',
        since: new Date(START - 86_400_000).toISOString(),
        until: new Date(START + 86_400_000).toISOString(),
      })
    ).map(({ fields }) => fields.outcome);
  return { cluster, ecs, windows, now, messages, entries, sweepOnce, deliverStops, crashWeb };
}

/** The SNS message's per-protocol bodies: what an HTTPS or Lambda subscriber reads. */
const jsonOf = (message: { message: string } | undefined) =>
  JSON.parse((JSON.parse(message?.message ?? '{}') as { lambda?: string }).lambda ?? '{}') as Record<
    string,
    unknown
  >;

describe.each(engines())('resolved messages on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('resolves a crash loop once the service is back to its desired count and quiet: page, summary, resolved', async () => {
    const { messages, entries, sweepOnce, deliverStops, crashWeb, cluster } = await world(
      await freshStore(engine),
    );
    crashWeb();
    crashWeb();
    // Every stop delivered three times: still one page, one exit grouped.
    expect(await deliverStops(2)).toBe(2);
    expect(messages().map(({ subject }) => subject)).toEqual([
      expect.stringMatching(/^\[ecs-ops\] HIGH: web /),
    ]);

    // Two quiet minutes are not five: nothing to resolve yet.
    cluster.advance(2 * MINUTE);
    expect(await sweepOnce()).toEqual([]);

    cluster.advance(4 * MINUTE);
    expect(await sweepOnce()).toEqual(['closed-early', 'summary-sent', 'resolved']);
    // Sweepers at once, and sweeps later, find nothing left to send.
    const more = await Promise.all([sweepOnce(), sweepOnce(), sweepOnce()]);
    cluster.advance(20 * MINUTE);
    expect([...more, await sweepOnce()]).toEqual([[], [], [], []]);

    const [page, summary, resolved] = messages();
    expect(messages()).toHaveLength(3);
    expect(summary?.subject).toMatch(/1 more exit/);
    expect(resolved?.subject).toBe('[ecs-ops] RESOLVED: web in prod recovered (was high)');
    expect(resolved?.attributes).toMatchObject({
      severity: { dataType: 'String', value: 'high' },
      kind: { dataType: 'String', value: 'resolved' },
    });
    // Keyed to the incident the page opened, so a pager closes that incident.
    const paged = jsonOf(page);
    expect(jsonOf(resolved)).toMatchObject({ kind: 'resolved', incident: paged.key, severity: 'high' });
    expect((await entries()).sort()).toEqual(['grouped', 'resolved', 'sent', 'summary-sent']);
  });

  it('waits while the service is short of its desired count, and resolves once it is back', async () => {
    const { ecs, messages, sweepOnce, deliverStops, crashWeb, cluster } = await world(
      await freshStore(engine),
    );
    crashWeb();
    await deliverStops();
    cluster.advance(6 * MINUTE);
    // The service is scaled out just before the sweep: its new tasks are not RUNNING yet.
    await ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', desiredCount: 4 }));

    expect(await sweepOnce()).toEqual([]);
    cluster.advance(MINUTE);
    expect(await sweepOnce()).toEqual(['closed-early', 'closed-quietly', 'resolved']);
    expect(messages().map(({ subject = '' }) => subject.split(':')[0])).toEqual([
      '[ecs-ops] HIGH',
      '[ecs-ops] RESOLVED',
    ]);
  });

  it('is sent by the next sweep when SNS fails, and never twice', async () => {
    let failures = 1;
    const flaky = (real: AlertPublisher): AlertPublisher => ({
      publish: async (message: AlertMessage) => {
        if (message.action === 'resolve' && failures-- > 0) throw new Error('InternalError: SNS is down');
        return real.publish(message);
      },
    });
    const { messages, entries, sweepOnce, deliverStops, crashWeb, cluster } = await world(
      await freshStore(engine),
      flaky,
    );
    crashWeb();
    await deliverStops();
    cluster.advance(6 * MINUTE);

    expect(await sweepOnce()).toEqual(['closed-early', 'closed-quietly', 'failed']);
    expect(await sweepOnce()).toEqual(['resolved']);
    expect(await sweepOnce()).toEqual([]);
    expect(messages().filter(({ subject = '' }) => subject.includes('RESOLVED'))).toHaveLength(1);
    expect((await entries()).filter((outcome) => outcome === 'resolved')).toHaveLength(1);
  });

  it('is sent once the lease of a sweeper that died holding the claim runs out', async () => {
    const { windows, now, messages, sweepOnce, deliverStops, crashWeb, cluster } = await world(
      await freshStore(engine),
    );
    crashWeb();
    await deliverStops();
    cluster.advance(11 * MINUTE);
    // The window ended quiet; a sweeper summarises it, claims its resolution and dies before publishing.
    const [window] = await windows.listedWindows();
    if (window === undefined) throw new Error('no listed window');
    const settled = await windows.claimSummary(window.key, now());
    if (settled === undefined) throw new Error('the summary was not claimed');
    await windows.closeQuietly(settled);
    expect(
      await windows.claimResolution(
        { ...settled, summary: { state: 'sent' } },
        now(),
        'no further exit in the 10-minute crash-loop window after the page',
      ),
    ).toBeDefined();

    cluster.advance(MINUTE - 1);
    expect(await sweepOnce()).toEqual(['already-claimed']);
    cluster.advance(2);
    expect(await sweepOnce()).toEqual(['resolved']);
    expect(messages().filter(({ subject = '' }) => subject.includes('RESOLVED'))).toHaveLength(1);
  });

  it('pages a new outage for an exit after the resolution, and resolves it on its own', async () => {
    const { messages, sweepOnce, deliverStops, crashWeb, cluster } = await world(await freshStore(engine));
    crashWeb();
    await deliverStops();
    cluster.advance(6 * MINUTE);
    expect(await sweepOnce()).toContain('resolved');

    crashWeb();
    await deliverStops();
    cluster.advance(6 * MINUTE);
    expect(await sweepOnce()).toContain('resolved');

    const [first, firstResolved, second, secondResolved] = messages().map(jsonOf);
    expect(messages()).toHaveLength(4);
    expect(firstResolved).toMatchObject({ kind: 'resolved', incident: first?.key });
    expect(secondResolved).toMatchObject({ kind: 'resolved', incident: second?.key });
    expect(second?.key).not.toBe(first?.key);
  });
});

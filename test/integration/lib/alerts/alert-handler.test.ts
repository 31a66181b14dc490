/**
 * The alert function end to end, through the real SDK clients: the state table on each engine (idempotency
 * records, crash-loop windows, journal), SNS and ECS on the local endpoint (pages land in the mailbox). Invariant
 * 2: duplicates and retries never page twice; a crash between "decided" and "sent" never loses the page.
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { createHandler } from '../../../../functions/alert.js';
import { createHandler as createSummaryHandler } from '../../../../functions/alert-summary.js';
import { alertIdempotency } from '../../../../lib/alerts/alerting.js';
import { AlertsConfig } from '../../../../lib/alerts/config.js';
import { CrashLoopStore } from '../../../../lib/alerts/crash-loop-store.js';
import type { AlertJournalEntry } from '../../../../lib/alerts/model.js';
import { EcsServiceCounts } from '../../../../lib/alerts/service-counts.js';
import { summariseEndedWith } from '../../../../lib/alerts/summary.js';
import { parseEcsEvent } from '../../../../lib/platform/events/ecs-event.js';
import { RESYNC_SOURCE } from '../../../../lib/platform/events/statuses.js';
import { Journal } from '../../../../lib/platform/journal.js';
import type { AlertMessage } from '../../../../lib/platform/notification/message.js';
import { type AlertPublisher, SnsPublisher } from '../../../../lib/platform/notification/publisher.js';
import { latestItem } from '../../../../lib/platform/store/items.js';
import type { StateStore } from '../../../../lib/platform/store/state-store.js';
import { TaskDefinitions } from '../../../../lib/platform/task-definitions.js';
import type { EcsBackend } from '../../../../local/endpoint/index.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import {
  body,
  type Envelope,
  instanceEvent,
  redeliver,
  sqsEvent,
  taskEvent,
  uuidFrom,
} from '../../../support/fixtures.js';
import { lambdaContext } from '../../../support/lambda-context.js';
import { endpointFor } from '../../../support/local-endpoint.js';
import { handlerEnvironment } from '../../../support/metrics.js';
import { RecordingDeadLetters } from '../../../support/simulated-world.js';
import { tempDir } from '../../../support/temp-dir.js';

const MINUTE = 60_000;

/** A STOPPED task of service:api whose essential container `api` was killed for memory (exit 137). */
const crash = (id: string, overrides: Parameters<typeof taskEvent>[0] = {}) =>
  taskEvent({ fixture: 'ecs/task/fargate-stopped-essential-exit.json', id, ...overrides });

/** The fixture's task stopped at 13:28:19.836Z; resync notices the stop 11 minutes 40 seconds later. */
const FOUND_AT = '2024-05-01T13:40:00.000Z';

/**
 * The same stop as resync feeds it when the ECS event never arrived: the envelope of an ECS Task State Change,
 * from `ecs-ops.resync`, timed when resync read the task from the ECS API.
 */
const foundByResync = (event: Envelope): Envelope => ({
  ...event,
  source: RESYNC_SOURCE,
  time: FOUND_AT,
  id: uuidFrom(`resync#${event.id}`),
});

/** What a page says, as an email subscriber reads it. */
const textOf = (page: { message: string } | undefined) =>
  (JSON.parse(page?.message ?? '{}') as { default?: string }).default ?? '';

/**
 * The local ECS answers DescribeTaskDefinition: `api` essential, `log-router` not; and DescribeServices: api
 * stays one task short of its desired count, so no outage here is resolved (alert-recovery.test.ts is about that).
 */
function taskDefinitionBackend() {
  const calls: string[] = [];
  const backend = {
    describeTaskDefinition: (input: { taskDefinition?: string }) => {
      calls.push(input.taskDefinition ?? '');
      return {
        taskDefinition: {
          taskDefinitionArn: input.taskDefinition,
          containerDefinitions: [
            { name: 'api', essential: true },
            { name: 'log-router', essential: false },
          ],
        },
      };
    },
    describeServices: () => ({
      services: [{ serviceName: 'api', status: 'ACTIVE', runningCount: 1, desiredCount: 2, pendingCount: 0 }],
      failures: [],
    }),
  } as unknown as EcsBackend;
  return { backend, calls };
}

async function setup(
  store: StateStore,
  options: {
    alerts?: Record<string, unknown>;
    wrapPublisher?: (real: AlertPublisher) => AlertPublisher;
  } = {},
) {
  const dir = await tempDir();
  const mailbox = new SnsMailbox({ dir: join(dir, 'mailbox') });
  const ecs = taskDefinitionBackend();
  const { endpoint, config: clientConfig } = await endpointFor({ sns: mailbox, ecs: ecs.backend });
  const sns = new SNSClient({ ...clientConfig, maxAttempts: 2 });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ecs-ops-alerts-test' }));
  const config = z.parse(AlertsConfig, options.alerts ?? {});
  const realPublisher = new SnsPublisher(TopicArn as string, sns);
  const publisher = options.wrapPublisher?.(realPublisher) ?? realPublisher;
  const journal = new Journal({ tableName: store.tableName, client: store.client, retentionDays: 90 });
  const windows = new CrashLoopStore({ tableName: store.tableName, client: store.client, config });
  const deadLetters = new RecordingDeadLetters();
  const logged: string[] = [];
  handlerEnvironment();
  /** A new Lambda instance: its own caches, idempotency config and logger, sharing the AWS resources. */
  const lambda = (instance: { publisher?: AlertPublisher; now?: () => Date } = {}) => {
    const logger = new Logger({ serviceName: 'ecs-ops', logLevel: 'SILENT' });
    vi.spyOn(logger, 'info').mockImplementation((...args: unknown[]) => {
      logged.push(String(args[0]));
    });
    const pub = instance.publisher ?? publisher;
    return createHandler(
      () => ({
        config,
        store,
        taskDefinitions: new TaskDefinitions(new ECSClient(clientConfig)),
        publisher: pub,
        windows,
        journal,
        deadLetters,
        idempotency: alertIdempotency(store.tableName, store.client),
        summariseEnded: summariseEndedWith({ config, windows, publisher: pub, journal }),
        ...(instance.now === undefined ? {} : { now: instance.now }),
      }),
      logger,
    );
  };
  const sweeper = (now: () => Date) =>
    createSummaryHandler(
      () => ({
        config,
        windows,
        publisher,
        journal,
        now,
        services: new EcsServiceCounts(new ECSClient(clientConfig)),
      }),
      new Logger({ serviceName: 'ecs-ops', logLevel: 'SILENT' }),
    );
  /** The journal's alert entries of yesterday to tomorrow (tests move their clocks up to minutes ahead). */
  const alerts = () =>
    journal.list<Omit<AlertJournalEntry, 'at'>>({
      kind: 'alert',
      since: new Date(Date.now() - 86_400_000).toISOString(),
      until: new Date(Date.now() + 86_400_000).toISOString(),
    });
  return { mailbox, endpoint, ecs, journal, deadLetters, lambda, sweeper, alerts, logged, config };
}

/** Delivers an event, then redelivers whatever the function reported, as SQS would, until nothing is left. */
async function deliverUntilDone(
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  event: SQSEvent,
  attempts = 10,
): Promise<SQSBatchResponse[]> {
  const responses: SQSBatchResponse[] = [];
  let pending = event;
  for (let attempt = 0; attempt < attempts && pending.Records.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await handler(pending, lambdaContext());
    responses.push(response);
    pending = redeliver(
      pending,
      response.batchItemFailures.map((failure) => failure.itemIdentifier),
    );
  }
  return responses;
}

const outcomesOf = (entries: { fields: Omit<AlertJournalEntry, 'at'> }[]) =>
  entries.map((entry) => entry.fields.outcome).sort();

describe.each(engines())('alert on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('pages once for the same STOPPED event delivered three times at once', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts, ecs, logged } = await setup(store);
    const event = sqsEvent([body(crash('loop-1'))]);

    const runs = await Promise.all(
      [lambda(), lambda(), lambda()].map((handler) => deliverUntilDone(handler, event)),
    );

    expect(runs.every((responses) => responses.at(-1)?.batchItemFailures.length === 0)).toBe(true);
    const pages = mailbox.list();
    expect(pages).toHaveLength(1);
    expect(pages[0]?.subject).toMatch(/api/);
    expect(outcomesOf(await alerts())).toEqual(['sent']);
    expect(logged.filter((message) => message === 'alert sent')).toHaveLength(1);
    // Each Lambda instance asked ECS once at most for this revision.
    expect(ecs.calls.length).toBeLessThanOrEqual(3);
  });

  it('pages once for three copies of the event in one batch, redelivering none of them', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts, logged } = await setup(store);
    const copy = body(crash('batch-1'));

    const response = await lambda()(sqsEvent([copy, copy, copy]), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(mailbox.list()).toHaveLength(1);
    expect(outcomesOf(await alerts())).toEqual(['sent']);
    expect(logged.filter((message) => message === 'alert sent')).toHaveLength(1);
    expect(
      logged.filter((message) => message === 'duplicate incident: outcome already decided'),
    ).toHaveLength(2);
  });

  it('pages once when a duplicate arrives after the incident was decided, and the revision is cached', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts, ecs } = await setup(store);
    const handler = lambda();

    await deliverUntilDone(handler, sqsEvent([body(crash('dup-1'))]));
    const again = await handler(sqsEvent([body(crash('dup-1'))]), lambdaContext());

    expect(again.batchItemFailures).toEqual([]);
    expect(mailbox.list()).toHaveLength(1);
    expect(outcomesOf(await alerts())).toEqual(['sent']);
    expect(ecs.calls).toHaveLength(1);
  });

  it('pages exactly once after the publish failed once (the step is redone on redelivery)', async () => {
    const store = await freshStore(engine);
    let calls = 0;
    const { mailbox, lambda, alerts } = await setup(store, {
      wrapPublisher: (real) => ({
        publish: async (message: AlertMessage) => {
          calls++;
          if (calls === 1) throw Object.assign(new Error('connection reset'), { name: 'NetworkingError' });
          return real.publish(message);
        },
      }),
    });
    const event = sqsEvent([body(crash('crash-1'))]);

    const responses = await deliverUntilDone(lambda(), event);

    expect(responses[0]?.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(responses.at(-1)?.batchItemFailures).toEqual([]);
    expect(mailbox.list()).toHaveLength(1);
    expect(outcomesOf(await alerts())).toEqual(['sent']);
  });

  it('pages exactly once after the Lambda died between deciding and publishing', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts } = await setup(store);
    let reached!: () => void;
    const publishing = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // The first instance decides, then "dies" in Publish: its promise never settles and nothing is cleaned up.
    const dying = lambda({
      publisher: {
        publish: () => {
          reached();
          return new Promise<string>(() => {});
        },
      },
    });
    const event = sqsEvent([body(crash('died-1'))]);
    void dying(event, lambdaContext(300));
    await publishing;
    expect(mailbox.list()).toHaveLength(0);

    // SQS redelivers after the visibility timeout; by then the in-progress record has expired.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const responses = await deliverUntilDone(lambda(), event);

    expect(responses.at(-1)?.batchItemFailures).toEqual([]);
    expect(mailbox.list()).toHaveLength(1);
    expect(outcomesOf(await alerts())).toEqual(['sent']);
  });

  it('groups a crash loop of 20 exits: one page, then one summary of the 19 more exits', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts, sweeper, logged } = await setup(store);
    const exits = Array.from({ length: 20 }, (_, n) =>
      body(
        crash(`loop-${n}`, {
          stoppedAt: new Date(Date.parse('2024-05-01T13:28:19.836Z') + n * 1000).toISOString(),
        }),
      ),
    );

    // Two batches of ten, at the same time, on two instances.
    await Promise.all([
      deliverUntilDone(lambda(), sqsEvent(exits.slice(0, 10))),
      deliverUntilDone(lambda(), sqsEvent(exits.slice(10))),
    ]);
    expect(mailbox.list()).toHaveLength(1);
    expect(logged.filter((message) => message === 'alert grouped')).toHaveLength(19);

    // Before the window ends the sweeper has nothing to do; after it, two sweepers send one summary.
    await sweeper(() => new Date(Date.now() + 5 * MINUTE))({}, lambdaContext());
    expect(mailbox.list()).toHaveLength(1);
    const later = () => new Date(Date.now() + 11 * MINUTE);
    await Promise.all([sweeper(later)({}, lambdaContext()), sweeper(later)({}, lambdaContext())]);

    const [summary, page] = mailbox.list();
    expect(mailbox.list()).toHaveLength(2);
    expect(page?.subject).not.toMatch(/19/);
    expect(`${summary?.subject} ${summary?.message}`).toMatch(/19/);
    const outcomes = outcomesOf(await alerts());
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'grouped')).toHaveLength(19);
    expect(outcomes.filter((o) => o === 'summary-sent')).toHaveLength(1);
  });

  it('pages again for an exit after the window ended, summarising the old window first: the outage goes on', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts } = await setup(store);
    await deliverUntilDone(lambda(), sqsEvent([body(crash('w-1')), body(crash('w-2'))]));
    expect(mailbox.list()).toHaveLength(1);

    // The sweeper has not run yet: the next exit, 11 minutes later, summarises the old window itself.
    const later = lambda({ now: () => new Date(Date.now() + 11 * MINUTE) });
    await deliverUntilDone(later, sqsEvent([body(crash('w-3'))]));

    const [again, , first] = mailbox.list();
    expect(mailbox.list()).toHaveLength(3);
    expect(outcomesOf(await alerts())).toEqual(['grouped', 'sent', 'sent', 'summary-sent']);
    // Not resolved in between: the new page says the outage goes on, and a pager adds it to the first incident.
    expect(textOf(again)).toMatch(/^Still failing: this outage was first paged at /);
    const json = (page: typeof first) =>
      JSON.parse((JSON.parse(page?.message ?? '{}') as { lambda: string }).lambda) as Record<string, unknown>;
    expect(json(again)).toMatchObject({
      outage: { incidentKey: json(first).key },
      dedupKey: json(first).key,
    });
  });

  it('does not page a muted service, and journals the rule’s reason', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts, logged } = await setup(store, {
      alerts: { mute: [{ group: 'service:api', reason: 'api is being migrated (CHG-1234)' }] },
    });

    await deliverUntilDone(lambda(), sqsEvent([body(crash('muted-1'))]));

    expect(mailbox.list()).toHaveLength(0);
    const [entry] = await alerts();
    expect(entry?.fields).toMatchObject({
      outcome: 'muted',
      reason: expect.stringContaining('api is being migrated'),
    });
    expect(logged).toContain('alert muted');
  });

  it('dead-letters an invalid record and goes on with the rest of the batch', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, deadLetters, alerts, logged } = await setup(store);
    const broken = crash('bad-1');
    (broken.detail as Record<string, unknown>).version = '7';
    const deployment = crash('deploy-1', {
      detail: {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
      },
    });
    const event = sqsEvent(['not json', body(broken), body(crash('good-1')), body(deployment)]);

    const response = await lambda()(event, lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetters.letters.map((letter) => [letter.id, letter.field])).toEqual([
      [event.Records[0]?.messageId, '(body)'],
      [event.Records[1]?.messageId, 'detail.version'],
    ]);
    expect(mailbox.list()).toHaveLength(1);
    expect(outcomesOf(await alerts())).toEqual(['not-incident', 'sent']);
    expect(logged).toContain('not an incident');
  });

  it('does not page for a task stopped on a draining container instance', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts } = await setup(store);
    const parsed = parseEcsEvent(instanceEvent({ id: 'draining-1', cluster: 'prod', status: 'DRAINING' }));
    if (!parsed.ok) throw new Error(parsed.error.reason);
    const instanceArn = parsed.event.arn;
    await store.putLatest(latestItem(parsed.event, { stoppedDays: 30, historyDays: 90 }));

    await deliverUntilDone(
      lambda(),
      sqsEvent([
        body(
          crash('on-draining', {
            containerInstanceArn: instanceArn,
            detail: { launchType: 'EC2', stopCode: 'EssentialContainerExited' },
          }),
        ),
      ]),
    );

    expect(mailbox.list()).toHaveLength(0);
    expect(outcomesOf(await alerts())).toEqual(['not-incident']);
  });

  it('pages an EC2 task with the EC2 instance it ran on and the runbook, and journals the runbook', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, alerts } = await setup(store, {
      alerts: { runbooks: { groups: { 'service:api': 'https://wiki.example.com/runbooks/api' } } },
    });
    const parsed = parseEcsEvent(
      instanceEvent({ id: 'active-1', cluster: 'prod', ec2InstanceId: 'i-0123456789abcdef0' }),
    );
    if (!parsed.ok) throw new Error(parsed.error.reason);
    await store.putLatest(latestItem(parsed.event, { stoppedDays: 30, historyDays: 90 }));

    await deliverUntilDone(
      lambda(),
      sqsEvent([
        body(crash('on-ec2', { containerInstanceArn: parsed.event.arn, detail: { launchType: 'EC2' } })),
      ]),
    );

    const text = textOf(mailbox.list()[0]).split('\n');
    expect(text).toContain('Ran on: EC2 instance i-0123456789abcdef0, us-east-1a');
    expect(text).toContain('Runbook: https://wiki.example.com/runbooks/api');
    // The local ECS's definition of api has no log configuration.
    expect(text).toContain('Logs: none kept: api has no log configuration');
    const [entry] = await alerts();
    expect(entry?.fields).toMatchObject({
      outcome: 'sent',
      runbook: 'https://wiki.example.com/runbooks/api',
    });
  });

  it('reports the record for redelivery while SNS keeps failing, then pages once when it recovers', async () => {
    const store = await freshStore(engine);
    const { mailbox, lambda, endpoint, alerts } = await setup(store);
    endpoint.faults = [{ service: 'sns', operation: 'Publish', serverError: 1 }];
    const event = sqsEvent([body(crash('down-1')), body(crash('other', { group: 'service:web' }))]);
    const handler = lambda();

    const failing = await handler(event, lambdaContext());

    expect(failing.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((record) => record.messageId).sort(),
    );
    expect(mailbox.list()).toHaveLength(0);
    expect(await alerts()).toEqual([]);

    endpoint.faults = [];
    const responses = await deliverUntilDone(handler, event);
    expect(responses.at(-1)?.batchItemFailures).toEqual([]);
    expect(mailbox.list()).toHaveLength(2);
    expect(outcomesOf(await alerts())).toEqual(['sent', 'sent']);
  });

  describe('a stop resync found (its ECS event never arrived) is the same incident, paged once', () => {
    it('does not page again a stop already paged from its ECS event', async () => {
      const store = await freshStore(engine);
      const { mailbox, lambda, alerts, logged } = await setup(store);
      const event = crash('seen-1');
      await deliverUntilDone(lambda(), sqsEvent([body(event)]));

      const response = await lambda()(sqsEvent([body(foundByResync(event))]), lambdaContext());

      expect(response.batchItemFailures).toEqual([]);
      const pages = mailbox.list();
      expect(pages).toHaveLength(1);
      expect(pages[0]?.subject).toBe('[ecs-ops] CRITICAL: api OOM-killed (exit 137, limit 896 MiB) in prod');
      const entries = await alerts();
      expect(outcomesOf(entries)).toEqual(['sent']);
      expect(entries[0]?.fields).not.toHaveProperty('foundBy');
      expect(logged).toEqual(['alert sent', 'duplicate incident: outcome already decided']);
    });

    it('pages a stop resync found once, marked late; the ECS event arriving after it is a duplicate', async () => {
      const store = await freshStore(engine);
      const { mailbox, lambda, alerts, logged } = await setup(store);
      const event = crash('lost-1');

      const found = await deliverUntilDone(lambda(), sqsEvent([body(foundByResync(event))]));
      const lateEvent = await lambda()(sqsEvent([body(event)]), lambdaContext());

      expect(found.at(-1)?.batchItemFailures).toEqual([]);
      expect(lateEvent.batchItemFailures).toEqual([]);
      const pages = mailbox.list();
      expect(pages).toHaveLength(1);
      expect(pages[0]?.subject).toBe(
        '[ecs-ops] CRITICAL: [late] api OOM-killed (exit 137, limit 896 MiB) in prod',
      );
      expect(textOf(pages[0]).split('\n').slice(0, 5)).toEqual([
        'Found by resync at 2024-05-01T13:40:00.000Z:',
        'the ECS event for this stop never arrived, so this page is late',
        '(stopped 11m 40s before it was noticed).',
        '',
        'api OOM-killed (exit 137, limit 896 MiB) in prod.',
      ]);
      const entries = await alerts();
      expect(entries).toHaveLength(1);
      expect(entries[0]?.fields).toMatchObject({
        outcome: 'sent',
        subject: '[ecs-ops] CRITICAL: [late] api OOM-killed (exit 137, limit 896 MiB) in prod',
        foundBy: 'resync',
        foundByResyncAt: FOUND_AT,
        reason: expect.stringContaining('late: found by resync at 2024-05-01T13:40:00.000Z'),
      });
      expect(logged).toEqual(['alert sent', 'duplicate incident: outcome already decided']);
    });

    it('journals a stop resync found that is not an incident as found by resync, and pages nothing', async () => {
      const store = await freshStore(engine);
      const { mailbox, lambda, alerts } = await setup(store);
      const deployment = crash('deploy-lost', {
        detail: {
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
        },
      });

      await deliverUntilDone(lambda(), sqsEvent([body(foundByResync(deployment))]));

      expect(mailbox.list()).toHaveLength(0);
      const [entry] = await alerts();
      expect(entry?.fields).toMatchObject({
        outcome: 'not-incident',
        foundBy: 'resync',
        foundByResyncAt: FOUND_AT,
      });
    });
  });
});

/**
 * The pages about ecs-ops' own alarms, one SQS batch at a time, on each engine: the alarm records in the state
 * table through the real SDK, pages published by the real SnsPublisher to the local endpoint's SNS (they land in
 * the mailbox). A refused record goes to the dead-letter sink with its field and reason while the rest page;
 * another stage's alarm is not this stack's; copies, concurrent deliveries and late changes page nobody twice;
 * a failed publish is given back and sent by the redelivery.
 */
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { AlarmStore } from '../../../../lib/alarms/alarm-store.js';
import { type AlarmForwardingDependencies, createAlarmForwarding } from '../../../../lib/alarms/forward.js';
import type { AlarmState } from '../../../../lib/alarms/state-change.js';
import type { BatchRecord } from '../../../../lib/platform/handler/sqs-batch-handler.js';
import type { AlertMessage } from '../../../../lib/platform/notification/message.js';
import { type AlertPublisher, SnsPublisher } from '../../../../lib/platform/notification/publisher.js';
import type { StateStore } from '../../../../lib/platform/store/state-store.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { alarmStateChange } from '../../../support/alarm-events.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { uuidFrom } from '../../../support/fixtures.js';
import { endpointFor } from '../../../support/local-endpoint.js';
import { RecordingDeadLetters } from '../../../support/simulated-world.js';
import { tempDir } from '../../../support/temp-dir.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const FORWARDED = { prefix: 'ecs-ops-prod-', names: ['reconcile-errors', 'alert-errors'] };

/** The change of `name` into `state` from `previous` at `timestamp`, as the queue holds it. */
const alarmEvent = (
  name: string,
  state: AlarmState,
  previous: AlarmState,
  timestamp: string,
  description?: string,
) =>
  alarmStateChange({
    alarm: name,
    state,
    previous,
    timestamp,
    ...(description === undefined ? {} : { description }),
  });

const RECONCILE = 'ecs-ops-prod-reconcile-errors';
const FIRED = alarmEvent(RECONCILE, 'ALARM', 'OK', '2024-05-01T11:50:00.000+0000');
const CLEARED = alarmEvent(RECONCILE, 'OK', 'ALARM', '2024-05-01T11:55:00.000+0000');

/** SQS records with distinct message ids, as one batch delivers them. */
const batch = (...bodies: string[]): BatchRecord[] =>
  bodies.map((body, position) => ({ id: uuidFrom(`message#${position}#${body}`), body }));

async function world(store: StateStore, wrap?: (real: AlertPublisher) => AlertPublisher) {
  const mailbox = new SnsMailbox({ dir: join(await tempDir(), 'mailbox') });
  const { endpoint, config } = await endpointFor({ sns: mailbox });
  const sns = new SNSClient({ ...config, maxAttempts: 1 });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ecs-ops-alerts-test' }));
  const real = new SnsPublisher(TopicArn as string, sns);
  const alarms = new AlarmStore({ tableName: store.tableName, client: store.client });
  const deadLetters = new RecordingDeadLetters();
  const clock = { now: NOW };
  const dependencies: AlarmForwardingDependencies = {
    forwarded: FORWARDED,
    stage: 'prod',
    store: alarms,
    publisher: wrap?.(real) ?? real,
    deadLetters,
    cliFlags: ' --stage prod',
    now: () => clock.now,
  };
  /** A new Lambda instance's batch processor. */
  const processor = () => createAlarmForwarding(dependencies);
  const process = (records: BatchRecord[]) => processor()(records);
  const subjects = () => mailbox.list().map((message) => message.subject);
  return { mailbox, endpoint, alarms, deadLetters, clock, processor, process, subjects };
}

/** Processes `records`, then redelivers what the processor asked for, until nothing is left. */
async function untilDone(
  process: (records: BatchRecord[]) => Promise<{ redeliver: string[] }>,
  records: BatchRecord[],
) {
  // As SQS would: a redelivered record comes back a little later, for as long as it takes the holder to send
  // (a busy machine makes that long), bounded well under the test's timeout.
  const deadline = Date.now() + 15_000;
  let pending = records;
  while (pending.length > 0 && Date.now() < deadline) {
    const { redeliver } = await process(pending);
    pending = pending.filter((record) => redeliver.includes(record.id));
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pending;
}

describe.each(engines())('alarm forwarding on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('pages the valid records of a batch and dead-letters the refused ones with their field and reason', async () => {
    const w = await world(await freshStore(engine));
    const records = batch(
      FIRED,
      'not json',
      FIRED.replace('"aws.cloudwatch"', '"aws.ecs"'),
      FIRED.replace('"value":"ALARM"', '"value":"FIRING"'),
      alarmEvent(
        'ecs-ops-prod-alert-errors',
        'ALARM',
        'INSUFFICIENT_DATA',
        '2024-05-01T11:51:00.000+0000',
        '[low] x',
      ),
    );

    const { outcomes, redeliver } = await w.process(records);

    expect(redeliver).toEqual([]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      'sent',
      'invalid',
      'invalid',
      'invalid',
      'sent',
    ]);
    expect(w.deadLetters.letters).toEqual([
      { id: records[1]?.id, body: 'not json', field: '(body)', reason: expect.stringMatching(/^not JSON/) },
      {
        id: records[2]?.id,
        body: records[2]?.body,
        field: 'source',
        reason: expect.stringMatching(/^expected aws\.cloudwatch; .*AlarmStates rule/),
      },
      {
        id: records[3]?.id,
        body: records[3]?.body,
        field: 'detail.state.value',
        reason: expect.stringMatching(/^expected one of OK, ALARM, INSUFFICIENT_DATA/),
      },
    ]);
    expect(w.subjects().sort()).toEqual([
      '[ecs-ops] CRITICAL: ecs-ops alarm reconcile-errors fired in prod',
      '[ecs-ops] LOW: ecs-ops alarm alert-errors fired in prod',
    ]);
  });

  it('publishes the page with its severity attribute, and the pager key and action for machines', async () => {
    const w = await world(await freshStore(engine));

    const { outcomes } = await w.process(batch(FIRED));

    const [page] = w.mailbox.list();
    expect(outcomes).toEqual([
      {
        id: expect.any(String),
        alarm: RECONCILE,
        state: 'ALARM',
        changedAt: '2024-05-01T11:50:00.000Z',
        outcome: 'sent',
        action: 'trigger',
        messageId: page?.messageId,
        subject: page?.subject,
      },
    ]);
    expect(page?.attributes).toMatchObject({
      kind: { dataType: 'String', value: 'alarm' },
      severity: { dataType: 'String', value: 'critical' },
      class: { dataType: 'String', value: 'reconcile-errors' },
    });
    expect(JSON.parse(page?.bodies?.sqs ?? '{}')).toMatchObject({
      kind: 'alarm',
      alarm: RECONCILE,
      dedupKey: `alarm/${RECONCILE}`,
      action: 'trigger',
      severity: 'critical',
    });
    expect(page?.bodies?.email).toContain('ecs-ops status --stage prod');
    expect(await w.alarms.read(RECONCILE)).toEqual({
      changedAt: '2024-05-01T11:50:00.000Z',
      state: 'ALARM',
      open: true,
      page: { state: 'sent', messageId: page?.messageId },
    });
  });

  it('does not page for another stage’s alarm sharing the prefix, nor for an alarm not forwarded', async () => {
    const w = await world(await freshStore(engine));
    const records = batch(
      alarmEvent('ecs-ops-prod-eu-reconcile-errors', 'ALARM', 'OK', '2024-05-01T11:50:00.000+0000'),
      alarmEvent('ecs-ops-prod-unknown', 'ALARM', 'OK', '2024-05-01T11:50:00.000+0000'),
      alarmEvent('ServerCpuTooHigh', 'ALARM', 'OK', '2024-05-01T11:50:00.000+0000'),
    );

    const { outcomes, redeliver } = await w.process(records);

    expect(outcomes).toEqual([
      { id: records[0]?.id, outcome: 'not-forwarded', alarm: 'ecs-ops-prod-eu-reconcile-errors' },
      { id: records[1]?.id, outcome: 'not-forwarded', alarm: 'ecs-ops-prod-unknown' },
      { id: records[2]?.id, outcome: 'not-forwarded', alarm: 'ServerCpuTooHigh' },
    ]);
    expect(redeliver).toEqual([]);
    expect(w.mailbox.list()).toEqual([]);
    expect(w.deadLetters.letters).toEqual([]);
    expect(await w.alarms.read('ecs-ops-prod-eu-reconcile-errors')).toBeUndefined();
  });

  it('pages when the alarm fires and resolves when it clears, in one batch, in their order', async () => {
    const w = await world(await freshStore(engine));

    const { outcomes } = await w.process(batch(FIRED, CLEARED));

    expect(outcomes.map((outcome) => outcome.outcome === 'sent' && outcome.action)).toEqual([
      'trigger',
      'resolve',
    ]);
    expect(outcomes.map((outcome) => outcome.outcome === 'sent' && outcome.subject)).toEqual([
      '[ecs-ops] CRITICAL: ecs-ops alarm reconcile-errors fired in prod',
      '[ecs-ops] RESOLVED: ecs-ops alarm reconcile-errors cleared in prod (was critical)',
    ]);
    const documents = w.mailbox.list().map((page) => JSON.parse(page.bodies?.sqs ?? '{}'));
    expect(
      documents
        .map(({ action, dedupKey }) => ({ action, dedupKey }))
        .sort((a, b) => a.action.localeCompare(b.action)),
    ).toEqual([
      { action: 'resolve', dedupKey: `alarm/${RECONCILE}` },
      { action: 'trigger', dedupKey: `alarm/${RECONCILE}` },
    ]);
    expect(await w.alarms.read(RECONCILE)).toMatchObject({ state: 'OK', open: false });
  });

  it('pages nobody for a firing that arrives after its clearing: stale', async () => {
    const w = await world(await freshStore(engine));

    const { outcomes } = await w.process(batch(CLEARED, FIRED));

    // The clearing came first, as the alarm's first change out of ALARM: it resolves, for a pager, whatever fired.
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['sent', 'stale']);
    expect(outcomes[1]).toMatchObject({
      reason: expect.stringMatching(/^a later change \(OK at .*\) was already handled$/),
    });
    expect(w.subjects()).toEqual([
      '[ecs-ops] RESOLVED: ecs-ops alarm reconcile-errors cleared in prod (was critical)',
    ]);
  });

  it('pages nobody when a new alarm comes out of INSUFFICIENT_DATA into OK, or loses its data', async () => {
    const w = await world(await freshStore(engine));
    const created = alarmEvent(RECONCILE, 'OK', 'INSUFFICIENT_DATA', '2024-05-01T11:40:00.000+0000');
    const noData = alarmEvent(RECONCILE, 'INSUFFICIENT_DATA', 'OK', '2024-05-01T11:45:00.000+0000');

    const { outcomes } = await w.process(batch(created, noData));

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['quiet', 'quiet']);
    expect(w.mailbox.list()).toEqual([]);
    expect(await w.alarms.read(RECONCILE)).toEqual({
      changedAt: '2024-05-01T11:45:00.000Z',
      state: 'INSUFFICIENT_DATA',
      open: false,
    });
  });

  it('pages once for three copies of a change in one batch: the others are duplicates', async () => {
    const w = await world(await freshStore(engine));

    const { outcomes, redeliver } = await w.process(batch(FIRED, FIRED, FIRED));

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['sent', 'duplicate', 'duplicate']);
    expect(outcomes[1]).toMatchObject({ reason: expect.stringMatching(/^already paged \(message .+\)$/) });
    expect(redeliver).toEqual([]);
    expect(w.mailbox.list()).toHaveLength(1);
  });

  it('pages once for a change delivered to concurrent invocations; the losers are redelivered and find it sent', async () => {
    const w = await world(await freshStore(engine));
    const records = batch(FIRED);

    const left = await Promise.all(Array.from({ length: 4 }, () => untilDone(w.processor(), records)));

    expect(left.flat()).toEqual([]);
    expect(w.mailbox.list()).toHaveLength(1);
    expect((await w.alarms.read(RECONCILE))?.page?.state).toBe('sent');
  });

  it('gives the page back when SNS refuses it, and its redelivery sends it once', async () => {
    const w = await world(await freshStore(engine));
    w.endpoint.faults = [{ service: 'sns', operation: 'Publish', serverError: 1, times: 1 }];
    const records = batch(FIRED);

    const first = await w.process(records);
    const owed = await w.alarms.read(RECONCILE);
    const second = await w.process(records);
    const third = await w.process(records);

    expect(first.outcomes).toEqual([
      expect.objectContaining({ id: records[0]?.id, outcome: 'failed', alarm: RECONCILE }),
    ]);
    expect(first.redeliver).toEqual([records[0]?.id]);
    expect(owed?.page).toEqual({ state: 'pending' });
    expect(second.outcomes.map((outcome) => outcome.outcome)).toEqual(['sent']);
    expect(second.redeliver).toEqual([]);
    expect(third.outcomes.map((outcome) => outcome.outcome)).toEqual(['duplicate']);
    expect(w.mailbox.list()).toHaveLength(1);
  });

  it('redelivers a change whose page another invocation holds, and takes it over once the holder’s lease ran out', async () => {
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const w = await world(await freshStore(engine), (real) => ({
      publish: async (message: AlertMessage) => {
        calls++;
        // The first sender hangs (as a Lambda that timed out would), then fails.
        if (calls === 1) {
          await stuck;
          throw new Error('the invocation timed out');
        }
        return real.publish(message);
      },
    }));
    const records = batch(FIRED);

    const hanging = w.process(records);
    await expect.poll(() => w.alarms.read(RECONCILE).then((record) => record?.page?.state)).toBe('sending');
    const held = await w.process(records);
    w.clock.now = new Date(NOW.getTime() + 61_000);
    const takenOver = await w.process(records);
    release();
    await hanging;

    expect(held.outcomes).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: expect.stringMatching(/its page is being sent/) }),
    ]);
    expect(held.redeliver).toEqual([records[0]?.id]);
    expect(takenOver.outcomes.map((outcome) => outcome.outcome)).toEqual(['sent']);
    expect(w.mailbox.list()).toHaveLength(1);
    expect((await w.alarms.read(RECONCILE))?.page?.state).toBe('sent');
  });
});

/**
 * EventBridge's PutEvents over AWS JSON 1.1 through the real SDK client: each entry becomes the envelope a rule's
 * targets receive, published in request order; refused entries fail alone, in `Entries` at their index; a
 * request of more than 10 entries fails as a whole.
 */
import * as EB from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import { eventBridgeBackend, localServiceEndpoints } from '../../../../local/endpoint/index.js';
import { LocalEventBus } from '../../../../local/eventbridge/bus.js';
import { LocalQueues } from '../../../../local/sqs/local-queues.js';
import { clientConfig, endpointFor } from '../../../support/local-endpoint.js';

const NOW = new Date('2024-05-01T12:00:00.750Z');
const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0a1b2c3d4e5f';

/** An endpoint whose EventBridge backend records what it publishes, with ids `event-1`, `event-2`, … */
async function eventBridge(publish?: (envelope: EventEnvelope, eventBus: string) => Promise<unknown>) {
  const published: { envelope: EventEnvelope; eventBus: string }[] = [];
  let ids = 0;
  const backend = eventBridgeBackend(
    publish ??
      (async (envelope, eventBus) => {
        published.push({ envelope, eventBus });
      }),
    { account: '123456789012', region: 'us-east-1', now: () => NOW, newId: () => `event-${++ids}` },
  );
  const { endpoint, config } = await endpointFor({ eventBridge: backend });
  return { client: new EB.EventBridgeClient(config), endpoint, published };
}

const lateStop = (n: number, extra: Partial<EB.PutEventsRequestEntry> = {}): EB.PutEventsRequestEntry => ({
  Source: 'ecs-ops.resync',
  DetailType: 'ECS Task State Change',
  Resources: [`${TASK_ARN}${n}`],
  Detail: JSON.stringify({ taskArn: `${TASK_ARN}${n}`, lastStatus: 'STOPPED', version: n }),
  ...extra,
});

describe('EventBridge PutEvents over AWS JSON 1.1', () => {
  it('publishes every entry, in order, as the envelope EventBridge delivers, and returns their ids', async () => {
    const { client, endpoint, published } = await eventBridge();

    const response = await client.send(
      new EB.PutEventsCommand({
        Entries: [
          lateStop(1),
          lateStop(2, { Time: new Date('2024-05-01T11:59:30.400Z') }),
          lateStop(3, { EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/ops' }),
        ],
      }),
    );

    expect(response.FailedEntryCount).toBe(0);
    expect(response.Entries).toEqual([
      { EventId: 'event-1' },
      { EventId: 'event-2' },
      { EventId: 'event-3' },
    ]);
    expect(published.map(({ eventBus }) => eventBus)).toEqual(['default', 'default', 'ops']);
    expect(published[0]?.envelope).toEqual({
      version: '0',
      id: 'event-1',
      'detail-type': 'ECS Task State Change',
      source: 'ecs-ops.resync',
      account: '123456789012',
      time: '2024-05-01T12:00:00Z',
      region: 'us-east-1',
      resources: [`${TASK_ARN}1`],
      detail: { taskArn: `${TASK_ARN}1`, lastStatus: 'STOPPED', version: 1 },
    });
    expect(published.map(({ envelope }) => [envelope.id, envelope.time, envelope.detail.version])).toEqual([
      ['event-1', '2024-05-01T12:00:00Z', 1],
      ['event-2', '2024-05-01T11:59:30Z', 2],
      ['event-3', '2024-05-01T12:00:00Z', 3],
    ]);
    expect(endpoint.requests()).toEqual({ 'eventBridge.PutEvents': 1 });
  });

  it('fails refused entries alone, at their index, and publishes the rest', async () => {
    const { client, published } = await eventBridge();

    const response = await client.send(
      new EB.PutEventsCommand({
        Entries: [
          lateStop(1),
          lateStop(2, { Source: 'aws.ecs' }),
          lateStop(3, { Detail: JSON.stringify({ padding: 'x'.repeat(256 * 1024) }) }),
          lateStop(4, { Detail: '[1, 2]' }),
          lateStop(5, { Detail: '{"unterminated":' }),
          lateStop(6, { DetailType: undefined }),
          lateStop(7, { Detail: undefined }),
          lateStop(8),
        ],
      }),
    );

    expect(response.FailedEntryCount).toBe(6);
    expect(response.Entries).toEqual([
      { EventId: 'event-1' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringMatching(/exceeds the maximum of 262144/) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { EventId: 'event-2' },
    ]);
    expect(published.map(({ envelope }) => envelope.detail.version)).toEqual([1, 8]);
  });

  it('refuses more than 10 entries as a whole request (ValidationException), publishing none', async () => {
    const { client, published } = await eventBridge();

    const sent = client.send(
      new EB.PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, n) => lateStop(n)) }),
    );

    await expect(sent).rejects.toBeInstanceOf(EB.EventBridgeServiceException);
    await expect(sent).rejects.toMatchObject({
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(published).toEqual([]);
  });

  it('refuses a request whose accepted entries together weigh over 256 KB, publishing none', async () => {
    const { client, published } = await eventBridge();
    const half = (n: number) => lateStop(n, { Detail: JSON.stringify({ padding: 'x'.repeat(140 * 1024) }) });

    await expect(client.send(new EB.PutEventsCommand({ Entries: [half(1), half(2)] }))).rejects.toMatchObject(
      {
        name: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      },
    );
    expect(published).toEqual([]);
  });

  it('reports a failed publish as a retryable failure of that entry alone', async () => {
    let calls = 0;
    const { client } = await eventBridge(async () => {
      calls += 1;
      if (calls === 2) throw new Error('queue unavailable');
    });

    const response = await client.send(
      new EB.PutEventsCommand({ Entries: [lateStop(1), lateStop(2), lateStop(3)] }),
    );

    expect(response.FailedEntryCount).toBe(1);
    expect(response.Entries).toEqual([
      { EventId: 'event-1' },
      { ErrorCode: 'InternalFailure', ErrorMessage: 'queue unavailable' },
      { EventId: 'event-3' },
    ]);
  });

  it('is reached by AWS_ENDPOINT_URL_EVENTBRIDGE alone', async () => {
    const { endpoint, published } = await eventBridge();
    const saved = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = localServiceEndpoints(
      endpoint.url,
    ).AWS_ENDPOINT_URL_EVENTBRIDGE;
    try {
      const { Entries } = await new EB.EventBridgeClient(clientConfig()).send(
        new EB.PutEventsCommand({ Entries: [lateStop(1)] }),
      );
      expect(Entries).toEqual([{ EventId: 'event-1' }]);
      expect(published).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = saved;
    }
  });

  it("delivers to the local bus's matching rules when backed by LocalEventBus#publish", async () => {
    const delivered: unknown[] = [];
    const bus = new LocalEventBus({
      routes: [
        {
          kind: 'direct',
          rule: 'ResyncRule',
          eventBus: 'default',
          pattern: { source: ['ecs-ops.resync'], 'detail-type': ['ECS Task State Change'] },
          function: { name: 'consumer', handler: 'dist/functions/consumer/index.handler', environment: {} },
        },
      ],
      queues: new LocalQueues({ now: () => NOW.getTime() }),
      invoke: async (_name, event) => {
        delivered.push(event);
      },
      now: () => NOW.getTime(),
      random: () => 0.5,
    });
    const backend = eventBridgeBackend((envelope, eventBus) => bus.publish(envelope, eventBus), {
      account: '123456789012',
      region: 'us-east-1',
      now: () => NOW,
    });
    const { config } = await endpointFor({ eventBridge: backend });

    const { Entries } = await new EB.EventBridgeClient(config).send(
      new EB.PutEventsCommand({ Entries: [lateStop(1), lateStop(2, { EventBusName: 'other' })] }),
    );

    expect(delivered).toEqual([
      expect.objectContaining({ id: Entries?.[0]?.EventId, source: 'ecs-ops.resync' }),
    ]);
    expect(Entries?.[1]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

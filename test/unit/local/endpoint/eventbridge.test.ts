/** The PutEvents backend on its own: EventBridge's size arithmetic, its limits at their edges, publish order. */
import type * as EB from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import {
  AwsError,
  eventBridgeBackend,
  PUT_EVENTS_MAX_BYTES,
  putEventsEntrySize,
} from '../../../../local/endpoint/index.js';

const entry = (extra: Partial<EB.PutEventsRequestEntry> = {}): EB.PutEventsRequestEntry => ({
  Source: 'ecs-ops.resync',
  DetailType: 'ECS Task State Change',
  Detail: '{}',
  ...extra,
});

function backend() {
  const published: [EventEnvelope, string][] = [];
  const events = eventBridgeBackend(
    async (envelope, eventBus) => {
      published.push([envelope, eventBus]);
    },
    { account: '111122223333', region: 'eu-west-1' },
  );
  return { events, published };
}

/** An entry of exactly `size` bytes as EventBridge counts them. */
const entryOfSize = (size: number) => {
  const base = putEventsEntrySize(entry({ Detail: '{"p":""}' }));
  return entry({ Detail: `{"p":"${'x'.repeat(size - base)}"}` });
};

describe('eventBridgeBackend', () => {
  it('counts an entry as EventBridge does: 14 bytes for a Time, UTF-8 bytes of the rest', () => {
    expect(
      putEventsEntrySize({
        Source: 'src',
        DetailType: 'été',
        Detail: '{}',
        Resources: ['r1', 'r22'],
        Time: new Date(0),
        EventBusName: 'not counted',
      }),
    ).toBe(14 + 3 + 5 + 2 + 2 + 3);
  });

  it('accepts an entry of exactly 256 KB and fails one a byte over', async () => {
    const { events, published } = backend();

    const { Entries } = await events.putEvents({
      Entries: [entryOfSize(PUT_EVENTS_MAX_BYTES), entryOfSize(PUT_EVENTS_MAX_BYTES + 1)],
    });

    expect(Entries?.[0]?.EventId).toBeDefined();
    expect(Entries?.[1]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(published).toHaveLength(1);
  });

  it.each([
    ['no entries', []],
    ['11 entries', Array.from({ length: 11 }, () => entry())],
    ['no Entries at all', undefined],
  ])('refuses %s with ValidationException', async (_, Entries) => {
    const { events, published } = backend();

    const refused = (async () => events.putEvents({ Entries }))();

    await expect(refused).rejects.toBeInstanceOf(AwsError);
    await expect(refused).rejects.toMatchObject({ code: 'ValidationException', status: 400 });
    expect(published).toEqual([]);
  });

  it('takes 10 entries, stamps each with a fresh id and the wall clock to the second', async () => {
    const { events, published } = backend();
    const before = Date.now();

    const { Entries, FailedEntryCount } = await events.putEvents({
      Entries: Array.from({ length: 10 }, (_, n) => entry({ Detail: JSON.stringify({ n }) })),
    });

    expect(FailedEntryCount).toBe(0);
    expect(new Set(Entries?.map((e) => e.EventId)).size).toBe(10);
    expect(published.map(([envelope]) => envelope.detail.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [first] = published[0] ?? [];
    expect(first).toMatchObject({ account: '111122223333', region: 'eu-west-1', resources: [] });
    expect(first?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(first?.time ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('publishes one entry at a time, the next only once the last is published', async () => {
    const order: string[] = [];
    const events = eventBridgeBackend(
      async (envelope) => {
        order.push(`start ${envelope.detail.n}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`end ${envelope.detail.n}`);
      },
      { account: '1', region: 'r' },
    );

    await events.putEvents({ Entries: [entry({ Detail: '{"n":1}' }), entry({ Detail: '{"n":2}' })] });

    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('publishes to the bus an entry names, by name or ARN', async () => {
    const { events, published } = backend();

    await events.putEvents({
      Entries: [
        entry({ EventBusName: 'default' }),
        entry({ EventBusName: 'ops' }),
        entry({ EventBusName: 'arn:aws:events:eu-west-1:111122223333:event-bus/ops' }),
        entry({ EventBusName: 'arn:aws:events:eu-west-1:111122223333:event-bus/default' }),
      ],
    });

    expect(published.map(([, bus]) => bus)).toEqual(['default', 'ops', 'ops', 'default']);
  });

  it.each([
    ['Source', entry({ Source: '' }), 'InvalidArgument'],
    ['Resources', entry({ Resources: [42 as unknown as string] }), 'InvalidArgument'],
    ['Detail', entry({ Detail: 'null' }), 'MalformedDetail'],
    ['Detail', entry({ Detail: '"text"' }), 'MalformedDetail'],
    ['the entry', null as unknown as EB.PutEventsRequestEntry, 'InvalidArgument'],
  ])('fails an entry with an invalid %s alone', async (_, invalid, ErrorCode) => {
    const { events, published } = backend();

    const { Entries, FailedEntryCount } = await events.putEvents({ Entries: [invalid, entry()] });

    expect(FailedEntryCount).toBe(1);
    expect(Entries?.[0]).toMatchObject({ ErrorCode });
    expect(published).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { reconcileMetrics } from '../../../../lib/reconcile/metrics.js';
import type { BatchRecord, RecordOutcome } from '../../../../lib/reconcile/reconcile.js';
import { body, taskEvent } from '../../../support/fixtures.js';

const NOW = new Date('2024-05-01T12:01:00.000Z');

describe('reconcileMetrics', () => {
  it('counts every outcome of the batch and gives one lag per ECS state change, invalid and skipped ones left out', () => {
    // Prepare: one record per outcome; the state changes happened 60 s, 30 s, 10 s and 1 s before now.
    const at = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
    const records: BatchRecord[] = [
      { id: 'a', body: body(taskEvent({ id: 'a', time: at(60) })) },
      { id: 'd', body: body(taskEvent({ id: 'd', time: at(30) })) },
      { id: 's', body: body(taskEvent({ id: 's', time: at(10) })) },
      { id: 'f', body: body(taskEvent({ id: 'f', time: at(1) })) },
      { id: 'i', body: '{"not":"an event"}' },
      { id: 'k', body: '{"detail-type":"ECS Service Action"}' },
    ];
    const change = { kind: 'task' as const, arn: 'arn', version: 1 };
    const outcomes = [
      { id: 'a', outcome: 'accepted', ...change, time: at(60) },
      { id: 'd', outcome: 'duplicate', ...change, time: at(30) },
      { id: 's', outcome: 'stale', ...change, time: at(10) },
      { id: 'f', outcome: 'failed', ...change, time: at(1), reason: 'throttled' },
      { id: 'i', outcome: 'invalid', field: 'detail', reason: 'missing' },
      {
        id: 'k',
        outcome: 'skipped',
        source: 'aws.ecs',
        detailType: 'ECS Service Action',
        reason: 'not a state change',
      },
    ] as RecordOutcome[];

    // Act
    const metrics = reconcileMetrics(records, outcomes, NOW);

    // Assess
    expect(metrics).toEqual([
      { name: 'EventsReceived', unit: 'Count', value: 6 },
      { name: 'EventsAccepted', unit: 'Count', value: 1 },
      { name: 'EventsDuplicate', unit: 'Count', value: 1 },
      { name: 'EventsStale', unit: 'Count', value: 1 },
      { name: 'EventsInvalid', unit: 'Count', value: 1 },
      { name: 'EventsFailed', unit: 'Count', value: 1 },
      { name: 'EventLag', unit: 'Milliseconds', value: 60_000 },
      { name: 'EventLag', unit: 'Milliseconds', value: 30_000 },
      { name: 'EventLag', unit: 'Milliseconds', value: 10_000 },
      { name: 'EventLag', unit: 'Milliseconds', value: 1_000 },
    ]);
  });

  it('never gives a negative lag to an event stamped ahead of the function’s clock', () => {
    const records = [{ id: 'a', body: body(taskEvent({ id: 'a', time: '2024-05-01T12:01:00.250Z' })) }];
    const outcomes: RecordOutcome[] = [
      {
        id: 'a',
        outcome: 'accepted',
        kind: 'task',
        arn: 'arn',
        version: 1,
        time: '2024-05-01T12:01:00.250Z',
      },
    ];

    expect(reconcileMetrics(records, outcomes, NOW).filter(({ name }) => name === 'EventLag')).toEqual([
      { name: 'EventLag', unit: 'Milliseconds', value: 0 },
    ]);
  });
});

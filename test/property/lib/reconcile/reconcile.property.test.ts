/**
 * The version rule under random delivery: whatever the order, duplication, batching and concurrency of delivery, the
 * stored state of every resource is its highest version and its timeline holds exactly the versions received.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../../../lib/platform/events/statuses.js';
import { type BatchRecord, type RecordOutcome, reconcileBatch } from '../../../../lib/reconcile/reconcile.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { body, type Envelope, instanceEvent, taskEvent } from '../../../support/fixtures.js';

const RETENTION = { stoppedDays: 30, historyDays: 90 };
const RUNS: Record<string, number> = { dynalite: 25, 'dynamodb-local': 8 };
const INSTANCE_STATUSES = ['REGISTERING', 'ACTIVE', 'DRAINING', 'INACTIVE'];

interface Resource {
  kind: 'task' | 'instance';
  versions: number[];
}

/** One resource's event at one version: the same bytes every time, as a duplicate delivery would be. */
function envelopeOf(index: number, resource: Resource, version: number): Envelope {
  const id = `resource-${index}`;
  return resource.kind === 'task'
    ? taskEvent({ id, version, lastStatus: TASK_STATUSES[version % TASK_STATUSES.length] })
    : instanceEvent({ id, version, status: INSTANCE_STATUSES[version % INSTANCE_STATUSES.length] });
}
const arnOf = (envelope: Envelope) =>
  (envelope.detail.taskArn ?? envelope.detail.containerInstanceArn) as string;

const resourceArbitrary = fc.record({
  kind: fc.constantFrom<'task' | 'instance'>('task', 'instance'),
  versions: fc.uniqueArray(fc.nat({ max: 40 }), { minLength: 1, maxLength: 8 }),
});

/** Resources, the deliveries (each version 1–3 times, in a random order), batches and writers. */
const scenarioArbitrary = fc.array(resourceArbitrary, { minLength: 1, maxLength: 6 }).chain((resources) => {
  const deliveries = resources.flatMap((resource, index) =>
    resource.versions.map((version) => ({ index, version })),
  );
  return fc.record({
    resources: fc.constant(resources),
    copies: fc.array(fc.integer({ min: 1, max: 3 }), {
      minLength: deliveries.length,
      maxLength: deliveries.length,
    }),
    order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
      minLength: deliveries.length * 3,
      maxLength: deliveries.length * 3,
    }),
    cuts: fc.array(fc.nat({ max: deliveries.length * 3 }), { maxLength: 6 }),
    writers: fc.integer({ min: 1, max: 4 }),
    writeConcurrency: fc.integer({ min: 1, max: 4 }),
  });
});

type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer S> ? S : never;

/** Turns a scenario into the batches each concurrent writer processes in turn. */
function deliveryPlan({ resources, copies, order, cuts, writers }: Scenario): BatchRecord[][][] {
  const deliveries = resources.flatMap((resource, index) =>
    resource.versions.map((version) => ({ index, version })),
  );
  const records = deliveries.flatMap(({ index, version }, position) => {
    const resource = resources[index] as Resource;
    const text = body(envelopeOf(index, resource, version));
    return Array.from({ length: copies[position] ?? 1 }, () => text);
  });
  const shuffled = records
    .map((text, position) => ({ text, key: order[position] ?? 0, position }))
    .sort((a, b) => a.key - b.key || a.position - b.position)
    .map(({ text }, position): BatchRecord => ({ id: `m${position}`, body: text }));
  const bounds = [...new Set([0, ...cuts.filter((cut) => cut < shuffled.length), shuffled.length])].sort(
    (a, b) => a - b,
  );
  const batches = bounds.slice(1).map((end, i) => shuffled.slice(bounds[i], end));
  const plan: BatchRecord[][][] = Array.from({ length: writers }, () => []);
  for (const [i, batch] of batches.entries()) plan[i % writers]?.push(batch);
  return plan;
}

describe.each(engines())('reconcile under random delivery on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  it('stores the highest version of every resource and exactly its distinct versions in the timeline', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        // Prepare
        const store = await freshStore(target);
        const plan = deliveryPlan(scenario);
        const dependencies = { store, retention: RETENTION, writeConcurrency: scenario.writeConcurrency };

        // Act: every writer processes its batches one after another, all writers at once.
        const perWriter = await Promise.all(
          plan.map(async (batches) => {
            const outcomes: RecordOutcome[] = [];
            for (const batch of batches) outcomes.push(...(await reconcileBatch(batch, dependencies)));
            return outcomes;
          }),
        );
        const outcomes = perWriter.flat();

        // Assess
        const delivered = plan.flat(2).length;
        expect(outcomes).toHaveLength(delivered);
        expect(
          outcomes.filter((outcome) => outcome.outcome === 'invalid' || outcome.outcome === 'failed'),
        ).toEqual([]);
        for (const [index, resource] of scenario.resources.entries()) {
          const highest = Math.max(...resource.versions);
          const newest = envelopeOf(index, resource, highest);
          const arn = arnOf(newest);

          const latest = await store.getLatest(arn);
          expect(latest?.version).toBe(highest);
          expect(latest?.kind).toBe(resource.kind);
          expect(latest?.detail).toStrictEqual(newest.detail);

          const history = await store.history(arn);
          expect(history.map((entry) => entry.version)).toEqual([...resource.versions].sort((a, b) => a - b));

          const mine = outcomes.filter((outcome) => 'arn' in outcome && outcome.arn === arn);
          const accepted = mine.filter((outcome) => outcome.outcome === 'accepted');
          expect(accepted.length).toBeGreaterThanOrEqual(1);
          expect(accepted.length).toBeLessThanOrEqual(resource.versions.length);
          expect(accepted.some((outcome) => 'version' in outcome && outcome.version === highest)).toBe(true);
        }
      }),
      { numRuns: RUNS[target.name] ?? 8 },
    );
  }, 60_000);
});

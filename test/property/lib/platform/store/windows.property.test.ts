/**
 * The window rules under random stores: whatever the tasks' creation and stop times (ties included), groups, and
 * the tasks resync found gone, stoppedTasks(since A, until B) returns exactly the tasks that stopped in [A, B),
 * newest stop first, with or without groups (one, or several merged), and paging it with any limit returns the
 * same list; tasksInWindow returns exactly the tasks that ran in [A, B).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceKey } from '../../../../../lib/platform/arn.js';
import { parseEcsEvent } from '../../../../../lib/platform/events/ecs-event.js';
import { latestItem } from '../../../../../lib/platform/store/items.js';
import type {
  CurrentState,
  ResourcePage,
  StateStore,
  StoredResource,
} from '../../../../../lib/platform/store/state-store.js';
import { engines, freshStore, requireEngine } from '../../../../support/engines.js';
import { type Envelope, taskEvent } from '../../../../support/fixtures.js';

const RETENTION = { stoppedDays: 30, historyDays: 90 };
// Sized for two cores, like the reconcile property: each run writes up to 10 tasks and reads a dozen pages.
const RUNS: Record<string, number> = { dynalite: 25, 'dynamodb-local': 8 };
const GROUPS = ['service:a', 'service:b'] as const;

/** Minutes after 12:00 on 2024-05-01: whole minutes, so that times often tie. */
const at = (minute: number) =>
  new Date(Date.parse('2024-05-01T12:00:00.000Z') + minute * 60_000).toISOString();

interface TaskSpec {
  group: (typeof GROUPS)[number];
  created: number;
  /** Minutes after its creation that it stopped, if it did. */
  stoppedAfter: number | null;
  /** Minutes after its creation that resync found it gone, if it did (a live task only). */
  goneAfter: number | null;
  status: 'PENDING' | 'RUNNING';
}

const taskArbitrary: fc.Arbitrary<TaskSpec> = fc.record({
  group: fc.constantFrom(...GROUPS),
  created: fc.nat({ max: 40 }),
  stoppedAfter: fc.option(fc.nat({ max: 40 }), { freq: 2 }),
  goneAfter: fc.option(fc.nat({ max: 40 }), { freq: 5 }),
  status: fc.constantFrom('PENDING', 'RUNNING'),
});

const scenarioArbitrary = fc.record({
  tasks: fc.array(taskArbitrary, { minLength: 0, maxLength: 10 }),
  since: fc.option(fc.nat({ max: 90 }), { freq: 6 }),
  until: fc.option(fc.nat({ max: 90 }), { freq: 6 }),
  group: fc.option(fc.constantFrom<string | string[]>(...GROUPS, [...GROUPS]), { freq: 2 }),
  limit: fc.integer({ min: 1, max: 4 }),
  /** Bounds written without milliseconds ("12:05:00Z"): still the same times. */
  shortBounds: fc.boolean(),
});
type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer S> ? S : never;

function envelopeOf(cluster: string, index: number, spec: TaskSpec): Envelope {
  const id = `${cluster}-task-${index}`;
  if (spec.stoppedAfter === null)
    return taskEvent({
      id,
      cluster,
      version: 4,
      group: spec.group,
      createdAt: at(spec.created),
      lastStatus: spec.status,
    });
  const stop = at(spec.created + spec.stoppedAfter);
  return taskEvent({
    fixture: 'ecs/task/fargate-stopped.json',
    id,
    cluster,
    version: 9,
    group: spec.group,
    createdAt: at(spec.created),
    startedAt: at(spec.created),
    stoppedAt: stop,
    detail: { updatedAt: stop },
  });
}

/** When the store holds a task as stopped: its stop, or when resync found it gone; null while it is live. */
const stopOf = (spec: TaskSpec): number | null =>
  spec.stoppedAfter !== null
    ? spec.created + spec.stoppedAfter
    : spec.goneAfter !== null
      ? spec.created + spec.goneAfter
      : null;

const bound = (minute: number | null, short: boolean) =>
  minute === null ? undefined : short ? at(minute).replace('.000Z', 'Z') : at(minute);

async function everyPage(read: (nextToken: string | undefined) => Promise<ResourcePage>) {
  const resources: StoredResource[] = [];
  let token: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages > 20) throw new Error('the listing never ends');
    const page = await read(token);
    resources.push(...page.resources);
    if (!page.more) return resources;
    token = page.nextToken;
  }
}

describe.each(engines())('windowed task queries under random stores on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;
  let store: StateStore;
  let runs = 0;

  // One table; each run has a cluster of its own, and every query names its cluster: a fresh store per run
  // without a CreateTable per run.
  beforeAll(async () => {
    store = await freshStore(target);
  });

  it('stoppedTasks(A, B) is exactly the tasks that stopped in [A, B); tasksInWindow those that ran in it', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario: Scenario) => {
        // Prepare
        const cluster = `run${runs++}`;
        const envelopes = scenario.tasks.map((spec, index) => envelopeOf(cluster, index, spec));
        await Promise.all(
          envelopes.map((envelope) => {
            const parsed = parseEcsEvent(envelope);
            if (!parsed.ok) throw new Error(`invalid event: ${parsed.error.field}: ${parsed.error.reason}`);
            return store.putLatest(latestItem(parsed.event, RETENTION));
          }),
        );
        for (const [index, spec] of scenario.tasks.entries()) {
          if (spec.stoppedAfter !== null || spec.goneAfter === null) continue;
          const key = resourceKey(envelopes[index]?.detail.taskArn as string);
          const state = (await store.currentStates([key])).get(key) as CurrentState;
          await store.markMissing(key, state, at(spec.created + spec.goneAfter), 30);
        }
        const since = bound(scenario.since, scenario.shortBounds);
        const until = bound(scenario.until, scenario.shortBounds);
        const group = scenario.group ?? undefined;
        const window = {
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          ...(group === undefined ? {} : { group }),
        };
        const A = scenario.since ?? Number.NEGATIVE_INFINITY;
        const B = scenario.until ?? Number.POSITIVE_INFINITY;
        const inGroup = (spec: TaskSpec) => group === undefined || [group].flat().includes(spec.group);
        const arnAt = (index: number) => envelopes[index]?.detail.taskArn as string;

        // Act
        const stopped = await store.stoppedTasks(cluster, window);
        const paged = await everyPage((nextToken) =>
          store.stoppedTasks(cluster, {
            ...window,
            limit: scenario.limit,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        const ran = await everyPage((nextToken) =>
          store.tasksInWindow(cluster, {
            ...window,
            limit: scenario.limit,
            ...(nextToken ? { nextToken } : {}),
          }),
        );

        // Assess: exactly the tasks stopped in [A, B), newest stop first; pages add up to the same list.
        const expectedStopped = scenario.tasks.flatMap((spec, index) => {
          const stop = stopOf(spec);
          return stop !== null && stop >= A && stop < B && inGroup(spec) ? [{ arn: arnAt(index), stop }] : [];
        });
        expect(stopped.more).toBe(false);
        expect(new Set(stopped.resources.map((task) => task.arn))).toEqual(
          new Set(expectedStopped.map((task) => task.arn)),
        );
        expect(stopped.resources).toHaveLength(expectedStopped.length);
        const stopByArn = new Map(expectedStopped.map((task) => [task.arn, task.stop]));
        const stops = stopped.resources.map((task) => stopByArn.get(task.arn) as number);
        expect(stops).toEqual([...stops].sort((a, b) => b - a));
        expect(paged.map((task) => task.arn)).toEqual(stopped.resources.map((task) => task.arn));

        // …and the tasks that ran in [A, B): live ones created before B, stopped ones stopped at or after A.
        const expectedRan = scenario.tasks.flatMap((spec, index) => {
          const stop = stopOf(spec);
          const ranIn = spec.created < B && (stop === null || stop >= A);
          return ranIn && inGroup(spec) ? [arnAt(index)] : [];
        });
        expect(new Set(ran.map((task) => task.arn))).toEqual(new Set(expectedRan));
        expect(ran).toHaveLength(expectedRan.length);
      }),
      { numRuns: RUNS[target.name] ?? 8 },
    );
  }, 120_000);
});

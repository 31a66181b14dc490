/**
 * Resync and events together, on each engine: any interleaving of event deliveries (any order, duplicates,
 * losses) and resyncs whose ECS answers come from snapshots recorded at any earlier point of the cluster's life
 * (including snapshots older than the events already stored) converges to the highest version of every
 * resource, and nothing is ever deleted.
 *
 * Each run simulates a small cluster (a few tasks, sometimes on a container instance) on the simulator, records
 * every event it emits and, at generated moments, what the ECS API answered through the local endpoint and the
 * real SDK client (List*, Describe*), frozen. Then it plays generated steps against a fresh state table:
 * deliver some events through the real reconcile code; resync from one recorded snapshot (a recorded `EcsReader`
 * serves its answers, MISSING for what it did not know); or both at once (the events concurrently, or right after
 * one of resync's reads of the store, so that it acts on a read the events made stale). After every step the
 * store is held to a model of the one version rule: the latest version, the "missing" mark and the timeline of
 * every resource, exactly (within the bounds a race allows), and no item of the table gone.
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type ContainerInstance, type DesiredStatus, ECSClient, type Task } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastSegment, resourceKey } from '../../../../lib/platform/arn.js';
import type { EventEnvelope } from '../../../../lib/platform/events/envelope.js';
import { isLiveStatus } from '../../../../lib/platform/events/statuses.js';
import { Journal } from '../../../../lib/platform/journal.js';
import type { StateStore } from '../../../../lib/platform/store/state-store.js';
import { KEY } from '../../../../lib/platform/store/table.js';
import { reconcileBatch } from '../../../../lib/reconcile/reconcile.js';
import { type Described, EcsApi, type EcsReader } from '../../../../lib/resync/ecs-api.js';
import type { ResyncDependencies } from '../../../../lib/resync/model.js';
import { resync } from '../../../../lib/resync/resync.js';
import { WatchingSince } from '../../../../lib/resync/watching.js';
import type { Backends } from '../../../../local/endpoint/index.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { endpointFor } from '../../../support/local-endpoint.js';
import { RETENTION } from '../../../support/resync-harness.js';
import { instance, prodCluster, START } from '../../../support/simulated-ecs.js';

/** Sized for two cores: each run simulates a cluster, records snapshots and checks the store after every step. */
const RUNS: Record<string, number> = { dynalite: 40, 'dynamodb-local': 12 };
const CLUSTER = 'prod';

// ---- the cluster's life, simulated and recorded --------------------------------------------------------------

type SimAction =
  | { op: 'start'; count: number; ec2: boolean }
  | { op: 'advance'; ms: number }
  | { op: 'stop'; pick: number }
  | { op: 'snapshot' };

const simActionArbitrary: fc.Arbitrary<SimAction> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('start'),
      count: fc.integer({ min: 1, max: 3 }),
      ec2: fc.boolean(),
    }),
  },
  // Up to 6 s: enough to cross every transient state of a task, little enough to catch it in one.
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('advance'), ms: fc.integer({ min: 200, max: 6_000 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('stop'), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('snapshot') }) },
) as fc.Arbitrary<SimAction>;

/** What the ECS API answered at one moment, frozen. */
interface Snapshot {
  taskArns: Record<'RUNNING' | 'STOPPED', readonly string[]>;
  instanceArns: readonly string[];
  /** By id (the last part of the ARN). */
  tasks: ReadonlyMap<string, Task>;
  instances: ReadonlyMap<string, ContainerInstance>;
  /** Every resource it knows, by store key: version and status. */
  states: ReadonlyMap<string, { version: number; live: boolean }>;
}

interface Simulated {
  events: EventEnvelope[];
  snapshots: Snapshot[];
  /** Whether each version of each resource (`<key>@<version>`) is a live state, as its event or the API says. */
  liveAt: ReadonlyMap<string, boolean>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

async function allPages(
  page: (token?: string) => Promise<{ arns: string[]; nextToken?: string | undefined }>,
) {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const answer = await page(token);
    arns.push(...answer.arns);
    token = answer.nextToken;
  } while (token !== undefined);
  return arns;
}

/** Reads the whole cluster as resync would, through the endpoint and the real ECS client, and freezes it. */
async function record(api: EcsApi): Promise<Snapshot> {
  const running = await allPages((token) => api.taskArnPage(CLUSTER, 'RUNNING', token));
  const stopped = await allPages((token) => api.taskArnPage(CLUSTER, 'STOPPED', token));
  const instanceArns = await allPages((token) => api.containerInstanceArnPage(CLUSTER, token));
  const tasks = await api.describeTasks(CLUSTER, [...running, ...stopped]);
  const instances = await api.describeContainerInstances(CLUSTER, instanceArns);
  expect([...tasks.missing, ...instances.missing]).toEqual([]);
  const states = new Map<string, { version: number; live: boolean }>();
  for (const task of tasks.found)
    states.set(resourceKey(task.taskArn ?? ''), {
      version: Number(task.version),
      live: isLiveStatus('task', task.lastStatus),
    });
  for (const found of instances.found)
    states.set(resourceKey(found.containerInstanceArn ?? ''), {
      version: Number(found.version),
      live: isLiveStatus('instance', found.status),
    });
  return deepFreeze({
    taskArns: { RUNNING: running, STOPPED: stopped },
    instanceArns,
    tasks: new Map(structuredClone(tasks.found).map((task) => [lastSegment(task.taskArn ?? ''), task])),
    instances: new Map(
      structuredClone(instances.found).map((found) => [lastSegment(found.containerInstanceArn ?? ''), found]),
    ),
    states,
  });
}

/** Plays `plan` on a fresh simulator served by the endpoint `backends` belongs to, read through `ecs`. */
async function simulate(
  seed: number,
  withInstance: boolean,
  plan: readonly SimAction[],
  backends: Backends,
  ecs: ECSClient,
): Promise<Simulated> {
  const h = prodCluster(seed);
  backends.ecs = h.sim;
  const api = new EcsApi(ecs, 10_000);
  if (withInstance) instance(h, 'i-0000000000000000a');
  const taskArns: string[] = [];
  const snapshots: Snapshot[] = [];
  for (const action of plan) {
    if (action.op === 'start') {
      const ec2 = action.ec2 && withInstance;
      const { tasks = [] } = h.sim.runTask({
        cluster: CLUSTER,
        taskDefinition: ec2 ? 'report' : 'web',
        count: action.count,
        ...(ec2 ? {} : { launchType: 'FARGATE' }),
      });
      taskArns.push(...tasks.flatMap((task) => task.taskArn ?? []));
    } else if (action.op === 'advance') h.advance(action.ms);
    else if (action.op === 'stop') {
      const task = taskArns[action.pick % Math.max(1, taskArns.length)];
      if (task !== undefined) h.sim.stopTask({ cluster: CLUSTER, task, reason: 'scaled in' });
    } else snapshots.push(await record(api));
  }
  // The cluster's last word is always one of the snapshots.
  h.settle(60_000);
  snapshots.push(await record(api));
  const liveAt = new Map<string, boolean>();
  for (const event of h.events) {
    const { key, version, live } = eventState(event);
    liveAt.set(`${key}@${version}`, live);
  }
  for (const snapshot of snapshots)
    for (const [key, { version, live }] of snapshot.states) liveAt.set(`${key}@${version}`, live);
  return { events: [...h.events], snapshots, liveAt };
}

// ---- a recorded snapshot as resync's ECS reader ---------------------------------------------------------------

/** Serves one snapshot's answers page by page, as ECS would; what it never knew answers MISSING. */
class RecordedEcs implements EcsReader {
  readonly calls: Record<string, number> = {};

  constructor(
    private readonly snapshot: Snapshot,
    private readonly pageSize: number,
  ) {}

  async clusterNames(): Promise<string[]> {
    this.count('ListClusters');
    return [CLUSTER];
  }

  async taskArnPage(cluster: string, desiredStatus: DesiredStatus, nextToken?: string) {
    this.count('ListTasks');
    const arns = cluster === CLUSTER ? this.snapshot.taskArns[desiredStatus as 'RUNNING' | 'STOPPED'] : [];
    return this.page(arns ?? [], nextToken);
  }

  async containerInstanceArnPage(cluster: string, nextToken?: string) {
    this.count('ListContainerInstances');
    return this.page(cluster === CLUSTER ? this.snapshot.instanceArns : [], nextToken);
  }

  async describeTasks(_cluster: string, arns: readonly string[]): Promise<Described<Task>> {
    this.count('DescribeTasks', Math.ceil(arns.length / 100));
    return described(arns, this.snapshot.tasks);
  }

  async describeContainerInstances(
    _cluster: string,
    arns: readonly string[],
  ): Promise<Described<ContainerInstance>> {
    this.count('DescribeContainerInstances', Math.ceil(arns.length / 100));
    return described(arns, this.snapshot.instances);
  }

  private page(arns: readonly string[], nextToken: string | undefined) {
    const at = nextToken === undefined ? 0 : Number(nextToken);
    const next = at + this.pageSize;
    return { arns: arns.slice(at, next), nextToken: next < arns.length ? String(next) : undefined };
  }

  private count(action: string, calls = 1): void {
    this.calls[action] = (this.calls[action] ?? 0) + calls;
  }
}

/** A copy of what the snapshot holds for each reference (ARN or id); the others are MISSING. */
function described<T>(references: readonly string[], known: ReadonlyMap<string, T>): Described<T> {
  const result: Described<T> = { found: [], missing: [] };
  for (const reference of references) {
    const found = known.get(lastSegment(reference));
    if (found === undefined) result.missing.push(reference);
    else result.found.push(structuredClone(found));
  }
  return result;
}

// ---- the steps and the model of the store ---------------------------------------------------------------------

type Step =
  | { kind: 'deliver'; picks: number[] }
  | { kind: 'resync'; snapshot: number; pageSize: number }
  /**
   * Events delivered during a resync: right after its `at`-th read of the store (it then works from a read the
   * events made stale), or, without `at`, concurrently.
   */
  | { kind: 'race'; picks: number[]; snapshot: number; pageSize: number; at?: number };

const picksArbitrary = fc.array(fc.nat(), { minLength: 1, maxLength: 14 });
const pageSizeArbitrary = fc.integer({ min: 1, max: 4 });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliver'), picks: picksArbitrary }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('resync'), snapshot: fc.nat(), pageSize: pageSizeArbitrary }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('race'),
        picks: picksArbitrary,
        snapshot: fc.nat(),
        pageSize: pageSizeArbitrary,
        at: fc.nat({ max: 8 }),
      },
      { requiredKeys: ['kind', 'picks', 'snapshot', 'pageSize'] },
    ),
  },
) as fc.Arbitrary<Step>;

const scenarioArbitrary = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  withInstance: fc.boolean(),
  plan: fc.array(simActionArbitrary, { minLength: 4, maxLength: 14 }),
  steps: fc.array(stepArbitrary, { minLength: 3, maxLength: 10 }),
});

/** What the store must hold for one resource. */
interface Expected {
  arn: string;
  version: number;
  live: boolean;
  missing: boolean;
  /** Versions the timeline holds for sure, and (after a race) those it may hold too. */
  timeline: Set<number>;
  maybe: Set<number>;
  /** The highest version either path ever offered the store. */
  highestOffered: number;
}

class Model {
  readonly resources = new Map<string, Expected>();

  deliver(events: readonly EventEnvelope[]): void {
    for (const event of events) {
      const { key, version, live } = eventState(event);
      const expected = this.resource(key, event.resources[0] as string, version);
      expected.timeline.add(version);
      if (version > expected.version) Object.assign(expected, { version, live, missing: false });
    }
  }

  /** A resync alone: the snapshot adds or advances what is behind, then marks the live ones it did not know. */
  resync(snapshot: Snapshot): void {
    for (const [key, { version, live }] of snapshot.states) {
      const expected = this.resource(key, arnOfKey(snapshot, key), version);
      if (version > expected.version) {
        Object.assign(expected, { version, live, missing: false });
        expected.timeline.add(version);
      }
    }
    for (const [key, expected] of this.resources)
      if (!snapshot.states.has(key) && expected.live && !expected.missing)
        Object.assign(expected, { live: false, missing: true });
  }

  /** The latest version, the mark and the timeline of every resource the store must hold. */
  private resource(key: string, arn: string, offered: number): Expected {
    let expected = this.resources.get(key);
    if (expected === undefined) {
      expected = {
        arn,
        version: -1,
        live: false,
        missing: false,
        timeline: new Set(),
        maybe: new Set(),
        highestOffered: offered,
      };
      this.resources.set(key, expected);
    }
    expected.highestOffered = Math.max(expected.highestOffered, offered);
    return expected;
  }
}

function eventState(event: EventEnvelope) {
  const task = event['detail-type'] === 'ECS Task State Change';
  const arn = event.resources[0] as string;
  const status = String(task ? event.detail.lastStatus : event.detail.status);
  return {
    key: resourceKey(arn),
    version: Number(event.detail.version),
    live: isLiveStatus(task ? 'task' : 'instance', status),
  };
}

function arnOfKey(snapshot: Snapshot, key: string): string {
  const id = lastSegment(key);
  const found = key.startsWith('task/')
    ? snapshot.tasks.get(id)?.taskArn
    : snapshot.instances.get(id)?.containerInstanceArn;
  return found ?? key;
}

// ---- what the store holds ------------------------------------------------------------------------------------

interface Observed {
  /** Every item of the table (latest states, timelines, journal, watching), as partition + sort key. */
  items: Set<string>;
  resources: Map<string, { version: number; live: boolean; missing: boolean; timeline: number[] }>;
}

async function observe(store: StateStore, model: Model): Promise<Observed> {
  const items = new Set<string>();
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await store.client.send(
      new ScanCommand({
        TableName: store.tableName,
        ProjectionExpression: '#p, #s',
        ExpressionAttributeNames: { '#p': KEY.partition, '#s': KEY.sort },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) items.add(`${item[KEY.partition]?.S}\u0000${item[KEY.sort]?.S}`);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
  const keys = [...model.resources.keys()];
  const current = await store.currentStates(keys);
  const resources: Observed['resources'] = new Map();
  for (const key of keys) {
    const state = current.get(key);
    if (state === undefined) continue;
    const timeline = (await store.history((model.resources.get(key) as Expected).arn)).map((e) => e.version);
    resources.set(key, { version: state.version, live: state.live, missing: state.missing, timeline });
  }
  return { items, resources };
}

// ---- the steps, played against a table -------------------------------------------------------------------------

/** Plays steps against one table: events through the real reconcile code, resyncs from recorded snapshots. */
class Playground {
  readonly published: EventEnvelope[] = [];
  private reader: EcsReader | undefined;
  private clock = START;
  private batch = 0;
  /** A delivery waiting for resync's read number `at` of the store (counted from 0 in each step). */
  private interleave: { at: number; deliver: () => Promise<void> } | undefined;
  private reads = 0;
  private readonly dependencies: ResyncDependencies;

  constructor(
    private readonly store: StateStore,
    private readonly events: readonly EventEnvelope[],
  ) {
    this.dependencies = {
      ecsApi: () => this.reader as EcsReader,
      // The recorded runs are not deploys: nothing to reindex.
      reindex: async () => ({ rewritten: 0 }),
      // The store as resync sees it: the same table, with a hook after each of its reads.
      store: {
        currentStates: (keys) => this.afterRead(store.currentStates(keys)),
        liveKeys: (cluster, kind) => this.afterRead(store.liveKeys(cluster, kind)),
        putLatest: (item) => store.putLatest(item),
        putHistoryIfAbsent: (item) => store.putHistoryIfAbsent(item),
        markMissing: (...args) => store.markMissing(...args),
      },
      journal: new Journal({ tableName: store.tableName, client: store.client, retentionDays: 0 }),
      lateStops: {
        publish: async (envelopes) => {
          this.published.push(...envelopes);
          return { failed: [] };
        },
      },
      watching: new WatchingSince(store),
      clusters: [CLUSTER],
      retention: RETENTION,
      writeConcurrency: 4,
      now: () => new Date(this.clock),
    };
  }

  /** Reconciles the picked events as one batch; returns them. */
  async deliver(picks: readonly number[]): Promise<EventEnvelope[]> {
    const { events } = this;
    // A cluster that never ran a task emitted no event: there is nothing to deliver.
    const picked =
      events.length === 0 ? [] : picks.map((pick) => events[pick % events.length] as EventEnvelope);
    const batch = this.batch++;
    const records = picked.map((event, index) => ({ id: `b${batch}-${index}`, body: JSON.stringify(event) }));
    const outcomes = await reconcileBatch(records, {
      store: this.store,
      retention: RETENTION,
      writeConcurrency: 4,
    });
    const refused = outcomes.filter((o) => !['accepted', 'duplicate', 'stale'].includes(o.outcome));
    expect(refused).toEqual([]);
    return picked;
  }

  async resync(snapshot: Snapshot, pageSize: number): Promise<void> {
    this.reader = new RecordedEcs(snapshot, pageSize);
    this.clock += 1_000;
    const result = await resync({ trigger: 'schedule' }, this.dependencies);
    expect(result.cursor).toBeUndefined();
    for (const report of result.reports) {
      expect(report.invalid).toEqual([]);
      expect(report.failed).toBe(0);
    }
  }

  /** A resync with events delivered during it; returns the events. */
  async race(snapshot: Snapshot, pageSize: number, picks: readonly number[], at?: number) {
    if (at === undefined)
      return (await Promise.all([this.deliver(picks), this.resync(snapshot, pageSize)]))[0];
    let picked: EventEnvelope[] = [];
    this.reads = 0;
    this.interleave = {
      at,
      deliver: async () => {
        picked = await this.deliver(picks);
      },
    };
    await this.resync(snapshot, pageSize);
    // A resync that read the store fewer times: the events come after it.
    await this.interleave?.deliver();
    this.interleave = undefined;
    return picked;
  }

  private async afterRead<T>(read: Promise<T>): Promise<T> {
    const value = await read;
    const interleave = this.interleave;
    if (interleave !== undefined && this.reads++ === interleave.at) {
      this.interleave = undefined;
      await interleave.deliver();
    }
    return value;
  }
}

// ---- the property ------------------------------------------------------------------------------------------------

describe.each(engines())('resync and events interleaved on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  it('converges to the highest version of every resource, whatever the interleaving; resync never deletes or resurrects', async () => {
    // One endpoint for every run: it reads `backends` on each request, so each run attaches its own simulator.
    const backends: Backends = {};
    const { config } = await endpointFor(backends);
    const ecs = new ECSClient(config);
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async ({ seed, withInstance, plan, steps }) => {
        // Prepare: the cluster's life, its events and snapshots; an empty table.
        const simulated = await simulate(seed, withInstance, plan, backends, ecs);
        const { events, snapshots } = simulated;
        const store = await freshStore(target);
        const playground = new Playground(store, events);
        const model = new Model();
        let before: Observed = { items: new Set(), resources: new Map() };

        for (const step of steps) {
          // Act: one step, and what the model says it does.
          const snapshot =
            'snapshot' in step ? (snapshots[step.snapshot % snapshots.length] as Snapshot) : undefined;
          const versionsBefore = new Map([...model.resources].map(([key, e]) => [key, e.version]));
          if (step.kind === 'deliver') model.deliver(await playground.deliver(step.picks));
          else if (step.kind === 'resync') {
            await playground.resync(snapshot as Snapshot, step.pageSize);
            model.resync(snapshot as Snapshot);
          } else {
            const picked = await playground.race(snapshot as Snapshot, step.pageSize, step.picks, step.at);
            raceBounds(model, picked, snapshot as Snapshot, versionsBefore);
          }

          // Assess: against the model, and against what the store held before the step.
          const after = await observe(store, model);
          assess(step, snapshot, model, simulated, before, after);
          before = after;
        }

        // Converged: every resource holds the highest version either path ever offered it.
        for (const [key, expected] of model.resources)
          expect(before.resources.get(key)?.version, key).toBe(expected.highestOffered);
        // Each stop nobody heard of went out at most once, and only stops did.
        const stops = playground.published.map((event) => event.resources[0]);
        expect(new Set(stops).size, 'a late stop published twice').toBe(stops.length);
        for (const event of playground.published) expect(event.detail.lastStatus).toBe('STOPPED');
      }),
      { numRuns: RUNS[target.name] ?? 5 },
    );
  }, 120_000);
});

/** The store after one step, held to the model and to what it held before the step. */
function assess(
  step: Step,
  snapshot: Snapshot | undefined,
  model: Model,
  { liveAt }: Simulated,
  before: Observed,
  after: Observed,
): void {
  for (const item of before.items) expect(after.items, 'an item of the table was deleted').toContain(item);
  for (const [key, expected] of model.resources) {
    const held = after.resources.get(key);
    const previously = before.resources.get(key);
    const at = `${key} after ${JSON.stringify(step)}`;
    expect(held, `${at}: not stored`).toBeDefined();
    if (held === undefined) continue;
    expect(held.version, `${at}: latest version`).toBe(expected.version);
    for (const version of expected.timeline) expect(held.timeline, `${at}: timeline`).toContain(version);
    for (const version of held.timeline)
      expect(
        expected.timeline.has(version) || expected.maybe.has(version),
        `${at}: v${version} in timeline`,
      ).toBe(true);
    // Never deleted, never older; a missing mark is lifted only by a strictly newer version (an event's, or a
    // snapshot's that held one): never by a resync at the version it marked.
    if (previously !== undefined) {
      expect(held.version, `${at}: went back`).toBeGreaterThanOrEqual(previously.version);
      for (const version of previously.timeline)
        expect(held.timeline, `${at}: timeline lost`).toContain(version);
      if (previously.missing && !held.missing) {
        expect(held.version, `${at}: resurrected at the marked version`).toBeGreaterThan(previously.version);
        if (step.kind === 'resync')
          expect(snapshot?.states.get(key)?.version, `${at}: revived by a resync`).toBe(held.version);
      }
    }
    if (step.kind === 'race') {
      // Whether the resync's mark landed depends on who won: adopt what did, where it could have.
      if (held.missing && !(previously?.missing && previously.version === held.version))
        expect(snapshot?.states.has(key), `${at}: marked though the snapshot knows it`).toBe(false);
      expected.missing = held.missing;
      expected.live = held.live;
      for (const version of held.timeline) expected.timeline.add(version);
      expected.maybe.clear();
    }
    // Only a live state is ever marked missing: a mark names the version resync found live.
    if (held.missing)
      expect(liveAt.get(`${key}@${held.version}`), `${at}: marked a finished state`).toBe(true);
    expect({ live: held.live, missing: held.missing }, `${at}: mark`).toEqual({
      live: expected.live,
      missing: expected.missing,
    });
  }
}

/**
 * A race's bounds: the latest version is still the highest offered; the snapshot's version of a resource is in
 * the timeline for sure when it beat every version the race's events could have stored before resync read the
 * store, and may be when it beat only what was stored before the step.
 */
function raceBounds(
  model: Model,
  picked: readonly EventEnvelope[],
  snapshot: Snapshot,
  versionsBefore: ReadonlyMap<string, number>,
): void {
  model.deliver(picked);
  for (const [key, { version, live }] of snapshot.states) {
    const previous = versionsBefore.get(key) ?? -1;
    if (!model.resources.has(key)) {
      model.resources.set(key, {
        arn: arnOfKey(snapshot, key),
        version,
        live,
        missing: false,
        timeline: new Set([version]),
        maybe: new Set(),
        highestOffered: version,
      });
      continue;
    }
    const expected = model.resources.get(key) as Expected;
    expected.highestOffered = Math.max(expected.highestOffered, version);
    if (version > expected.version) {
      expected.timeline.add(version);
      Object.assign(expected, { version, live, missing: false });
    } else if (version > previous && !expected.timeline.has(version)) expected.maybe.add(version);
  }
}

/**
 * One synthetic hour of ECS events as an SQS queue would deliver them: real-shaped details cloned from the
 * fixtures in events/ecs (fresh ids, ARNs and times per resource, unknown fields kept), realistic gaps between
 * states, and the at-least-once artifacts of EventBridge → SQS (duplicates, small delivery-time jitter that lets
 * nearby events of one resource swap order).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from './prng.js';

export interface StreamOptions {
  seed: number;
  tasks: number;
  fargateShare: number;
  containerInstances: number;
  /** Tasks start uniformly over this span; their lifecycles may run past it. */
  startSpanSeconds: number;
  duplicateShare: number;
  maxDuplicateDelaySeconds: number;
  maxJitterSeconds: number;
}

/** One SQS message: an EventBridge envelope, possibly a second copy of one delivered before. */
export interface Delivery {
  messageId: string;
  /** Simulated milliseconds since the epoch at which the message becomes visible on the queue. */
  deliveredAt: number;
  arn: string;
  kind: 'task' | 'instance';
  version: number;
  body: string;
}

export interface Stream {
  deliveries: Delivery[];
  /** Per resource ARN: its highest version and how many distinct versions it has. */
  resources: Map<string, { kind: 'task' | 'instance'; highest: number; versions: number }>;
  stats: StreamStats;
}

export interface StreamStats {
  seed: number;
  events: number;
  distinctVersions: number;
  duplicates: number;
  outOfVersionOrder: number;
  resources: { total: number; fargateTasks: number; ec2Tasks: number; containerInstances: number };
  simulatedSeconds: number;
  meanDetailBytes: { task: number; instance: number };
}

interface Envelope {
  id: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
  [field: string]: unknown;
}

interface GeneratedEvent {
  arn: string;
  kind: 'task' | 'instance';
  version: number;
  at: number;
  envelope: Envelope;
}

const START = Date.parse('2024-05-01T12:00:00.000Z');
const TIME_FIELDS = [
  'createdAt',
  'connectivityAt',
  'pullStartedAt',
  'pullStoppedAt',
  'startedAt',
  'stoppingAt',
  'executionStoppedAt',
  'stoppedAt',
  'updatedAt',
] as const;
type Timeline = Partial<Record<(typeof TIME_FIELDS)[number], number>>;

const FARGATE_GROUPS = ['service:web', 'service:api', 'service:worker', 'service:checkout', 'service:search'];
const EC2_GROUPS = ['family:report', 'family:etl', 'service:legacy-api'];
const TASK_CPU = 512;
const TASK_MEMORY = 1024;

export function generateStream(root: string, options: StreamOptions): Stream {
  const rng = new Prng(options.seed);
  const fixtures = loadFixtures(root);
  const events: GeneratedEvent[] = [];
  const instances = Array.from({ length: options.containerInstances }, (_, index) =>
    newInstance(rng, fixtures.instance, index),
  );
  const placements: { instance: InstanceState; placedAt: number; leftAt: number }[] = [];
  let fargateTasks = 0;

  const starts = Array.from(
    { length: options.tasks },
    () => START + rng.next() * options.startSpanSeconds * 1000,
  );
  starts.sort((a, b) => a - b);
  for (const createdAt of starts) {
    if (rng.chance(options.fargateShare)) {
      fargateTasks++;
      events.push(...fargateTask(rng, fixtures, createdAt));
    } else {
      const instance = leastLoaded(rng, instances, createdAt);
      const task = ec2Task(rng, fixtures, createdAt, instance.arn);
      instance.activeUntil.push(task.leftAt);
      placements.push({ instance, placedAt: createdAt, leftAt: task.leftAt });
      events.push(...task.events);
    }
  }
  for (const instance of instances)
    events.push(...instanceEvents(rng, fixtures.instance, instance, placements));

  return deliver(rng, events, options, {
    fargateTasks,
    ec2Tasks: options.tasks - fargateTasks,
    containerInstances: instances.length,
  });
}

// ---- fixtures and cloning ----------------------------------------------------------------------------------

interface Fixtures {
  fargate: Envelope[];
  fargateEssentialExit: Envelope;
  ec2: Envelope[];
  instance: Envelope;
}

function loadFixtures(root: string): Fixtures {
  const load = (path: string) =>
    JSON.parse(readFileSync(join(root, 'events', 'ecs', path), 'utf8')) as Envelope;
  const task = (name: string) => load(`task/${name}.json`);
  return {
    fargate: [
      'fargate-provisioning',
      'fargate-pending',
      'fargate-activating',
      'fargate-running',
      'fargate-running-desired-stopped',
      'fargate-deactivating',
      'fargate-stopping',
      'fargate-deprovisioning',
      'fargate-stopped',
    ].map(task),
    fargateEssentialExit: task('fargate-stopped-essential-exit'),
    ec2: ['ec2-pending', 'ec2-running', 'ec2-stopped'].map(task),
    instance: load('container-instance/ec2-active.json'),
  };
}

const lastSegment = (arn: unknown) =>
  typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;

/** The per-resource identifiers inside a task fixture, so a clone can replace each one consistently. */
function taskIdentifiers(detail: Record<string, unknown>): Map<string, string | undefined> {
  const attachment = (detail.attachments as { id: string; details?: { name: string; value: string }[] }[])[0];
  const detailValue = (name: string) => attachment?.details?.find((d) => d.name === name)?.value;
  const containers = (detail.containers ?? []) as { containerArn: string; runtimeId?: string }[];
  const ip = detailValue('privateIPv4Address');
  const roles = new Map<string, string | undefined>([
    // Runtime ids embed the task id on Fargate: replace them before the task id itself.
    ...containers.map((c, i) => [`runtime${i}`, c.runtimeId] as const),
    ...containers.map((c, i) => [`container${i}`, lastSegment(c.containerArn)] as const),
    ['task', lastSegment(detail.taskArn)],
    ['attachment', attachment?.id],
    ['eni', detailValue('networkInterfaceId')],
    ['mac', detailValue('macAddress')],
    ['dns', ip === undefined ? undefined : `ip-${ip.replaceAll('.', '-')}`],
    ['ip', ip],
    ['containerInstance', lastSegment(detail.containerInstanceArn)],
  ]);
  return roles;
}

function freshTaskIdentifiers(rng: Prng, containerInstanceArn?: string): Map<string, string> {
  const task = rng.hex(32);
  const ip = `10.0.${rng.int(0, 63)}.${rng.int(2, 254)}`;
  const fresh = new Map<string, string>([
    ['task', task],
    ['attachment', rng.uuid()],
    ['eni', `eni-0${rng.hex(16)}`],
    ['mac', Array.from({ length: 6 }, () => rng.hex(2)).join(':')],
    ['dns', `ip-${ip.replaceAll('.', '-')}`],
    ['ip', ip],
  ]);
  for (let i = 0; i < 4; i++) {
    fresh.set(`container${i}`, rng.uuid());
    fresh.set(`runtime${i}`, `${task}-${rng.int(1_000_000_000, 4_000_000_000)}`);
  }
  const instanceId = lastSegment(containerInstanceArn);
  if (instanceId !== undefined) fresh.set('containerInstance', instanceId);
  return fresh;
}

/** A fixture with its identifiers replaced, its times set from `timeline`, and a fresh envelope id. */
function cloneTask(
  rng: Prng,
  fixture: Envelope,
  fresh: Map<string, string>,
  timeline: Timeline,
  at: number,
  version: number,
  group: string,
): Envelope {
  let text = JSON.stringify(fixture);
  for (const [role, value] of taskIdentifiers(fixture.detail)) {
    const replacement = fresh.get(role);
    if (value !== undefined && replacement !== undefined) text = text.split(value).join(replacement);
  }
  const envelope = JSON.parse(text) as Envelope;
  const { detail } = envelope;
  for (const field of TIME_FIELDS) {
    const time = timeline[field];
    if (field in detail && time !== undefined) detail[field] = new Date(time).toISOString();
  }
  detail.updatedAt = new Date(at).toISOString();
  detail.version = version;
  detail.group = group;
  envelope.id = rng.uuid();
  envelope.time = eventBridgeTime(at);
  return envelope;
}

/** EventBridge's envelope time has whole seconds. */
const eventBridgeTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const seconds = (rng: Prng, min: number, max: number) => rng.uniform(min, max) * 1000;

// ---- tasks -------------------------------------------------------------------------------------------------

/** PROVISIONING → … → STOPPED: seconds for the ENI and the image pull, minutes of running, a graceful stop. */
function fargateTask(rng: Prng, fixtures: Fixtures, createdAt: number): GeneratedEvent[] {
  const t: Timeline = { createdAt };
  const pending = createdAt + seconds(rng, 4, 12);
  t.connectivityAt = pending - seconds(rng, 0.05, 0.3);
  t.pullStartedAt = pending + seconds(rng, 0.5, 3);
  t.pullStoppedAt = t.pullStartedAt + seconds(rng, 3, 25);
  const activating = t.pullStoppedAt + seconds(rng, 1, 4);
  t.startedAt = activating + seconds(rng, 2, 10);
  t.stoppingAt = t.startedAt + rng.logUniform(120, 2700) * 1000;
  const deactivating = t.stoppingAt + seconds(rng, 0.3, 2);
  const stopping = deactivating + seconds(rng, 5, 60); // load balancer deregistration delay
  t.executionStoppedAt = stopping + seconds(rng, 1, 30);
  const deprovisioning = t.executionStoppedAt + seconds(rng, 0.3, 1);
  t.stoppedAt = deprovisioning + seconds(rng, 5, 30);
  const at = [
    createdAt,
    pending,
    activating,
    t.startedAt,
    t.stoppingAt,
    deactivating,
    stopping,
    deprovisioning,
  ];
  at.push(t.stoppedAt);

  const fresh = freshTaskIdentifiers(rng);
  const group = rng.pick(FARGATE_GROUPS);
  const stoppedFixture = rng.chance(0.05) ? fixtures.fargateEssentialExit : (fixtures.fargate[8] as Envelope);
  return fixtures.fargate.map((fixture, i) => {
    const time = at[i] as number;
    // Each state's event carries only the times known by then.
    const known = Object.fromEntries(Object.entries(t).filter(([, value]) => value <= time)) as Timeline;
    const envelope = cloneTask(rng, i === 8 ? stoppedFixture : fixture, fresh, known, time, i + 1, group);
    return taskEvent(envelope, time);
  });
}

/** PENDING → RUNNING → STOPPED on a container instance. */
function ec2Task(rng: Prng, fixtures: Fixtures, createdAt: number, containerInstanceArn: string) {
  const t: Timeline = { createdAt };
  t.pullStartedAt = createdAt + seconds(rng, 0.5, 2);
  t.pullStoppedAt = t.pullStartedAt + seconds(rng, 2, 15);
  t.startedAt = t.pullStoppedAt + seconds(rng, 0.5, 3);
  t.executionStoppedAt = t.startedAt + rng.logUniform(60, 2400) * 1000;
  t.stoppingAt = t.executionStoppedAt + seconds(rng, 0.2, 1);
  t.stoppedAt = t.stoppingAt + seconds(rng, 0.5, 3);
  const at = [createdAt, t.startedAt, t.stoppedAt];
  const fresh = freshTaskIdentifiers(rng, containerInstanceArn);
  const group = rng.pick(EC2_GROUPS);
  const events = fixtures.ec2.map((fixture, i) => {
    const time = at[i] as number;
    const known = Object.fromEntries(Object.entries(t).filter(([, value]) => value <= time)) as Timeline;
    return taskEvent(cloneTask(rng, fixture, fresh, known, time, i + 1, group), time);
  });
  return { events, leftAt: t.stoppedAt };
}

function taskEvent(envelope: Envelope, at: number): GeneratedEvent {
  const { detail } = envelope;
  return { arn: detail.taskArn as string, kind: 'task', version: detail.version as number, at, envelope };
}

// ---- container instances ----------------------------------------------------------------------------------

interface InstanceState {
  arn: string;
  ec2InstanceId: string;
  registeredAt: number;
  firstVersion: number;
  /** Stop times of the tasks placed so far, for least-loaded placement. */
  activeUntil: number[];
}

function newInstance(rng: Prng, fixture: Envelope, index: number): InstanceState {
  const clusterArn = fixture.detail.clusterArn as string;
  const prefix = clusterArn.replace(':cluster/', ':container-instance/');
  return {
    arn: `${prefix}/${rng.hex(32)}`,
    ec2InstanceId: `i-0${rng.hex(16)}`,
    registeredAt: START - rng.uniform(1, 48) * 3_600_000 - index * 1000,
    firstVersion: rng.int(5, 60),
    activeUntil: [],
  };
}

/** The scheduler's spread: the instance with the fewest running tasks at `at`. */
function leastLoaded(rng: Prng, instances: InstanceState[], at: number): InstanceState {
  let best: InstanceState[] = [];
  let bestLoad = Number.POSITIVE_INFINITY;
  for (const instance of instances) {
    instance.activeUntil = instance.activeUntil.filter((until) => until > at);
    const load = instance.activeUntil.length;
    if (load < bestLoad) [best, bestLoad] = [[instance], load];
    else if (load === bestLoad) best.push(instance);
  }
  return rng.pick(best);
}

/** One event, with a new version, each time a task is placed on the instance or leaves it. */
function instanceEvents(
  rng: Prng,
  fixture: Envelope,
  instance: InstanceState,
  placements: { instance: InstanceState; placedAt: number; leftAt: number }[],
): GeneratedEvent[] {
  const changes = placements
    .filter((p) => p.instance === instance)
    .flatMap((p) => [
      { at: p.placedAt + seconds(rng, 0.05, 0.8), delta: 1 },
      { at: p.leftAt + seconds(rng, 0.05, 0.8), delta: -1 },
    ])
    .sort((a, b) => a.at - b.at);
  const fixtureId = lastSegment(fixture.detail.containerInstanceArn) as string;
  const fixtureEc2 = fixture.detail.ec2InstanceId as string;
  const template = JSON.stringify(fixture)
    .split(fixtureId)
    .join(lastSegment(instance.arn) as string)
    .split(fixtureEc2)
    .join(instance.ec2InstanceId);
  let running = 0;
  return changes.map(({ at, delta }, i) => {
    running += delta;
    const envelope = JSON.parse(template) as Envelope;
    const { detail } = envelope;
    const registered = detail.registeredResources as { name: string; integerValue?: number }[];
    const cpu = registered.find((r) => r.name === 'CPU')?.integerValue ?? 0;
    const memory = registered.find((r) => r.name === 'MEMORY')?.integerValue ?? 0;
    for (const resource of detail.remainingResources as { name: string; integerValue?: number }[]) {
      if (resource.name === 'CPU') resource.integerValue = Math.max(0, cpu - running * TASK_CPU);
      if (resource.name === 'MEMORY') resource.integerValue = Math.max(0, memory - running * TASK_MEMORY);
    }
    detail.runningTasksCount = running;
    detail.pendingTasksCount = 0;
    detail.registeredAt = new Date(instance.registeredAt).toISOString();
    detail.updatedAt = new Date(at).toISOString();
    const version = instance.firstVersion + i + 1;
    detail.version = version;
    envelope.id = rng.uuid();
    envelope.time = eventBridgeTime(at);
    return { arn: instance.arn, kind: 'instance' as const, version, at, envelope };
  });
}

// ---- delivery ----------------------------------------------------------------------------------------------

/** EventBridge → SQS: jittered latency, some second copies, then the queue's order (by delivery time). */
function deliver(
  rng: Prng,
  events: GeneratedEvent[],
  options: StreamOptions,
  counts: { fargateTasks: number; ec2Tasks: number; containerInstances: number },
): Stream {
  const deliveries: Delivery[] = [];
  const resources: Stream['resources'] = new Map();
  const detailBytes = { task: { sum: 0, n: 0 }, instance: { sum: 0, n: 0 } };
  let duplicates = 0;
  for (const event of events) {
    const body = JSON.stringify(event.envelope);
    const bytes = detailBytes[event.kind];
    bytes.sum += JSON.stringify(event.envelope.detail).length;
    bytes.n++;
    const known = resources.get(event.arn);
    resources.set(event.arn, {
      kind: event.kind,
      highest: Math.max(known?.highest ?? 0, event.version),
      versions: (known?.versions ?? 0) + 1,
    });
    const first = event.at + rng.next() * options.maxJitterSeconds * 1000;
    const base = { arn: event.arn, kind: event.kind, version: event.version, body };
    deliveries.push({ ...base, messageId: rng.uuid(), deliveredAt: first });
    if (rng.chance(options.duplicateShare)) {
      duplicates++;
      const again = first + rng.next() * options.maxDuplicateDelaySeconds * 1000;
      deliveries.push({ ...base, messageId: rng.uuid(), deliveredAt: again });
    }
  }
  deliveries.sort((a, b) => a.deliveredAt - b.deliveredAt);

  const seen = new Map<string, number>();
  let outOfVersionOrder = 0;
  for (const { arn, version } of deliveries) {
    const highest = seen.get(arn) ?? -1;
    if (version < highest) outOfVersionOrder++;
    seen.set(arn, Math.max(highest, version));
  }
  const first = deliveries[0]?.deliveredAt ?? 0;
  const last = deliveries.at(-1)?.deliveredAt ?? 0;
  return {
    deliveries,
    resources,
    stats: {
      seed: options.seed,
      events: deliveries.length,
      distinctVersions: events.length,
      duplicates,
      outOfVersionOrder,
      resources: { total: resources.size, ...counts },
      simulatedSeconds: Math.round((last - first) / 1000),
      meanDetailBytes: {
        task: Math.round(detailBytes.task.sum / Math.max(1, detailBytes.task.n)),
        instance: Math.round(detailBytes.instance.sum / Math.max(1, detailBytes.instance.n)),
      },
    },
  };
}

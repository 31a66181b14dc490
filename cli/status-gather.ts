/**
 * Gathers the facts of `ecs-ops status` through ports — the stack's queues (SQS), metrics and alarms
 * (CloudWatch), the store, the configuration and a clock — so that it runs against AWS, a local endpoint or
 * fakes alike. Each source is read on its own: one that fails is listed in `unread` with why, and the others
 * are still reported. cli/status-aws.ts builds the ports from SDK clients.
 *
 * Names come from the stack's naming rules, not from its outputs: the table `ecs-ops-<stage>-state`, the queues
 * by the `ecs-ops-<stage>-` prefix (cli/sqs-dead-letters.ts), functions `ecs-ops-<stage>-<function>`
 * (deploy/template.ts functionName), alarms `ecs-ops-<stage>-<alarm>` (deploy/monitoring.ts).
 */

import { MISSED_RUNS, SCHEDULED, schedulePeriods } from '../deploy/monitoring.js';
import { readAlarmDescription } from '../lib/alarms/description.js';
import type { Drain } from '../lib/drain/model.js';
import type { OpsConfig } from '../lib/ops-config.js';
import { METRIC, METRICS_NAMESPACE } from '../lib/platform/metrics.js';
import { nextFireOf } from './commands/jobs.js';
import type {
  AlarmFacts,
  DeadLetterQueueFacts,
  EventQueueFacts,
  FunctionRunFacts,
  LagFacts,
  StatusFacts,
  Unread,
} from './status-model.js';

/** One of the stack's queues with its depth. */
export interface QueueDepth {
  name: string;
  queue: string;
  deadLetters: boolean;
  messages: number;
  inFlight: number;
}

export interface QueuesPort {
  /** The stack's event and dead-letter queues (ListQueues by the stack's prefix), each with its depth. */
  depths(): Promise<QueueDepth[]>;
}

export interface MetricQuery {
  /** A GetMetricData id: a lower-case letter first. */
  id: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  /** `Maximum`, `Sum`, `p99`, … */
  stat: string;
  periodSeconds: number;
}

/** A query's datapoints, newest first. */
export interface Datapoint {
  time: Date;
  value: number;
}

export interface MetricsPort {
  data(queries: readonly MetricQuery[], start: Date, end: Date): Promise<Map<string, Datapoint[]>>;
  /** The alarms whose name starts with `prefix` and are in ALARM. */
  firing(prefix: string): Promise<{ name: string; description?: string; reason: string; since?: Date }[]>;
}

export interface StorePort {
  table: string;
  /** Resolves when the table answers (a DescribeTable); rejects with why otherwise. */
  answers(): Promise<void>;
  openDrains(): Promise<Drain[]>;
}

/** The deployed stack (--store aws): its name and its outputs. */
export interface StackPort {
  name: string;
  outputs(): Promise<Record<string, string>>;
}

export interface StatusPorts {
  stage: string;
  /** Absent: no stack to read (the local store). */
  stack?: StackPort;
  store: 'local' | 'aws';
  region: string | null;
  /** With --store local: the endpoint read (null: none). */
  endpoint?: string | null;
  /** Absent: queues, metrics and alarms are not looked at (local mode without an endpoint). */
  queues?: QueuesPort;
  metrics?: MetricsPort;
  storePort: StorePort;
  config: OpsConfig;
  now: () => Date;
}

/** How far back queue ages and lag are read. */
export const RECENT_SECONDS = 300;
/** How far back function runs are read, at least (longer for a period whose missed runs need more). */
export const RUNS_WINDOW_SECONDS = 3600;

export const PARTIAL_SENTENCE =
  'queues, metrics and alarms need a running local endpoint (AWS_ENDPOINT_URL, as the sandbox sets it) or ' +
  '--store aws --stage <stage>; this is what the local store alone can say';

export const functionNameOf = (stage: string, fn: string) => `ecs-ops-${stage}-${fn}`;
export const alarmPrefixOf = (stage: string) => `ecs-ops-${stage}-`;

const reasonOf = (error: unknown): string => {
  const named = error as { name?: string; message?: string };
  const message = named.message ?? String(error);
  return named.name && named.name !== 'Error' && !message.startsWith(named.name)
    ? `${named.name}: ${message}`
    : message;
};

export async function gatherStatus(ports: StatusPorts): Promise<StatusFacts> {
  const now = ports.now();
  const unread: Unread[] = [];
  const attempt = async <T>(source: Unread['source'], read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      unread.push({ source, reason: reasonOf(error) });
      return null;
    }
  };
  const table = (async () => {
    try {
      await ports.storePort.answers();
      return { tableAnswers: true };
    } catch (error) {
      return { tableAnswers: false, tableError: reasonOf(error) };
    }
  })();
  const drains = ports.storePort.openDrains().catch(() => [] as Drain[]);
  const { metrics, queues: queuesPort, stack: stackPort } = ports;
  const stack = stackPort
    ? attempt('stack-outputs', async () => ({ name: stackPort.name, outputs: await stackPort.outputs() }))
    : Promise.resolve(null);
  const depths = queuesPort ? attempt('queues', () => queuesPort.depths()) : Promise.resolve(null);
  const runs = metrics
    ? attempt('function-runs', () => functionRuns(metrics, ports, now))
    : Promise.resolve(null);
  const lag = metrics ? attempt('lag', () => reconcileLag(metrics, ports.stage, now)) : Promise.resolve(null);
  const alarms = metrics
    ? attempt('alarms', () => firingAlarms(metrics, ports.stage))
    : Promise.resolve(null);
  const stackQueues = await depths;
  const queues =
    stackQueues === null || metrics === undefined
      ? stackQueues === null
        ? null
        : withoutAges(stackQueues)
      : ((await attempt('queue-age', () => withAges(metrics, stackQueues, now))) ?? withoutAges(stackQueues));
  const deadLetterQueues =
    stackQueues === null
      ? null
      : stackQueues
          .filter((queue) => queue.deadLetters)
          .map(
            ({ deadLetters: _, ...queue }): DeadLetterQueueFacts => ({
              ...queue,
              hint: queue.messages + queue.inFlight > 0 ? `ecs-ops dlq list ${queue.name}` : null,
            }),
          );
  const partial = queuesPort === undefined && metrics === undefined ? PARTIAL_SENTENCE : null;
  return {
    at: now.toISOString(),
    deployment: {
      stage: ports.stage,
      region: ports.region,
      store: ports.store,
      table: ports.storePort.table,
      ...(await table),
      ...(ports.endpoint === undefined ? {} : { endpoint: ports.endpoint }),
    },
    stack: await stack,
    queues,
    deadLetterQueues,
    functions: await runs,
    lag: await lag,
    drains: (await drains).map((drain) => ({
      instance: drain.ec2InstanceId,
      cluster: drain.cluster ?? null,
      trigger: drain.trigger,
      state: drain.state,
      startedAt: drain.startedAt,
      deadline: drain.deadline,
    })),
    jobs: Object.entries(ports.config.jobs).map(([name, job]) => ({
      name,
      schedule: job.schedule,
      enabled: job.enabled,
      nextFire: nextFireOf(job, now),
    })),
    alarms: await alarms,
    unread,
    partial,
  };
}

const eventQueues = (queues: readonly QueueDepth[]) => queues.filter((queue) => !queue.deadLetters);

function withoutAges(queues: readonly QueueDepth[]): EventQueueFacts[] {
  return eventQueues(queues).map(({ deadLetters: _, ...queue }) => ({ ...queue, oldestAgeSeconds: null }));
}

async function withAges(metrics: MetricsPort, queues: readonly QueueDepth[], now: Date) {
  const events = eventQueues(queues);
  if (events.length === 0) return [];
  const queries = events.map(
    (queue, index): MetricQuery => ({
      id: `age${index}`,
      namespace: 'AWS/SQS',
      metric: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: queue.queue },
      stat: 'Maximum',
      periodSeconds: 60,
    }),
  );
  const data = await metrics.data(queries, new Date(now.getTime() - RECENT_SECONDS * 1000), now);
  return events.map(
    ({ deadLetters: _, ...queue }, index): EventQueueFacts => ({
      ...queue,
      oldestAgeSeconds: latest(data.get(`age${index}`))?.value ?? null,
    }),
  );
}

/** How far back a function's invocations are read: an hour, or its missed-run allowance when that is longer. */
export const runsWindowOf = (periodSeconds: number | null) =>
  Math.max(RUNS_WINDOW_SECONDS, (periodSeconds ?? 0) * MISSED_RUNS);

async function functionRuns(
  metrics: MetricsPort,
  ports: StatusPorts,
  now: Date,
): Promise<FunctionRunFacts[]> {
  const periods = schedulePeriods(ports.config);
  const functions = SCHEDULED.map((name) => {
    const periodSeconds = periods[name] ?? null;
    return {
      name,
      functionName: functionNameOf(ports.stage, name),
      periodSeconds,
      windowSeconds: runsWindowOf(periodSeconds),
    };
  });
  const windowSeconds = Math.max(...functions.map((fn) => fn.windowSeconds));
  const queries = functions.flatMap((fn, index): MetricQuery[] =>
    (['Invocations', 'Errors'] as const).map((metric) => ({
      id: `${metric === 'Invocations' ? 'inv' : 'err'}${index}`,
      namespace: 'AWS/Lambda',
      metric,
      dimensions: { FunctionName: fn.functionName },
      stat: 'Sum',
      periodSeconds: 60,
    })),
  );
  const data = await metrics.data(queries, new Date(now.getTime() - windowSeconds * 1000), now);
  return functions.map((fn, index) => {
    const since = now.getTime() - fn.windowSeconds * 1000;
    const ran = newestFirst(data.get(`inv${index}`)).find(
      (point) => point.value > 0 && point.time.getTime() >= since,
    );
    if (ran === undefined) return { ...fn, lastRun: null, failed: null };
    const errors = (data.get(`err${index}`) ?? []).find(
      (point) => point.time.getTime() === ran.time.getTime(),
    );
    return { ...fn, lastRun: ran.time.toISOString(), failed: (errors?.value ?? 0) > 0 };
  });
}

async function reconcileLag(metrics: MetricsPort, stage: string, now: Date): Promise<LagFacts> {
  const query = (stat: 'p50' | 'p99'): MetricQuery => ({
    id: `lag${stat}`,
    namespace: METRICS_NAMESPACE,
    metric: METRIC.eventLag.name,
    dimensions: { stage, function: 'reconcile' },
    stat,
    periodSeconds: RECENT_SECONDS,
  });
  const data = await metrics.data(
    [query('p50'), query('p99')],
    new Date(now.getTime() - RECENT_SECONDS * 1000),
    now,
  );
  const inSeconds = (id: string) => {
    const point = latest(data.get(id));
    return point === undefined ? null : point.value / 1000;
  };
  return { p50Seconds: inSeconds('lagp50'), p99Seconds: inSeconds('lagp99') };
}

async function firingAlarms(metrics: MetricsPort, stage: string): Promise<AlarmFacts[]> {
  const alarms = await metrics.firing(alarmPrefixOf(stage));
  return alarms
    .map((alarm) => ({
      name: alarm.name,
      severity: readAlarmDescription(alarm.description ?? '').severity ?? null,
      reason: alarm.reason,
      since: alarm.since?.toISOString() ?? null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const newestFirst = (points: readonly Datapoint[] | undefined): Datapoint[] =>
  [...(points ?? [])].sort((a, b) => b.time.getTime() - a.time.getTime());

const latest = (points: readonly Datapoint[] | undefined): Datapoint | undefined =>
  points === undefined || points.length === 0
    ? undefined
    : points.reduce((newest, point) => (point.time > newest.time ? point : newest));

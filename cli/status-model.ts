/**
 * `ecs-ops status`: what it gathers about ecs-ops itself (the facts), and the verdict on them — the problems
 * those facts show against ops.config.yml's `selfMonitoring` thresholds. The verdict is a plain function of the
 * facts: cli/status-gather.ts reads them, cli/commands/status.ts prints them.
 */

/** A source the command could not read, and why (no endpoint, access denied, an operation not served). */
export interface Unread {
  source: 'stack-outputs' | 'queues' | 'queue-age' | 'function-runs' | 'lag' | 'alarms';
  reason: string;
}

export interface DeploymentFacts {
  stage: string;
  /** The region in use; null for the local store without an endpoint (no AWS region is involved). */
  region: string | null;
  store: 'local' | 'aws';
  /** `ecs-ops-<stage>-state` with --store aws; the embedded engine's table with --store local. */
  table: string;
  /** It answered a DescribeTable on this refresh. */
  tableAnswers: boolean;
  tableError?: string;
  /** With --store local: the local endpoint queues, metrics and alarms are read at (null: none set). */
  endpoint?: string | null;
}

export interface QueueFacts {
  /** Short name, as `ecs-ops dlq` lists it: `ecs-events`. */
  name: string;
  /** The queue's own name: `ecs-ops-dev-EcsEventsQueue` (with CloudFormation's suffix in AWS). */
  queue: string;
  /** ApproximateNumberOfMessages. */
  messages: number;
  /** ApproximateNumberOfMessagesNotVisible. */
  inFlight: number;
}

export interface EventQueueFacts extends QueueFacts {
  /** AWS/SQS ApproximateAgeOfOldestMessage (Maximum), its latest datapoint of the last 5 minutes; null: no data. */
  oldestAgeSeconds: number | null;
}

export interface DeadLetterQueueFacts extends QueueFacts {
  /** `ecs-ops dlq list <queue>` when it holds messages. */
  hint: string | null;
}

export interface FunctionRunFacts {
  /** Short name: `drain-sweeper`. */
  name: string;
  /** `ecs-ops-<stage>-drain-sweeper`. */
  functionName: string;
  /** Its schedule's period (deploy/monitoring.ts schedulePeriods); null: none to judge it by. */
  periodSeconds: number | null;
  /** How far back its invocations were read. */
  windowSeconds: number;
  /** The start of the latest minute with an invocation in the window (ISO); null: none. */
  lastRun: string | null;
  /** Whether that minute had errors; null when it did not run. */
  failed: boolean | null;
}

export interface LagFacts {
  /** `ecs-ops` EventLag (stage, function=reconcile) over the last 5 minutes, in seconds; null: no data. */
  p50Seconds: number | null;
  p99Seconds: number | null;
}

export interface DrainFacts {
  instance: string;
  cluster: string | null;
  trigger: string;
  state: string;
  startedAt: string;
  deadline: string;
}

export interface JobFacts {
  name: string;
  schedule: string;
  enabled: boolean;
  /** As `ecs-ops jobs` computes it (cron only; a rate counts from its deploy): ISO UTC, else null. */
  nextFire: string | null;
}

export interface AlarmFacts {
  name: string;
  /** The description's first word, `[critical]` → critical; null when it has none. */
  severity: string | null;
  reason: string;
  since: string | null;
}

export interface StatusFacts {
  /** When they were gathered (ISO). */
  at: string;
  deployment: DeploymentFacts;
  /** The CloudFormation stack's outputs (topic ARN, queue URLs, dashboard), with --store aws; null otherwise. */
  stack: { name: string; outputs: Record<string, string> } | null;
  /** null: not read (see `unread`, or the sentence of the local view). */
  queues: EventQueueFacts[] | null;
  deadLetterQueues: DeadLetterQueueFacts[] | null;
  functions: FunctionRunFacts[] | null;
  lag: LagFacts | null;
  drains: DrainFacts[];
  jobs: JobFacts[];
  alarms: AlarmFacts[] | null;
  /** Sources that were tried and failed. */
  unread: Unread[];
  /**
   * Local mode without an endpoint: the sentence that says queues, metrics and alarms were not looked at.
   * Those are then not problems: the view is partial, and says so.
   */
  partial: string | null;
}

export interface Thresholds {
  /** selfMonitoring.queueAgeSeconds */
  queueAgeSeconds: number;
  /** selfMonitoring.lagSeconds */
  lagSeconds: number;
  /** A scheduled function is late after this many of its periods without a run (deploy/monitoring.ts). */
  missedRuns: number;
}

export type ProblemKind = 'table' | 'dead-letters' | 'alarm' | 'queue-age' | 'lag' | 'not-run' | 'unread';

export interface Problem {
  kind: ProblemKind;
  /** What it is about: a queue, an alarm, a function, a source. */
  subject: string;
  /** One line: what is wrong, and what to run about it when there is something. */
  text: string;
}

const seconds = (value: number) => `${Number.isInteger(value) ? value : value.toFixed(1)} s`;

/**
 * The problems the facts show: the table not answering, a dead-letter queue with messages, an alarm in ALARM,
 * an event queue's oldest message older than `queueAgeSeconds`, reconcile's p99 lag over `lagSeconds`, a
 * scheduled function not run for `missedRuns` of its periods, and a source that could not be read (then
 * nothing can be said about it).
 */
export function problemsOf(facts: StatusFacts, thresholds: Thresholds): Problem[] {
  const problems: Problem[] = [];
  const { deployment } = facts;
  if (!deployment.tableAnswers) {
    problems.push({
      kind: 'table',
      subject: deployment.table,
      text: `table ${deployment.table} does not answer${deployment.tableError ? `: ${deployment.tableError}` : ''}`,
    });
  }
  for (const queue of facts.deadLetterQueues ?? []) {
    const held = queue.messages + queue.inFlight;
    if (held > 0) {
      problems.push({
        kind: 'dead-letters',
        subject: queue.name,
        text: `dead-letter queue ${queue.name} holds ${held} message${held === 1 ? '' : 's'}: ecs-ops dlq list ${queue.name}`,
      });
    }
  }
  for (const alarm of facts.alarms ?? []) {
    problems.push({
      kind: 'alarm',
      subject: alarm.name,
      text: `alarm ${alarm.name} is in ALARM${alarm.severity === null ? '' : ` (${alarm.severity})`}`,
    });
  }
  for (const queue of facts.queues ?? []) {
    if (queue.oldestAgeSeconds !== null && queue.oldestAgeSeconds > thresholds.queueAgeSeconds) {
      problems.push({
        kind: 'queue-age',
        subject: queue.name,
        text:
          `queue ${queue.name}'s oldest message is ${seconds(queue.oldestAgeSeconds)} old ` +
          `(over selfMonitoring.queueAgeSeconds, ${thresholds.queueAgeSeconds} s)`,
      });
    }
  }
  const p99 = facts.lag?.p99Seconds ?? null;
  if (p99 !== null && p99 > thresholds.lagSeconds) {
    problems.push({
      kind: 'lag',
      subject: 'reconcile',
      text: `reconcile's p99 event lag is ${seconds(p99)} (over selfMonitoring.lagSeconds, ${thresholds.lagSeconds} s)`,
    });
  }
  const now = Date.parse(facts.at);
  for (const fn of facts.functions ?? []) {
    const late = lateness(fn, now, thresholds.missedRuns);
    if (late !== null) problems.push({ kind: 'not-run', subject: fn.name, text: late });
  }
  for (const unread of facts.unread) {
    problems.push({
      kind: 'unread',
      subject: unread.source,
      text: `could not read ${unread.source}: ${unread.reason}`,
    });
  }
  return problems;
}

/** Why a scheduled function is late (not run for `missed` of its periods), or null when it is not (or cannot be judged). */
function lateness(fn: FunctionRunFacts, now: number, missed: number): string | null {
  if (fn.periodSeconds === null) return null;
  const allowed = fn.periodSeconds * missed;
  if (fn.lastRun === null) {
    // No run in a window shorter than its allowance says nothing.
    if (fn.windowSeconds < allowed) return null;
    return `${fn.name} has not run in the last ${minutes(fn.windowSeconds)} (its period is ${fn.periodSeconds} s)`;
  }
  // The datapoint is the minute the run started in: its end is the latest the run can have been.
  const since = (now - Date.parse(fn.lastRun)) / 1000 - 60;
  if (since <= allowed) return null;
  return `${fn.name} last ran ${minutes(since + 60)} ago, over ${missed} of its periods (${fn.periodSeconds} s)`;
}

const minutes = (value: number) =>
  value >= 3600 && value % 3600 === 0 ? `${value / 3600} h` : `${Math.round(value / 60)} min`;

/** `healthy`, `1 problem`, `N problems`. */
export const verdictLine = (problems: readonly Problem[]): string =>
  problems.length === 0 ? 'healthy' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`;

/**
 * The sandbox's live view: one line per thing worth knowing, stamped with simulated time — what the script did,
 * what the cluster did about it, what each function reported from its own logs and each message that landed in
 * the mailbox — then a summary that says where to look next. Plain lines (no cursor tricks), so it reads the same in a terminal, a pipe or CI.
 */
import { join } from 'node:path';
import { lastSegment } from '../../lib/platform/arn.js';

import { TASK_STATE_CHANGE } from '../../lib/platform/events/ecs-event.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import type { LostEvent } from '../eventbridge/bus.js';
import type { Deployment } from '../serverless/routes.js';
import { BREAK_FROM_MS, BREAK_TO_MS, type SandboxOptions, type SandboxReport } from './model.js';
import { narrate } from './narration.js';
import { TASK_DEFINITIONS_FOLDER } from './task-definitions.js';

const OUTCOMES = ['accepted', 'duplicate', 'stale', 'invalid', 'failed'] as const;

export class SandboxView {
  private readonly lastLine = new Map<string, string>();
  /** Whether the headline announced lost events: the summary then says how many, even none. */
  private lossOn = false;
  private readonly outcomes: Record<string, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  private readonly logListeners: ((entry: Record<string, unknown>, name: string) => void)[] = [];

  /** `now` is the simulated clock: function log lines arrive on their own, stamped when they arrive. */
  constructor(
    private readonly out: (line: string) => void,
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {}

  /** `startedClean`: what an earlier run had left in --dir and the sandbox removed first. */
  /** Where the local AWS answers while the run lasts: what `ecs-ops dlq` (and any SDK) can be pointed at. */
  endpoint(url: string) {
    this.out(
      `  local AWS endpoint, while the run lasts: ${url} (e.g. AWS_ENDPOINT_URL=${url} npx ecs-ops dlq list)`,
    );
  }

  headline(
    deployment: Pick<Deployment, 'routes' | 'schedules' | 'topics'>,
    options: Pick<SandboxOptions, 'speed' | 'chaos' | 'loss' | 'seed' | 'clusters' | 'dir' | 'breakFunction'>,
    startedClean: readonly string[],
  ) {
    const routes = deployment.routes.map((route) => `${route.rule} → ${route.function.name}`).join(', ');
    this.out('ecs-ops sandbox: a simulated ECS account, the deployed functions, no AWS account needed');
    this.out(`  routes from serverless.yml: ${routes}`);
    if (deployment.schedules.length > 0) {
      const schedules = deployment.schedules.map(
        (s) => `${s.expression} → ${s.function.name}${s.enabled ? '' : ' (disabled)'}`,
      );
      this.out(`  schedules: ${schedules.join(', ')}`);
    }
    if (deployment.topics.length > 0) {
      const topics = deployment.topics.map((topic) => {
        const to = topic.subscriptions.map((s) => (typeof s.endpoint === 'string' ? s.endpoint : s.protocol));
        return `${topic.name}${to.length > 0 ? ` → ${to.join(', ')}` : ''}`;
      });
      this.out(`  SNS topics (published messages land in the mailbox): ${topics.join(', ')}`);
    }
    this.out(
      `  clusters ${options.clusters.join(', ')}; time ×${options.speed}; ` +
        chaosText(options.chaos, options.loss ?? 0),
    );
    this.lossOn = (options.loss ?? 0) > 0;
    this.out(`  seed ${options.seed}: --seed ${options.seed} replays this run`);
    if (options.breakFunction !== undefined) {
      this.out(
        `  --break ${options.breakFunction}: it throws on every invocation from +${BREAK_FROM_MS / 1000}s to ` +
          `+${BREAK_TO_MS / 1000}s; its errors alarm fires at the end of that minute and clears a minute after it recovers`,
      );
    }
    if (startedClean.length > 0) {
      this.out(`  ${options.dir} held an earlier run: started clean (removed ${startedClean.join(', ')})`);
    }
    this.out('');
  }

  step(at: number, say: string) {
    this.line(at, `▶ ${say}`);
  }

  problem(at: number, text: string) {
    this.line(at, `✗ ${text}`);
  }

  event(at: number, envelope: EventEnvelope) {
    const text = narrate(envelope);
    if (text === undefined) return;
    const resource = envelope.resources[0] ?? envelope.id;
    if (this.lastLine.get(resource) === text) return;
    this.lastLine.set(resource, text);
    this.line(at, `  ${text}`);
  }

  /** An ECS event the bus lost (--loss): the simulator made the change, no function heard of it. */
  lost(at: number, event: LostEvent) {
    const kind = event.detailType === TASK_STATE_CHANGE ? 'task' : 'container instance';
    const version = event.version === null ? '' : ` version ${event.version}`;
    this.line(
      at,
      `  ↯ lost: the event for ${kind} ${lastSegment(event.arn).slice(0, 8)}${version} reached no rule; resync must heal it`,
    );
  }

  /** A message that landed in the mailbox. */
  mailbox(at: number, subject: string | undefined) {
    this.line(at, `✉ mailbox: ${subject ?? '(no subject)'}`);
  }

  /** Also hands every parsed log entry of every function to `listener`. */
  onFunctionLog(listener: (entry: Record<string, unknown>, name: string) => void) {
    this.logListeners.push(listener);
  }

  /**
   * Function logs are Powertools JSON lines. The view shows reconcile's batch summary, each function's INFO
   * lines about alerts (`message` starting with "alert"), the jobs' launches and completed runs (`job launched`,
   * `job skipped`, …, `job run completed`), and every WARN and ERROR.
   */
  functionLog(name: string, line: string) {
    let entry: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      entry = parsed as Record<string, unknown>;
    } catch {
      return;
    }
    for (const listener of this.logListeners) listener(entry, name);
    const message = typeof entry.message === 'string' ? entry.message : '';
    if (message === 'batch reconciled') {
      for (const outcome of OUTCOMES)
        this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + Number(entry[outcome] ?? 0);
      const counts = OUTCOMES.filter((o) => Number(entry[o] ?? 0) > 0).map((o) => `${entry[o]} ${o}`);
      this.line(this.now(), `    ${name} ← ${entry.records} records: ${counts.join(', ')}`);
    } else if (message === RESYNC_MESSAGE) {
      this.line(
        this.now(),
        `    ${name} ${RESYNC_TRIGGERS[String(entry.trigger)] ?? `(${String(entry.trigger)})`}: ${resyncDetails(entry)}`,
      );
    } else if (JOB_MESSAGE.test(message) && entry.level !== 'DEBUG') {
      this.line(this.now(), `    ${name}: ${message} — ${jobDetails(entry)}`);
    } else if (entry.level === 'ERROR' || entry.level === 'WARN') {
      this.line(this.now(), `    ${name} ${String(entry.level).toLowerCase()}: ${message}`);
    } else if (entry.level === 'INFO' && message.startsWith('scaling ')) {
      this.line(
        this.now(),
        `    ${name}: ${message} — ${String(entry.policy ?? '')}: ${String(entry.explanation ?? '')}`,
      );
    } else if (entry.level === 'INFO' && message.startsWith('drain ')) {
      this.line(
        this.now(),
        `    ${name}: ${message} — ${String(entry.ec2InstanceId ?? '')}: ${String(entry.explanation ?? '')}`,
      );
    } else if (entry.level === 'INFO' && message.startsWith('alert')) {
      const subject = typeof entry.subject === 'string' ? ` — ${entry.subject}` : '';
      this.line(this.now(), `    ${name}: ${message}${subject}`);
    }
  }

  reconciled(): Record<string, number> {
    return { ...this.outcomes };
  }

  summary(report: SandboxReport) {
    const { bus, groundTruth } = report;
    this.out('');
    this.out(
      `${report.interrupted ? 'Stopped early' : 'Done'} after ${report.simulatedSeconds} simulated seconds: ` +
        `${bus.published} events, ${this.lossOn || bus.lost > 0 ? `${bus.lost} lost, ` : ''}` +
        `${bus.duplicatesInjected} delivered twice, ${bus.invocations} invocations, ` +
        `${bus.deadLettered} dead-lettered`,
    );
    this.out(`  reconcile: ${OUTCOMES.map((o) => `${report.reconciled[o] ?? 0} ${o}`).join(', ')}`);
    this.out(`  mailbox: ${mailboxSummary(report)}`);
    this.out(`  ${resyncLine(report.resync)}`);
    for (const line of drainLines(report)) this.out(`  ${line}`);
    const scaling = scalingLine(report);
    if (scaling !== undefined) this.out(`  ${scaling}`);
    for (const line of alarmLines(report)) this.out(`  ${line}`);
    if (groundTruth.mismatches.length === 0) {
      this.out(
        `  ✓ the store holds exactly the simulator's last word on all ${groundTruth.tasks} tasks and ${groundTruth.instances} container instances`,
      );
    } else {
      const why =
        bus.lost > 0
          ? ` (${bus.lost} ECS event${bus.lost === 1 ? ' was' : 's were'} lost and resync did not heal them)`
          : '';
      this.out(`  ✗ ${groundTruth.mismatches.length} resources differ from the simulator${why}:`);
      for (const mismatch of groundTruth.mismatches.slice(0, 10)) this.out(`    ${mismatch}`);
    }
    this.out('');
    this.out(`Look closer (the store stays in ${report.store}):`);
    const hints = [
      ['npx ecs-ops tasks', 'running tasks newest first, then those stopped, by stop time'],
      ['npx ecs-ops stops --class oom', 'which tasks were OOM-killed: exit code, reason, class'],
      ['npx ecs-ops timeline worker', "one service's story: tasks, deployments, pages, scaling"],
      [
        'npx ecs-ops task <8+ chars of an id>',
        'one task: where it ran, its alerts (--history: each version)',
      ],
      ['npx ecs-ops instances', 'container instances, DRAINING and INACTIVE too'],
      ['npx ecs-ops mailbox', 'what was published to SNS: the alerts on-call got, newest first'],
      ['npx ecs-ops drains', 'each drain: trigger, tasks it waited for, released how and when'],
      ['npx ecs-ops scaling', 'each step scaling decision and why (cooldown, no step, at max, …)'],
      [
        `npx ecs-ops replay ${join(report.store, 'events.jsonl')} --alerts --task-definitions ${join(report.store, TASK_DEFINITIONS_FOLDER)} --dir <new dir>`,
        'every event put on the bus, through the alert code again: what pages and why',
      ],
      [`${join(report.store, 'logs')}/`, "each function's logs, JSON lines as in CloudWatch Logs"],
    ];
    // A command too long for the column gets its explanation on the next line, under the others'.
    for (const [what = '', why] of hints)
      this.out(what.length > 38 ? `  ${what}\n  ${''.padEnd(38)} ${why}` : `  ${what.padEnd(38)} ${why}`);
  }

  private line(at: number, text: string) {
    const seconds = ((at - this.startedAt) / 1000).toFixed(1).padStart(5);
    this.out(`+${seconds}s ${text}`);
  }
}

/**
 * What chaos does to delivery: duplicates and order (--chaos), then, when --loss is on, the share of ECS events
 * lost (`5% of ECS events lost: resync must heal them`).
 */
function chaosText(chaos: number, loss: number): string {
  const lost = loss > 0 ? `; ${percent(loss)} of ECS events lost: resync must heal them` : '';
  if (chaos > 0)
    return `chaos on: ${Math.round(chaos * 100)}% of events delivered twice, all out of order${lost}`;
  if (loss > 0) return `chaos on: no event delivered twice, all in order${lost}`;
  return 'chaos off: every event delivered once, in order';
}

/** `5%`, `0.5%`; a share too small to show as a tenth of a percent is `<0.1%`, never `0%`. */
function percent(share: number): string {
  const tenths = Math.round(share * 1000) / 10;
  return tenths > 0 ? `${tenths}%` : '<0.1%';
}

/** `3 messages (2 incidents); ECS event → mailbox p50 1.2 s, max 4.0 s (wall clock)`. */
function mailboxSummary({ alerts, scheduled }: Pick<SandboxReport, 'alerts' | 'scheduled'>): string {
  const { messages, latencyMs, perIncident } = alerts;
  const incidents = Object.keys(perIncident).filter((key) => key !== 'unmatched').length;
  const parts = [
    `${messages} message${messages === 1 ? '' : 's'}` +
      (incidents > 0 ? ` about ${incidents} incident${incidents === 1 ? '' : 's'}` : ''),
  ];
  if (latencyMs.p50 !== null && latencyMs.max !== null) {
    parts.push(
      `ECS event → mailbox p50 ${seconds(latencyMs.p50)}, max ${seconds(latencyMs.max)} (wall clock)`,
    );
  }
  if (scheduled > 0) parts.push(`${scheduled} scheduled invocation${scheduled === 1 ? '' : 's'}`);
  return parts.join('; ');
}

/** `drain i-0abc (lifecycle): released, empty, 640 ms after its last task stopped, 3 tasks waited for, 2 API calls`. */
function drainLines({ drains }: Pick<SandboxReport, 'drains'>): string[] {
  return drains.drains.map((drain) => {
    const parts = [drain.state === 'released' ? `released, ${drain.reason}` : drain.state];
    if (drain.releaseLatencyMs !== null)
      parts.push(`${drain.releaseLatencyMs} ms after its last task stopped`);
    parts.push(
      `${drain.tasks} task${drain.tasks === 1 ? '' : 's'} waited for`,
      `${drain.apiCalls} API call${drain.apiCalls === 1 ? '' : 's'}`,
    );
    return `drain ${drain.ec2InstanceId} (${drain.trigger}): ${parts.join(', ')}`;
  });
}

/**
 * `scaling: queue-worker 1 → 4 → 3; first change 20.1 s (simulated) after the metric crossed its threshold
 * (a CloudWatch alarm needs ≥ 60 s); 4 evaluations, 4–6 API calls each`.
 */
function scalingLine({ scaling }: Pick<SandboxReport, 'scaling'>): string | undefined {
  if (scaling.evaluations === 0 && scaling.changes.length === 0) return undefined;
  const parts: string[] = [];
  const byService = new Map<string, number[]>();
  for (const change of scaling.changes) {
    const name = lastSegment(change.service);
    byService.set(name, [...(byService.get(name) ?? []), change.desiredCount]);
  }
  for (const [service, counts] of byService) parts.push(`${service} → ${counts.join(' → ')}`);
  if (scaling.reactionSeconds !== null) {
    parts.push(
      `first change ${scaling.reactionSeconds} s (simulated) after the metric crossed its threshold (a CloudWatch alarm needs ≥ 60 s)`,
    );
  }
  const { min, max } = scaling.apiCallsPerEvaluation;
  const calls = min === null ? '' : `, ${min === max ? min : `${min}–${max}`} API calls each`;
  parts.push(`${scaling.evaluations} evaluation${scaling.evaluations === 1 ? '' : 's'}${calls}`);
  return `scaling: ${parts.join('; ')}`;
}

/**
 * Self-monitoring: `alarms: 47 evaluated each period, none fired`, or one line per alarm that fired:
 * `alarm ecs-ops-local-reconcile-errors [high]: fired at +60.0s, cleared at +120.0s`.
 */
function alarmLines({ alarms }: Pick<SandboxReport, 'alarms'>): string[] {
  if (alarms.evaluated === 0) return [];
  const head = `alarms (self-monitoring): ${alarms.evaluated} evaluated each period, ${
    alarms.fired.length === 0 ? 'none fired' : `${alarms.fired.length} fired`
  }`;
  return [
    head,
    ...alarms.fired.map(
      (f) =>
        `  ✉ ${f.alarm}${f.severity === null ? '' : ` [${f.severity}]`}: fired at +${f.firedAt.toFixed(1)}s, ` +
        (f.clearedAt === null ? 'still firing at the end' : `cleared at +${f.clearedAt.toFixed(1)}s`),
    ),
  ];
}

const JOB_MESSAGE = /^job (launched|skipped|replaced|failed|duplicate|run completed)\b/;

/**
 * `report (slot 09:01:00Z, 1 task)`, `report (slot 09:01:00Z, succeeded in 24 s)`; the reason when the launch
 * did not simply launch (skipped, failed, …) or the run did not succeed.
 */
function jobDetails(entry: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof entry.slot === 'string') {
    const slot = new Date(entry.slot);
    parts.push(`slot ${Number.isNaN(slot.getTime()) ? entry.slot : `${slot.toISOString().slice(11, 19)}Z`}`);
  }
  const tasks = Array.isArray(entry.tasks) ? entry.tasks.length : entry.tasks;
  if (typeof tasks === 'number' && tasks > 0) parts.push(`${tasks} task${tasks === 1 ? '' : 's'}`);
  if (typeof entry.result === 'string') {
    const duration = typeof entry.durationSeconds === 'number' ? ` in ${entry.durationSeconds} s` : '';
    parts.push(`${entry.result}${duration}`);
  }
  const plain = entry.outcome === 'launched' || entry.result === 'succeeded';
  if (!plain && typeof entry.reason === 'string' && entry.reason !== '') parts.push(entry.reason);
  const job = typeof entry.job === 'string' ? entry.job : '?';
  return parts.length > 0 ? `${job} (${parts.join(', ')})` : job;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Why a resync ran, as a newcomer reads it: the deploy's backfill of what ran before, or the schedule. */
const RESYNC_TRIGGERS: Record<string, string> = {
  deploy: 'at deploy (backfills what ran before ecs-ops watched)',
  schedule: '(scheduled: heals what events missed)',
};

/** The resync function's line per cluster (functions/resync.ts). */
const RESYNC_MESSAGE = 'resync of a cluster';

/** One cluster's resync, as its log line says: what it corrected and what it found in sync. */
function resyncDetails(entry: Record<string, unknown>): string {
  const count = (field: string) => Number(entry[field] ?? 0);
  const parts = [
    `${count('added')} added`,
    `${count('advanced')} advanced`,
    `${count('markedMissing')} marked missing`,
    `${count('inSync')} in sync`,
  ];
  if (count('lateStops') > 0) parts.push(`${count('lateStops')} late stops published`);
  if (count('failed') > 0) parts.push(`${count('failed')} failed`);
  return `${String(entry.cluster)} — ${parts.join(', ')}`;
}

/** What resync did over the run, in one line. */
function resyncLine(resync: SandboxReport['resync']): string {
  const { runs, added, advanced, markedMissing, lateStops, failed } = resync;
  return (
    `resync: ${runs} run${runs === 1 ? '' : 's'}, ${added} added, ${advanced} advanced, ` +
    `${markedMissing} marked missing, ${lateStops} late stop${lateStops === 1 ? '' : 's'} published` +
    (failed > 0 ? `, ${failed} not corrected (the next run retries)` : '')
  );
}

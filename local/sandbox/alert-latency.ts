/**
 * How long an alert takes to reach on-call in the sandbox: from the ECS event's publication on the local bus
 * (the task's STOPPED event, else its last event) to the SNS message landing in the mailbox, in wall-clock
 * milliseconds. The function's log line for the message (same `messageId`, else same subject) names the
 * incident (`key` or `incident`: `<task ARN>#…`); failing that, a task ARN in the message's subject, text or
 * attributes names the task. Only pages are timed: a crash-loop summary and a resolved message are counted
 * under their incident, but come when the sweep finds their window ended or the outage over, by design.
 * Pure bookkeeping: the sandbox feeds it what it observes.
 */
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';

export interface AlertsReport {
  /** Messages that landed in the mailbox during the run. */
  messages: number;
  /** Over the pages matched to a task's event; null when none was. */
  latencyMs: { p50: number | null; max: number | null };
  /** Messages per incident: the incident key the function logged, else the task ARN, else `unmatched`. */
  perIncident: Record<string, number>;
  /** Of those, the pages (not the summaries and resolved messages that follow them). */
  pagesPerIncident: Record<string, number>;
}

export interface LandedMessage {
  /** What Publish returned. */
  messageId?: string;
  subject?: string;
  message: string;
  attributes?: Record<string, { value?: string } | string | undefined>;
}

/** Messages the sweep sends when it finds a window ended or an outage over, not when an event arrives. */
const UNTIMED_KINDS = new Set(['crash-loop-summary', 'resolved']);

const TASK_ARN = /arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task\/[\w-]+\/[0-9a-f]+/;

export class AlertLatency {
  private readonly published = new Map<string, { stopped?: number; last: number }>();
  private readonly landed: {
    at: number;
    messageId?: string;
    subject?: string;
    taskArn?: string;
    timed: boolean;
  }[] = [];
  private readonly logged: { messageId?: string; subject?: string; incident: string }[] = [];

  /** An event the bus received, at wall-clock `at`; only task state changes matter. */
  eventPublished(envelope: Pick<EventEnvelope, 'detail-type' | 'detail'>, at: number) {
    if (envelope['detail-type'] !== 'ECS Task State Change') return;
    const detail = envelope.detail as Record<string, unknown>;
    if (typeof detail.taskArn !== 'string') return;
    const seen = this.published.get(detail.taskArn) ?? { last: at };
    seen.last = at;
    if (detail.lastStatus === 'STOPPED') seen.stopped ??= at;
    this.published.set(detail.taskArn, seen);
  }

  /** A message that landed in the mailbox at wall-clock `at`. */
  messageLanded(message: LandedMessage, at: number) {
    const value = (attribute: { value?: string } | string | undefined) =>
      typeof attribute === 'string' ? attribute : (attribute?.value ?? '');
    const attributes = Object.values(message.attributes ?? {}).map(value);
    const kind = value(message.attributes?.kind);
    const text = [message.subject ?? '', message.message, ...attributes].join('\n');
    this.landed.push({
      at,
      messageId: message.messageId,
      subject: message.subject,
      taskArn: TASK_ARN.exec(text)?.[0],
      timed: !UNTIMED_KINDS.has(kind),
    });
  }

  /** A function's Powertools log entry; those naming an incident tie a subject to it. */
  functionLogged(entry: Record<string, unknown>) {
    const incident = incidentOf(entry);
    if (incident === undefined) return;
    this.logged.push({
      messageId: typeof entry.messageId === 'string' ? entry.messageId : undefined,
      subject: typeof entry.subject === 'string' ? entry.subject : undefined,
      incident,
    });
  }

  report(): AlertsReport {
    const latencies: number[] = [];
    const perIncident: Record<string, number> = {};
    const pagesPerIncident: Record<string, number> = {};
    for (const message of this.landed) {
      const logged =
        this.logged.find(
          (entry) => message.messageId !== undefined && entry.messageId === message.messageId,
        ) ??
        this.logged.find(
          (entry) =>
            (message.taskArn !== undefined && entry.incident.startsWith(message.taskArn)) ||
            (message.subject !== undefined && entry.subject === message.subject),
        );
      const incident = logged?.incident;
      const taskArn = message.taskArn ?? (incident === undefined ? undefined : TASK_ARN.exec(incident)?.[0]);
      const key = incident ?? taskArn ?? 'unmatched';
      perIncident[key] = (perIncident[key] ?? 0) + 1;
      if (message.timed) pagesPerIncident[key] = (pagesPerIncident[key] ?? 0) + 1;
      const seen = taskArn === undefined ? undefined : this.published.get(taskArn);
      if (seen !== undefined && message.timed)
        latencies.push(Math.max(0, message.at - (seen.stopped ?? seen.last)));
    }
    latencies.sort((a, b) => a - b);
    return {
      messages: this.landed.length,
      latencyMs: {
        p50: latencies.length === 0 ? null : Math.round(percentile(latencies, 0.5)),
        max: latencies.length === 0 ? null : Math.round(latencies[latencies.length - 1] as number),
      },
      perIncident,
      pagesPerIncident,
    };
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

/**
 * The incident a log entry names: `incident` (a key, or an object with one), `key` or `incidentKey` when it
 * starts with a task ARN, else a `taskArn` field.
 */
function incidentOf(entry: Record<string, unknown>): string | undefined {
  const incident = entry.incident;
  if (typeof incident === 'string' && incident !== '') return incident;
  if (typeof incident === 'object' && incident !== null) {
    const { key, taskArn } = incident as Record<string, unknown>;
    if (typeof key === 'string' && key !== '') return key;
    if (typeof taskArn === 'string' && taskArn !== '') return taskArn;
  }
  for (const field of [entry.key, entry.incidentKey]) {
    if (typeof field === 'string' && TASK_ARN.exec(field)?.index === 0) return field;
  }
  if (typeof entry.taskArn === 'string' && TASK_ARN.test(entry.taskArn)) return entry.taskArn;
  return undefined;
}

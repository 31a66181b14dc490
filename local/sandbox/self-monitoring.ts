/**
 * ecs-ops watching itself in the sandbox, as the stack does in an account (deploy/monitoring.ts): the local
 * CloudWatch gets what CloudWatch would — each function's EMF log lines (its own metrics, namespace `ecs-ops`),
 * AWS/Lambda's Invocations and Errors per function (`ecs-ops-local-<function>`) from each invocation, and
 * AWS/SQS's ApproximateNumberOfMessagesVisible and ApproximateAgeOfOldestMessage per queue, sampled each
 * simulated minute — and the stack's alarms are evaluated over it each period; a change of state goes to the
 * local bus as CloudWatch's event (the `alarm` function pages it), and notifies the alarm's actions, if any, as
 * CloudWatch does.
 */
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { LocalAlarms } from '../cloudwatch/alarm-driver.js';
import type { AlarmDefinition } from '../cloudwatch/alarms.js';
import type { CloudWatchMetrics } from '../cloudwatch/metrics.js';
import type { AlarmResource, Deployment } from '../serverless/routes.js';
import type { LocalQueues } from '../sqs/local-queues.js';
import { type LocalResources, localValue } from './environment.js';
import type { AlarmsSummary } from './model.js';

const MINUTE_MS = 60_000;

/** The stack's alarms with their references resolved to the local resources (queue names, topic ARNs). */
export function localAlarms(alarms: readonly AlarmResource[], resources: LocalResources): AlarmDefinition[] {
  return alarms.map(({ logicalId, ...alarm }) => {
    const where = `alarm ${logicalId}`;
    return {
      ...alarm,
      dimensions: alarm.dimensions.map(({ Name, Value }) => ({
        Name,
        Value: localValue(`${where} dimension ${Name}`, Value, resources),
      })),
      alarmActions: alarm.alarmActions.map((a) => localValue(`${where} AlarmActions`, a, resources)),
      okActions: alarm.okActions.map((a) => localValue(`${where} OKActions`, a, resources)),
    };
  });
}

export class SelfMonitoring {
  readonly alarms: LocalAlarms;
  /** When each message was first seen, per queue: SQS's age of the oldest message. */
  private readonly firstSeen = new Map<string, Map<string, number>>();
  private sampledMinute: number;

  constructor(
    private readonly options: {
      deployment: Pick<Deployment, 'service' | 'stage' | 'alarms'>;
      metrics: CloudWatchMetrics;
      queues: Pick<LocalQueues, 'list'>;
      resources: LocalResources;
      startedAt: number;
      region: string;
      account: string;
      notify: (topicArn: string, subject: string, message: string) => Promise<void>;
      stateChanged: (event: EventEnvelope) => Promise<void>;
    },
  ) {
    this.alarms = new LocalAlarms({
      alarms: localAlarms(options.deployment.alarms, options.resources),
      metrics: options.metrics,
      startedAt: options.startedAt,
      region: options.region,
      account: options.account,
      notify: options.notify,
      stateChanged: options.stateChanged,
    });
    this.sampledMinute = Math.floor(options.startedAt / MINUTE_MS) - 1;
  }

  /** A parsed log line of a function: an EMF record becomes datapoints. */
  functionLogged(entry: Record<string, unknown>): void {
    this.options.metrics.putEmf(entry);
  }

  /** An invocation of `name` that started at `at` (simulated) and failed or not: AWS/Lambda's metrics. */
  invoked(name: string, failed: boolean, at: number): void {
    const { service, stage } = this.options.deployment;
    const dimensions = [{ Name: 'FunctionName', Value: `${service}-${stage}-${name}` }];
    const timestamp = new Date(at);
    for (const [metric, value] of [
      ['Invocations', 1],
      ['Errors', failed ? 1 : 0],
    ] as const) {
      this.options.metrics.record('AWS/Lambda', {
        MetricName: metric,
        Dimensions: dimensions,
        Timestamp: timestamp,
        Value: value,
        Unit: 'Count',
      });
    }
  }

  /**
   * Each tick of the run: notes the queues' messages (for their age), samples the queues once per simulated
   * minute, and evaluates the alarms whose periods ended.
   */
  async tick(now: number): Promise<void> {
    this.observe(now);
    const minute = Math.floor(now / MINUTE_MS);
    if (minute > this.sampledMinute) {
      this.sampledMinute = minute;
      this.sample(now);
    }
    await this.alarms.evaluate(now);
  }

  /** What the run's alarms did: each that fired, when, and when it cleared. */
  summary(): AlarmsSummary {
    const { startedAt } = this.options;
    const seconds = (at: number) => Math.round((at - startedAt) / 100) / 10;
    const fired: AlarmsSummary['fired'] = [];
    for (const t of this.alarms.transitions()) {
      if (t.to === 'ALARM') {
        fired.push({ alarm: t.alarm, severity: t.severity ?? null, firedAt: seconds(t.at), clearedAt: null });
      } else if (t.from === 'ALARM') {
        const open = fired.findLast((f) => f.alarm === t.alarm && f.clearedAt === null);
        if (open !== undefined) open.clearedAt = seconds(t.at);
      }
    }
    const states = { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 };
    for (const alarm of this.alarms.alarms) {
      const state = this.alarms.state(alarm.name);
      if (state !== undefined) states[state] += 1;
    }
    return { evaluated: this.alarms.alarms.length, fired, states };
  }

  private observe(now: number) {
    for (const queue of this.options.queues.list()) {
      const seen = this.firstSeen.get(queue.name) ?? new Map<string, number>();
      const held = new Set(queue.messageIds());
      for (const id of seen.keys()) if (!held.has(id)) seen.delete(id);
      for (const id of held) if (!seen.has(id)) seen.set(id, now);
      this.firstSeen.set(queue.name, seen);
    }
  }

  private sample(now: number) {
    const timestamp = new Date(now);
    for (const queue of this.options.queues.list()) {
      const seen = [...(this.firstSeen.get(queue.name)?.values() ?? [])];
      const oldest = seen.length === 0 ? 0 : Math.max(0, Math.round((now - Math.min(...seen)) / 1000));
      const dimensions = [{ Name: 'QueueName', Value: queue.name }];
      for (const [metric, value, unit] of [
        ['ApproximateNumberOfMessagesVisible', queue.depth().visible, 'Count'],
        ['ApproximateAgeOfOldestMessage', oldest, 'Seconds'],
      ] as const) {
        this.options.metrics.record('AWS/SQS', {
          MetricName: metric,
          Dimensions: dimensions,
          Timestamp: timestamp,
          Value: value,
          Unit: unit,
        });
      }
    }
  }
}

/**
 * The local account's metric alarms: at each period's end, each alarm is evaluated (alarms.ts) over the local
 * metrics, and a change of state notifies its actions as CloudWatch does — a change to ALARM its AlarmActions,
 * a change from ALARM to OK its OKActions (the first evaluation out of INSUFFICIENT_DATA into OK notifies
 * nobody) — and, every change, EventBridge (`stateChanged`). Periods that began before the account started are
 * not evaluated. DescribeAlarms answers from here.
 */
import { randomUUID } from 'node:crypto';
import type * as CW from '@aws-sdk/client-cloudwatch';
import { readAlarmDescription } from '../../lib/alarms/description.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { AwsError } from '../endpoint/aws-error.js';
import {
  type AlarmDefinition,
  type AlarmState,
  alarmArn,
  alarmNotification,
  alarmStateChangeEvent,
  type Datapoint,
  evaluateAlarm,
} from './alarms.js';
import type { CloudWatchMetrics } from './metrics.js';

export interface LocalAlarmsOptions {
  alarms: readonly AlarmDefinition[];
  metrics: Pick<CloudWatchMetrics, 'statistic'>;
  /** When the account started: periods beginning earlier are not evaluated. */
  startedAt: number;
  region: string;
  account: string;
  /** Publishes CloudWatch's notification to one action (a topic ARN). */
  notify: (topicArn: string, subject: string, message: string) => Promise<void>;
  /** Puts CloudWatch's "CloudWatch Alarm State Change" event on the default bus. */
  stateChanged: (event: EventEnvelope) => Promise<void>;
}

/** One change of an alarm's state. */
export interface AlarmTransition {
  alarm: string;
  severity: string | undefined;
  from: AlarmState;
  to: AlarmState;
  /** Simulated epoch ms: the end of the period whose evaluation changed it. */
  at: number;
  reason: string;
  /** Whether actions were notified (an alarm with none notifies nobody; EventBridge hears of every change). */
  notified: boolean;
}

interface Status {
  state: AlarmState;
  reason: string;
  updatedAt: number;
  /** The last period end evaluated. */
  evaluatedTo: number;
}

const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export class LocalAlarms {
  readonly #options: LocalAlarmsOptions;
  readonly #status = new Map<string, Status>();
  readonly #transitions: AlarmTransition[] = [];

  constructor(options: LocalAlarmsOptions) {
    this.#options = options;
    for (const alarm of options.alarms) {
      this.#status.set(alarm.name, {
        state: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        updatedAt: options.startedAt,
        evaluatedTo: options.startedAt,
      });
    }
  }

  get alarms(): readonly AlarmDefinition[] {
    return this.#options.alarms;
  }

  /**
   * Evaluates every period that ended by `now` and has not been evaluated yet, each alarm in time order, and
   * notifies the changes (in time order across alarms). Returns the changes.
   */
  async evaluate(now: number): Promise<AlarmTransition[]> {
    const changes: {
      alarm: AlarmDefinition;
      transition: AlarmTransition;
      left: Omit<Status, 'evaluatedTo'>;
    }[] = [];
    for (const alarm of this.#options.alarms) {
      const status = this.#status.get(alarm.name) as Status;
      const period = alarm.periodSeconds * 1000;
      for (let end = (Math.floor(status.evaluatedTo / period) + 1) * period; end <= now; end += period) {
        status.evaluatedTo = end;
        const starts = Array.from(
          { length: alarm.evaluationPeriods },
          (_, i) => end - (alarm.evaluationPeriods - i) * period,
        );
        const datapoints: Datapoint[] = starts.map((start) =>
          start < this.#options.startedAt
            ? undefined
            : (this.#datapoint(alarm, start, start + period) ?? null),
        );
        const { state, reason } = evaluateAlarm(alarm, datapoints, status.state, starts);
        if (state === status.state) continue;
        const actions = state === 'ALARM' ? alarm.alarmActions : alarm.okActions;
        const notified =
          actions.length > 0 && (state === 'ALARM' || (state === 'OK' && status.state === 'ALARM'));
        const left = { state: status.state, reason: status.reason, updatedAt: status.updatedAt };
        const transition: AlarmTransition = {
          alarm: alarm.name,
          severity: readAlarmDescription(alarm.description).severity,
          from: status.state,
          to: state,
          at: end,
          reason,
          notified,
        };
        Object.assign(status, { state, reason, updatedAt: end });
        changes.push({ alarm, transition, left });
      }
    }
    changes.sort((a, b) => a.transition.at - b.transition.at);
    for (const { alarm, transition, left } of changes) {
      this.#transitions.push(transition);
      await this.#options.stateChanged(
        alarmStateChangeEvent(
          alarm,
          {
            oldState: left.state,
            oldReason: left.reason,
            oldAt: left.updatedAt,
            newState: transition.to,
            reason: transition.reason,
            at: transition.at,
          },
          { ...this.#options, id: randomUUID() },
        ),
      );
      if (!transition.notified) continue;
      const { subject, message } = alarmNotification(
        alarm,
        { oldState: transition.from, newState: transition.to, reason: transition.reason, at: transition.at },
        this.#options,
      );
      for (const topicArn of transition.to === 'ALARM' ? alarm.alarmActions : alarm.okActions)
        await this.#options.notify(topicArn, subject, message);
    }
    return changes.map((change) => change.transition);
  }

  /** Every change of state so far, in time order. */
  transitions(): AlarmTransition[] {
    return [...this.#transitions];
  }

  /** An alarm's state now. */
  state(name: string): AlarmState | undefined {
    return this.#status.get(name)?.state;
  }

  /** CloudWatch's DescribeAlarms over the metric alarms: by AlarmNames or AlarmNamePrefix, and StateValue. */
  describeAlarms(input: CW.DescribeAlarmsInput = {}): CW.DescribeAlarmsOutput {
    if (
      input.AlarmNames !== undefined &&
      input.AlarmNames.length > 0 &&
      input.AlarmNamePrefix !== undefined
    ) {
      throw new AwsError(
        'InvalidParameterCombination',
        'AlarmNamePrefix and AlarmNames cannot be specified together.',
      );
    }
    if (input.StateValue !== undefined && !STATES.includes(input.StateValue)) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${input.StateValue}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
      );
    }
    if (input.NextToken !== undefined) {
      throw new AwsError('ValidationError', 'NextToken is not supported by the local endpoint');
    }
    const types = input.AlarmTypes ?? ['MetricAlarm'];
    const names = input.AlarmNames ?? [];
    const alarms = types.includes('MetricAlarm')
      ? this.#options.alarms.filter((alarm) => {
          const status = this.#status.get(alarm.name) as Status;
          return (
            (names.length === 0 || names.includes(alarm.name)) &&
            (input.AlarmNamePrefix === undefined || alarm.name.startsWith(input.AlarmNamePrefix)) &&
            (input.StateValue === undefined || status.state === input.StateValue)
          );
        })
      : [];
    return {
      MetricAlarms: alarms.map((alarm) => this.#metricAlarm(alarm)),
      CompositeAlarms: [],
    };
  }

  #metricAlarm(alarm: AlarmDefinition): CW.MetricAlarm {
    const status = this.#status.get(alarm.name) as Status;
    return {
      AlarmName: alarm.name,
      AlarmArn: alarmArn(alarm.name, this.#options),
      AlarmDescription: alarm.description,
      AlarmConfigurationUpdatedTimestamp: new Date(this.#options.startedAt),
      ActionsEnabled: true,
      OKActions: alarm.okActions,
      AlarmActions: alarm.alarmActions,
      InsufficientDataActions: [],
      StateValue: status.state as CW.StateValue,
      StateReason: status.reason,
      StateUpdatedTimestamp: new Date(status.updatedAt),
      StateTransitionedTimestamp: new Date(status.updatedAt),
      MetricName: alarm.metricName,
      Namespace: alarm.namespace,
      ...(alarm.extended
        ? { ExtendedStatistic: alarm.statistic }
        : { Statistic: alarm.statistic as CW.Statistic }),
      Dimensions: alarm.dimensions,
      Period: alarm.periodSeconds,
      ...(alarm.unit === undefined ? {} : { Unit: alarm.unit as CW.StandardUnit }),
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.datapointsToAlarm,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparison,
      TreatMissingData: alarm.treatMissingData,
    };
  }

  #datapoint(alarm: AlarmDefinition, from: number, to: number): number | undefined {
    return this.#options.metrics.statistic(
      { namespace: alarm.namespace, name: alarm.metricName, dimensions: alarm.dimensions },
      alarm.statistic,
      from,
      to,
      alarm.unit,
    );
  }
}

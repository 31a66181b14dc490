/**
 * CloudWatch metric alarms, evaluated as CloudWatch does — pure: an alarm's state from its datapoints, one per
 * period (the statistic over that period, or missing), the notification it sends its actions when the
 * state changes, and the event it sends EventBridge. The driver (alarm-driver.ts) reads the datapoints from the local metrics each period.
 *
 * Over the last `EvaluationPeriods` periods, the alarm is ALARM when at least `DatapointsToAlarm` of them
 * breach (a datapoint compared with the threshold; a missing one as `TreatMissingData` says: `breaching`,
 * `notBreaching`, `ignore` — the state stays as it is when every one is missing — or `missing`, INSUFFICIENT_DATA
 * when every one is missing), else OK. A period not evaluated — one that started before the account existed (the
 * sandbox's start) — leaves the alarm INSUFFICIENT_DATA until `EvaluationPeriods` whole periods have elapsed.
 */

import { ALARM_STATE_CHANGE, type AlarmState, CLOUDWATCH_SOURCE } from '../../lib/alarms/state-change.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';

export type { AlarmState };
export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/**
 * An AWS::CloudWatch::Alarm's properties. `Reference` is how a dimension value or an action is given: as the
 * template declares it (a string or `!GetAtt`/`!Ref`), or (the default) resolved to a local name.
 */
export interface AlarmDefinition<Reference = string> {
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: Reference }[];
  /** `Statistic` (Sum, Maximum, …) or `ExtendedStatistic` (p99). */
  statistic: string;
  extended: boolean;
  unit?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissingData: TreatMissingData;
  /** Topic ARNs notified on a change to ALARM and to OK. */
  alarmActions: Reference[];
  okActions: Reference[];
}

/**
 * One period's datapoint: the statistic's value, `null` when the metric had no datapoint in it (missing), or
 * `undefined` when the period was not evaluated (it began before the start).
 */
export type Datapoint = number | null | undefined;

export interface Evaluation {
  state: AlarmState;
  reason: string;
}

const COMPARE: Record<ComparisonOperator, { test: (v: number, t: number) => boolean; words: string }> = {
  GreaterThanThreshold: { test: (v, t) => v > t, words: 'greater than' },
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: 'greater than or equal to' },
  LessThanThreshold: { test: (v, t) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: 'less than or equal to' },
};

export const breaches = (alarm: Pick<AlarmDefinition, 'comparison' | 'threshold'>, value: number) =>
  COMPARE[alarm.comparison].test(value, alarm.threshold);

/**
 * The alarm's state from its last `evaluationPeriods` datapoints (oldest first; fewer counts as not
 * evaluated), given its state so far. `times` are the periods' starts, for the reason's text.
 */
export function evaluateAlarm(
  alarm: Pick<
    AlarmDefinition,
    'evaluationPeriods' | 'datapointsToAlarm' | 'threshold' | 'comparison' | 'treatMissingData'
  >,
  datapoints: readonly Datapoint[],
  previous: AlarmState,
  times: readonly number[] = [],
): Evaluation {
  const n = alarm.evaluationPeriods;
  const window = datapoints.slice(-n);
  const windowTimes = times.slice(-n);
  if (window.length < n || window.some((d) => d === undefined)) {
    return {
      state: 'INSUFFICIENT_DATA',
      reason: `Insufficient Data: ${n} period${n === 1 ? '' : 's'} ha${n === 1 ? 's' : 've'} not elapsed since the start.`,
    };
  }
  const present = window.filter((d): d is number => typeof d === 'number');
  const missing = window.length - present.length;
  if (missing === n && alarm.treatMissingData === 'ignore') {
    return {
      state: previous,
      reason: `No datapoints in the last ${n}: the state is kept (missing data ignored).`,
    };
  }
  if (missing === n && alarm.treatMissingData === 'missing') {
    return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: no datapoint in the last ${n}.` };
  }
  const breaching =
    present.filter((v) => breaches(alarm, v)).length + (alarm.treatMissingData === 'breaching' ? missing : 0);
  const m = alarm.datapointsToAlarm;
  const state: AlarmState = breaching >= m ? 'ALARM' : 'OK';
  const shown = window
    .map((d, i) => {
      const at = windowTimes[i];
      const when = at === undefined ? '' : ` (${stamp(at)})`;
      return d === null ? `missing${when}` : `${Number(d).toFixed(1)}${when}`;
    })
    .reverse();
  const verb = breaching === 1 ? 'was' : 'were';
  return {
    state,
    reason:
      `Threshold Crossed: ${breaching} out of the last ${n} datapoint${n === 1 ? '' : 's'} [${shown.join(', ')}] ` +
      `${verb} ${COMPARE[alarm.comparison].words} the threshold (${alarm.threshold.toFixed(1)}) ` +
      `(minimum ${m} datapoint${m === 1 ? '' : 's'} for ${state === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`,
  };
}

/** `dd/MM/yy HH:mm:ss`, as CloudWatch writes a datapoint's time in a state reason. */
function stamp(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

/** CloudWatch's region names, as its notifications give them; the code itself otherwise. */
const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ca-central-1': 'Canada (Central)',
  'sa-east-1': 'South America (Sao Paulo)',
};

export const regionName = (region: string) => REGION_NAMES[region] ?? region;

/** `2026-12-06T12:31:00.000+0000`, as CloudWatch stamps StateChangeTime. */
const changeTime = (at: number) => new Date(at).toISOString().replace('Z', '+0000');

/** The SNS message CloudWatch publishes to an alarm's actions when its state changes: subject and JSON body. */
export function alarmNotification(
  alarm: AlarmDefinition,
  change: { oldState: AlarmState; newState: AlarmState; reason: string; at: number },
  where: { region: string; account: string },
): { subject: string; message: string } {
  const region = regionName(where.region);
  const body = {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description,
    AWSAccountId: where.account,
    AlarmConfigurationUpdatedTimestamp: changeTime(0),
    NewStateValue: change.newState,
    NewStateReason: change.reason,
    StateChangeTime: changeTime(change.at),
    Region: region,
    AlarmArn: alarmArn(alarm.name, where),
    OldStateValue: change.oldState,
    OKActions: alarm.okActions,
    AlarmActions: alarm.alarmActions,
    InsufficientDataActions: [],
    Trigger: {
      MetricName: alarm.metricName,
      Namespace: alarm.namespace,
      StatisticType: alarm.extended ? 'ExtendedStatistic' : 'Statistic',
      ...(alarm.extended
        ? { ExtendedStatistic: alarm.statistic }
        : { Statistic: alarm.statistic.toUpperCase() }),
      Unit: alarm.unit ?? null,
      Dimensions: alarm.dimensions.map((d) => ({ value: d.Value, name: d.Name })),
      Period: alarm.periodSeconds,
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.datapointsToAlarm,
      ComparisonOperator: alarm.comparison,
      Threshold: alarm.threshold,
      TreatMissingData: alarm.treatMissingData,
      EvaluateLowSampleCountPercentile: '',
    },
  };
  // SNS's subject limit is 100 characters.
  const subject = `${change.newState}: "${alarm.name}" in ${region}`.slice(0, 100);
  return { subject, message: JSON.stringify(body) };
}

/**
 * The event CloudWatch sends EventBridge when an alarm's state changes (every change, whatever its actions):
 * `aws.cloudwatch`, "CloudWatch Alarm State Change", the alarm's name, configuration and both states.
 */
export function alarmStateChangeEvent(
  alarm: AlarmDefinition,
  change: {
    oldState: AlarmState;
    oldReason: string;
    oldAt: number;
    newState: AlarmState;
    reason: string;
    at: number;
  },
  where: { region: string; account: string; id: string },
): EventEnvelope {
  return {
    version: '0',
    id: where.id,
    'detail-type': ALARM_STATE_CHANGE,
    source: CLOUDWATCH_SOURCE,
    account: where.account,
    time: new Date(change.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [alarmArn(alarm.name, where)],
    detail: {
      alarmName: alarm.name,
      state: { value: change.newState, reason: change.reason, timestamp: changeTime(change.at) },
      previousState: {
        value: change.oldState,
        reason: change.oldReason,
        timestamp: changeTime(change.oldAt),
      },
      configuration: {
        description: alarm.description,
        metrics: [
          {
            id: alarm.name,
            metricStat: {
              metric: {
                namespace: alarm.namespace,
                name: alarm.metricName,
                dimensions: Object.fromEntries(alarm.dimensions.map((d) => [d.Name, d.Value])),
              },
              period: alarm.periodSeconds,
              stat: alarm.statistic,
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

export const alarmArn = (name: string, where: { region: string; account: string }) =>
  `arn:aws:cloudwatch:${where.region}:${where.account}:alarm:${name}`;

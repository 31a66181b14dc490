/**
 * Self-monitoring: CloudWatch alarms about ecs-ops itself and one dashboard. No function reads or writes
 * CloudWatch for them (the functions' own metrics are EMF log lines, lib/platform/metrics.ts). The thresholds
 * are ops.config.yml's `selfMonitoring` (lib/platform/config/self-monitoring.ts); `enabled: false` leaves all of
 * it out.
 *
 * How an alarm reaches on-call: CloudWatch's own notification carries no SNS message attributes and reads like
 * none of ecs-ops' pages, so subscribers that filter on `severity` or forward to a pager would miss it or choke
 * on it. Each alarm's state changes (which CloudWatch sends to EventBridge, delivery guaranteed) go instead
 * through the AlarmStates rule → queue to the `alarm` function, which pages in ecs-ops' form: severity, a
 * resolve when it clears, once each (lib/alarms). The alarms about that path itself — the `alarm` function's
 * errors and throttles, its queue's age and dead letters — cannot wait on it: they notify the alert topic
 * straight from CloudWatch, when they fire and when they clear.
 *
 * CloudWatch cannot publish to a topic encrypted with the AWS managed key `alias/aws/sns` (its key policy, which
 * nobody can edit, does not let CloudWatch use it): with self-monitoring on, the alert topic is encrypted with a
 * key of the stack's own that lets CloudWatch alarms publish (serverless.yml AlertTopic `KmsMasterKeyId`).
 */
import { alarmDescription } from '../lib/alarms/description.js';
import { ALARM_STATE_CHANGE, CLOUDWATCH_SOURCE } from '../lib/alarms/state-change.js';
import { tryParseSchedule } from '../lib/jobs/schedules/index.js';
import type { OpsConfig } from '../lib/ops-config.js';
import { consoleOrigin } from '../lib/platform/console-links.js';
import { METRIC, METRICS_NAMESPACE } from '../lib/platform/metrics.js';
import type { Severity } from '../lib/platform/notification/severity.js';
import { capabilityResources } from './capability.js';
import type { EventQueue } from './queues.js';
import { publishAlerts, stateTable } from './roles.js';
import { functionName, getAtt, ref, type Stack } from './template.js';

/** Every function of serverless.yml (the tests hold this list to it). */
export const FUNCTIONS = [
  'reconcile',
  'resync',
  'alert',
  'alert-summary',
  'launch',
  'job-timeouts',
  'job-runs',
  'drain',
  'drain-sweeper',
  'scale',
  'alarm',
] as const;
export type FunctionShortName = (typeof FUNCTIONS)[number];

/**
 * What each function's errors and throttles mean, and how bad they are. An error is an invocation that failed
 * (a crash, a timeout): a queue consumer's batch comes back, a scheduled run waits for the next one.
 */
const FUNCTION_FAILURES: Record<FunctionShortName, { does: string; errors: Severity; throttles: Severity }> =
  {
    reconcile: { does: 'ECS events are not stored', errors: 'high', throttles: 'medium' },
    resync: { does: 'the store is not checked against ECS', errors: 'medium', throttles: 'medium' },
    alert: { does: 'pages are delayed', errors: 'critical', throttles: 'high' },
    'alert-summary': {
      does: 'crash-loop summaries and resolved messages wait',
      errors: 'high',
      throttles: 'medium',
    },
    launch: { does: 'scheduled jobs may not start', errors: 'high', throttles: 'high' },
    'job-timeouts': { does: 'job runs past their timeout keep running', errors: 'high', throttles: 'medium' },
    'job-runs': { does: 'job results and failure pages wait', errors: 'high', throttles: 'medium' },
    drain: { does: 'leaving instances are not drained or released', errors: 'high', throttles: 'high' },
    'drain-sweeper': {
      does: 'open drains get no heartbeat nor deadline release',
      errors: 'high',
      throttles: 'medium',
    },
    scale: { does: 'services are not scaled', errors: 'high', throttles: 'medium' },
    alarm: { does: "pages about ecs-ops' own alarms wait", errors: 'high', throttles: 'high' },
  };

/** The function that pages ecs-ops' alarms: the alarms about it notify the alert topic directly. */
export const ALARM_FORWARDER: FunctionShortName = 'alarm';

/**
 * The stack's event queues (deploy/queues.ts: `<name>Queue` and `<name>DeadLetterQueue` each), their consumer,
 * and the severity of a dead letter and of a backlog. `cli` is its short name, as `ecs-ops dlq` lists it.
 */
export const EVENT_QUEUES = [
  {
    name: 'EcsEvents',
    cli: 'ecs-events',
    consumer: 'reconcile',
    carries: 'ECS state changes',
    deadLetters: 'high',
    backlog: 'high',
  },
  {
    name: 'Alerts',
    cli: 'alerts',
    consumer: 'alert',
    carries: 'essential-container stops to page',
    deadLetters: 'critical',
    backlog: 'critical',
  },
  {
    name: 'JobRuns',
    cli: 'job-runs',
    consumer: 'job-runs',
    carries: 'the stops of job tasks',
    deadLetters: 'high',
    backlog: 'medium',
  },
  {
    name: 'DrainEvents',
    cli: 'drain-events',
    consumer: 'drain',
    carries: 'lifecycle actions, Spot warnings and drains’ ECS events',
    deadLetters: 'high',
    backlog: 'high',
  },
  {
    name: 'AlarmStates',
    cli: 'alarm-states',
    consumer: 'alarm',
    carries: "state changes of ecs-ops' own alarms",
    deadLetters: 'high',
    backlog: 'high',
  },
] as const satisfies readonly {
  name: string;
  cli: string;
  consumer: FunctionShortName;
  carries: string;
  deadLetters: Severity;
  backlog: Severity;
}[];

/** The functions on a fixed `schedule: rate(1 minute)` in serverless.yml (the tests hold this to it). */
export const EVERY_MINUTE: readonly FunctionShortName[] = [
  'alert-summary',
  'job-timeouts',
  'drain-sweeper',
  'scale',
];

/** Every scheduled function: those every minute, resync on its interval and launch on its jobs' schedules. */
export const SCHEDULED: readonly FunctionShortName[] = [...EVERY_MINUTE, 'resync', 'launch'];

/** A scheduled function is late when it has not run for this many of its periods. */
export const MISSED_RUNS = 3;

/**
 * CloudWatch evaluates an alarm over at most 7 days, and at most 1 day when its period is under an hour; a
 * period is a multiple of 60 s here.
 */
export const fitsEvaluationRange = (periodSeconds: number, evaluationPeriods: number) =>
  periodSeconds % 60 === 0 && periodSeconds * evaluationPeriods <= (periodSeconds < 3600 ? 86_400 : 604_800);

type Comparison = 'GreaterThanThreshold' | 'LessThanThreshold';

/** One alarm, as declared here; `alarmResource` writes it as an AWS::CloudWatch::Alarm. */
export interface AlarmDeclaration {
  /** Logical id (`…Alarm`). */
  id: string;
  /** The alarm's name after `<service>-<stage>-`. */
  name: string;
  severity: Severity;
  /** What fired and what to do about it; follows `[<severity>] ` in AlarmDescription. */
  description: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, unknown>;
  /** `Statistic`, or `ExtendedStatistic` for a percentile. */
  statistic: 'Sum' | 'Maximum' | 'p99';
  unit?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: Comparison;
  /** `breaching` where no data means the function did not run; `notBreaching` where it means nothing happened. */
  treatMissingData: 'breaching' | 'notBreaching';
  /** It watches the `alarm` function or its queue: CloudWatch notifies the alert topic itself. */
  direct: boolean;
}

/** `alert-summary` → `AlertSummary`. */
const pascal = (fn: string) =>
  fn.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());

/** What the CLI needs to reach the deployed stack's table (and, for resync, ECS). */
const onTheStack = (stack: Stack) => `--store aws --stage ${stack.stage}`;

const logGroup = (stack: Stack, fn: string) => `/aws/lambda/${functionName(stack, fn)}`;
const queueName = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'QueueName'] });
const lambdaMetric = (stack: Stack, fn: string) => ({
  namespace: 'AWS/Lambda',
  dimensions: { FunctionName: functionName(stack, fn) },
});
/** A custom metric of one function: dimensions `stage` and `function` (its short name), as the functions emit. */
const ownMetric = (stack: Stack, fn: FunctionShortName) => ({
  namespace: METRICS_NAMESPACE,
  dimensions: { stage: stack.stage, function: fn },
});

function deadLetterAlarms(stack: Stack): AlarmDeclaration[] {
  return EVENT_QUEUES.map((queue) => ({
    id: `${queue.name}DeadLetterQueueMessagesAlarm`,
    name: `${queue.cli}-dead-letters`,
    severity: queue.deadLetters,
    description:
      `${queue.name}DeadLetterQueue holds messages: ${queue.carries} that ${queue.consumer} refused or ` +
      `could not handle after 5 receives, or that EventBridge could not deliver. Run \`ecs-ops dlq list ` +
      `${onTheStack(stack)}\` (queue ${queue.cli}; stack output ${queue.name}DeadLetterQueueUrl) ` +
      `and read ${logGroup(stack, queue.consumer)} for why; fix the cause, then redrive the messages.`,
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: queueName(`${queue.name}DeadLetterQueue`) },
    statistic: 'Maximum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    direct: queue.consumer === ALARM_FORWARDER,
  }));
}

function queueAgeAlarms(config: OpsConfig, stack: Stack): AlarmDeclaration[] {
  const seconds = config.selfMonitoring.queueAgeSeconds;
  return EVENT_QUEUES.map((queue) => ({
    id: `${queue.name}QueueAgeAlarm`,
    name: `${queue.cli}-queue-age`,
    severity: queue.backlog,
    description:
      `The oldest message of ${queue.name}Queue (${queue.carries}) is over ${seconds} s old ` +
      `(selfMonitoring.queueAgeSeconds): ${queue.consumer} is behind, failing or retrying a record. Read ` +
      `${logGroup(stack, queue.consumer)} and check its errors and throttles alarms.`,
    namespace: 'AWS/SQS',
    metric: 'ApproximateAgeOfOldestMessage',
    dimensions: { QueueName: queueName(`${queue.name}Queue`) },
    statistic: 'Maximum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: seconds,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    direct: queue.consumer === ALARM_FORWARDER,
  }));
}

function functionFailureAlarms(stack: Stack): AlarmDeclaration[] {
  return FUNCTIONS.flatMap((fn) => {
    const { does, errors, throttles } = FUNCTION_FAILURES[fn];
    const failure = (metric: 'Errors' | 'Throttles', severity: Severity, what: string): AlarmDeclaration => ({
      id: `${pascal(fn)}${metric}Alarm`,
      name: `${fn}-${metric.toLowerCase()}`,
      severity,
      description: `${functionName(stack, fn)} ${what}: ${does}. ${
        metric === 'Errors'
          ? `Read ${logGroup(stack, fn)} for the error and its stack trace.`
          : `Check the account's Lambda concurrency (a reserved or a full account limit) and ${logGroup(stack, fn)}.`
      }`,
      ...lambdaMetric(stack, fn),
      metric,
      statistic: 'Sum',
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      direct: fn === ALARM_FORWARDER,
    });
    return [
      failure('Errors', errors, 'failed (an error or a timeout)'),
      failure('Throttles', throttles, 'was throttled'),
    ];
  });
}

/**
 * The period of each scheduled function, in seconds: every minute for the four of serverless.yml, resync's
 * interval (none at 0), and launch's shortest `rate(…)` among the enabled jobs (it runs at least that often; a
 * cron schedule's gaps vary, so cron jobs set none, and with no enabled rate job launch gets no such alarm).
 */
export function schedulePeriods(config: OpsConfig): Partial<Record<FunctionShortName, number>> {
  const periods: Partial<Record<FunctionShortName, number>> = {};
  for (const fn of EVERY_MINUTE) periods[fn] = 60;
  if (config.resync.intervalMinutes > 0) periods.resync = config.resync.intervalMinutes * 60;
  const rates = Object.values(config.jobs).flatMap((job) => {
    if (!job.enabled) return [];
    const schedule = tryParseSchedule(job.schedule);
    return 'kind' in schedule && schedule.kind === 'rate' ? [schedule.periodMs / 1000] : [];
  });
  if (rates.length > 0) periods.launch = Math.min(...rates);
  return periods;
}

const whenLate = (stack: Stack): Partial<Record<FunctionShortName, string>> => ({
  'alert-summary': 'crash-loop summaries and resolved messages are not sent',
  'job-timeouts': 'job runs past their timeout are not stopped',
  'drain-sweeper': 'open drains get no heartbeat and are not released at their deadline',
  scale: 'no scaling policy is evaluated',
  resync: `the store is not checked against ECS (\`ecs-ops resync ${onTheStack(stack)}\` runs one by hand)`,
  launch: `scheduled jobs are not launched (\`ecs-ops jobs ${onTheStack(stack)}\` shows the last runs)`,
});

function missedRunAlarms(config: OpsConfig, stack: Stack): AlarmDeclaration[] {
  return Object.entries(schedulePeriods(config)).flatMap(([fn, period]) => {
    if (period === undefined || !fitsEvaluationRange(period, MISSED_RUNS)) return [];
    const name = fn as FunctionShortName;
    return [
      {
        id: `${pascal(name)}NotRunAlarm`,
        name: `${name}-not-run`,
        severity: name === 'resync' ? 'medium' : 'high',
        description:
          `${functionName(stack, name)} has not run for ${MISSED_RUNS} of its periods (${period} s): ` +
          `${whenLate(stack)[name]}. Check that its schedule is enabled and read ${logGroup(stack, name)}.`,
        ...lambdaMetric(stack, name),
        metric: 'Invocations',
        statistic: 'Sum',
        periodSeconds: period,
        evaluationPeriods: MISSED_RUNS,
        threshold: 1,
        comparison: 'LessThanThreshold',
        treatMissingData: 'breaching',
        direct: false,
      } satisfies AlarmDeclaration,
    ];
  });
}

function lagAlarm(config: OpsConfig, stack: Stack): AlarmDeclaration {
  const seconds = config.selfMonitoring.lagSeconds;
  return {
    id: 'ReconcileLagAlarm',
    name: 'reconcile-lag-p99',
    severity: 'high',
    description:
      `Reconcile's p99 event lag (now − the event's time) is over ${seconds} s (selfMonitoring.lagSeconds) ` +
      `for 3 minutes: the state table is behind ECS. Check the EcsEvents queue-age and reconcile's errors ` +
      `and throttles alarms, and read ${logGroup(stack, 'reconcile')}.`,
    ...ownMetric(stack, 'reconcile'),
    metric: METRIC.eventLag.name,
    statistic: 'p99',
    unit: METRIC.eventLag.unit,
    periodSeconds: 60,
    evaluationPeriods: 3,
    threshold: seconds * 1000,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    direct: false,
  };
}

function driftAlarm(config: OpsConfig, stack: Stack): AlarmDeclaration[] {
  const minutes = config.resync.intervalMinutes;
  const runs = config.selfMonitoring.resyncDriftRuns;
  if (minutes === 0) return [];
  return [
    {
      id: 'ResyncDriftAlarm',
      name: 'resync-drift',
      severity: 'medium',
      description:
        `Resync corrected the store in ${runs} runs in a row (selfMonitoring.resyncDriftRuns): events are ` +
        `being lost or not routed. Run \`ecs-ops resync --dry-run ${onTheStack(stack)}\` to see the drift, and check the ` +
        `dead-letter and queue-age alarms and ${logGroup(stack, 'reconcile')}.`,
      ...ownMetric(stack, 'resync'),
      metric: METRIC.resyncDrift.name,
      statistic: 'Sum',
      unit: METRIC.resyncDrift.unit,
      periodSeconds: minutes * 60,
      evaluationPeriods: runs,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      direct: false,
    },
  ];
}

/** Every alarm of the stack (none with selfMonitoring.enabled false). */
export function monitoringAlarms(config: OpsConfig, stack: Stack): AlarmDeclaration[] {
  if (!config.selfMonitoring.enabled) return [];
  return [
    ...deadLetterAlarms(stack),
    ...queueAgeAlarms(config, stack),
    ...functionFailureAlarms(stack),
    ...missedRunAlarms(config, stack),
    lagAlarm(config, stack),
    ...driftAlarm(config, stack),
  ];
}

/** `<service>-<stage>-`: every alarm's name starts so, and the AlarmStates rule matches it. */
export const alarmNamePrefix = (stack: Stack) => `${stack.service}-${stack.stage}-`;

/**
 * The alarm as an AWS::CloudWatch::Alarm. A direct one notifies the alert topic when it fires and when it
 * clears; the others have no actions: their state changes reach the `alarm` function through EventBridge.
 */
export function alarmResource(stack: Stack, alarm: AlarmDeclaration) {
  const percentile = alarm.statistic.startsWith('p');
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${alarmNamePrefix(stack)}${alarm.name}`,
      AlarmDescription: alarmDescription(alarm.severity, alarm.description),
      Namespace: alarm.namespace,
      MetricName: alarm.metric,
      Dimensions: Object.entries(alarm.dimensions).map(([Name, Value]) => ({ Name, Value })),
      ...(percentile ? { ExtendedStatistic: alarm.statistic } : { Statistic: alarm.statistic }),
      ...(alarm.unit === undefined ? {} : { Unit: alarm.unit }),
      Period: alarm.periodSeconds,
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.evaluationPeriods,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparison,
      TreatMissingData: alarm.treatMissingData,
      ActionsEnabled: true,
      ...(alarm.direct ? { AlarmActions: [ref('AlertTopic')], OKActions: [ref('AlertTopic')] } : {}),
    },
  };
}

/** The queue that carries the alarms' state changes to the `alarm` function. */
function alarmStatesQueue(stack: Stack): EventQueue {
  return {
    name: 'AlarmStates',
    delivers: 'AlarmStates',
    description: "State changes of ecs-ops' own alarms, for the alarm function to page",
    // By name prefix: short, and another stage's alarms that share it are told apart by the function.
    pattern: {
      source: [CLOUDWATCH_SOURCE],
      'detail-type': [ALARM_STATE_CHANGE],
      detail: { alarmName: [{ prefix: alarmNamePrefix(stack) }] },
    },
    consumerTimeoutSeconds: 30,
    // A page older than a day is no use.
    retentionSeconds: 86_400,
  };
}

/** The `alarm` function's role: its queue (with self-monitoring), the alert topic and the alarms' records. */
function alarmForwarding(stack: Stack, queue: EventQueue | undefined) {
  return capabilityResources(stack, {
    queues: queue === undefined ? [] : [queue],
    roles: [
      {
        function: ALARM_FORWARDER,
        ...(queue === undefined ? {} : { consumes: queue }),
        statements: [
          publishAlerts('PageAlarms'),
          // Each alarm's record: read it, then a conditional update (lib/alarms/alarm-store.ts).
          stateTable('AlarmRecords', ['dynamodb:GetItem', 'dynamodb:UpdateItem']),
        ],
      },
    ],
  });
}

/** What the alert topic is encrypted with without self-monitoring: SNS's AWS managed key. */
export const AWS_MANAGED_SNS_KEY = 'alias/aws/sns';

/**
 * The alert topic's key with self-monitoring: what `alias/aws/sns` allows (use through SNS by the account's
 * principals, so the functions publish as before with no new permission) and CloudWatch alarms' publishing,
 * which `alias/aws/sns` refuses. Who may publish to the topic at all is still its access policy's say.
 */
const ALERT_TOPIC_KEY = {
  Type: 'AWS::KMS::Key',
  Properties: {
    Description: 'ecs-ops alert topic: SNS encryption that CloudWatch alarms may publish through',
    EnableKeyRotation: true,
    KeyPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountAdministersTheKey',
          Effect: 'Allow',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
          Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'AccountPublishesThroughSns',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:CallerAccount': { Ref: 'AWS::AccountId' },
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
              'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' },
            },
          },
        },
        {
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
        },
      ],
    },
  },
};

/** Logical ids of the dashboard and the alert topic's key. */
export const DASHBOARD_ID = 'MonitoringDashboard';
export const ALERT_TOPIC_KEY_ID = 'AlertTopicKey';

/** A SUM of one ecs-ops metric over every dimension set of the stage (one line whatever else it carries). */
const summed = (stage: string, metric: string, id: string) => [
  {
    expression: `SUM(SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metric}" stage="${stage}"', 'Sum', 60))`,
    label: metric,
    id,
  },
];
/** One line per dimension set of the stage: per `reason`, per `outcome`. */
const searched = (stage: string, metric: string, id: string) => [
  {
    expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metric}" stage="${stage}"', 'Sum', 60)`,
    label: metric,
    id,
  },
];

/** The stack's region, for Fn::Sub to fill in. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub expression, not JavaScript
const REGION = '${AWS::Region}';

const widget = (
  title: string,
  position: { x: number; y: number; width?: number },
  metrics: unknown[],
  extra: Record<string, unknown> = {},
) => ({
  type: 'metric',
  x: position.x,
  y: position.y,
  width: position.width ?? 12,
  height: 6,
  properties: {
    title,
    region: REGION,
    view: 'timeSeries',
    stacked: false,
    period: 60,
    metrics,
    ...extra,
  },
});

/** The dashboard's widgets; `${AWS::Region}` and `${<Queue>.QueueName}` are Fn::Sub's to fill in. */
export function dashboardBody(config: OpsConfig, stack: Stack) {
  const { stage } = stack;
  const lag = ownMetric(stack, 'reconcile');
  const lagMetric = (stat: 'p50' | 'p99') => [
    lag.namespace,
    METRIC.eventLag.name,
    'stage',
    lag.dimensions.stage,
    'function',
    lag.dimensions.function,
    { stat, label: `${METRIC.eventLag.name} ${stat}` },
  ];
  const sqs = (metric: string, suffix: string, stat: string) =>
    EVENT_QUEUES.map((queue) => [
      'AWS/SQS',
      metric,
      'QueueName',
      `\${${queue.name}${suffix}.QueueName}`,
      { stat, label: `${queue.name}${suffix}` },
    ]);
  const lambda = FUNCTIONS.flatMap((fn) =>
    (['Errors', 'Throttles'] as const).map((metric) => [
      'AWS/Lambda',
      metric,
      'FunctionName',
      functionName(stack, fn),
      { stat: 'Sum', label: `${fn} ${metric}` },
    ]),
  );
  const line = (label: string, value: number) => ({ annotations: { horizontal: [{ label, value }] } });
  const { lagSeconds, queueAgeSeconds } = config.selfMonitoring;
  const events = [
    METRIC.eventsReceived,
    METRIC.eventsAccepted,
    METRIC.eventsDuplicate,
    METRIC.eventsStale,
    METRIC.eventsInvalid,
    METRIC.eventsFailed,
  ];
  const pages = [
    METRIC.pagesSent,
    METRIC.pagesGrouped,
    METRIC.pagesMuted,
    METRIC.summariesSent,
    METRIC.pagesResolved,
    METRIC.alarmPagesSent,
    METRIC.alarmPagesResolved,
  ];
  return {
    widgets: [
      widget(
        'Throughput: reconciled events',
        { x: 0, y: 0 },
        events.map((metric, index) => summed(stage, metric.name, `events${index}`)),
      ),
      widget('Lag: now − event time (reconcile)', { x: 12, y: 0 }, [lagMetric('p50'), lagMetric('p99')], {
        ...line('selfMonitoring.lagSeconds', lagSeconds * 1000),
        yAxis: { left: { label: 'ms', showUnits: false } },
      }),
      widget(
        'Dead-letter queue depths',
        { x: 0, y: 6 },
        sqs('ApproximateNumberOfMessagesVisible', 'DeadLetterQueue', 'Maximum'),
      ),
      widget(
        'Event queue age of the oldest message',
        { x: 12, y: 6 },
        sqs('ApproximateAgeOfOldestMessage', 'Queue', 'Maximum'),
        line('selfMonitoring.queueAgeSeconds', queueAgeSeconds),
      ),
      widget(
        'Pages',
        { x: 0, y: 12 },
        pages.map((metric, index) => summed(stage, metric.name, `pages${index}`)),
      ),
      widget('Drains', { x: 12, y: 12 }, [
        summed(stage, METRIC.drainsStarted.name, 'drainsStarted'),
        searched(stage, METRIC.drainsReleased.name, 'drainsReleased'),
      ]),
      widget('Scaling decisions (by outcome)', { x: 0, y: 18 }, [
        searched(stage, METRIC.scalingDecisions.name, 'scalingDecisions'),
      ]),
      widget('Resync drift', { x: 12, y: 18 }, [summed(stage, METRIC.resyncDrift.name, 'resyncDrift')]),
      widget('Lambda errors and throttles', { x: 0, y: 24, width: 24 }, lambda),
    ],
  };
}

/** `https://<region>.<console>/cloudwatch/home?…#dashboards:name=…` in the stack's partition's console. */
function dashboardUrl() {
  const url = (partition: string) => ({
    'Fn::Sub': `${consoleOrigin({ partition, region: REGION })}/cloudwatch/home?region=${REGION}#dashboards:name=\${${DASHBOARD_ID}}`,
  });
  return {
    'Fn::If': [
      'EcsOpsInChina',
      url('aws-cn'),
      { 'Fn::If': ['EcsOpsInGovCloud', url('aws-us-gov'), url('aws')] },
    ],
  };
}

/**
 * What serverless.yml takes: `resources` (the alarms, the dashboard, the alert topic's key, the `alarm`
 * function's role and queue; the dashboard's name and URL as outputs), `topicKey`, the alert topic's
 * KmsMasterKeyId, and the `alarm` function's `events`, `deadLetterQueueUrl` and `forwardedAlarms` (which alarms it pages). Without
 * self-monitoring the function stays, with its role and no events: it has nothing to page.
 */
export function monitoringSettings(config: OpsConfig, stack: Stack) {
  const alarms = monitoringAlarms(config, stack);
  const forwardedAlarms = JSON.stringify({
    prefix: alarmNamePrefix(stack),
    names: alarms.filter((alarm) => !alarm.direct).map((alarm) => alarm.name),
  });
  if (!config.selfMonitoring.enabled) {
    return {
      topicKey: AWS_MANAGED_SNS_KEY as unknown,
      forwardedAlarms,
      deadLetterQueueUrl: '' as unknown,
      alarmEvents: [] as unknown[],
      resources: alarmForwarding(stack, undefined),
    };
  }
  const queue = alarmStatesQueue(stack);
  const forwarding = alarmForwarding(stack, queue);
  return {
    topicKey: ref(ALERT_TOPIC_KEY_ID) as unknown,
    forwardedAlarms,
    deadLetterQueueUrl: ref(`${queue.name}DeadLetterQueue`) as unknown,
    alarmEvents: [
      {
        sqs: {
          arn: getAtt(`${queue.name}Queue`),
          batchSize: 10,
          maximumBatchingWindow: 1,
          functionResponseType: 'ReportBatchItemFailures',
        },
      },
    ] as unknown[],
    resources: {
      Conditions: {
        EcsOpsInChina: { 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-cn'] },
        EcsOpsInGovCloud: { 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-us-gov'] },
      },
      Resources: {
        ...forwarding.Resources,
        ...Object.fromEntries(alarms.map((alarm) => [alarm.id, alarmResource(stack, alarm)])),
        [ALERT_TOPIC_KEY_ID]: ALERT_TOPIC_KEY,
        [DASHBOARD_ID]: {
          Type: 'AWS::CloudWatch::Dashboard',
          Properties: {
            DashboardName: `${stack.service}-${stack.stage}`,
            DashboardBody: { 'Fn::Sub': JSON.stringify(dashboardBody(config, stack)) },
          },
        },
      },
      Outputs: {
        ...forwarding.Outputs,
        DashboardName: { Value: ref(DASHBOARD_ID) },
        DashboardUrl: { Value: dashboardUrl() },
      },
    },
  };
}

/**
 * The `alerts` section of ops.config.yml: where pages go, what pages, what is muted and how crash loops are
 * grouped. Defaults page on every essential-container exit of every watched cluster except the stops ECS or a
 * person caused on purpose (deployments, scale-in, StopTask, draining instances).
 */
import * as z from 'zod/mini';
import { WholeNumber } from '../platform/config/fields.js';
import { SEVERITIES, type Severity } from '../platform/notification/severity.js';

export { SEVERITIES, type Severity };

export const EXIT_CLASSES = [
  'oom',
  'signal',
  'segfault',
  'image-pull',
  'failed-to-start',
  'app-error',
  'clean-exit',
] as const;
export type ExitClass = (typeof EXIT_CLASSES)[number];

const SeverityName = z.enum(SEVERITIES, `expected one of ${SEVERITIES.join(', ')}`);
const ExitClassName = z.enum(EXIT_CLASSES, `expected one of ${EXIT_CLASSES.join(', ')}`);

const IsoTime = z
  .string('expected an ISO 8601 time')
  .check(
    z.refine(
      (value) => !Number.isNaN(Date.parse(value)),
      'expected an ISO 8601 time such as 2024-05-01T02:00:00Z',
    ),
  );
const ClockTime = z
  .string('expected HH:MM')
  .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM, 24-hour'));

const RunbookUrl = z
  .string('expected a runbook URL')
  .check(
    z.regex(/^https?:\/\/\S+$/, 'expected an http(s) URL such as https://wiki.example.com/runbooks/web'),
  );

/** A mute rule: every field given must match; a rule with no time limits mutes for good. */
const MuteRule = z.strictObject({
  cluster: z.optional(z.string('expected a cluster name')),
  /** `service:web` or `family:report`, as ECS names a task's group. */
  group: z.optional(z.string('expected a group such as service:web')),
  family: z.optional(z.string('expected a task definition family')),
  class: z.optional(ExitClassName),
  from: z.optional(IsoTime),
  until: z.optional(IsoTime),
  /** A window that repeats every day, e.g. a nightly maintenance. */
  daily: z.optional(
    z.strictObject({ start: ClockTime, end: ClockTime, timeZone: z._default(z.string(), 'UTC') }),
  ),
  /** Said in the journal when the rule mutes an alert. */
  reason: z.string('expected why this is muted (it is written in the journal)').check(z.minLength(1)),
});
export type MuteRule = z.infer<typeof MuteRule>;

const DEFAULT_SEVERITY: Record<ExitClass, Severity> = {
  oom: 'critical',
  segfault: 'critical',
  signal: 'high',
  'image-pull': 'high',
  'failed-to-start': 'high',
  'app-error': 'high',
  'clean-exit': 'low',
};

export const AlertsConfig = z
  .strictObject({
    /** The SNS topic's name; its ARN is the stack's output `AlertTopicArn`. */
    topicName: z._default(
      z
        .string()
        .check(z.regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected letters, digits, - and _ (an SNS topic name)')),
      'ecs-ops-alerts',
    ),
    /** Email addresses subscribed to the topic (each confirms once, as SNS requires). */
    email: z._default(z.array(z.email('expected an email address')), []),
    /** Clusters that page; default: every cluster ecs-ops watches. */
    clusters: z.optional(z.array(z.string('expected a cluster name')).check(z.minLength(1))),
    /** Groups that page (`service:web`, `family:report`); default: all. */
    groups: z.optional(z.array(z.string('expected a group such as service:web')).check(z.minLength(1))),
    /** Page also for stops that are normally intended. */
    pageOn: z._default(
      z.strictObject({
        deployments: z._default(z.boolean('expected true or false'), false),
        userStops: z._default(z.boolean('expected true or false'), false),
        drainingInstances: z._default(z.boolean('expected true or false'), false),
        /** A standalone task (a job) whose essential container exits 0 has finished, not failed. */
        finishedTasks: z._default(z.boolean('expected true or false'), false),
      }),
      { deployments: false, userStops: false, drainingInstances: false, finishedTasks: false },
    ),
    severity: z._default(z.partialRecord(ExitClassName, SeverityName), {}),
    /** Lowest severity that pages; quieter incidents are journaled as muted. */
    minSeverity: z._default(SeverityName, 'low'),
    crashLoop: z._default(
      z.strictObject({
        /** Exits of one group within this window after a page are counted, then summarised once. */
        windowMinutes: z._default(WholeNumber(1, 1440, 'minutes'), 10),
      }),
      { windowMinutes: 10 },
    ),
    mute: z._default(z.array(MuteRule), []),
    /**
     * Runbook URLs shown in the page: by group (`service:web`), by task definition family, by exit class, else
     * `default`; the most specific that matches wins.
     */
    runbooks: z._default(
      z.strictObject({
        groups: z._default(z.record(z.string(), RunbookUrl), {}),
        families: z._default(z.record(z.string(), RunbookUrl), {}),
        classes: z._default(z.partialRecord(ExitClassName, RunbookUrl), {}),
        default: z.optional(RunbookUrl),
      }),
      { groups: {}, families: {}, classes: {} },
    ),
    /**
     * When a paged incident is over, one "resolved" message says so: a service back to its desired count with no
     * essential exit for `quietMinutes`, or a crash-loop window that closes with no further exits.
     */
    recovery: z._default(
      z.strictObject({
        quietMinutes: z._default(WholeNumber(1, 1440, 'minutes'), 5),
      }),
      { quietMinutes: 5 },
    ),
    /**
     * What HTTPS subscribers of the topic receive (SNS sends one body per protocol): `json` (the page's facts,
     * as SQS and Lambda subscribers get them), `pagerduty` (a PagerDuty Events v2 event: trigger, then resolve,
     * deduplicated by incident) or `chatbot` (an AWS Chatbot custom notification, for Slack and Teams).
     */
    https: z._default(
      z.enum(['json', 'pagerduty', 'chatbot'], 'expected json, pagerduty or chatbot'),
      'json',
    ),
    /** The PagerDuty Events v2 routing key (an integration key) put in `pagerduty` events, when set. */
    pagerDuty: z.optional(
      z.strictObject({
        routingKey: z
          .string('expected a PagerDuty integration key')
          .check(
            z.regex(/^[A-Za-z0-9]{32}$/, 'expected the 32-character integration key of a PagerDuty service'),
          ),
      }),
    ),
  })
  .check(
    // PagerDuty refuses an event without its routing key: say so at deploy, not at the first page.
    z.superRefine((alerts, context) => {
      if (alerts.https === 'pagerduty' && alerts.pagerDuty === undefined) {
        context.issues.push({
          code: 'custom',
          path: ['pagerDuty', 'routingKey'],
          input: alerts.pagerDuty,
          message:
            'https: pagerduty sends PagerDuty Events v2 events, which need the integration key: set pagerDuty.routingKey, or choose https: json and forward with a Lambda',
        });
      }
    }),
  );
export type AlertsConfig = z.infer<typeof AlertsConfig>;

export const severityOf = (config: AlertsConfig, exitClass: ExitClass): Severity =>
  config.severity[exitClass] ?? DEFAULT_SEVERITY[exitClass];

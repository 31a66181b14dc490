/**
 * A page in the forms pager and chat services read from an HTTPS subscription of the topic, so they need no
 * forwarder of their own. Pure.
 *
 * - PagerDuty Events API v2: a `trigger` opens an alert under its `dedup_key` and a `resolve` with the same key
 *   closes it; a trigger under a key still open joins that alert, so a page delivered again never pages twice.
 * - AWS Chatbot (Amazon Q Developer in chat applications) custom notifications: Slack or Teams shows them as
 *   cards; `threadId` threads a trigger and its resolve.
 */
import { createHash } from 'node:crypto';
import { type AlertMessage, messageDocument, subjectSummary } from './message.js';
import { PAGER_LEVELS } from './severity.js';

/** Events v2 refuses a longer `dedup_key`. */
export const DEDUP_KEY_MAX = 255;
/** The client named in PagerDuty's alert. */
const CLIENT = 'ecs-ops';
/** An ARN, not an incident key (`<task ARN>#<stoppedAt>`). */
const ARN = /^arn:aws[\w-]*:[\w-]+:[\w-]*:\d*:[^\s#]+$/;
/** Lines of the body a chat card shows: enough for the headline and its first facts. */
const DESCRIPTION_LINES = 8;

export interface PagerDutyLink {
  href: string;
  text: string;
}

export interface PagerDutyPayload {
  /** At most 1024 characters: a page's subject has at most 99. */
  summary: string;
  source: string;
  severity: (typeof PAGER_LEVELS)[keyof typeof PAGER_LEVELS]['pagerDuty'];
  component?: string;
  group?: string;
  class?: string;
  custom_details: Record<string, unknown>;
}

interface PagerDutyKey {
  /** The integration key of the PagerDuty service; without it PagerDuty refuses the event. */
  routing_key?: string;
  dedup_key: string;
}

export type PagerDutyEvent =
  | (PagerDutyKey & {
      event_action: 'trigger';
      client: string;
      payload: PagerDutyPayload;
      links?: PagerDutyLink[];
    })
  /** A resolve names the alert and nothing else: PagerDuty ignores any payload on it. */
  | (PagerDutyKey & { event_action: 'resolve' });

export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources?: string[];
    additionalContext: Record<string, string>;
  };
}

/**
 * The key a pager deduplicates on: the message's own, or when longer than DEDUP_KEY_MAX its start and a SHA-256
 * of the whole, so the same key always shortens alike and two keys sharing a long start never collide.
 */
export function pagerDedupKey(key: string): string {
  if (key.length <= DEDUP_KEY_MAX) return key;
  const digest = createHash('sha256').update(key).digest('hex');
  return `${key.slice(0, DEDUP_KEY_MAX - digest.length - 1)}#${digest}`;
}

/** The PagerDuty Events v2 event of a message: a trigger with its facts, or a bare resolve. */
export function pagerDutyEvent(message: AlertMessage, routingKey?: string): PagerDutyEvent {
  const key = {
    ...(routingKey === undefined ? {} : { routing_key: routingKey }),
    dedup_key: pagerDedupKey(message.dedupKey),
  };
  if (message.action === 'resolve') return { ...key, event_action: 'resolve' };
  const { attributes } = message;
  // What failed: the service, family or job, or the instance a drain let go.
  const component =
    attributes.service ?? attributes.family ?? attributes.job ?? text(message.json.ec2InstanceId);
  const links = linksOf(message.json).map(({ label, href }) => ({ href, text: label }));
  return {
    ...key,
    event_action: 'trigger',
    client: CLIENT,
    payload: {
      summary: subjectSummary(message.subject),
      source: attributes.cluster || CLIENT,
      severity: PAGER_LEVELS[message.severity].pagerDuty,
      ...(component === undefined ? {} : { component }),
      ...(attributes.group === undefined ? {} : { group: attributes.group }),
      ...(attributes.class === undefined ? {} : { class: attributes.class }),
      custom_details: messageDocument(message),
    },
    ...(links.length === 0 ? {} : { links }),
  };
}

/** The AWS Chatbot custom notification of a message: a short card, threaded by the message's key. */
export function chatbotNotification(message: AlertMessage): ChatbotNotification {
  const summary = subjectSummary(message.subject);
  const nextSteps = [
    ...linksOf(message.json).map(({ label, href }) => `${label}: ${href}`),
    ...strings(message.json.commands).map((command) => `Run \`${command}\``),
  ];
  const { severity, cluster, class: exitClass } = message.attributes;
  const keywords = [severity, cluster, exitClass].filter((keyword): keyword is string => Boolean(keyword));
  // The ARNs the document names, alone or listed (a task, its definition, a job run's tasks).
  const relatedResources = strings(Object.values(message.json).flat()).filter((value) => ARN.test(value));
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: summary,
      description: description(message.text),
      ...(nextSteps.length === 0 ? {} : { nextSteps }),
      ...(keywords.length === 0 ? {} : { keywords }),
    },
    metadata: {
      threadId: pagerDedupKey(message.dedupKey),
      summary,
      eventType: text(message.json.kind) ?? CLIENT,
      ...(relatedResources.length === 0 ? {} : { relatedResources }),
      additionalContext: message.attributes,
    },
  };
}

/** The body's first two paragraphs (the headline and its first facts), cut to a card's few lines. */
function description(body: string): string {
  const lines = body
    .split(/\n\s*\n/)
    .slice(0, 2)
    .join('\n\n')
    .split('\n');
  return lines.length <= DESCRIPTION_LINES
    ? lines.join('\n')
    : [...lines.slice(0, DESCRIPTION_LINES), '…'].join('\n');
}

/** The document's `links` (`{ task: url, runbook: url }`) as labelled URLs: `Task`, `Runbook`. */
function linksOf(json: Record<string, unknown>): { label: string; href: string }[] {
  const links = json.links;
  if (typeof links !== 'object' || links === null) return [];
  return Object.entries(links).flatMap(([name, href]) =>
    typeof href === 'string' ? [{ label: `${name.charAt(0).toUpperCase()}${name.slice(1)}`, href }] : [],
  );
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

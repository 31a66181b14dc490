/**
 * The form every ecs-ops page takes — alerts, job failures, drains cut short — so a subscriber reads them alike
 * and filters them on the same attributes. Pure.
 *
 * - subject: `[ecs-ops] CRITICAL: …` (the severity, or what the message is, in capitals), one line of printable
 *   ASCII, at most SUBJECT_MAX characters (SNS: "less than 100 characters, no line breaks or control
 *   characters"); long names are shortened, the template's words kept;
 * - text: a plain-text body for phones; long reasons cut with truncateText;
 * - json: the same facts for machines (messageDocument adds what a pager forwarder needs);
 * - attributes: SNS message attributes (string values) for subscription filter policies.
 *
 * A page about a stop that resync found (its ECS event never arrived) is late, and says so first: its subject
 * carries LATE_MARK and its body opens with foundLateLines.
 */
import type { Severity } from './severity.js';

/** A rendered page, for SNS: subject ≤ 99 characters, a phone-readable body, JSON for machines. */
export interface AlertMessage {
  subject: string;
  text: string;
  json: Record<string, unknown>;
  attributes: Record<string, string>;
  severity: Severity;
  /**
   * What a pager service deduplicates on (an incident, a job run, a drain) and whether this message opens it
   * (`trigger`) or says it is over (`resolve`).
   */
  dedupKey: string;
  action: 'trigger' | 'resolve';
}

/**
 * The JSON document machines receive (SQS, Lambda, HTTPS as `json`): the message's facts with its severity, and
 * the key and action a forwarder to a pager deduplicates and resolves by.
 */
export const messageDocument = (message: AlertMessage): Record<string, unknown> => ({
  ...message.json,
  severity: message.severity,
  dedupKey: message.dedupKey,
  action: message.action,
});

/** SNS wants subjects "less than 100 characters". */
export const SUBJECT_MAX = 99;
/** Reasons (a container's, ECS's, a job's) longer than this are cut in the body. */
export const REASON_MAX = 500;

const SUBJECT_PREFIX = '[ecs-ops] ';
/** Shortest a variable part is cut to before the subject itself is cut. */
const MIN_PART = 8;

/** One printable ASCII line: whitespace collapsed, anything else replaced by `?`. */
function subjectSafe(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

function shorten(text: string, length: number): string {
  if (text.length <= length) return text;
  return length <= 3 ? text.slice(0, length) : `${text.slice(0, length - 3)}...`;
}

/**
 * `[ecs-ops] `, the heading (`CRITICAL`, `RESOLVED`) and `template` with its `{0}`, `{1}`… filled from `values`,
 * the longest values shortened alike (never below MIN_PART) until the subject fits SUBJECT_MAX; the template's
 * own words are cut only if nothing else is left to cut.
 */
export function pageSubject(heading: string, template: string, values: readonly string[]): string {
  const placeholder = /\{(\d+)\}/g;
  const full = `${SUBJECT_PREFIX}${heading}: ${template}`;
  const used = new Set([...full.matchAll(placeholder)].map((match) => Number(match[1])));
  const parts = values.map((value) => subjectSafe(value) || '?');
  const budget = SUBJECT_MAX - full.replace(placeholder, '').length;
  const lengths = parts.filter((_, index) => used.has(index)).map((part) => part.length);
  // The largest cap that fits every used part within the budget: long parts are cut to it, short ones stay.
  const fits = (cap: number) => lengths.reduce((sum, length) => sum + Math.min(length, cap), 0) <= budget;
  let cap = Math.max(MIN_PART, ...lengths);
  while (cap > MIN_PART && !fits(cap)) cap -= 1;
  const fill = full.replace(placeholder, (_, index: string) => shorten(parts[Number(index)] ?? '', cap));
  return shorten(subjectSafe(fill), SUBJECT_MAX);
}

/** The subject without `[ecs-ops] `: what a pager or chat shows as the alert's title, under its own name. */
export const subjectSummary = (subject: string): string =>
  subject.startsWith(SUBJECT_PREFIX) ? subject.slice(SUBJECT_PREFIX.length) : subject;

/** The heading of a page of `severity`: `CRITICAL`. */
export const severityHeading = (severity: Severity): string => severity.toUpperCase();

/** After the heading, the subject of a page that is late: resync found its stop, the ECS event never came. */
export const LATE_MARK = '[late] ';

/** `3 612 000` ms → `1h 0m 12s`; `252 000` → `4m 12s`; `42 000` → `42s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${hours}h ${minutes}m`;
  if (hours > 0) return `${hours}h ${minutes}m ${seconds}s`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/**
 * The first lines of a late page, one sentence on lines short enough for a phone: resync noticed the stop at
 * `noticedAt` (reading the ECS API) because its ECS event never arrived, and how long after the stop
 * (`stoppedAt`) that was. A stop time after the noticing (clocks disagree) counts as none between them.
 */
export function foundLateLines(noticedAt: string, stoppedAt: string | undefined): string[] {
  const noticed = Date.parse(noticedAt);
  const stopped = stoppedAt === undefined ? Number.NaN : Date.parse(stoppedAt);
  const gap = noticed - stopped;
  return [
    `Found by resync at ${Number.isNaN(noticed) ? noticedAt : new Date(noticed).toISOString()}:`,
    'the ECS event for this stop never arrived, so this page is late',
    Number.isNaN(gap)
      ? '(when it stopped is unknown).'
      : `(stopped ${formatDuration(Math.max(0, gap))} before it was noticed).`,
  ];
}

/** Cuts `text` to `max` characters, saying how much was left out. */
export function truncateText(text: string, max = REASON_MAX): string {
  if (text.length <= max) return text;
  const omitted = `… (${text.length - max} more characters)`;
  return `${text.slice(0, max).trimEnd()}${omitted}`;
}

/** What subscribers filter on: every page names its class, and what it knows of the rest. */
export interface MessageAttributes {
  kind?: string;
  cluster?: string;
  group?: string;
  service?: string;
  family?: string;
  job?: string;
  severity: Severity;
  class: string;
}

/** The attributes as SNS string attributes: absent and empty values left out (SNS rejects empty ones). */
export function messageAttributes(values: MessageAttributes): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') result[key] = value;
  return result;
}

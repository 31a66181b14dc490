/**
 * The pages of jobs, in the form every page takes (lib/platform/notification/message.ts): a run that could not
 * be launched, and a run that failed or timed out. Pure. A run completed from a stop resync found (its STOPPED
 * event never arrived) is paged late, and its page says so: `[late]` in the subject, and first in the body when
 * it was found and how long after the stop.
 */
import {
  type AlertMessage,
  foundLateLines,
  LATE_MARK,
  messageAttributes,
  pageSubject,
  severityHeading,
  truncateText,
} from '../platform/notification/message.js';
import type { RunOutcome } from './outcome.js';
import { journalTime } from './slot.js';

export interface LaunchFailureAlert {
  job: string;
  cluster: string;
  slot: string;
  taskDefinition: string;
  attempts: number;
  reason: string;
  /** Some tasks were placed and kept; the reason says how many of how many. */
  partial?: boolean;
}

/** A run is lost, no service is down. */
const JOB_SEVERITY = 'high';

/**
 * A job's page: its headline, its facts, where to look next (in the body and, for a chat card, the JSON);
 * filterable by kind, cluster, severity, class and job; a pager deduplicates it by the run. A late page opens
 * with the lines that say so.
 */
function jobPage(
  job: { job: string; cluster: string; slot: string },
  page: {
    subject: string;
    late?: string[];
    headline: string;
    facts: string[];
    json: { kind: string } & Record<string, unknown>;
    class: string;
  },
): AlertMessage {
  const late = page.late === undefined ? [] : [...page.late, ''];
  const history = `ecs-ops jobs history ${job.job}`;
  return {
    subject: page.subject,
    text: [...late, page.headline, '', ...page.facts, '', `See: ${history}`].join('\n'),
    json: { ...page.json, severity: JOB_SEVERITY, commands: [history] },
    attributes: messageAttributes({
      kind: page.json.kind,
      cluster: job.cluster,
      severity: JOB_SEVERITY,
      class: page.class,
      job: job.job,
    }),
    severity: JOB_SEVERITY,
    dedupKey: `job#${job.job}#${job.slot}`,
    action: 'trigger',
  };
}

export function renderLaunchFailure(failure: LaunchFailureAlert): AlertMessage {
  return jobPage(failure, {
    subject: pageSubject(severityHeading(JOB_SEVERITY), `job {0} failed to launch in {1}`, [
      failure.job,
      failure.cluster,
    ]),
    headline: `Job ${failure.job} could not be launched ${failure.partial ? 'in full ' : ''}for the slot of ${journalTime(failure.slot)}.`,
    facts: [
      `Cluster: ${failure.cluster}`,
      `Task definition: ${failure.taskDefinition}`,
      `Attempts: ${failure.attempts}`,
      `Reason: ${truncateText(failure.reason)}`,
    ],
    json: { kind: 'job-launch-failed', ...failure },
    class: 'job-launch',
  });
}

export interface RunFailureAlert {
  job: string;
  cluster: string;
  slot: string;
  tasks: string[];
  outcome: RunOutcome;
  /** Resync found the stop that completed the run (its STOPPED event never arrived): the page is late. */
  foundByResync?: { at: string; stoppedAt?: string };
}

/** "task abc: EssentialContainerExited: … (report exited 1)" → "report exited 1". */
export function shortReason(outcome: RunOutcome): string {
  if (outcome.result === 'timed-out') return 'timed out';
  const exits = /\(([^()]*)\)$/.exec(outcome.reason)?.[1];
  return exits ?? outcome.reason;
}

export function renderRunFailure(failure: RunFailureAlert): AlertMessage {
  const { outcome, foundByResync } = failure;
  const late = foundByResync === undefined ? '' : LATE_MARK;
  const subject = pageSubject(severityHeading(JOB_SEVERITY), `${late}job {0} failed: {2} in {1}`, [
    failure.job,
    failure.cluster,
    shortReason(outcome),
  ]);
  const exits = Object.entries(outcome.exitCodes).map(
    ([container, code]) => `${container}=${code === null ? 'none' : code}`,
  );
  return jobPage(failure, {
    subject,
    ...(foundByResync === undefined
      ? {}
      : { late: foundLateLines(foundByResync.at, foundByResync.stoppedAt) }),
    headline: `Job ${failure.job}'s run of ${journalTime(failure.slot)} ${outcome.result === 'timed-out' ? 'timed out' : 'failed'}.`,
    facts: [
      `Cluster: ${failure.cluster}`,
      `Reason: ${truncateText(outcome.reason)}`,
      `Exit codes: ${exits.length === 0 ? 'none' : exits.join(', ')}`,
      `Duration: ${outcome.durationSeconds} s`,
      `Tasks: ${failure.tasks.join(', ')}`,
    ],
    json: {
      kind: 'job-run-failed',
      job: failure.job,
      cluster: failure.cluster,
      slot: failure.slot,
      tasks: failure.tasks,
      ...outcome,
      ...(foundByResync === undefined ? {} : { foundBy: 'resync', foundByResyncAt: foundByResync.at }),
    },
    class: outcome.result === 'timed-out' ? 'job-timeout' : 'job-failure',
  });
}

/**
 * The pages of jobs, in the form every page takes (lib/platform/notification/message.ts): a run that could not
 * be launched, and a run that failed or timed out. Pure.
 */
import {
  type AlertMessage,
  messageAttributes,
  pageSubject,
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

export function renderLaunchFailure(failure: LaunchFailureAlert): AlertMessage {
  const subject = pageSubject(`job {0} failed to launch in {1}`, [failure.job, failure.cluster]);
  const text = [
    `Job ${failure.job} could not be launched ${failure.partial ? 'in full ' : ''}for the slot of ${journalTime(failure.slot)}.`,
    '',
    `Cluster: ${failure.cluster}`,
    `Task definition: ${failure.taskDefinition}`,
    `Attempts: ${failure.attempts}`,
    `Reason: ${truncateText(failure.reason)}`,
    '',
    `See: ecs-ops jobs history ${failure.job}`,
  ].join('\n');
  return {
    subject,
    text,
    json: { kind: 'job-launch-failed', ...failure },
    attributes: messageAttributes({
      cluster: failure.cluster,
      severity: 'critical',
      class: 'job-launch',
      job: failure.job,
    }),
  };
}

export interface RunFailureAlert {
  job: string;
  cluster: string;
  slot: string;
  tasks: string[];
  outcome: RunOutcome;
}

/** "task abc: EssentialContainerExited: … (report exited 1)" → "report exited 1". */
export function shortReason(outcome: RunOutcome): string {
  if (outcome.result === 'timed-out') return 'timed out';
  const exits = /\(([^()]*)\)$/.exec(outcome.reason)?.[1];
  return exits ?? outcome.reason;
}

export function renderRunFailure(failure: RunFailureAlert): AlertMessage {
  const { outcome } = failure;
  const subject = pageSubject(`job {0} failed: {2} in {1}`, [
    failure.job,
    failure.cluster,
    shortReason(outcome),
  ]);
  const exits = Object.entries(outcome.exitCodes).map(
    ([container, code]) => `${container}=${code === null ? 'none' : code}`,
  );
  const text = [
    `Job ${failure.job}'s run of ${journalTime(failure.slot)} ${outcome.result === 'timed-out' ? 'timed out' : 'failed'}.`,
    '',
    `Cluster: ${failure.cluster}`,
    `Reason: ${truncateText(outcome.reason)}`,
    `Exit codes: ${exits.length === 0 ? 'none' : exits.join(', ')}`,
    `Duration: ${outcome.durationSeconds} s`,
    `Tasks: ${failure.tasks.join(', ')}`,
    '',
    `See: ecs-ops jobs history ${failure.job}`,
  ].join('\n');
  return {
    subject,
    text,
    json: {
      kind: 'job-run-failed',
      job: failure.job,
      cluster: failure.cluster,
      slot: failure.slot,
      tasks: failure.tasks,
      ...outcome,
    },
    attributes: messageAttributes({
      cluster: failure.cluster,
      severity: 'critical',
      class: outcome.result === 'timed-out' ? 'job-timeout' : 'job-failure',
      job: failure.job,
    }),
  };
}

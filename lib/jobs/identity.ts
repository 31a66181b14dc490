/**
 * How a job's tasks are recognised and how a launch is kept to one per slot. Pure.
 *
 * - `startedBy` (RunTask: up to 128 letters, digits, -, / and _) marks every task of a job, so ListTasks
 *   (`startedBy` filter) finds a job's runs and the journal can attribute a task event to its job.
 * - `clientToken` (RunTask: up to 64 ASCII characters 33–126, remembered by ECS for 24 hours per cluster) is
 *   derived from the job and the scheduled slot, so a schedule delivered twice launches once. A retry of the
 *   same slot is a new launch and gets its own token (attempt number); a manual run's token comes from its
 *   request id.
 */
import { createHash } from 'node:crypto';
import { JOB_NAME } from './config.js';

export const STARTED_BY_PREFIX = 'ecs-ops-job/';
/** RunTask's limits. */
export const MAX_STARTED_BY = 128;
export const MAX_CLIENT_TOKEN = 64;

function checkJobName(job: string): string {
  if (!JOB_NAME.test(job)) {
    throw new Error(`${JSON.stringify(job)} is not a job name: expected 1 to 64 letters, digits, - and _`);
  }
  return job;
}

/** The RunTask `startedBy` of a job's tasks: `ecs-ops-job/<name>` (at most 76 characters). */
export function startedByOf(job: string): string {
  return `${STARTED_BY_PREFIX}${checkJobName(job)}`;
}

/** The job a task belongs to, from its `startedBy`; undefined for tasks ecs-ops did not launch as a job. */
export function jobOfStartedBy(startedBy: string | undefined): string | undefined {
  if (startedBy === undefined || !startedBy.startsWith(STARTED_BY_PREFIX)) return undefined;
  const job = startedBy.slice(STARTED_BY_PREFIX.length);
  return JOB_NAME.test(job) ? job : undefined;
}

const digest = (...parts: string[]) =>
  createHash('sha256')
    .update(parts.map((part) => `${part.length}:${part}`).join('|'))
    .digest('base64url');

/** `2024-05-02T02:30:00.000Z` → `20240502T0230Z` (the slot is a whole minute). */
function compactMinute(slot: Date): string {
  const time = slot.getTime();
  if (Number.isNaN(time)) throw new Error('slot: not a valid time');
  return `${new Date(time).toISOString().slice(0, 16).replace(/[-:]/g, '')}Z`;
}

/**
 * The RunTask client token of a scheduled launch: `s<slot minute>-<attempt>-<hash of job, slot, attempt>`,
 * at most 64 printable ASCII characters. Equal for equal inputs (so a doubled delivery is one launch),
 * different for another job, slot or attempt. The slot is taken to the minute, as the slot itself is.
 */
export function clientTokenOf(job: string, slot: Date, attempt = 1): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 99) {
    throw new Error(`attempt: expected a whole number from 1 to 99, got ${attempt}`);
  }
  const minute = compactMinute(slot);
  return `s${minute}-${attempt}-${digest('slot', checkJobName(job), minute, String(attempt)).slice(0, 40)}`;
}

/** The RunTask client token of a manual run (`ecs-ops jobs run`), from the job and the request's id. */
export function manualClientTokenOf(job: string, requestId: string): string {
  if (requestId.length === 0) throw new Error('requestId: expected a request id');
  return `m-${digest('manual', checkJobName(job), requestId).slice(0, 43)}`;
}

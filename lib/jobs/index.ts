/** Scheduled jobs: the pure decisions behind each launch (no I/O, time as a parameter). */
export { type ConcurrencyDecision, decideConcurrency, type RunningTask, taskIdOf } from './concurrency.js';
export {
  clientTokenOf,
  jobOfStartedBy,
  MAX_CLIENT_TOKEN,
  MAX_STARTED_BY,
  manualClientTokenOf,
  STARTED_BY_PREFIX,
  startedByOf,
} from './identity.js';
export {
  type RunOutcome,
  type RunResult,
  runOutcome,
  type StoppedContainer,
  type StoppedTask,
  TIMEOUT_STOP_PREFIX,
  timeoutStopReason,
} from './outcome.js';
export {
  backoffMs,
  decideRetry,
  failureSummary,
  type LaunchFailure,
  type RetryDecision,
  type RetryInput,
} from './retry.js';
export { JOB_TAG, type RunRequestOptions, runRequest, SLOT_TAG } from './run-request.js';
export { deadlineOf, isPastDeadline, journalTime, type LaunchInput, slotOf } from './slot.js';

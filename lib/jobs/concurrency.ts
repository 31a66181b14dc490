/**
 * What to do when a slot comes round and earlier runs of the job are still going — Kubernetes CronJob's
 * concurrency policies. Pure: the caller lists the job's tasks (ListTasks by `startedBy`, then DescribeTasks).
 *
 * - Allow: launch regardless.
 * - Forbid: skip this slot while any earlier task is not STOPPED.
 * - Replace: stop the earlier tasks, then launch. Tasks already on their way down (desired STOPPED: STOPPING,
 *   DEPROVISIONING) are not stopped again.
 */
import type { ConcurrencyPolicy } from './config.js';
import { journalTime } from './slot.js';

export interface RunningTask {
  taskArn: string;
  startedAt?: Date | string;
  lastStatus: string;
}

export type ConcurrencyDecision =
  | { action: 'launch' }
  | { action: 'skip'; reason: string }
  | { action: 'replace'; stop: string[]; reason: string };

const ON_THE_WAY_DOWN = new Set(['STOPPING', 'DEPROVISIONING']);

/** The task id, the last part of its ARN. */
import { resourceId } from '../platform/arn.js';

const describe = (task: RunningTask): string =>
  task.startedAt === undefined
    ? `task ${resourceId(task.taskArn)}, not started yet`
    : `task ${resourceId(task.taskArn)}, started ${journalTime(task.startedAt)}`;

const describeAll = (tasks: RunningTask[]): string =>
  tasks.length === 1 && tasks[0]
    ? `previous run still ${tasks[0].lastStatus} (${describe(tasks[0])})`
    : `${tasks.length} earlier tasks still running (${tasks.map((t) => `${describe(t)}: ${t.lastStatus}`).join('; ')})`;

export function decideConcurrency(policy: ConcurrencyPolicy, running: RunningTask[]): ConcurrencyDecision {
  const active = running.filter((task) => task.lastStatus !== 'STOPPED');
  if (policy === 'Allow' || active.length === 0) return { action: 'launch' };
  if (policy === 'Forbid') return { action: 'skip', reason: `skipped: ${describeAll(active)}` };
  const stop = active.filter((task) => !ON_THE_WAY_DOWN.has(task.lastStatus)).map((task) => task.taskArn);
  return { action: 'replace', stop, reason: `replaced: ${describeAll(active)}` };
}

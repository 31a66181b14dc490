/**
 * Run timeouts: a run still running `timeoutMinutes` after its launch has its tasks stopped with the timeout
 * reason. job-runs then completes it as `timed-out` from the tasks' STOPPED events and pages, once, like any
 * failed run. Runs are found per configured job (a Query of the job's partition), never by Scan.
 *
 * The first sweep to find a run over time claims its timeout in the run store (a conditional write) and alone
 * journals it. A stop can take longer than a minute (a container's stop timeout, an agent that is slow to
 * answer), so later sweeps find the run still running and send StopTask again — harmless, as ECS ignores a stop
 * of a task already stopping — but neither journal nor report it again.
 */
import { type ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { Journal } from '../platform/journal.js';
import type { JobsConfig } from './config.js';
import { journalJobStep } from './journal.js';
import { isOverTime, timeoutStopReason } from './outcome.js';
import type { RunStore } from './run-store.js';

export interface TimeoutSweeperDependencies {
  jobs: JobsConfig;
  runs: Pick<RunStore, 'running' | 'claimTimeout'>;
  ecs: Pick<ECSClient, 'send'>;
  journal: Pick<Journal, 'append'>;
  now?: () => Date;
}

/** A run whose timeout this sweep claimed: its tasks were stopped and it was journaled. */
export interface TimedOutRun {
  job: string;
  slot: string;
  tasks: string[];
  reason: string;
}

export function createTimeoutSweeper({
  jobs,
  runs,
  ecs,
  journal,
  now = () => new Date(),
}: TimeoutSweeperDependencies) {
  return async function sweepTimeouts(): Promise<TimedOutRun[]> {
    const at = now();
    const stopped: TimedOutRun[] = [];
    for (const [job, config] of Object.entries(jobs)) {
      if (config.timeoutMinutes === undefined) continue;
      const reason = timeoutStopReason(config.timeoutMinutes);
      for (const run of await runs.running(job)) {
        if (!isOverTime(run, config.timeoutMinutes, at)) continue;
        const claimed = await runs.claimTimeout(job, run.slot, at, `${reason}: its tasks were stopped`);
        await Promise.all(
          run.tasks.map((task) => ecs.send(new StopTaskCommand({ cluster: config.cluster, task, reason }))),
        );
        if (!claimed) continue;
        await journalJobStep(journal, at.toISOString(), {
          job,
          slot: run.slot,
          step: 'timeout',
          fields: { outcome: 'timed-out', reason, tasks: run.tasks },
        });
        stopped.push({ job, slot: run.slot, tasks: run.tasks, reason });
      }
    }
    return stopped;
  };
}

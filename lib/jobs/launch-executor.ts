/**
 * Does what the launch plans (launch-plan.ts, attempt-plan.ts) ask, in order: run writes, RunTask, StopTask,
 * pages (page-once, on the run's item) and journal entries. The one place the launch touches AWS.
 */
import {
  type ECSClient,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import type { Journal } from '../platform/journal.js';
import { pageOnce, sendClaimed } from '../platform/notification/page-once.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import { type AttemptAnswer, answerOf, answerOfError } from './attempt-plan.js';
import { journalJobStep } from './journal.js';
import type { LaunchEffect, RunWrite } from './launch-plan.js';
import type { RunStore } from './run-store.js';

export interface LaunchExecutorDependencies {
  runs: Pick<RunStore, 'update' | 'page'>;
  ecs: Pick<ECSClient, 'send'>;
  publisher: AlertPublisher;
  journal: Pick<Journal, 'append'>;
  now: () => Date;
}

export function createLaunchExecutor({ runs, ecs, publisher, journal, now }: LaunchExecutorDependencies) {
  const write = (job: string, { slot, changes, options }: RunWrite) =>
    runs.update(job, slot, changes, options);

  async function perform(job: string, effect: LaunchEffect): Promise<void> {
    switch (effect.kind) {
      case 'record':
        await write(job, effect.write);
        return;
      case 'stop-tasks': {
        const { cluster, reason } = effect;
        await Promise.all(
          effect.tasks.map((task) => ecs.send(new StopTaskCommand({ cluster, task, reason }))),
        );
        return;
      }
      case 'journal':
        await journalJobStep(journal, now().toISOString(), { job, ...effect.step });
        return;
      case 'page': {
        const page = {
          ...runs.page(job, effect.slot, now),
          publish: () => publisher.publish(effect.message),
        };
        const messageId =
          effect.claimedBy === undefined
            ? await pageOnce(page)
            : (await write(job, effect.claimedBy))
              ? await sendClaimed(page)
              : undefined;
        if (messageId === undefined) return;
        const { fields } = effect.journal;
        await journalJobStep(journal, now().toISOString(), {
          job,
          ...effect.journal,
          fields: { ...fields, subject: effect.message.subject, messageId },
        });
      }
    }
  }

  return {
    /** Performs the effects one after the other. */
    async performAll(job: string, effects: readonly LaunchEffect[]): Promise<void> {
      for (const effect of effects) await perform(job, effect);
    },

    async runTask(request: RunTaskCommandInput): Promise<AttemptAnswer> {
      try {
        return answerOf(await ecs.send(new RunTaskCommand(request)));
      } catch (error) {
        return answerOfError(error);
      }
    },
  };
}

/**
 * The pages about ecs-ops' own alarms, for one SQS batch of CloudWatch alarm state changes (the AlarmStates
 * rule → queue): each change is parsed (refused → dead-letter queue with the field and the fix), checked to be
 * one of this stack's forwarded alarms (the rule matches by name prefix, which another stage's names may share),
 * decided (decide.ts) against the alarm's record, and, when it pages, claimed with the change in one
 * conditional write, published to the alert topic and marked sent. A write that loses to another delivery, a
 * page held elsewhere and a failed publish (given back) are redelivered; nothing is paged twice nor lost.
 */

import type { DeadLetterSink } from '../platform/dead-letters/dead-letter.js';
import { failedRecord, invalidRecord, settleBatch } from '../platform/dead-letters/dead-letter.js';
import {
  ConflictError,
  type EcsOpsError,
  InProgressElsewhereError,
  type InvalidInputError,
} from '../platform/errors.js';
import type { BatchRecord } from '../platform/handler/sqs-batch-handler.js';
import { sendClaimed } from '../platform/notification/page-once.js';
import type { AlertPublisher } from '../platform/notification/publisher.js';
import type { AlarmStore } from './alarm-store.js';
import { decideAlarmPage, type PageAction } from './decide.js';
import { renderAlarmPage } from './render.js';
import { type AlarmState, parseAlarmStateChange } from './state-change.js';

/** The alarms this stack forwards: `<service>-<stage>-` and the names after it. */
export interface ForwardedAlarms {
  prefix: string;
  names: readonly string[];
}

export interface AlarmForwardingDependencies {
  forwarded: ForwardedAlarms;
  stage: string;
  store: Pick<AlarmStore, 'read' | 'recordQuiet' | 'claim' | 'markSent' | 'giveBack'>;
  publisher: AlertPublisher;
  deadLetters: DeadLetterSink;
  /** Appended to the ecs-ops commands a page suggests. */
  cliFlags?: string;
  now?: () => Date;
}

interface Handled {
  id: string;
  alarm: string;
  state: AlarmState;
  changedAt: string;
}

export type AlarmRecordOutcome =
  | { id: string; outcome: 'invalid'; field: string; reason: string; error: InvalidInputError }
  /** Another stack's alarm (a stage whose name starts like this one's): not this stack's to page. */
  | { id: string; outcome: 'not-forwarded'; alarm: string }
  | (Handled & { outcome: 'sent'; action: PageAction; messageId: string; subject: string })
  | (Handled & { outcome: 'quiet' | 'stale' | 'duplicate'; reason: string })
  | { id: string; outcome: 'failed'; alarm?: string; reason: string; error: EcsOpsError };

export function createAlarmForwarding(dependencies: AlarmForwardingDependencies) {
  const { forwarded, store, publisher, stage, cliFlags } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const names = new Set(forwarded.names);

  async function processRecord(record: BatchRecord): Promise<AlarmRecordOutcome> {
    const parsed = parseAlarmStateChange(record.body);
    if (!parsed.ok) return invalidRecord(record.id, parsed.error);
    const { change } = parsed;
    const shortName = change.alarm.startsWith(forwarded.prefix)
      ? change.alarm.slice(forwarded.prefix.length)
      : undefined;
    if (shortName === undefined || !names.has(shortName)) {
      return { id: record.id, outcome: 'not-forwarded', alarm: change.alarm };
    }
    const handled: Handled = {
      id: record.id,
      alarm: change.alarm,
      state: change.state,
      changedAt: change.changedAt,
    };
    try {
      const last = await store.read(change.alarm);
      const decision = decideAlarmPage(change, last, now());
      switch (decision.kind) {
        case 'stale':
        case 'duplicate':
          return { ...handled, outcome: decision.kind, reason: decision.reason };
        case 'in-progress':
          throw new InProgressElsewhereError(`${change.alarm} at ${change.changedAt}: ${decision.reason}`);
        case 'quiet':
          if (!(await store.recordQuiet(change, last, decision.open))) throw lostTo(change.alarm);
          return { ...handled, outcome: 'quiet', reason: decision.reason };
        case 'page': {
          if (!(await store.claim(change, last, decision.open, now()))) throw lostTo(change.alarm);
          const message = renderAlarmPage(change, decision.action, {
            shortName,
            stage,
            ...(cliFlags === undefined ? {} : { cliFlags }),
          });
          const messageId = await sendClaimed({
            publish: () => publisher.publish(message),
            markSent: (id) => store.markSent(change, id),
            giveBack: () => store.giveBack(change),
          });
          return {
            ...handled,
            outcome: 'sent',
            action: decision.action,
            messageId,
            subject: message.subject,
          };
        }
      }
    } catch (error) {
      return { ...failedRecord(record.id, error), alarm: change.alarm };
    }
  }

  return async function processAlarmBatch(records: readonly BatchRecord[]) {
    // One record at a time: two changes of one alarm in a batch are decided in their order, not raced.
    const outcomes: AlarmRecordOutcome[] = [];
    for (const record of records) outcomes.push(await processRecord(record));
    return { outcomes, redeliver: await settleBatch(records, outcomes, dependencies.deadLetters) };
  };
}

const lostTo = (alarm: string) =>
  new ConflictError(`${alarm}: another delivery changed its record first; read it again on redelivery`);

import { InternalErrorException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { AlarmRecordOutcome } from '../../../../lib/alarms/forward.js';
import { alarmMetrics } from '../../../../lib/alarms/metrics.js';
import { failedRecord, invalidRecord } from '../../../../lib/platform/dead-letters/dead-letter.js';
import { ConflictError, InProgressElsewhereError } from '../../../../lib/platform/errors.js';

const snsDown = () =>
  new InternalErrorException({ message: 'SNS is down', $metadata: { httpStatusCode: 500 } });
const handled = { alarm: 'ecs-ops-prod-reconcile-errors', state: 'ALARM' as const, changedAt: 't' };

describe('alarmMetrics', () => {
  it('counts the triggers and resolves this batch sent, and its failed publishes; nothing else', () => {
    const outcomes: AlarmRecordOutcome[] = [
      { id: '1', ...handled, outcome: 'sent', action: 'trigger', messageId: 'm1', subject: 's' },
      { id: '2', ...handled, outcome: 'sent', action: 'trigger', messageId: 'm2', subject: 's' },
      { id: '3', ...handled, state: 'OK', outcome: 'sent', action: 'resolve', messageId: 'm3', subject: 's' },
      { id: '4', ...handled, outcome: 'duplicate', reason: 'already paged' },
      { id: '5', ...handled, outcome: 'stale', reason: 'later' },
      { id: '6', ...handled, outcome: 'quiet', reason: 'no data' },
      { id: '7', outcome: 'not-forwarded', alarm: 'ecs-ops-prod-eu-reconcile-errors' },
      invalidRecord('8', { field: 'source', reason: 'expected aws.cloudwatch' }),
      { ...failedRecord('9', snsDown()), alarm: handled.alarm },
      { ...failedRecord('10', new ConflictError('another delivery')), alarm: handled.alarm },
      { ...failedRecord('11', new InProgressElsewhereError('held')), alarm: handled.alarm },
    ];

    expect(alarmMetrics(outcomes)).toEqual([
      { name: 'AlarmPagesSent', unit: 'Count', value: 2 },
      { name: 'AlarmPagesResolved', unit: 'Count', value: 1 },
      { name: 'PublishFailures', unit: 'Count', value: 1 },
    ]);
  });

  it('says 0 of each for an empty batch', () => {
    expect(alarmMetrics([]).map(({ value }) => value)).toEqual([0, 0, 0]);
  });
});

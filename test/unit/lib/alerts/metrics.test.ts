import { InternalErrorException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { AlertRecordOutcome } from '../../../../lib/alerts/alerting.js';
import { alertMetrics, sweepMetrics } from '../../../../lib/alerts/metrics.js';
import type { SweepOutcome } from '../../../../lib/alerts/sweep.js';
import { failedRecord } from '../../../../lib/platform/dead-letters/dead-letter.js';
import { ConflictError } from '../../../../lib/platform/errors.js';

const snsDown = () =>
  new InternalErrorException({ message: 'SNS is down', $metadata: { httpStatusCode: 500 } });
const incident = { key: 'k', cluster: 'prod', group: 'service:api' };

describe('alertMetrics', () => {
  it('counts the incidents this delivery decided, not the stored outcomes duplicates get back, and failed publishes', () => {
    const outcomes: AlertRecordOutcome[] = [
      {
        id: '1',
        ...incident,
        duplicate: false,
        outcome: 'sent',
        messageId: 'm',
        subject: 's',
        windowStartedAt: 't',
      },
      {
        id: '2',
        ...incident,
        duplicate: true,
        outcome: 'sent',
        messageId: 'm',
        subject: 's',
        windowStartedAt: 't',
      },
      { id: '3', ...incident, duplicate: false, outcome: 'grouped', count: 2, windowStartedAt: 't' },
      { id: '4', ...incident, duplicate: false, outcome: 'muted', reason: 'deploying' },
      { id: '5', ...incident, duplicate: true, outcome: 'muted', reason: 'deploying' },
      { id: '6', outcome: 'not-incident', reason: 'exit 0' },
      failedRecord('7', snsDown()),
      failedRecord('8', new ConflictError('another writer')),
    ];

    expect(alertMetrics(outcomes)).toEqual([
      { name: 'PagesSent', unit: 'Count', value: 1 },
      { name: 'PagesGrouped', unit: 'Count', value: 1 },
      { name: 'PagesMuted', unit: 'Count', value: 1 },
      { name: 'PublishFailures', unit: 'Count', value: 1 },
    ]);
  });
});

describe('sweepMetrics', () => {
  it('counts the summaries and resolved messages sent, and the windows whose publish failed', () => {
    const error = failedRecord('', snsDown()).error;
    const outcomes: SweepOutcome[] = [
      { outcome: 'summary-sent', window: 'a', count: 3, messageId: 'm', subject: 's' },
      { outcome: 'resolved', window: 'a', incident: 'i', messageId: 'm', subject: 's', reason: 'r' },
      { outcome: 'closed-quietly', window: 'b' },
      { outcome: 'unresolved', window: 'c', reason: 'r' },
      { outcome: 'failed', window: 'd', reason: error.message, error },
    ];

    expect(sweepMetrics(outcomes)).toEqual([
      { name: 'SummariesSent', unit: 'Count', value: 1 },
      { name: 'PagesResolved', unit: 'Count', value: 1 },
      { name: 'PublishFailures', unit: 'Count', value: 1 },
    ]);
  });
});

import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { InternalErrorException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { failedRecord } from '../../../../../lib/platform/dead-letters/dead-letter.js';
import { publishFailures } from '../../../../../lib/platform/notification/metrics.js';

const snsDown = () =>
  new InternalErrorException({ message: 'SNS is down', $metadata: { httpStatusCode: 500 } });
const tableThrottled = () =>
  new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });

describe('publishFailures', () => {
  it('counts the failed outcomes whose error is SNS’s, as thrown or wrapped, and no other failure', () => {
    const sharedByCopies = failedRecord('c1', snsDown());
    const outcomes = [
      { id: 'ok', outcome: 'sent' },
      failedRecord('wrapped', snsDown()),
      { id: 'raw', outcome: 'failed', error: snsDown() },
      sharedByCopies,
      { ...sharedByCopies, id: 'c2' },
      failedRecord('dynamodb', tableThrottled()),
      failedRecord('network', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    ];

    expect(publishFailures(outcomes)).toEqual({ name: 'PublishFailures', unit: 'Count', value: 3 });
  });

  it('says 0 when nothing failed', () => {
    expect(publishFailures([{ outcome: 'sent' }])).toEqual({
      name: 'PublishFailures',
      unit: 'Count',
      value: 0,
    });
  });
});

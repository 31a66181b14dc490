/**
 * reconcileBatch's routing of write errors, with a store that refuses on cue: an item DynamoDB refuses for its
 * content is `invalid` (dead-lettered with DynamoDB's reason), any other write error is `failed` (redelivered).
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, itemRefusal } from '../../../../lib/platform/errors.js';
import type { Item } from '../../../../lib/platform/store/items.js';
import type { UnwrittenItem } from '../../../../lib/platform/store/state-store.js';
import { KEY } from '../../../../lib/platform/store/table.js';
import { reconcileBatch } from '../../../../lib/reconcile/reconcile.js';
import { body, taskEvent } from '../../../support/fixtures.js';

const RETENTION = { stoppedDays: 30, historyDays: 90 };

const refusal = () =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message: 'One or more parameter values were invalid: a value DynamoDB does not store',
    $metadata: { httpStatusCode: 400 },
  });
const throttling = () =>
  new DynamoDBServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

const events = ['good', 'refused'].map((id) => taskEvent({ id, version: 2 }));
const records = events.map((envelope, index) => ({ id: `m${index}`, body: body(envelope) }));
/** Whether an item is the refused task's: its key is `task/<the last part of its ARN>`. */
const refusedId = String(events[1]?.detail.taskArn).split('/').pop();
const isRefused = (item: Item) => item[KEY.partition]?.S === `task/${refusedId}`;

/** A store that writes everything except the items `latest`/`history` name, which fail with the given error. */
function storeRefusing(options: {
  latest?: { item: (item: Item) => boolean; error: () => Error };
  history?: { item: (item: Item) => boolean; error: () => Error };
}) {
  return {
    putLatest: async (item: Item) => {
      if (options.latest?.item(item)) {
        const error = options.latest.error();
        // As StateStore.putLatest throws it.
        throw itemRefusal(error) ?? error;
      }
      return 'accepted' as const;
    },
    putHistory: async (items: readonly Item[]): Promise<UnwrittenItem[]> =>
      items.flatMap((item) => {
        if (!options.history?.item(item)) return [];
        const error = options.history.error();
        const refused = itemRefusal(error);
        return [{ item, reason: `${error.name}: ${error.message}`, ...(refused ? { refused } : {}) }];
      }),
  };
}

describe('reconcileBatch write errors', () => {
  it('calls a record invalid, with DynamoDB’s reason, when DynamoDB refuses its latest item', async () => {
    // Prepare
    const store = storeRefusing({ latest: { item: isRefused, error: refusal } });

    // Act
    const outcomes = await reconcileBatch(records, { store, retention: RETENTION, writeConcurrency: 4 });

    // Assess
    expect(outcomes.map(({ outcome }) => outcome)).toEqual(['accepted', 'invalid']);
    expect(outcomes[1]).toMatchObject({
      field: '(item)',
      reason: expect.stringContaining('DynamoDB refused the item: One or more parameter values were invalid'),
    });
    expect((outcomes[1] as { error: unknown }).error).toBeInstanceOf(InvalidInputError);
  });

  it('calls a record invalid when DynamoDB refuses its timeline item', async () => {
    // Prepare
    const store = storeRefusing({ history: { item: isRefused, error: refusal } });

    // Act
    const outcomes = await reconcileBatch(records, { store, retention: RETENTION, writeConcurrency: 4 });

    // Assess
    expect(outcomes.map(({ outcome }) => outcome)).toEqual(['accepted', 'invalid']);
    expect((outcomes[1] as { error: unknown }).error).toBeInstanceOf(InvalidInputError);
  });

  it('still calls a record failed (redelivered) for any other write error', async () => {
    // Prepare
    const latest = storeRefusing({ latest: { item: isRefused, error: throttling } });
    const history = storeRefusing({ history: { item: isRefused, error: throttling } });

    // Act
    const byLatest = await reconcileBatch(records, {
      store: latest,
      retention: RETENTION,
      writeConcurrency: 4,
    });
    const byHistory = await reconcileBatch(records, {
      store: history,
      retention: RETENTION,
      writeConcurrency: 4,
    });

    // Assess
    expect(byLatest.map(({ outcome }) => outcome)).toEqual(['accepted', 'failed']);
    expect(byHistory.map(({ outcome }) => outcome)).toEqual(['accepted', 'failed']);
  });
});

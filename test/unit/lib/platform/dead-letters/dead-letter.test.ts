import { describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  failedRecord,
  invalidRecord,
  settleBatch,
} from '../../../../../lib/platform/dead-letters/dead-letter.js';
import {
  AwsFailure,
  ConflictError,
  EcsOpsError,
  InProgressElsewhereError,
} from '../../../../../lib/platform/errors.js';

const records = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, body: `body of ${id}` }));

/** A dead-letter queue that takes every letter, or refuses the ones `refuse` names. */
function sink(refuse: (letter: DeadLetter) => boolean = () => false) {
  const letters: DeadLetter[] = [];
  return {
    letters,
    send: async (sent: readonly DeadLetter[]) => {
      letters.push(...sent.filter((letter) => !refuse(letter)));
      return sent.filter(refuse).map((letter) => letter.id);
    },
  };
}

describe('settleBatch', () => {
  it('dead-letters invalid input with its field and reason, and redelivers every other error', async () => {
    // Prepare
    const outcomes = [
      { id: 'a' },
      invalidRecord('b', { field: 'detail.version', reason: 'expected a number, got "7" (a string)' }),
      failedRecord('c', new ConflictError('the drain changed while it was being updated')),
      failedRecord('d', new InProgressElsewhereError('already in progress')),
      failedRecord(
        'e',
        new AwsFailure(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      ),
      failedRecord('f', new TypeError('x is undefined')),
    ];
    const queue = sink();

    // Act
    const redeliver = await settleBatch(records, outcomes, queue);

    // Assess
    expect(queue.letters).toEqual([
      {
        id: 'b',
        body: 'body of b',
        field: 'detail.version',
        reason: 'expected a number, got "7" (a string)',
      },
    ]);
    expect(redeliver).toEqual(['c', 'd', 'e', 'f']);
  });

  it('routes by the class of the error, never by its words', async () => {
    // Prepare: errors whose messages read like other classes.
    const outcomes = [
      {
        id: 'a',
        error: new EcsOpsError('IdempotencyAlreadyInProgressError: looks routine', { retryable: true }),
      },
      { id: 'b', error: new EcsOpsError('detail.version: expected a number', { retryable: false }) },
    ];
    const queue = sink();

    // Act
    const redeliver = await settleBatch(records, outcomes, queue);

    // Assess
    expect(queue.letters).toEqual([]);
    expect(redeliver).toEqual(['a', 'b']);
  });

  it('redelivers the invalid records the dead-letter queue did not take', async () => {
    // Prepare
    const outcomes = [
      invalidRecord('a', { field: '(body)', reason: 'not JSON' }),
      invalidRecord('b', { field: 'source', reason: 'expected "aws.ecs"' }),
    ];
    const refusing = sink((letter) => letter.id === 'b');
    const down = { send: async () => Promise.reject(new Error('SQS is down')) };

    // Act
    const partly = await settleBatch(records, outcomes, refusing);
    const none = await settleBatch(records, outcomes, down);

    // Assess
    expect(refusing.letters.map((letter) => letter.id)).toEqual(['a']);
    expect(partly).toEqual(['b']);
    expect(none).toEqual(['a', 'b']);
  });
});

/**
 * A page's claim (page-once.ts) kept as attributes of a DynamoDB item, as the parts of an UpdateItem: the claim
 * is conditional on isClaimable's rule, so of concurrent deliveries exactly one wins it.
 */
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { claimedPage, pendingPage, sentPage } from './page-once.js';

/** The item's attributes holding the claim's state, lease and message id. */
export interface PageAttributes {
  state: string;
  leaseUntil: string;
  messageId: string;
}

export type UpdateParts = Required<
  Pick<
    UpdateItemCommandInput,
    'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >
>;

/** Claims an owed page: pending, or claimed by a caller whose lease ran out. */
export function claimUpdate(names: PageAttributes, now: Date): UpdateParts {
  const { state, leaseUntil = '' } = claimedPage(now);
  return {
    UpdateExpression: 'SET #state = :claimed, #lease = :until',
    ConditionExpression: '#state = :pending OR (#state = :claimed AND #lease < :now)',
    ExpressionAttributeNames: { '#state': names.state, '#lease': names.leaseUntil },
    ExpressionAttributeValues: {
      ':pending': { S: pendingPage.state },
      ':claimed': { S: state },
      ':until': { S: leaseUntil },
      ':now': { S: now.toISOString() },
    },
  };
}

export function sentUpdate(names: PageAttributes, messageId: string): UpdateParts {
  const sent = sentPage(messageId);
  return {
    UpdateExpression: 'SET #state = :sent, #id = :id',
    ConditionExpression: 'attribute_exists(#state)',
    ExpressionAttributeNames: { '#state': names.state, '#id': names.messageId },
    ExpressionAttributeValues: { ':sent': { S: sent.state }, ':id': { S: messageId } },
  };
}

export function givenBackUpdate(names: PageAttributes): UpdateParts {
  return {
    UpdateExpression: 'SET #state = :pending',
    ConditionExpression: 'attribute_exists(#state)',
    ExpressionAttributeNames: { '#state': names.state },
    ExpressionAttributeValues: { ':pending': { S: pendingPage.state } },
  };
}

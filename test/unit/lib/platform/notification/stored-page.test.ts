/**
 * A page's claim kept on a DynamoDB item (lib/platform/notification/stored-page.ts): the claim's condition is
 * CLAIMABLE itself, so judged on the item as the write binds it, it decides as isClaimable does. DynamoDB judges
 * the same table in test/integration/lib/platform/notification/stored-page.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CLAIMABLE, isClaimable, PAGE_LEASE_MS } from '../../../../../lib/platform/notification/page-once.js';
import {
  claimUpdate,
  claimWrite,
  givenBackUpdate,
  pageClaimOf,
  sentUpdate,
} from '../../../../../lib/platform/notification/stored-page.js';
import { holds, render } from '../../../../../lib/platform/store/condition-expression.js';
import { PAGE_CLAIM_CASES, T0 } from '../../../../support/page-claim-cases.js';

const NAMES = { state: 'alert', leaseUntil: 'alertLeaseUntil', messageId: 'alertMessageId' };

describe('the claim', () => {
  it.each(PAGE_CLAIM_CASES)('$why: claimed as isClaimable says ($claimable)', ({ page, at }) => {
    const write = claimWrite(at);

    expect(holds(write.condition, (field) => page?.[field], write.values)).toBe(isClaimable(page, at));
  });

  it('is conditional on the rendering of CLAIMABLE, over the item’s names', () => {
    expect(claimUpdate(NAMES, T0)).toEqual({
      UpdateExpression: 'SET #state = :state, #leaseUntil = :leaseUntil',
      ConditionExpression: render(CLAIMABLE),
      ExpressionAttributeNames: { '#state': 'alert', '#leaseUntil': 'alertLeaseUntil' },
      ExpressionAttributeValues: {
        ':pending': { S: 'pending' },
        ':sending': { S: 'sending' },
        ':now': { S: T0.toISOString() },
        ':state': { S: 'sending' },
        ':leaseUntil': { S: new Date(T0.getTime() + PAGE_LEASE_MS).toISOString() },
      },
    });
    expect(render(CLAIMABLE)).toBe('#state = :pending OR (#state = :sending AND #leaseUntil < :now)');
  });
});

describe('settling a claim', () => {
  it('marks it sent with its message id', () => {
    expect(sentUpdate(NAMES, 'm-1')).toEqual({
      UpdateExpression: 'SET #state = :state, #messageId = :messageId',
      ConditionExpression: 'attribute_exists(#state)',
      ExpressionAttributeNames: { '#state': 'alert', '#messageId': 'alertMessageId' },
      ExpressionAttributeValues: { ':state': { S: 'sent' }, ':messageId': { S: 'm-1' } },
    });
  });

  it('gives it back: pending', () => {
    expect(givenBackUpdate(NAMES)).toEqual({
      UpdateExpression: 'SET #state = :state',
      ConditionExpression: 'attribute_exists(#state)',
      ExpressionAttributeNames: { '#state': 'alert' },
      ExpressionAttributeValues: { ':state': { S: 'pending' } },
    });
  });
});

describe('reading a claim back', () => {
  it.each([
    { item: {}, claim: undefined },
    { item: { alert: 'pending' }, claim: { state: 'pending' } },
    {
      item: { alert: 'sending', alertLeaseUntil: T0.toISOString() },
      claim: { state: 'sending', leaseUntil: T0.toISOString() },
    },
    { item: { alert: 'sent', alertMessageId: 'm-1' }, claim: { state: 'sent', messageId: 'm-1' } },
  ])('$item: $claim', ({ item, claim }) => {
    expect(pageClaimOf(item, NAMES)).toEqual(claim);
  });
});

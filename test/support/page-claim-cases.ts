/**
 * Who may claim a page, as a table for both judges of the rule: isClaimable in memory, and DynamoDB evaluating
 * the claim's rendered condition on a stored item (test/integration/lib/platform/notification/stored-page.test.ts).
 */
import {
  claimedPage,
  PAGE_LEASE_MS,
  type PageClaim,
  pendingPage,
  sentPage,
} from '../../lib/platform/notification/page-once.js';

export const T0 = new Date('2024-05-02T10:00:00.000Z');
const plus = (ms: number) => new Date(T0.getTime() + ms);
const held = claimedPage(T0);

export interface PageClaimCase {
  why: string;
  page: PageClaim | undefined;
  at: Date;
  claimable: boolean;
}

export const PAGE_CLAIM_CASES: PageClaimCase[] = [
  { why: 'no page is owed', page: undefined, at: T0, claimable: false },
  { why: 'owed and free (never claimed, or given back)', page: pendingPage, at: T0, claimable: true },
  { why: 'another caller holds it', page: held, at: plus(1), claimable: false },
  { why: 'the lease holds to its last millisecond', page: held, at: plus(PAGE_LEASE_MS), claimable: false },
  { why: 'its holder died: the lease ran out', page: held, at: plus(PAGE_LEASE_MS + 1), claimable: true },
  {
    why: 'a claim without a lease is never taken over',
    page: { state: 'sending' },
    at: T0,
    claimable: false,
  },
  { why: 'it was sent', page: sentPage('m-1'), at: plus(PAGE_LEASE_MS * 10), claimable: false },
];

/**
 * Page once: a page is claimed → published → marked sent, and given back if the publish fails. The claim holds
 * a lease, so a caller that dies between claim and mark leaves a claim that lapses and the next delivery (or
 * sweep) takes it over; a claim is a conditional write in the caller's store, so concurrent deliveries never
 * both publish. Never lost, never sent twice — except by a caller that dies after SNS took the page and before
 * it was marked, which SNS's at-least-once delivery allows anyway.
 *
 * The store keeps a PageClaim beside what the page is about (a job run, a drain, a crash-loop window) and offers
 * the port; this module holds the rule a claim follows and the order the steps run in.
 */
import { conditions, holds } from '../store/condition-expression.js';

export const PAGE_STATES = ['pending', 'sending', 'sent'] as const;
/** pending: owed, nobody holds it; sending: claimed until `leaseUntil`; sent: SNS took it. */
export type PageState = (typeof PAGE_STATES)[number];

export interface PageClaim {
  state: PageState;
  /** Until when a `sending` claim is held (ISO). */
  leaseUntil?: string;
  /** The SNS message id, once sent. */
  messageId?: string;
}

/** Longer than one publish with the SDK's retries; shorter than the queues' visibility timeouts. */
export const PAGE_LEASE_MS = 60_000;

/** The claim a caller writes, with the decision that owes the page or on its own. */
export const claimedPage = (now: Date): PageClaim => ({
  state: 'sending',
  leaseUntil: new Date(now.getTime() + PAGE_LEASE_MS).toISOString(),
});

export const sentPage = (messageId: string): PageClaim => ({ state: 'sent', messageId });

/** A page given back: owed again, claimable at once. */
export const pendingPage: PageClaim = { state: 'pending' };

/** Whether a lease still holds at `now`: up to and including its last millisecond. */
export function leaseHeld(leaseUntil: string | undefined, now: Date): boolean {
  return Date.parse(leaseUntil ?? '') >= now.getTime();
}

const { equals, before, all, any } = conditions<keyof PageClaim, 'pending' | 'sending' | 'now'>();

/**
 * Who may claim a page, as a condition on its claim's fields: judged here by isClaimable and by DynamoDB in a
 * store's claim (stored-page.ts), so the two never differ. A claim without a lease is never taken over.
 */
export const CLAIMABLE = any(
  equals('state', 'pending'),
  all(equals('state', 'sending'), before('leaseUntil', 'now')),
);

/** CLAIMABLE's operands at `now`. */
export const claimOperands = (now: Date) => ({
  pending: pendingPage.state,
  sending: claimedPage(now).state,
  now: now.toISOString(),
});

/** Whether a caller may claim the page now: it is owed and nobody holds it (or its holder's lease ran out). */
export const isClaimable = (page: PageClaim | undefined, now: Date): boolean =>
  holds(CLAIMABLE, (field) => page?.[field], claimOperands(now));

/** One page through its store: how to claim it, publish it, mark it sent and give it back. */
export interface Page {
  /** Claims the page for this caller (isClaimable, as one conditional write); false when it may not. */
  claim(): Promise<boolean>;
  /** Publishes the page; resolves to the SNS message id. */
  publish(): Promise<string>;
  markSent(messageId: string): Promise<unknown>;
  giveBack(): Promise<unknown>;
}

/** Claims the page and sends it: the message id, or undefined when it was not this caller's to send. */
export async function pageOnce(page: Page): Promise<string | undefined> {
  return (await page.claim()) ? sendClaimed(page) : undefined;
}

/**
 * Sends a page this caller holds (claimed by `claim`, or in the write that decided it) and marks it sent. A
 * failed publish gives the page back and throws: the caller's record is redelivered and claims it at once.
 */
export async function sendClaimed(page: Omit<Page, 'claim'>): Promise<string> {
  let messageId: string;
  try {
    messageId = await page.publish();
  } catch (error) {
    // A give-back that fails too leaves the claim to lapse: the page is only later, never lost.
    await page.giveBack().catch(() => undefined);
    throw error;
  }
  await page.markSent(messageId);
  return messageId;
}

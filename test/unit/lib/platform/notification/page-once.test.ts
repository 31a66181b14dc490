/**
 * Page once (lib/platform/notification/page-once.ts) as a specification: who may claim a page, and what the
 * steps claim → publish → mark sent / give back come to — never lost, never sent twice by concurrent callers.
 */
import { describe, expect, it } from 'vitest';
import {
  claimedPage,
  isClaimable,
  leaseHeld,
  PAGE_LEASE_MS,
  type Page,
  type PageClaim,
  pageOnce,
  pendingPage,
  sendClaimed,
  sentPage,
} from '../../../../../lib/platform/notification/page-once.js';
import { PAGE_CLAIM_CASES, T0 } from '../../../../support/page-claim-cases.js';

const plus = (ms: number) => new Date(T0.getTime() + ms);

describe('leases', () => {
  it.each([
    { until: T0.toISOString(), at: plus(-1), held: true },
    { until: T0.toISOString(), at: T0, held: true },
    { until: T0.toISOString(), at: plus(1), held: false },
    { until: undefined, at: T0, held: false },
    { until: 'not a time', at: T0, held: false },
  ])('a lease until $until is held at $at: $held', ({ until, at, held }) => {
    expect(leaseHeld(until, at)).toBe(held);
  });

  it(`is claimed for ${PAGE_LEASE_MS / 1000} s`, () => {
    expect(claimedPage(T0)).toEqual({ state: 'sending', leaseUntil: plus(PAGE_LEASE_MS).toISOString() });
  });
});

describe('isClaimable: a page is claimable when it is owed and nobody holds it', () => {
  it.each(PAGE_CLAIM_CASES)('$why: $claimable', ({ page, at, claimable }) => {
    expect(isClaimable(page, at)).toBe(claimable);
  });
});

/** A page in memory, claimed with a compare-and-set as a conditional write would; every step recorded. */
function storedPage(
  initial: PageClaim | undefined,
  options: { publishFails?: boolean; giveBackFails?: boolean } = {},
) {
  const state = { page: initial, now: T0, published: 0, steps: [] as string[] };
  const page: Page = {
    async claim() {
      state.steps.push('claim');
      if (!isClaimable(state.page, state.now)) return false;
      state.page = claimedPage(state.now);
      return true;
    },
    async publish() {
      state.steps.push('publish');
      // Another caller may run between the claim and here.
      await Promise.resolve();
      if (options.publishFails) throw new Error('InternalError: SNS is down');
      state.published += 1;
      return `message-${state.published}`;
    },
    async markSent(messageId) {
      state.steps.push('mark sent');
      state.page = sentPage(messageId);
    },
    async giveBack() {
      state.steps.push('give back');
      if (options.giveBackFails) throw new Error('ProvisionedThroughputExceededException');
      state.page = pendingPage;
    },
  };
  return { state, page };
}

describe('pageOnce: claim → publish → mark sent, or give back', () => {
  it.each([
    {
      given: 'an owed page',
      initial: pendingPage,
      options: {},
      steps: ['claim', 'publish', 'mark sent'],
      result: 'message-1',
      stored: sentPage('message-1'),
    },
    {
      given: 'a page another caller holds',
      initial: claimedPage(T0),
      options: {},
      steps: ['claim'],
      result: undefined,
      stored: claimedPage(T0),
    },
    {
      given: 'a page already sent',
      initial: sentPage('m-0'),
      options: {},
      steps: ['claim'],
      result: undefined,
      stored: sentPage('m-0'),
    },
    {
      given: 'no page owed',
      initial: undefined,
      options: {},
      steps: ['claim'],
      result: undefined,
      stored: undefined,
    },
  ])('$given: $steps', async ({ initial, options, steps, result, stored }) => {
    const { state, page } = storedPage(initial, options);

    const messageId = await pageOnce(page);

    expect(state.steps).toEqual(steps);
    expect(messageId).toBe(result);
    expect(state.page).toEqual(stored);
  });

  it.each([
    { giveBackFails: false, left: pendingPage, why: 'given back: the redelivery claims it at once' },
    {
      giveBackFails: true,
      left: claimedPage(T0),
      why: 'the give-back failed too: claimable once the lease runs out',
    },
  ])('throws the publish error when SNS fails, $why', async ({ giveBackFails, left }) => {
    const { state, page } = storedPage(pendingPage, { publishFails: true, giveBackFails });

    await expect(pageOnce(page)).rejects.toThrow('SNS is down');

    expect(state.steps).toEqual(['claim', 'publish', 'give back']);
    expect(state.page).toEqual(left);
  });

  it('sends a page claimed by the write that decided it, without claiming it again', async () => {
    const { state, page } = storedPage(claimedPage(T0));

    expect(await sendClaimed(page)).toBe('message-1');
    expect(state.steps).toEqual(['publish', 'mark sent']);
  });
});

describe('page once across deliveries', () => {
  it('publishes once however many deliveries try it at the same time', async () => {
    const { state, page } = storedPage(pendingPage);

    const results = await Promise.all(Array.from({ length: 5 }, () => pageOnce(page)));

    expect(state.published).toBe(1);
    expect(results.filter((result) => result !== undefined)).toEqual(['message-1']);
  });

  it('is taken over when its holder died, once the lease ran out, and never sent again after', async () => {
    const { state, page } = storedPage(pendingPage);
    // A caller claims and dies before publishing.
    expect(await page.claim()).toBe(true);
    state.steps.length = 0;

    const early = await pageOnce(page);
    state.now = plus(PAGE_LEASE_MS + 1);
    const late = await pageOnce(page);
    const again = await pageOnce(page);

    expect([early, late, again]).toEqual([undefined, 'message-1', undefined]);
    expect(state.published).toBe(1);
  });

  it('is sent by the next delivery after SNS failed', async () => {
    const failing = storedPage(pendingPage, { publishFails: true });
    await expect(pageOnce(failing.page)).rejects.toThrow();
    const { state, page } = storedPage(failing.state.page);

    expect(await pageOnce(page)).toBe('message-1');
    expect(state.page).toEqual(sentPage('message-1'));
  });
});

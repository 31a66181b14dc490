/**
 * Whether a change of an ecs-ops alarm's state pages on-call, and how. Pure.
 *
 * - into ALARM: a page that opens an incident (`trigger`) — again after a spell without data, under the same
 *   key, so a pager folds it into the incident still open;
 * - into OK: a page that closes it (`resolve`), only when one is open — an alarm that comes out of
 *   INSUFFICIENT_DATA into OK (every alarm does when it is created) tells nobody;
 * - into INSUFFICIENT_DATA: nobody; an open page stays open, as the alarm was not seen to clear — unless it
 *   comes out of OK with a page still open (the clearing's resolve was not sent, or comes late): then it
 *   resolves.
 *
 * EventBridge delivers at least once and in no set order, so each alarm's changes are ordered by their time, as
 * ECS events are by their version: a change older than the last one handled is stale and pages nobody (a late
 * "fired" after "cleared" would page for an alarm that is fine); the same change again is a duplicate, unless its
 * page is still owed (given back after a failed publish, or held by a caller whose lease ran out). A later change
 * takes over what a page not yet sent leaves open, and one whose previous state is not the stored one's tells of a
 * change in between that will come stale (its previous state says whether a page is open, as for an alarm's first
 * change); so a page left open by an alarm that cleared and then lost its data is resolved by the no-data change.
 */
import { isClaimable, type PageClaim } from '../platform/notification/page-once.js';
import type { AlarmState, AlarmStateChange } from './state-change.js';

/** What the store keeps of one alarm: the last change handled and where its pages stand. */
export interface AlarmRecord {
  /** The time of the last change handled (ISO, UTC). */
  changedAt: string;
  state: AlarmState;
  /** A page that fired is open: sent (or being sent) and not yet resolved. */
  open: boolean;
  /** The page of the change at `changedAt`; none when that change paged nobody. */
  page?: PageClaim;
}

export type PageAction = 'trigger' | 'resolve';

export type AlarmDecision =
  /** Send the page; `open` is what the record says after it. */
  | { kind: 'page'; action: PageAction; open: boolean }
  /** Record the change, page nobody. */
  | { kind: 'quiet'; open: boolean; reason: string }
  | { kind: 'stale'; reason: string }
  | { kind: 'duplicate'; reason: string }
  /** Another delivery holds this change's page: redeliver later. */
  | { kind: 'in-progress'; reason: string };

type Change = Pick<AlarmStateChange, 'state' | 'previous' | 'changedAt'>;

export function decideAlarmPage(change: Change, last: AlarmRecord | undefined, now: Date): AlarmDecision {
  if (last !== undefined && last.changedAt > change.changedAt) {
    return {
      kind: 'stale',
      reason: `a later change (${last.state} at ${last.changedAt}) was already handled`,
    };
  }
  if (last !== undefined && last.changedAt === change.changedAt) return again(change, last, now);
  const open = openBefore(change, last);
  switch (change.state) {
    case 'ALARM':
      return { kind: 'page', action: 'trigger', open: true };
    case 'OK':
      return open
        ? { kind: 'page', action: 'resolve', open: false }
        : { kind: 'quiet', open: false, reason: `no page is open (it was ${change.previous}, not firing)` };
    case 'INSUFFICIENT_DATA':
      // It cleared before it lost its data, and the page it left open was not resolved (the clearing comes
      // stale, or its resolve was not sent): resolved now.
      if (open && change.previous === 'OK') return { kind: 'page', action: 'resolve', open: false };
      return {
        kind: 'quiet',
        open,
        reason: open
          ? 'no data to evaluate: the open page stays open until the alarm is seen to clear'
          : 'no data to evaluate, and no page is open',
      };
  }
}

/** Whether a page is open when `change` comes after `last`. */
function openBefore(change: Change, last: AlarmRecord | undefined): boolean {
  // Nothing stored yet: the change's own previous state says.
  if (last === undefined) return change.previous === 'ALARM';
  // The last change's page is not known to have gone out (given back, or its sender may have died): a trigger
  // owed is open, and a resolve owed has not closed the page — sent again if this change resolves.
  if (last.page !== undefined && last.page.state !== 'sent') return true;
  // A change between the stored one and this one is yet to come (it will be stale). Out of ALARM: it fired between,
  // and its page is taken as open, as for an alarm's first change; out of OK: it cleared between, and the page
  // the record has open is this change's to resolve.
  if (last.state !== change.previous && change.previous === 'ALARM') return true;
  return last.open;
}

/** The change handled last, delivered again. */
function again(change: Change, last: AlarmRecord, now: Date): AlarmDecision {
  if (last.page === undefined) return { kind: 'duplicate', reason: 'already handled: it paged nobody' };
  if (last.page.state === 'sent') {
    return { kind: 'duplicate', reason: `already paged (message ${last.page.messageId ?? 'unknown'})` };
  }
  if (!isClaimable(last.page, now)) {
    return { kind: 'in-progress', reason: `its page is being sent (claimed until ${last.page.leaseUntil})` };
  }
  // Owed still: a publish failed, or its sender died. The claim already recorded where the page leaves it.
  return { kind: 'page', action: change.state === 'ALARM' ? 'trigger' : 'resolve', open: last.open };
}

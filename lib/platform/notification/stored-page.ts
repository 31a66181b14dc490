/**
 * A page's claim (page-once.ts) kept as attributes of a DynamoDB item, as conditional UpdateItem writes: the
 * claim's condition is CLAIMABLE itself, the rule isClaimable judges in memory, so of concurrent deliveries
 * exactly one wins it. An item with a rule of its own (a crash-loop window) adds to these writes.
 */
import {
  type ConditionalUpdate,
  conditions,
  type UpdateParts,
  updateParts,
} from '../store/condition-expression.js';
import {
  CLAIMABLE,
  claimedPage,
  claimOperands,
  type PageClaim,
  type PageState,
  pendingPage,
  sentPage,
} from './page-once.js';

/** The item's attributes holding the claim's state, lease and message id. */
export type PageAttributes = Record<keyof PageClaim, string>;

/** A write of the claim's fields, named `#state`, `#leaseUntil` and `#messageId`. */
export type PageWrite = ConditionalUpdate<keyof PageClaim, string>;

const { exists } = conditions<keyof PageClaim, never>();

/** Sets the item's claim to `page`. */
function setting(page: PageClaim): Pick<PageWrite, 'update' | 'values'> {
  const fields = Object.keys(page).map((field) => `#${field} = :${field}`);
  return { update: `SET ${fields.join(', ')}`, values: { ...page } };
}

/** Claims an owed page: pending, or claimed by a caller whose lease ran out. */
export function claimWrite(now: Date): PageWrite {
  const claimed = setting(claimedPage(now));
  return { condition: CLAIMABLE, ...claimed, values: { ...claimOperands(now), ...claimed.values } };
}

export const sentWrite = (messageId: string): PageWrite => ({
  condition: exists('state'),
  ...setting(sentPage(messageId)),
});

export const givenBackWrite: PageWrite = { condition: exists('state'), ...setting(pendingPage) };

/** The writes as UpdateItem's parts, over the attributes `names` an item keeps its claim in (a job run's). */
export const claimUpdate = (names: PageAttributes, now: Date): UpdateParts =>
  updateParts(claimWrite(now), names);

export const sentUpdate = (names: PageAttributes, messageId: string): UpdateParts =>
  updateParts(sentWrite(messageId), names);

export const givenBackUpdate = (names: PageAttributes): UpdateParts => updateParts(givenBackWrite, names);

/** The claim kept under `names` in an item (unmarshalled); undefined when it has none. */
export function pageClaimOf(item: Record<string, unknown>, names: PageAttributes): PageClaim | undefined {
  const [state, leaseUntil, messageId] = [names.state, names.leaseUntil, names.messageId].map((name) =>
    item[name] === undefined ? undefined : String(item[name]),
  );
  if (state === undefined) return undefined;
  return {
    state: state as PageState,
    ...(leaseUntil === undefined ? {} : { leaseUntil }),
    ...(messageId === undefined ? {} : { messageId }),
  };
}

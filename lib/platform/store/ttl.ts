/**
 * Expiry of items (DynamoDB TTL): whole seconds since the epoch in the `expiresAt` attribute, `days` after an
 * item's own time. 0 days keeps items forever.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TTL_ATTRIBUTE } from './table.js';

const DAY_SECONDS = 86_400;

/** The epoch second at which an item of time `from` expires, or undefined to keep it. */
export function expiresAt(from: string | Date, days: number): number | undefined {
  if (days <= 0) return undefined;
  const ms = typeof from === 'string' ? Date.parse(from) : from.getTime();
  return Math.floor(ms / 1000) + days * DAY_SECONDS;
}

/** The TTL attribute to spread into an item: empty when it is kept forever. */
export function expiryAttribute(from: string | Date, days: number): Record<string, AttributeValue> {
  const at = expiresAt(from, days);
  return at === undefined ? {} : { [TTL_ATTRIBUTE]: { N: String(at) } };
}

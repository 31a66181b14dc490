/** Test envelopes as the store's items, for suites that write to the state table directly. */
import { type EcsEvent, parseEcsEvent } from '../../lib/platform/events/ecs-event.js';
import { historyItem, type Item, latestItem } from '../../lib/platform/store/items.js';
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import type { Envelope } from './fixtures.js';

export const RETENTION = { stoppedDays: 30, historyDays: 90 };

export function eventOf(envelope: Envelope): EcsEvent {
  const result = parseEcsEvent(envelope);
  if (!result.ok) throw new Error(`invalid test event: ${result.error.field}: ${result.error.reason}`);
  return result.event;
}
export const latestOf = (envelope: Envelope): Item => latestItem(eventOf(envelope), RETENTION);
export const historyOf = (envelope: Envelope): Item => historyItem(eventOf(envelope), RETENTION);
export const arnOf = (envelope: Envelope) =>
  (envelope.detail.taskArn ?? envelope.detail.containerInstanceArn) as string;
export const arns = (resources: readonly StoredResource[]) => resources.map((resource) => resource.arn);

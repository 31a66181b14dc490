/**
 * Stops resync found that nobody was told of go back on the event bus as `ecs-ops.resync` task state changes,
 * so the alerting and job-run rules route them like the ECS events that never arrived: each consumer decides
 * once, under the same idempotency key as the lost event would have had. (The reconcile rule matches `aws.ecs`
 * only: resync has already written what it found.)
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventEnvelope } from '../platform/events/envelope.js';

/** Publishes envelopes; returns the ids of those EventBridge did not take (the next resync finds them again). */
export interface LateStopPublisher {
  publish(envelopes: readonly EventEnvelope[]): Promise<{ failed: string[] }>;
}

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_LIMIT = 10;
const ATTEMPTS = 3;

export class EventBridgeLateStops implements LateStopPublisher {
  constructor(
    private readonly events: Pick<EventBridgeClient, 'send'>,
    private readonly eventBusName = 'default',
  ) {}

  async publish(envelopes: readonly EventEnvelope[]): Promise<{ failed: string[] }> {
    const failed: string[] = [];
    for (let at = 0; at < envelopes.length; at += PUT_EVENTS_LIMIT) {
      let pending = envelopes.slice(at, at + PUT_EVENTS_LIMIT);
      // Entries fail one by one (an internal error, throttling): only those are sent again.
      for (let attempt = 0; attempt < ATTEMPTS && pending.length > 0; attempt++) {
        const { Entries = [] } = await this.events.send(
          new PutEventsCommand({
            Entries: pending.map((envelope) => ({
              EventBusName: this.eventBusName,
              Source: envelope.source,
              DetailType: envelope['detail-type'],
              Time: new Date(envelope.time),
              Resources: envelope.resources,
              Detail: JSON.stringify(envelope.detail),
            })),
          }),
        );
        pending = pending.filter((_, index) => Entries[index]?.ErrorCode !== undefined);
      }
      failed.push(...pending.map((envelope) => envelope.id));
    }
    return { failed };
  }
}

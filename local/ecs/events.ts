/** EventBridge envelopes for what the simulators change, shaped as the services emit them. */
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { toJson } from './render.js';

export interface EnvelopeContext {
  id: string;
  account: string;
  region: string;
  /** When the change happened, epoch ms. */
  at: number;
}

/** EventBridge stamps envelopes to the second; the detail keeps milliseconds. */
export function envelopeTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}

export function envelope(
  context: EnvelopeContext,
  source: string,
  detailType: string,
  resources: string[],
  detail: object,
): EventEnvelope {
  return {
    version: '0',
    id: context.id,
    'detail-type': detailType,
    source,
    account: context.account,
    time: envelopeTime(context.at),
    region: context.region,
    resources,
    detail: toJson(detail) as Record<string, unknown>,
  };
}

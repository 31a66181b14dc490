/**
 * How the SQS event source hands the stream to the reconcile function in each consumption regime, and the
 * deployment settings that shape it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadOpsConfig } from '../lib/ops-config.js';
import type { Retention } from '../lib/platform/store/items.js';
import type { BatchRecord } from '../lib/reconcile/reconcile.js';
import type { Delivery } from './stream.js';

export const REGIMES = {
  backlog: 'the queue already holds the stream: full batches of batchSize consecutive deliveries',
  live: 'batches close at batchSize records or batchingWindowSeconds after their first delivery',
} as const;
export type Regime = keyof typeof REGIMES;

export interface ReconcileSettings {
  batchSize: number;
  batchingWindowSeconds: number;
  writeConcurrency: number;
  retention: Retention;
  /** The file the settings came from, or "defaults" when the repository has none. */
  source: string;
}

/** The deployment's own settings, read as `serverless package` reads them. */
export function readSettings(root: string): ReconcileSettings {
  const file = join(root, 'ops.config.yml');
  const { reconcile, retention } = loadOpsConfig(file);
  return { ...reconcile, retention, source: existsSync(file) ? 'ops.config.yml' : 'defaults' };
}

/**
 * SQS event source semantics: a batch closes when it holds `batchSize` records or when the batching window has
 * passed since its first record became visible.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#services-sqs-batching
 */
export function toBatches(
  deliveries: readonly Delivery[],
  batchSize: number,
  windowSeconds: number,
): BatchRecord[][] {
  const batches: BatchRecord[][] = [];
  let current: BatchRecord[] = [];
  let opened = 0;
  for (const delivery of deliveries) {
    const windowPassed = current.length > 0 && delivery.deliveredAt - opened >= windowSeconds * 1000;
    if (current.length === batchSize || windowPassed) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) opened = delivery.deliveredAt;
    current.push({ id: delivery.messageId, body: delivery.body });
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * A backlog (after a deploy, a throttle or an outage): the queue already holds the messages, so every poll
 * returns a full batch of consecutive deliveries and the batching window never closes one.
 */
export function toFullBatches(deliveries: readonly Delivery[], batchSize: number): BatchRecord[][] {
  const batches: BatchRecord[][] = [];
  for (let i = 0; i < deliveries.length; i += batchSize)
    batches.push(deliveries.slice(i, i + batchSize).map((d) => ({ id: d.messageId, body: d.body })));
  return batches;
}

export function batchesFor(
  regime: Regime,
  deliveries: readonly Delivery[],
  settings: ReconcileSettings,
): BatchRecord[][] {
  return regime === 'backlog'
    ? toFullBatches(deliveries, settings.batchSize)
    : toBatches(deliveries, settings.batchSize, settings.batchingWindowSeconds);
}

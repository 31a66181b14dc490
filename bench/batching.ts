/**
 * How the SQS event source hands the stream to the reconcile function, and the deployment settings that shape
 * it (read from ops.config.yml when the repository has one, else the documented defaults).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { BatchRecord } from '../lib/reconcile/reconcile.js';
import type { Retention } from '../lib/store/items.js';
import type { Delivery } from './stream.js';

export interface ReconcileSettings {
  batchSize: number;
  batchingWindowSeconds: number;
  writeConcurrency: number;
  retention: Retention;
  source: string;
}

const DEFAULTS: ReconcileSettings = {
  batchSize: 100,
  batchingWindowSeconds: 5,
  writeConcurrency: 16,
  retention: { stoppedDays: 30, historyDays: 90 },
  source: 'defaults',
};

export function readSettings(root: string): ReconcileSettings {
  const file = join(root, 'ops.config.yml');
  if (!existsSync(file)) return DEFAULTS;
  const config = (parse(readFileSync(file, 'utf8')) ?? {}) as {
    reconcile?: Record<string, unknown>;
    retention?: Record<string, unknown>;
  };
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  return {
    batchSize: number(config.reconcile?.batchSize, DEFAULTS.batchSize),
    batchingWindowSeconds: number(config.reconcile?.batchingWindowSeconds, DEFAULTS.batchingWindowSeconds),
    writeConcurrency: number(config.reconcile?.writeConcurrency, DEFAULTS.writeConcurrency),
    retention: {
      stoppedDays: number(config.retention?.stoppedDays, DEFAULTS.retention.stoppedDays),
      historyDays: number(config.retention?.historyDays, DEFAULTS.retention.historyDays),
    },
    source: 'ops.config.yml',
  };
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

/**
 * A job's items in the state table: resource = `job#<name>`; a run is entry `run#<slot ISO>`, a manual
 * request's slot entry `request#<id>`. Every item of a slot expires `retentionDays` after the slot (never with
 * 0). Pure.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { KEY, TTL_ATTRIBUTE } from '../platform/store/table.js';
import { expiryAttribute } from '../platform/store/ttl.js';
import type { JobRun } from './run.js';

type Item = Record<string, AttributeValue>;

export const RUN_ENTRY_PREFIX = 'run#';
const JOB_PARTITION_PREFIX = 'job#';
const REQUEST_ENTRY_PREFIX = 'request#';

export const jobPartition = (job: string) => `${JOB_PARTITION_PREFIX}${job}`;
const runEntry = (slot: string) => `${RUN_ENTRY_PREFIX}${new Date(slot).toISOString()}`;

export const runKey = (job: string, slot: string): Item => ({
  [KEY.partition]: { S: jobPartition(job) },
  [KEY.sort]: { S: runEntry(slot) },
});

export function runItem(run: JobRun, retentionDays: number): Item {
  return {
    ...marshall(run, { removeUndefinedValues: true }),
    ...runKey(run.job, run.slot),
    ...expiryAttribute(run.slot, retentionDays),
  };
}

/** The item mapping a manual run's request id to the slot its first delivery took. */
export function requestItem(job: string, requestId: string, slot: string, retentionDays: number): Item {
  return {
    [KEY.partition]: { S: jobPartition(job) },
    [KEY.sort]: { S: `${REQUEST_ENTRY_PREFIX}${requestId}` },
    slot: { S: slot },
    ...expiryAttribute(slot, retentionDays),
  };
}

export function toRun(item: Item): JobRun {
  const {
    [KEY.partition]: _p,
    [KEY.sort]: _s,
    [TTL_ATTRIBUTE]: _ttl,
    ...fields
  } = unmarshall(item) as Record<string, unknown>;
  const run = fields as unknown as JobRun;
  return { ...run, tasks: run.tasks ?? [], decisions: run.decisions ?? [], attempts: run.attempts ?? 0 };
}

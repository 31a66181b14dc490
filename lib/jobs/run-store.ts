/**
 * A job's runs in the state table, one item per slot: resource = `job#<name>`, entry = `run#<slot ISO>`. The
 * slot's item is the lock that keeps a slot to one launch (invariant 3): `begin` is a conditional put, so a
 * schedule delivered twice finds the run already there. Completion is a conditional status change from
 * `running`, so exactly one caller completes a run (and pages for it).
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { KEY, TTL_ATTRIBUTE } from '../platform/store/table.js';
import { conditionalWrite, queryItems } from '../platform/store/table-io.js';
import { expiryAttribute } from '../platform/store/ttl.js';
import type { RunResult } from './outcome.js';

export const RUN_STATUSES = ['launching', 'running', 'succeeded', 'failed', 'timed-out', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const JOB_PARTITION_PREFIX = 'job#';
export const RUN_ENTRY_PREFIX = 'run#';
export const REQUEST_ENTRY_PREFIX = 'request#';

export const jobPartition = (job: string) => `${JOB_PARTITION_PREFIX}${job}`;
export const runEntry = (slot: Date | string) => `${RUN_ENTRY_PREFIX}${new Date(slot).toISOString()}`;

export interface JobRun {
  job: string;
  /** ISO time of the slot (a manual run's: when it was asked for). */
  slot: string;
  status: RunStatus;
  cluster: string;
  /** Task ARNs launched for this run. */
  tasks: string[];
  /** RunTask calls made so far. */
  attempts: number;
  /** What was decided, in order, in words. */
  decisions: string[];
  /** `ecs-ops jobs run`'s request id, for a manual run. */
  requestId?: string;
  /** Until when the launching invocation owns the slot (ISO); after it, a redelivery may take over. */
  leaseUntil?: string;
  launchedAt?: string;
  completedAt?: string;
  result?: RunResult;
  reason?: string;
  exitCodes?: Record<string, number | null>;
  durationSeconds?: number;
  /** When job-timeouts first stopped the run's tasks for running too long (ISO): set once, by one sweep. */
  timeoutRequestedAt?: string;
  /** The slot of the run that replaced this one (concurrency Replace): its stop was intended. */
  replacedBy?: string;
  /**
   * The page for a failed run. The write that fails the run claims it (`sending`, with a lease); `sent` once SNS
   * took it. An SNS failure puts it back to `pending`, a crash lets the lease run out: either way the
   * redelivery claims and sends it, and concurrent deliveries never both send it.
   */
  alert?: 'pending' | 'sending' | 'sent';
  alertLeaseUntil?: string;
  alertMessageId?: string;
}

/** Longer than one publish with the SDK's retries; shorter than the queues' visibility timeouts. */
export const ALERT_LEASE_MS = 60_000;

export const alertClaim = (now: Date) => ({
  alert: 'sending' as const,
  alertLeaseUntil: new Date(now.getTime() + ALERT_LEASE_MS).toISOString(),
});

export interface RunStoreOptions {
  tableName: string;
  client: DynamoDBClient;
  /** Days to keep runs (from their slot); 0 keeps them forever. */
  retentionDays: number;
}

export type BeginResult = { begun: true; run: JobRun } | { begun: false; run: JobRun };

const COMPLETED: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'timed-out', 'skipped']);
export const isCompleted = (status: RunStatus) => COMPLETED.has(status);

export class RunStore {
  constructor(private readonly options: RunStoreOptions) {}

  private key(job: string, slot: string) {
    return { [KEY.partition]: { S: jobPartition(job) }, [KEY.sort]: { S: runEntry(slot) } };
  }

  /**
   * Records a new run of the slot, only if the slot has none (or its launcher's lease ran out while it was
   * still `launching`: that invocation died, and RunTask's client token keeps the retaken launch to one).
   * Otherwise the slot's run as stored comes back with `begun: false`.
   */
  async begin(run: JobRun, now: Date): Promise<BeginResult> {
    const { tableName, client } = this.options;
    const item = this.toItem(run);
    const put = await conditionalWrite(
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key) OR (#status = :launching AND #lease < :now)',
          ExpressionAttributeNames: { '#key': KEY.partition, '#status': 'status', '#lease': 'leaseUntil' },
          ExpressionAttributeValues: { ':launching': { S: 'launching' }, ':now': { S: now.toISOString() } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (put.written) return { begun: true, run };
    const existing = put.refusing === undefined ? await this.get(run.job, run.slot) : toRun(put.refusing);
    // Refused by an item that is gone by now: the slot is free again, and the redelivery begins it.
    if (existing === undefined) throw new Error(`job ${run.job} slot ${run.slot}: contended; will retry`);
    return { begun: false, run: existing };
  }

  /**
   * The slot of a manual run's request id: `slot` when the id is new, else the slot its first delivery took. A
   * retried `ecs-ops jobs run` (the SDK resends the same payload) thereby finds its run instead of starting a
   * second one. The mapping is an item of its own beside the runs, kept as long as they are.
   */
  async slotOfRequest(job: string, requestId: string, slot: string): Promise<string> {
    const { tableName, client } = this.options;
    const item: Record<string, AttributeValue> = {
      [KEY.partition]: { S: jobPartition(job) },
      [KEY.sort]: { S: `${REQUEST_ENTRY_PREFIX}${requestId}` },
      slot: { S: slot },
      ...this.expiry(slot),
    };
    const put = await conditionalWrite(
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': KEY.partition },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (put.written) return slot;
    const first = put.refusing?.slot?.S;
    if (first === undefined)
      throw new Error(`job ${job} request ${requestId}: its slot is unreadable; will retry`);
    return first;
  }

  async get(job: string, slot: string): Promise<JobRun | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(job, slot),
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : toRun(Item);
  }

  /**
   * Sets fields of a run and appends decisions. With `from`, only while the run's status is one of them, and
   * with `withoutAlert` only while it has no page yet: returns false when not (someone else moved it on).
   */
  async update(
    job: string,
    slot: string,
    changes: Partial<Omit<JobRun, 'job' | 'slot' | 'decisions'>>,
    options: { decisions?: string[]; from?: RunStatus[]; withoutAlert?: boolean } = {},
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = {};
    const sets: string[] = [];
    Object.entries(changes).forEach(([field, value], index) => {
      if (value === undefined) return;
      names[`#f${index}`] = field;
      values[`:f${index}`] = marshall({ value }, { removeUndefinedValues: true }).value as AttributeValue;
      sets.push(`#f${index} = :f${index}`);
    });
    if (options.decisions !== undefined && options.decisions.length > 0) {
      names['#decisions'] = 'decisions';
      values[':decisions'] = { L: options.decisions.map((S) => ({ S })) };
      values[':none'] = { L: [] };
      sets.push('#decisions = list_append(if_not_exists(#decisions, :none), :decisions)');
    }
    if (sets.length === 0) return true;
    let condition = 'attribute_exists(#key)';
    names['#key'] = KEY.partition;
    if (options.from !== undefined) {
      names['#status'] = 'status';
      const allowed = options.from.map((status, index) => {
        values[`:from${index}`] = { S: status };
        return `:from${index}`;
      });
      condition += ` AND #status IN (${allowed.join(', ')})`;
    }
    if (options.withoutAlert) {
      names['#alert'] = 'alert';
      condition += ' AND attribute_not_exists(#alert)';
    }
    const { written } = await conditionalWrite(
      this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(job, slot),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return written;
  }

  /**
   * Claims a running run's timeout for one sweep: sets `timeoutRequestedAt` and records the decision only if no
   * sweep has before. True for the sweep that did, which alone journals it; later sweeps may re-send StopTask.
   */
  async claimTimeout(job: string, slot: string, at: Date, decision: string): Promise<boolean> {
    const { written } = await conditionalWrite(
      this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(job, slot),
          UpdateExpression:
            'SET #requested = :at, #decisions = list_append(if_not_exists(#decisions, :none), :decision)',
          ConditionExpression: '#status = :running AND attribute_not_exists(#requested)',
          ExpressionAttributeNames: {
            '#requested': 'timeoutRequestedAt',
            '#decisions': 'decisions',
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ':at': { S: at.toISOString() },
            ':none': { L: [] },
            ':decision': { L: [{ S: decision }] },
            ':running': { S: 'running' },
          },
        }),
      ),
    );
    return written;
  }

  /** Completes a running run, once: true for the one caller whose change went through. */
  complete(
    job: string,
    slot: string,
    outcome: {
      result: RunResult;
      reason: string;
      exitCodes: Record<string, number | null>;
      durationSeconds: number;
      completedAt: string;
    },
    decision: string,
    page: boolean,
  ): Promise<boolean> {
    const claim = page ? alertClaim(new Date(outcome.completedAt)) : {};
    return this.update(
      job,
      slot,
      { status: outcome.result, ...outcome, ...claim },
      { decisions: [decision], from: ['running'] },
    );
  }

  /** Claims a run's page to send it: when it is pending, or claimed by a delivery whose lease ran out. */
  async claimAlert(job: string, slot: string, now: Date): Promise<boolean> {
    const { written } = await conditionalWrite(
      this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(job, slot),
          UpdateExpression: 'SET #alert = :sending, #lease = :until',
          ConditionExpression: '#alert = :pending OR (#alert = :sending AND #lease < :now)',
          ExpressionAttributeNames: { '#alert': 'alert', '#lease': 'alertLeaseUntil' },
          ExpressionAttributeValues: {
            ':pending': { S: 'pending' },
            ':sending': { S: 'sending' },
            ':now': { S: now.toISOString() },
            ':until': { S: alertClaim(now).alertLeaseUntil },
          },
        }),
      ),
    );
    return written;
  }

  /** Marks a claimed page sent. */
  alertSent(job: string, slot: string, messageId: string): Promise<boolean> {
    return this.update(job, slot, { alert: 'sent', alertMessageId: messageId });
  }

  /** Gives a claimed page back (SNS failed): the redelivery claims it at once. */
  alertUnsent(job: string, slot: string): Promise<boolean> {
    return this.update(job, slot, { alert: 'pending' });
  }

  /** Runs of the job that have not completed (launching or running), newest first. */
  async running(job: string): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    for await (const run of this.newestFirst(job, {
      filter: '#status IN (:launching, :running)',
      names: { '#status': 'status' },
      values: { ':launching': { S: 'launching' }, ':running': { S: 'running' } },
    })) {
      runs.push(run);
    }
    return runs;
  }

  /** The run that launched this task, newest runs searched first. */
  async find(job: string, taskArn: string): Promise<JobRun | undefined> {
    for await (const run of this.newestFirst(job, {
      filter: 'contains(#tasks, :task)',
      names: { '#tasks': 'tasks' },
      values: { ':task': { S: taskArn } },
    })) {
      if (run.tasks.includes(taskArn)) return run;
    }
    return undefined;
  }

  /** The job's latest runs, newest first (`ecs-ops jobs history`). */
  async history(job: string, limit = 20): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    for await (const run of this.newestFirst(job, { pageSize: limit })) {
      runs.push(run);
      if (runs.length >= limit) break;
    }
    return runs;
  }

  private async *newestFirst(
    job: string,
    query: {
      filter?: string;
      names?: Record<string, string>;
      values?: Record<string, AttributeValue>;
      pageSize?: number;
    },
  ): AsyncGenerator<JobRun> {
    const items = queryItems(this.options.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: '#p = :p AND begins_with(#s, :prefix)',
      ...(query.filter === undefined ? {} : { FilterExpression: query.filter }),
      ExpressionAttributeNames: { '#p': KEY.partition, '#s': KEY.sort, ...query.names },
      ExpressionAttributeValues: {
        ':p': { S: jobPartition(job) },
        ':prefix': { S: RUN_ENTRY_PREFIX },
        ...query.values,
      },
      ScanIndexForward: false,
      ConsistentRead: true,
      ...(query.pageSize === undefined ? {} : { Limit: query.pageSize }),
    });
    for await (const item of items) yield toRun(item);
  }

  private toItem(run: JobRun): Record<string, AttributeValue> {
    const item: Record<string, AttributeValue> = {
      ...marshall(run, { removeUndefinedValues: true }),
      ...this.key(run.job, run.slot),
    };
    return { ...item, ...this.expiry(run.slot) };
  }

  /** When an item of the slot expires: `retentionDays` after the slot, never with 0. */
  private expiry(slot: string): Record<string, AttributeValue> {
    return expiryAttribute(slot, this.options.retentionDays);
  }
}

function toRun(item: Record<string, AttributeValue>): JobRun {
  const {
    [KEY.partition]: _p,
    [KEY.sort]: _s,
    [TTL_ATTRIBUTE]: _ttl,
    ...fields
  } = unmarshall(item) as Record<string, unknown>;
  const run = fields as unknown as JobRun;
  return { ...run, tasks: run.tasks ?? [], decisions: run.decisions ?? [], attempts: run.attempts ?? 0 };
}

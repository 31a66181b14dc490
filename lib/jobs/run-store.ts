/**
 * A job's runs in the state table, one item per slot (run-items.ts). The slot's item is the lock that keeps a
 * slot to one launch: `begin` is a conditional put, so a schedule delivered twice finds the run already there.
 * Completion is a conditional status change from `running`, so exactly one caller completes a run, and the
 * same write claims its page (page-once.ts).
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Page } from '../platform/notification/page-once.js';
import { claimUpdate, givenBackUpdate, sentUpdate } from '../platform/notification/stored-page.js';
import type { UpdateParts } from '../platform/store/condition-expression.js';
import { KEY } from '../platform/store/table.js';
import { conditionalWrite, queryItems } from '../platform/store/table-io.js';
import type { RunResult } from './outcome.js';
import { type JobRun, RUN_PAGE, runPageClaim } from './run.js';
import { jobPartition, RUN_ENTRY_PREFIX, requestItem, runItem, runKey, toRun } from './run-items.js';
import { type RunChanges, type RunUpdateOptions, runUpdate } from './run-update.js';

export type { JobRun };

export interface RunStoreOptions {
  tableName: string;
  client: DynamoDBClient;
  /** Days to keep runs (from their slot); 0 keeps them forever. */
  retentionDays: number;
}

export interface BeginResult {
  begun: boolean;
  run: JobRun;
}

export class RunStore {
  constructor(private readonly options: RunStoreOptions) {}

  /**
   * Records a new run of the slot, only if the slot has none (or its launcher's lease ran out while it was
   * still `launching`: that invocation died, and RunTask's client token keeps the retaken launch to one).
   * Otherwise the slot's run as stored comes back with `begun: false`.
   */
  async begin(run: JobRun, now: Date): Promise<BeginResult> {
    const { tableName, client, retentionDays } = this.options;
    const put = await conditionalWrite(
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: runItem(run, retentionDays),
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
    const { tableName, client, retentionDays } = this.options;
    const put = await conditionalWrite(
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: requestItem(job, requestId, slot, retentionDays),
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
      new GetItemCommand({ TableName: this.options.tableName, Key: runKey(job, slot), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toRun(Item);
  }

  /**
   * Sets fields of a run and appends decisions (run-update.ts): false when a condition of `options` refused it
   * (someone else moved the run on).
   */
  async update(job: string, slot: string, changes: RunChanges, options?: RunUpdateOptions): Promise<boolean> {
    const parts = runUpdate(changes, options);
    return parts === undefined ? true : this.write(job, slot, parts);
  }

  /**
   * Claims a running run's timeout for one sweep: sets `timeoutRequestedAt` and records the decision only if no
   * sweep has before. True for the sweep that did, which alone journals it; later sweeps may re-send StopTask.
   */
  claimTimeout(job: string, slot: string, at: Date, decision: string): Promise<boolean> {
    return this.write(job, slot, {
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
    });
  }

  /** Completes a running run, once: true for the one caller whose change went through (and claimed the page). */
  complete(
    job: string,
    slot: string,
    outcome: {
      result: RunResult;
      reason: string;
      exitCodes: Record<string, number | null>;
      durationSeconds: number;
      completedAt: string;
      foundByResync?: JobRun['foundByResync'];
    },
    decision: string,
    page: boolean,
  ): Promise<boolean> {
    const claim = page ? runPageClaim(new Date(outcome.completedAt)) : {};
    return this.update(
      job,
      slot,
      { status: outcome.result, ...outcome, ...claim },
      { decisions: [decision], from: ['running'] },
    );
  }

  /** The run's page for page-once: claimed when owed and free, marked sent, given back. */
  page(job: string, slot: string, now: () => Date): Omit<Page, 'publish'> {
    return {
      claim: () => this.write(job, slot, claimUpdate(RUN_PAGE, now())),
      markSent: (messageId) => this.write(job, slot, sentUpdate(RUN_PAGE, messageId)),
      giveBack: () => this.write(job, slot, givenBackUpdate(RUN_PAGE)),
    };
  }

  /** Runs of the job that have not completed (launching or running), newest first. */
  async running(job: string): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    for await (const run of this.newestFirst(job, {
      FilterExpression: '#status IN (:launching, :running)',
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
      FilterExpression: 'contains(#tasks, :task)',
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
    for await (const run of this.newestFirst(job, { Limit: limit })) {
      runs.push(run);
      if (runs.length >= limit) break;
    }
    return runs;
  }

  private async write(job: string, slot: string, parts: UpdateParts): Promise<boolean> {
    const { client, tableName } = this.options;
    const { written } = await conditionalWrite(
      client.send(new UpdateItemCommand({ TableName: tableName, Key: runKey(job, slot), ...parts })),
    );
    return written;
  }

  private async *newestFirst(
    job: string,
    query: Pick<QueryCommandInput, 'FilterExpression' | 'Limit'> & {
      names?: Record<string, string>;
      values?: QueryCommandInput['ExpressionAttributeValues'];
    },
  ): AsyncGenerator<JobRun> {
    const { names, values, ...rest } = query;
    const items = queryItems(this.options.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: '#p = :p AND begins_with(#s, :prefix)',
      ...rest,
      ExpressionAttributeNames: { '#p': KEY.partition, '#s': KEY.sort, ...names },
      ExpressionAttributeValues: {
        ':p': { S: jobPartition(job) },
        ':prefix': { S: RUN_ENTRY_PREFIX },
        ...values,
      },
      ScanIndexForward: false,
      ConsistentRead: true,
    });
    for await (const item of items) yield toRun(item);
  }
}

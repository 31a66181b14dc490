/**
 * SQS's message move tasks, the dead-letter queue redrive: StartMessageMoveTask and ListMessageMoveTasks over
 * the local queues, with the errors SQS answers. A task moves the messages its source held when it started,
 * oldest first, each as a new message (new id, new sent time; body and message attributes kept), at
 * MaxNumberOfMessagesPerSecond by the queues' clock; without one SQS picks its own rate, here its maximum.
 * A hidden message waits until it is visible again. No timer runs: tasks advance whenever the local SQS is
 * called, so whoever looks through the endpoint sees them as far as the clock has gone.
 */
import { randomUUID } from 'node:crypto';
import type * as SQS from '@aws-sdk/client-sqs';
import { AwsError } from '../endpoint/aws-error.js';
import type { SqsQueue } from './queue.js';

/** SQS's cap on MaxNumberOfMessagesPerSecond, and the rate of a task started without one. */
const MAX_RATE = 500;
/** ListMessageMoveTasks lists at most this many, the most recent first. */
const MAX_LISTED = 10;
/**
 * What a task started without DestinationArn reports when a message has no queue to go back to (it was sent
 * to the dead-letter queue directly, not moved there by a redrive policy). AWS documents no reason for that
 * case; this is the one it gives when the queue a task moves to does not exist.
 */
const NO_DESTINATION = 'AWS.SimpleQueueService.NonExistentQueue';

interface MoveTask {
  handle: string;
  source: SqsQueue;
  /** Absent: each message goes back to the queue whose redrive policy moved it to the source. */
  destinationArn?: string;
  maxPerSecond?: number;
  startedAt: number;
  toMove: number;
  moved: number;
  /** The ids still to move, oldest first. */
  pending: string[];
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  failureReason?: string;
}

/** What the tasks need of the queues. */
export interface MoveTaskQueues {
  now(): number;
  byArn(arn: string): SqsQueue | undefined;
  /** The queues whose redrive policy names `queue` as their dead-letter queue. */
  sourcesOf(queue: SqsQueue): SqsQueue[];
}

export class MoveTasks {
  private readonly tasks: MoveTask[] = [];

  constructor(private readonly queues: MoveTaskQueues) {}

  start(input: SQS.StartMessageMoveTaskRequest): SQS.StartMessageMoveTaskResult {
    const rate = input.MaxNumberOfMessagesPerSecond;
    if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You must enter a number that's between 1 and ${MAX_RATE}.`,
      );
    }
    const source = this.existing(input.SourceArn, 'SourceArn');
    if (this.queues.sourcesOf(source).length === 0) {
      throw new AwsError('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.');
    }
    if (input.DestinationArn !== undefined) this.existing(input.DestinationArn, 'DestinationArn');
    if (this.tasks.some((task) => task.source === source && task.status === 'RUNNING')) {
      throw new AwsError(
        'InvalidParameterValue',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    }
    const pending = source.messageIds();
    const task: MoveTask = {
      // Shaped like SQS's: the task and its source, base64-encoded.
      handle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn })).toString('base64'),
      source,
      ...(input.DestinationArn === undefined ? {} : { destinationArn: input.DestinationArn }),
      ...(rate === undefined ? {} : { maxPerSecond: rate }),
      startedAt: this.queues.now(),
      toMove: pending.length,
      moved: 0,
      pending,
      status: 'RUNNING',
    };
    this.tasks.push(task);
    return { TaskHandle: task.handle };
  }

  list(input: SQS.ListMessageMoveTasksRequest): SQS.ListMessageMoveTasksResult {
    const max = input.MaxResults ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_LISTED) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and ${MAX_LISTED}.`,
      );
    }
    const source = this.existing(input.SourceArn, 'SourceArn');
    const recent = this.tasks.filter((task) => task.source === source).reverse();
    return { Results: recent.slice(0, max).map(entryOf) };
  }

  /** Moves what each running task may have moved by now. */
  advance(): void {
    for (const task of this.tasks) if (task.status === 'RUNNING') this.step(task);
  }

  private step(task: MoveTask): void {
    const elapsedSeconds = (this.queues.now() - task.startedAt) / 1000;
    let allowed = Math.floor(elapsedSeconds * (task.maxPerSecond ?? MAX_RATE)) - task.moved;
    for (const id of [...task.pending]) {
      if (allowed <= 0) break;
      const message = task.source.held(id);
      if (message === undefined) {
        // Deleted since the task started: nothing left to move.
        task.pending.splice(task.pending.indexOf(id), 1);
        continue;
      }
      if (!message.visible) continue;
      const destinationArn = task.destinationArn ?? message.deadLetterSourceArn;
      const destination = destinationArn === undefined ? undefined : this.queues.byArn(destinationArn);
      if (destination === undefined) {
        task.status = 'FAILED';
        task.failureReason = NO_DESTINATION;
        return;
      }
      destination.send(message.body, { messageAttributes: message.messageAttributes });
      task.source.remove(id);
      task.pending.splice(task.pending.indexOf(id), 1);
      task.moved += 1;
      allowed -= 1;
    }
    if (task.pending.length === 0) task.status = 'COMPLETED';
  }

  private existing(arn: string | undefined, parameter: 'SourceArn' | 'DestinationArn'): SqsQueue {
    if (arn === undefined || arn === '') {
      throw new AwsError('MissingParameter', `The request must contain the parameter ${parameter}.`);
    }
    const queue = this.queues.byArn(arn);
    if (queue === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `The resource that you specified for the ${parameter} parameter doesn't exist.`,
        404,
      );
    }
    return queue;
  }
}

/** As SQS lists a task: the handle only while it runs; the destination and rate only when they were given. */
function entryOf(task: MoveTask): SQS.ListMessageMoveTasksResultEntry {
  return {
    ...(task.status === 'RUNNING' ? { TaskHandle: task.handle } : {}),
    Status: task.status,
    SourceArn: task.source.arn,
    ...(task.destinationArn === undefined ? {} : { DestinationArn: task.destinationArn }),
    ...(task.maxPerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: task.maxPerSecond }),
    ApproximateNumberOfMessagesMoved: task.moved,
    ApproximateNumberOfMessagesToMove: task.toMove,
    ...(task.failureReason === undefined ? {} : { FailureReason: task.failureReason }),
    StartedTimestamp: task.startedAt,
  };
}

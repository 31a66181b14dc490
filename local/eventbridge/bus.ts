/**
 * The local EventBridge default bus and Lambda's SQS event source mappings, driving the real handlers:
 * - publish: every enabled rule whose pattern matches gets the envelope; a queue target receives the envelope
 *   JSON as the message body (what EventBridge puts on SQS), a function target is invoked with the envelope;
 * - pump: one polling round per event source mapping: a batch of up to batchSize records, held until full or
 *   until the batching window has passed since the mapping first saw a message, then one invocation; with
 *   ReportBatchItemFailures every record except the reported ones is deleted, a thrown error keeps them all,
 *   and the queue's redrive policy moves records received too often to the dead-letter queue.
 * Time is the injected clock: nothing here waits or advances it, so visibility timeouts pass only when the
 * caller moves the clock (or, in tests, `drain({ elapseTimeouts: true })` treats them as passed).
 * Chaos models what AWS allows: duplicate deliveries (at-least-once), any receive order (standard queues), and
 * ECS state-change events that never arrive (see Chaos.loss).
 */
import type { SQSEvent, SQSMessageAttributes } from 'aws-lambda';
import { ECS_DETAIL_TYPES, TASK_STATE_CHANGE } from '../../lib/platform/events/ecs-event.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { EVENT_SOURCE } from '../../lib/platform/events/statuses.js';
import { seededRandom } from '../random.js';
import type { Route, SqsFunction } from '../serverless/routes.js';
import type { LocalQueues } from '../sqs/local-queues.js';
import type { ReceivedMessage, SqsQueue } from '../sqs/queue.js';
import { compilePattern } from './event-pattern.js';

export interface Chaos {
  /** Probability (0–1) that a delivery to a rule's target happens twice. */
  duplicate?: number;
  /** Receive visible messages in a random order instead of oldest first. */
  reorder?: boolean;
  /**
   * Probability (0–1) that an ECS state-change event (source `aws.ecs`, detail-type `ECS Task State Change` or
   * `ECS Container Instance State Change`) is lost before any rule sees it: ECS never delivered it, so every
   * consumer misses it — as when the agent of an instance that died sends no STOPPED for its tasks
   * (amazon-ecs-agent#573), a rule is disabled during a change, or a record outlives its queue's retention.
   * Only these events are ever lost: resync heals ECS state alone (it reads tasks and container instances back
   * from the ECS API), while a lost Auto Scaling lifecycle action, Spot warning or scheduled invocation has no
   * such repair, so losing one would test nothing but the loss.
   */
  loss?: number;
  /** Seeds the chaos; without one, the bus's `random` drives it. */
  seed?: number;
}

export interface LocalEventBusOptions {
  routes: readonly Route[];
  /** The queues the routes name must exist here (LocalQueues.createAll(deployment.queues)). */
  queues: LocalQueues;
  /** Invokes a function by name: an SQSEvent for queue routes, the envelope for direct routes. */
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  now: () => number;
  random: () => number;
  chaos?: Chaos;
  region?: string;
  /** Told of each event chaos loses, as it is lost (the sandbox's live view says so). */
  onLost?: (event: LostEvent) => void;
}

export interface PumpResult {
  invocations: number;
  records: number;
  batchItemFailures: number;
  deadLettered: number;
}

export interface DrainResult extends PumpResult {
  rounds: number;
  /** False when messages are still in flight (the clock must move) or maxRounds was reached. */
  settled: boolean;
}

/** An ECS state-change event that chaos lost: which resource, at which version, never reached a rule. */
export interface LostEvent {
  detailType: (typeof ECS_DETAIL_TYPES)[number];
  /** The task's or container instance's ARN (detail.taskArn / detail.containerInstanceArn). */
  arn: string;
  /** detail.version, null when the event had none (a malformed event is lost like any other). */
  version: number | null;
  /** The EventBridge event id. */
  id: string;
}

export interface BusCounters {
  /** Events handed to publish, the lost ones included. */
  published: number;
  /** ECS state-change events lost by chaos (Chaos.loss): no rule saw them; lostEvents() lists them. */
  lost: number;
  /** Envelopes matched, by rule. */
  matched: Record<string, number>;
  /** Events matching no rule. */
  unmatched: number;
  /** Records and envelopes handed to functions. */
  delivered: number;
  duplicatesInjected: number;
  /** Records delivered again after a failure or a visibility timeout. */
  redelivered: number;
  deadLettered: number;
  invocations: number;
  /** Invocations that threw (whole batch kept) or asynchronous invocations that failed every attempt. */
  failedInvocations: number;
}

/** Lambda retries a failed asynchronous invocation twice. */
const ASYNC_ATTEMPTS = 3;

/** One event source mapping: a function polling one queue. */
interface Mapping {
  queue: SqsQueue;
  function: SqsFunction;
  /** When the mapping first saw a visible message of the batch it is gathering. */
  openedAt?: number;
}

export class LocalEventBus {
  private readonly routes: { route: Route; matches: (event: unknown) => boolean; queue?: SqsQueue }[];
  private readonly mappings: Mapping[];
  private readonly invoke: LocalEventBusOptions['invoke'];
  private readonly now: () => number;
  private readonly chaos: Chaos;
  private readonly chance: () => number;
  private readonly region: string;
  private readonly onLost: LocalEventBusOptions['onLost'];
  private readonly lost: LostEvent[] = [];
  private readonly tally: BusCounters = {
    published: 0,
    lost: 0,
    matched: {},
    unmatched: 0,
    delivered: 0,
    duplicatesInjected: 0,
    redelivered: 0,
    deadLettered: 0,
    invocations: 0,
    failedInvocations: 0,
  };

  constructor(options: LocalEventBusOptions) {
    this.invoke = options.invoke;
    this.onLost = options.onLost;
    this.now = options.now;
    this.chaos = options.chaos ?? {};
    this.chance = this.chaos.seed === undefined ? options.random : seededRandom(this.chaos.seed);
    this.region = options.region ?? options.queues.region;
    this.mappings = [];
    this.routes = options.routes.map((route) => {
      const matches = compilePattern(route.pattern);
      if (route.kind === 'direct') return { route, matches };
      const queue = options.queues.named(route.queue.name);
      const known = this.mappings.some(
        (mapping) => mapping.queue === queue && mapping.function.name === route.function.name,
      );
      if (!known) this.mappings.push({ queue, function: route.function });
      return { route, matches, queue };
    });
  }

  /**
   * Delivers the envelope to every matching rule's target on `eventBus`; returns the matched rules (none for an
   * event that chaos lost).
   */
  async publish(envelope: EventEnvelope | Record<string, unknown>, eventBus = 'default'): Promise<string[]> {
    this.tally.published += 1;
    const lost = (this.chaos.loss ?? 0) > 0 ? ecsStateChange(envelope) : undefined;
    if (lost !== undefined && this.roll(this.chaos.loss ?? 0)) {
      this.tally.lost += 1;
      this.lost.push(lost);
      this.onLost?.({ ...lost });
      return [];
    }
    const matched = this.routes.filter(
      ({ route, matches }) => route.eventBus === eventBus && matches(envelope),
    );
    if (matched.length === 0) this.tally.unmatched += 1;
    for (const { route, queue } of matched) {
      this.tally.matched[route.rule] = (this.tally.matched[route.rule] ?? 0) + 1;
      const copies = this.roll(this.chaos.duplicate ?? 0) ? 2 : 1;
      this.tally.duplicatesInjected += copies - 1;
      for (let copy = 0; copy < copies; copy++) {
        if (queue) queue.send(JSON.stringify(envelope));
        else await this.invokeAsync(route.function.name, envelope);
      }
    }
    return matched.map(({ route }) => route.rule);
  }

  /** One polling round of every event source mapping; `flush` skips the batching window. */
  async pump(options: { flush?: boolean } = {}): Promise<PumpResult> {
    const result: PumpResult = { invocations: 0, records: 0, batchItemFailures: 0, deadLettered: 0 };
    for (const mapping of this.mappings) {
      const before = mapping.queue.deadLettered;
      await this.poll(mapping, options.flush === true, result);
      result.deadLettered += mapping.queue.deadLettered - before;
    }
    this.tally.deadLettered += result.deadLettered;
    return result;
  }

  /**
   * Pumps with `flush` until no consumed queue holds a message (only dead-letter queues may), or messages
   * remain in flight. With `elapseTimeouts`, in-flight messages are made visible instead: the failures'
   * visibility timeouts count as passed, so retries and redrives happen without moving the clock.
   */
  async drain(options: { elapseTimeouts?: boolean; maxRounds?: number } = {}): Promise<DrainResult> {
    const total: DrainResult = {
      invocations: 0,
      records: 0,
      batchItemFailures: 0,
      deadLettered: 0,
      rounds: 0,
      settled: false,
    };
    const maxRounds = options.maxRounds ?? 10_000;
    while (total.rounds < maxRounds) {
      const depths = this.mappings.map((mapping) => mapping.queue.depth());
      if (depths.every((depth) => depth.visible + depth.inFlight + depth.delayed === 0)) {
        total.settled = true;
        break;
      }
      if (depths.every((depth) => depth.visible === 0)) {
        if (!options.elapseTimeouts) break;
        for (const mapping of this.mappings) mapping.queue.expireTimers();
      }
      const round = await this.pump({ flush: true });
      total.rounds += 1;
      total.invocations += round.invocations;
      total.records += round.records;
      total.batchItemFailures += round.batchItemFailures;
      total.deadLettered += round.deadLettered;
    }
    return total;
  }

  counters(): BusCounters {
    return { ...this.tally, matched: { ...this.tally.matched } };
  }

  /** The ECS state-change events chaos lost, in publish order. */
  lostEvents(): LostEvent[] {
    return this.lost.map((event) => ({ ...event }));
  }

  private async poll(mapping: Mapping, flush: boolean, result: PumpResult): Promise<void> {
    const { queue, function: fn } = mapping;
    const visible = queue.depth().visible;
    if (visible === 0) {
      mapping.openedAt = undefined;
      return;
    }
    mapping.openedAt ??= this.now();
    const windowPassed = this.now() - mapping.openedAt >= fn.maximumBatchingWindowSeconds * 1000;
    if (!flush && visible < fn.batchSize && !windowPassed) return;
    mapping.openedAt = undefined;
    const messages = queue.receive(fn.batchSize, this.chaos.reorder ? { shuffle: this.chance } : {});
    if (messages.length === 0) return;
    const event: SQSEvent = { Records: messages.map((message) => this.record(queue, message)) };
    result.invocations += 1;
    result.records += messages.length;
    this.tally.invocations += 1;
    this.tally.delivered += messages.length;
    this.tally.redelivered += messages.filter(
      (message) => message.attributes.ApproximateReceiveCount !== '1',
    ).length;
    let response: unknown;
    try {
      response = await this.invoke(fn.name, event);
    } catch {
      // The whole batch stays: every record comes back after the visibility timeout.
      this.tally.failedInvocations += 1;
      result.batchItemFailures += messages.length;
      return;
    }
    const failed = failedIds(fn, response, messages);
    result.batchItemFailures += failed.size;
    for (const message of messages) if (!failed.has(message.messageId)) queue.delete(message.receiptHandle);
  }

  private record(queue: SqsQueue, message: ReceivedMessage): SQSEvent['Records'][number] {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: message.attributes.ApproximateReceiveCount,
        SentTimestamp: message.attributes.SentTimestamp,
        SenderId: message.attributes.SenderId,
        ApproximateFirstReceiveTimestamp: message.attributes.ApproximateFirstReceiveTimestamp,
      },
      messageAttributes: lambdaMessageAttributes(message),
      md5OfBody: message.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: this.region,
    };
  }

  private async invokeAsync(functionName: string, envelope: unknown): Promise<void> {
    for (let attempt = 1; attempt <= ASYNC_ATTEMPTS; attempt++) {
      this.tally.invocations += 1;
      this.tally.delivered += 1;
      try {
        await this.invoke(functionName, envelope);
        return;
      } catch {
        if (attempt < ASYNC_ATTEMPTS) this.tally.redelivered += 1;
      }
    }
    this.tally.failedInvocations += 1;
  }

  private roll(probability: number): boolean {
    return probability > 0 && this.chance() < probability;
  }
}

/** The envelope as a LostEvent when it is an ECS state change (the only events chaos may lose). */
function ecsStateChange(published: EventEnvelope | Record<string, unknown>): LostEvent | undefined {
  const envelope = published as Record<string, unknown>;
  const detailType = envelope['detail-type'];
  if (envelope.source !== EVENT_SOURCE) return undefined;
  const type = ECS_DETAIL_TYPES.find((known) => known === detailType);
  if (type === undefined) return undefined;
  const detail = (envelope.detail ?? {}) as Record<string, unknown>;
  const arnField = type === TASK_STATE_CHANGE ? detail.taskArn : detail.containerInstanceArn;
  const resources = Array.isArray(envelope.resources) ? (envelope.resources as unknown[]) : [];
  const arn = [arnField, resources[0]].find((value): value is string => typeof value === 'string') ?? '';
  return {
    detailType: type,
    arn,
    version: typeof detail.version === 'number' ? detail.version : null,
    id: typeof envelope.id === 'string' ? envelope.id : '',
  };
}

/**
 * The records to keep. Without ReportBatchItemFailures a returned invocation deletes the batch; with it, a
 * response naming an id that is not in the batch (or none at all) fails the whole batch, as Lambda does.
 */
function failedIds(fn: SqsFunction, response: unknown, messages: readonly ReceivedMessage[]): Set<string> {
  if (fn.functionResponseType !== 'ReportBatchItemFailures') return new Set();
  const failures = (response as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  const ids = new Set(messages.map((message) => message.messageId));
  const reported = Array.isArray(failures)
    ? failures.map((failure) => (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier)
    : [undefined];
  return reported.every((id): id is string => typeof id === 'string' && ids.has(id))
    ? new Set(reported)
    : ids;
}

/** SQS message attributes in the shape Lambda gives them (camel-cased fields). */
function lambdaMessageAttributes(message: ReceivedMessage): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(message.messageAttributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined
          ? {}
          : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
}

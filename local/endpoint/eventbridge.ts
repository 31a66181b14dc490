/**
 * EventBridge's PutEvents over any bus's publish: each entry checked as EventBridge checks it, turned into the
 * envelope EventBridge delivers to a rule's targets, and published to its bus, in request order.
 *
 * What AWS refuses, and how:
 * - no entries, or more than 10: the whole request, ValidationException;
 * - per entry, in `Entries` at the entry's index (the others are still published): Source, DetailType or
 *   Detail missing (InvalidArgument), Detail not a JSON object (MalformedDetail), a Source starting with `aws.`
 *   (NotAuthorizedForSourceException), an entry over 256 KB counted as EventBridge counts it (InvalidArgument);
 * - the accepted entries together over 256 KB: the whole request, ValidationException, before any is published.
 */
import { randomUUID } from 'node:crypto';
import type * as EB from '@aws-sdk/client-eventbridge';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { envelopeTime } from '../ecs/events.js';
import { AwsError } from './aws-error.js';
import type { EventBridgeBackend } from './backends.js';
import { isRecord } from './paths.js';

/** PutEvents takes at most this many entries. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** The most an entry, and all of a request's entries together, may weigh (see putEventsEntrySize). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** Hands one envelope to the rules of the named bus (`default` unless the entry named another). */
export type PublishEvent = (envelope: EventEnvelope, eventBus: string) => Promise<unknown>;

export interface EventBridgeBackendOptions {
  /** The envelopes' `account` and `region`. */
  account: string;
  region: string;
  /** The `time` of entries that carry no Time; the wall clock by default. */
  now?: () => Date | number;
  /** Each published event's id; random UUIDs by default. */
  newId?: () => string;
}

type Checked =
  | { ok: true; envelope: EventEnvelope; eventBus: string; size: number }
  | EB.PutEventsResultEntry;

export function eventBridgeBackend(
  publish: PublishEvent,
  options: EventBridgeBackendOptions,
): EventBridgeBackend {
  const now = options.now ?? (() => Date.now());
  const newId = options.newId ?? randomUUID;
  return {
    async putEvents(input) {
      const entries: unknown = input.Entries;
      if (!Array.isArray(entries) || entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
        const count = Array.isArray(entries) ? entries.length : 0;
        throw new AwsError(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have ` +
            `length between 1 and ${PUT_EVENTS_MAX_ENTRIES} (it has ${count})`,
        );
      }
      const checked = entries.map((entry): Checked => check(entry, options, now, newId));
      const total = checked.reduce((sum, c) => sum + ('ok' in c ? c.size : 0), 0);
      if (total > PUT_EVENTS_MAX_BYTES) {
        throw new AwsError(
          'ValidationException',
          'Total size of the entries in the request is over the limit.',
        );
      }
      const results: EB.PutEventsResultEntry[] = [];
      for (const c of checked) {
        if (!('ok' in c)) {
          results.push(c);
          continue;
        }
        try {
          await publish(c.envelope, c.eventBus);
          results.push({ EventId: c.envelope.id });
        } catch (error) {
          // EventBridge reports its own failures per entry, as retryable: the caller resends only these.
          results.push(failure('InternalFailure', error instanceof Error ? error.message : String(error)));
        }
      }
      return {
        FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
        Entries: results,
      };
    },
  };
}

/**
 * An entry's size as EventBridge counts it against the 256 KB limit: 14 bytes for a Time, and the UTF-8 bytes of
 * Source, DetailType, Detail and each of Resources.
 */
export function putEventsEntrySize(entry: EB.PutEventsRequestEntry): number {
  const bytes = (text: unknown) => (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0);
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (Array.isArray(entry.Resources) ? entry.Resources.reduce((sum, r) => sum + bytes(r), 0) : 0)
  );
}

function check(
  raw: unknown,
  options: EventBridgeBackendOptions,
  now: () => Date | number,
  newId: () => string,
): Checked {
  if (!isRecord(raw)) return failure('InvalidArgument', 'The entry is not a JSON object.');
  const entry = raw as EB.PutEventsRequestEntry;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value: unknown = entry[field];
    if (typeof value !== 'string' || value === '') {
      return failure(
        'InvalidArgument',
        `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      );
    }
  }
  const source = entry.Source as string;
  if (source.startsWith('aws.'))
    return failure('NotAuthorizedForSourceException', 'Not authorized for the source.');
  const resources: unknown = entry.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    return failure(
      'InvalidArgument',
      'Parameter Resources is not valid. Reason: Resources must be a list of strings.',
    );
  }
  const time = entry.Time === undefined ? new Date(now()) : entry.Time;
  if (!(time instanceof Date) || Number.isNaN(time.getTime())) {
    return failure('InvalidArgument', 'Parameter Time is not valid. Reason: Time must be a timestamp.');
  }
  const size = putEventsEntrySize(entry);
  if (size > PUT_EVENTS_MAX_BYTES) {
    return failure(
      'InvalidArgument',
      `Event size of ${size} bytes exceeds the maximum of ${PUT_EVENTS_MAX_BYTES} bytes.`,
    );
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    return failure('MalformedDetail', 'Detail is malformed.');
  }
  if (!isRecord(detail)) return failure('MalformedDetail', 'Detail is malformed.');
  return {
    ok: true,
    size,
    eventBus: busName(entry.EventBusName),
    envelope: {
      version: '0',
      id: newId(),
      'detail-type': entry.DetailType as string,
      source,
      account: options.account,
      time: envelopeTime(time.getTime()),
      region: options.region,
      resources: resources as string[],
      detail,
    },
  };
}

/** EventBusName is a name or an ARN (`arn:aws:events:…:event-bus/<name>`); absent means `default`. */
function busName(reference: string | undefined): string {
  if (reference === undefined || reference === '') return 'default';
  return reference.startsWith('arn:') ? (reference.split(':event-bus/')[1] ?? reference) : reference;
}

const failure = (ErrorCode: string, ErrorMessage: string): EB.PutEventsResultEntry => ({
  ErrorCode,
  ErrorMessage,
});

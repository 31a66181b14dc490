/**
 * The journal: every side effect ecs-ops takes (an alert sent, grouped or muted; later a job launched, a
 * scaling decision, a drain) as one item in the state table, so the CLI can answer for it afterwards.
 *
 * Items are partitioned by UTC day — resource = `journal#<YYYY-MM-DD>`, entry = `<ISO at>#<kind>#<id>` — so
 * "what happened today" and "what happened since 24h" are Queries of one or two partitions, newest first, and
 * the entries of a day sort by time. A day's partition takes every capability's writes, which are rare (pages,
 * launches, decisions: not per event). An item holds `at`, `kind`, `subject`, `id` and the capability's own
 * `fields` (a map). Writing an entry twice with the same `at` and `id` overwrites it, so a
 * retried step that reuses its time and id journals once. Entries expire after `retention.historyDays`.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { KEY } from './store/table.js';
import { queryItems } from './store/table-io.js';
import { expiryAttribute } from './store/ttl.js';

export const JOURNAL_PARTITION_PREFIX = 'journal#';

/** The partition of a UTC day: `journal#2024-05-01`. */
export const journalPartition = (at: string) =>
  `${JOURNAL_PARTITION_PREFIX}${new Date(at).toISOString().slice(0, 10)}`;

/** The sort key of an entry: its time first, so a day's entries sort by time. */
export const journalEntryKey = (at: string, kind: string, id: string) =>
  `${new Date(at).toISOString()}#${kind}#${id}`;

export interface JournalEntry<T extends object = Record<string, unknown>> {
  /** ISO time of what happened. */
  at: string;
  /** The capability that journaled it: `alert`, later `job`, `scaling`, `drain`. */
  kind: string;
  /** What it is about, e.g. `prod/service:web`. */
  subject: string;
  /** Unique among entries of the same kind and time (a task id, an incident key, a window). */
  id: string;
  fields: T;
}

export interface ListJournalOptions {
  kind?: string;
  /** ISO time; default: 24 hours before `until`. */
  since?: string;
  /** ISO time; default: now. */
  until?: string;
  limit?: number;
}

const DAY_MS = 86_400_000;

export interface JournalOptions {
  tableName: string;
  client: DynamoDBClient;
  /** Days to keep entries; 0 keeps them forever. */
  retentionDays: number;
}

export class Journal {
  constructor(private readonly options: JournalOptions) {}

  async append<T extends object>(entry: JournalEntry<T>): Promise<void> {
    const { tableName, client, retentionDays } = this.options;
    const item: Record<string, AttributeValue> = {
      [KEY.partition]: { S: journalPartition(entry.at) },
      [KEY.sort]: { S: journalEntryKey(entry.at, entry.kind, entry.id) },
      at: { S: new Date(entry.at).toISOString() },
      kind: { S: entry.kind },
      subject: { S: entry.subject },
      id: { S: entry.id },
      // A map of their own, so a capability's field names never collide with the journal's attributes.
      fields: { M: marshall(entry.fields, { removeUndefinedValues: true, convertClassInstanceToMap: true }) },
    };
    Object.assign(item, expiryAttribute(entry.at, retentionDays));
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  }

  /** Entries between `since` and `until`, newest first: one Query per UTC day, newest day first. */
  async list<T extends object = Record<string, unknown>>(
    options: ListJournalOptions = {},
  ): Promise<JournalEntry<T>[]> {
    const until = new Date(options.until ?? Date.now());
    const since = new Date(options.since ?? until.getTime() - DAY_MS);
    const entries: JournalEntry<T>[] = [];
    for (const day of daysNewestFirst(since, until)) {
      const items = queryItems(this.options.client, {
        TableName: this.options.tableName,
        KeyConditionExpression: '#p = :p AND #s BETWEEN :since AND :until',
        ...(options.kind === undefined ? {} : { FilterExpression: '#kind = :kind' }),
        ExpressionAttributeNames: {
          '#p': KEY.partition,
          '#s': KEY.sort,
          ...(options.kind === undefined ? {} : { '#kind': 'kind' }),
        },
        ExpressionAttributeValues: {
          ':p': { S: journalPartition(day.toISOString()) },
          ':since': { S: since.toISOString() },
          // '~' sorts after '#': every entry at exactly `until` is included.
          ':until': { S: `${until.toISOString()}~` },
          ...(options.kind === undefined ? {} : { ':kind': { S: options.kind } }),
        },
        ScanIndexForward: false,
      });
      for await (const item of items) {
        entries.push(toEntry<T>(item));
        if (options.limit !== undefined && entries.length >= options.limit) return entries;
      }
    }
    return entries;
  }
}

/** UTC days (their midnights) from `until`'s day back to `since`'s day. */
export function daysNewestFirst(since: Date, until: Date): Date[] {
  const days: Date[] = [];
  const first = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  for (
    let day = Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), until.getUTCDate());
    day >= first;
    day -= DAY_MS
  ) {
    days.push(new Date(day));
  }
  return days;
}

function toEntry<T extends object>(item: Record<string, AttributeValue>): JournalEntry<T> {
  const { at, kind, subject, id, fields } = unmarshall(item);
  return {
    at: String(at),
    kind: String(kind),
    subject: String(subject),
    id: String(id),
    fields: (fields ?? {}) as T,
  };
}

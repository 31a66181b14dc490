/**
 * Crash-loop windows in the state table, decided by conditional writes (no read-then-write, no Scan).
 *
 * One item per group: resource = `alert-window#<cluster>#<group>`, entry = `window`. The first incident of a
 * group opens a window (conditional UpdateItem: no window, or the last one ended and was closed) and pages;
 * incidents while it is open are counted into it (`ADD count 1`) and do not page. When it ends, the summary
 * sweeper closes it (conditional REMOVE of its index keys: only one closer wins) and sends one summary if it
 * counted anything. An open window carries the byStatus index keys `alerts|open-windows` / `endsAt`, so the
 * sweeper lists due windows with one Query of a sparse partition; closed windows leave the index.
 *
 * Retries: the window remembers the incident that opened it (`openedBy`) and the last one it counted
 * (`lastIncident`), so a redelivered incident whose first attempt died after the window write still pages
 * (opener) or is not counted twice (the immediate retry of the last one counted).
 */
import { type AttributeValue, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { INDEX, KEY, TTL_ATTRIBUTE } from '../platform/store/table.js';
import { conditionalWrite, queryItems } from '../platform/store/table-io.js';
import { expiresAt } from '../platform/store/ttl.js';
import type { AlertsConfig } from './config.js';
import { type CrashLoopSummary, windowEndsAt } from './crash-loop.js';
import type { Incident } from './model.js';

export const WINDOW_PREFIX = 'alert-window#';
export const WINDOW_ENTRY = 'window';
/** The byStatus partition of open crash-loop windows (sorted by when they end). */
export const OPEN_WINDOWS = 'alerts|open-windows';
/** Closed windows are kept this long for `ecs-ops`, then expire. */
const KEEP_CLOSED_DAYS = 7;
const ATTEMPTS = 5;

export const windowKey = (cluster: string, group: string) => `${WINDOW_PREFIX}${cluster}#${group}`;

export type LastExit = CrashLoopSummary['lastExit'];

export interface StoredWindow {
  key: string;
  cluster: string;
  group: string;
  service?: string;
  startedAt: string;
  endsAt: string;
  count: number;
  openedBy: string;
  lastIncident?: string;
  lastExit: LastExit;
  /** Still listed for the sweeper (not yet summarised). */
  open: boolean;
}

export type WindowVerdict =
  | { action: 'page'; windowStartedAt: string; windowEndsAt: string }
  | { action: 'group'; windowStartedAt: string; count: number };

export interface CrashLoopStoreOptions {
  tableName: string;
  client: DynamoDBClient;
  config: AlertsConfig;
}

const names = {
  '#r': KEY.partition,
  '#startedAt': 'startedAt',
  '#endsAt': 'endsAt',
  '#count': 'count',
  '#sk': INDEX.byStatus.partition,
  '#st': INDEX.byStatus.sort,
};

export class CrashLoopStore {
  constructor(private readonly options: CrashLoopStoreOptions) {}

  /**
   * Opens the incident's group window (→ page) or counts the incident into the open one (→ group).
   * `summariseEnded` is called with a window that has ended but was not summarised yet, before a new one opens
   * over it (the sweeper runs every minute; an incident may come first).
   */
  async record(
    incident: Incident,
    now: Date,
    summariseEnded: (window: StoredWindow, now: Date) => Promise<void>,
  ): Promise<WindowVerdict> {
    const key = windowKey(incident.cluster, incident.group);
    const lastExit = lastExitOf(incident);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const nowIso = now.toISOString();
      const startedAt = nowIso;
      const endsAt = windowEndsAt(startedAt, this.options.config);
      const opened = await this.update({
        key,
        UpdateExpression:
          'SET #cluster = :cluster, #group = :group, #service = :service, #startedAt = :startedAt, ' +
          '#endsAt = :endsAt, #count = :zero, openedBy = :incident, lastExit = :lastExit, ' +
          '#sk = :open, #st = :endsAt, #ttl = :ttl REMOVE lastIncident',
        ConditionExpression: 'attribute_not_exists(#r) OR (#endsAt < :now AND attribute_not_exists(#sk))',
        names: {
          ...names,
          '#cluster': 'cluster',
          '#group': 'group',
          '#service': 'service',
          '#ttl': TTL_ATTRIBUTE,
        },
        values: {
          ':cluster': incident.cluster,
          ':group': incident.group,
          ':service': incident.service ?? '',
          ':startedAt': startedAt,
          ':endsAt': endsAt,
          ':zero': 0,
          ':incident': incident.key,
          ':lastExit': lastExit,
          ':open': OPEN_WINDOWS,
          ':ttl': expiresAt(endsAt, KEEP_CLOSED_DAYS),
          ':now': nowIso,
        },
      });
      if (opened.ok) return { action: 'page', windowStartedAt: startedAt, windowEndsAt: endsAt };
      const current = opened.old;
      if (current === undefined) continue;
      // This incident opened the window on an earlier attempt that did not finish: it still pages.
      if (current.openedBy === incident.key) {
        return { action: 'page', windowStartedAt: current.startedAt, windowEndsAt: current.endsAt };
      }
      if (current.endsAt < nowIso) {
        await summariseEnded(current, now);
        continue;
      }
      const counted = await this.update({
        key,
        UpdateExpression: 'ADD #count :one SET lastExit = :lastExit, lastIncident = :incident',
        ConditionExpression:
          '#startedAt = :startedAt AND #endsAt >= :now AND (attribute_not_exists(lastIncident) OR lastIncident <> :incident)',
        names: { '#startedAt': 'startedAt', '#endsAt': 'endsAt', '#count': 'count' },
        values: {
          ':one': 1,
          ':lastExit': lastExit,
          ':incident': incident.key,
          ':startedAt': current.startedAt,
          ':now': nowIso,
        },
        returnNew: true,
      });
      if (counted.ok) {
        return { action: 'group', windowStartedAt: current.startedAt, count: counted.item?.count ?? 0 };
      }
      const after = counted.old;
      if (after?.lastIncident === incident.key && after.startedAt === current.startedAt) {
        return { action: 'group', windowStartedAt: after.startedAt, count: after.count };
      }
      // The window ended or was replaced between the two writes: decide again.
    }
    throw new Error(`crash-loop window ${key}: still contended after ${ATTEMPTS} attempts; will retry`);
  }

  /** Keys of open windows that ended before `now` (the sweeper's work), oldest end first. */
  async dueWindows(now: Date): Promise<string[]> {
    const keys: string[] = [];
    const items = queryItems(this.options.client, {
      TableName: this.options.tableName,
      IndexName: 'byStatus',
      KeyConditionExpression: '#sk = :open AND #st < :now',
      ExpressionAttributeNames: { '#sk': INDEX.byStatus.partition, '#st': INDEX.byStatus.sort },
      ExpressionAttributeValues: { ':open': { S: OPEN_WINDOWS }, ':now': { S: now.toISOString() } },
    });
    for await (const item of items) {
      const key = item[KEY.partition]?.S;
      if (key?.startsWith(WINDOW_PREFIX)) keys.push(key);
    }
    return keys;
  }

  /**
   * Closes an ended window: removes it from the index if it is still listed and has ended. Exactly one caller
   * gets the window back (to summarise it); every other concurrent caller gets undefined.
   */
  async close(key: string, now: Date): Promise<StoredWindow | undefined> {
    const closed = await this.update({
      key,
      UpdateExpression: 'REMOVE #sk, #st',
      ConditionExpression: 'attribute_exists(#sk) AND #endsAt < :now',
      names: { '#sk': INDEX.byStatus.partition, '#st': INDEX.byStatus.sort, '#endsAt': 'endsAt' },
      values: { ':now': now.toISOString() },
      returnOld: true,
    });
    return closed.ok ? closed.item : undefined;
  }

  /** Lists a closed window again (its summary could not be sent), unless a new window replaced it. */
  async reopen(window: StoredWindow): Promise<void> {
    await this.update({
      key: window.key,
      UpdateExpression: 'SET #sk = :open, #st = :endsAt',
      ConditionExpression: '#startedAt = :startedAt AND attribute_not_exists(#sk)',
      names: { '#sk': INDEX.byStatus.partition, '#st': INDEX.byStatus.sort, '#startedAt': 'startedAt' },
      values: { ':open': OPEN_WINDOWS, ':endsAt': window.endsAt, ':startedAt': window.startedAt },
    });
  }

  private async update(request: {
    key: string;
    UpdateExpression: string;
    ConditionExpression: string;
    names: Record<string, string>;
    values: Record<string, unknown>;
    returnNew?: boolean;
    returnOld?: boolean;
  }): Promise<{ ok: true; item?: StoredWindow } | { ok: false; old?: StoredWindow }> {
    const write = await conditionalWrite(
      this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [KEY.partition]: { S: request.key }, [KEY.sort]: { S: WINDOW_ENTRY } },
          UpdateExpression: request.UpdateExpression,
          ConditionExpression: request.ConditionExpression,
          ExpressionAttributeNames: usedNames(request),
          ExpressionAttributeValues: marshall(request.values, { removeUndefinedValues: true }),
          ReturnValues: request.returnNew ? 'ALL_NEW' : request.returnOld ? 'ALL_OLD' : 'NONE',
          // The refusing item comes back with the error: no read to find out why.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (!write.written)
      return { ok: false, ...(write.refusing === undefined ? {} : { old: toWindow(write.refusing) }) };
    const { Attributes } = write.output;
    return { ok: true, ...(Attributes === undefined ? {} : { item: toWindow(Attributes) }) };
  }
}

/** DynamoDB refuses expression attribute names the expressions do not use. */
function usedNames(request: {
  UpdateExpression: string;
  ConditionExpression: string;
  names: Record<string, string>;
}) {
  const text = `${request.UpdateExpression} ${request.ConditionExpression}`;
  return Object.fromEntries(
    Object.entries(request.names).filter(([name]) => new RegExp(`${name}\\b`).test(text)),
  );
}

function lastExitOf(incident: Incident): LastExit {
  return {
    exitClass: incident.cause.exitClass,
    ...(incident.cause.exitCode === undefined ? {} : { exitCode: incident.cause.exitCode }),
    ...(incident.cause.reason === undefined ? {} : { reason: incident.cause.reason }),
    taskArn: incident.taskArn,
    stoppedAt: incident.stoppedAt,
  };
}

function toWindow(item: Record<string, AttributeValue>): StoredWindow {
  const value = unmarshall(item);
  return {
    key: String(value[KEY.partition]),
    cluster: String(value.cluster),
    group: String(value.group),
    ...(value.service ? { service: String(value.service) } : {}),
    startedAt: String(value.startedAt),
    endsAt: String(value.endsAt),
    count: Number(value.count ?? 0),
    openedBy: String(value.openedBy ?? ''),
    ...(value.lastIncident === undefined ? {} : { lastIncident: String(value.lastIncident) }),
    lastExit: value.lastExit as LastExit,
    open: value[INDEX.byStatus.partition] !== undefined,
  };
}

/** The summary of a closed window, for renderCrashLoopSummary. */
export function summaryOf(window: StoredWindow): CrashLoopSummary {
  return {
    cluster: window.cluster,
    group: window.group,
    ...(window.service === undefined ? {} : { service: window.service }),
    windowStartedAt: window.startedAt,
    windowEndsAt: window.endsAt,
    count: window.count,
    lastExit: window.lastExit,
  };
}

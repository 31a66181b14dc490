/**
 * Crash-loop windows in the state table: the store sends the writes crash-loop.ts builds and reads back the
 * window a refused write returns; the rule itself is there. No read-then-write, no Scan.
 *
 * One item per group: resource = `alert-window#<cluster>#<group>`, entry = `window`. A window carries the
 * byStatus index keys `alerts|open-windows` / `endsAt` until its summary is sent, so the sweeper lists due
 * windows with one Query of a sparse partition. The summary's claim (page-once) is kept on the window.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  type ReturnValue,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../platform/errors.js';
import type { Page } from '../platform/notification/page-once.js';
import { pageClaimOf } from '../platform/notification/stored-page.js';
import { INDEX, KEY } from '../platform/store/table.js';
import { batchGetAll, conditionalWrite, queryAll } from '../platform/store/table-io.js';
import type { AlertsConfig } from './config.js';
import {
  closeEarlyWrite,
  closeQuietlyWrite,
  continuedOutage,
  crashLoopGroupKey,
  expressionsOf,
  type LastExit,
  nextStep,
  OPEN_WINDOWS,
  outageOf,
  RESOLUTION_PAGE,
  resolutionClaimWrite,
  resolutionGivenBackWrite,
  resolutionSentWrite,
  type StoredWindow,
  SUMMARY_PAGE,
  summaryClaimWrite,
  summaryGivenBackWrite,
  summarySentWrite,
  type WindowVerdict,
  type WindowWrite,
} from './crash-loop.js';
import type { Incident } from './model.js';

const WINDOW_PREFIX = 'alert-window#';
const WINDOW_ENTRY = 'window';
/** Writes one exit may take: a window replaced and contended on every step still settles well within this. */
const STEPS = 10;

const windowKey = (incident: Pick<Incident, 'cluster' | 'group'>) =>
  `${WINDOW_PREFIX}${crashLoopGroupKey(incident)}`;

export interface CrashLoopStoreOptions {
  tableName: string;
  client: Pick<DynamoDBClient, 'send'>;
  config: AlertsConfig;
}

type Written = { ok: true; window?: StoredWindow } | { ok: false; refusing?: StoredWindow };

export class CrashLoopStore {
  constructor(private readonly options: CrashLoopStoreOptions) {}

  /**
   * Opens the incident's group window (→ page) or counts the incident into the running one (→ group). A window
   * that has ended but was not summarised yet comes back as `summarise-first` (the sweeper runs every minute; an
   * incident may come first): the store never sends anything itself.
   */
  async record(incident: Incident, now: Date): Promise<WindowVerdict> {
    const key = windowKey(incident);
    let seen: StoredWindow | undefined;
    for (let step = 0; step < STEPS; step++) {
      const next = nextStep(seen, incident, now, this.options.config);
      switch (next.action) {
        case 'open': {
          const written = await this.update(key, next.write, 'NONE');
          if (written.ok)
            return { action: 'page', windowStartedAt: next.startedAt, windowEndsAt: next.endsAt };
          seen = written.refusing;
          break;
        }
        case 'reopen': {
          const written = await this.update(key, next.write, 'NONE');
          if (written.ok) {
            return {
              action: 'page',
              windowStartedAt: next.startedAt,
              windowEndsAt: next.endsAt,
              continues: outageOf(next.window),
            };
          }
          seen = written.refusing;
          break;
        }
        case 'count': {
          const written = await this.update(key, next.write, 'ALL_NEW');
          if (written.ok) {
            return {
              action: 'group',
              windowStartedAt: next.window.startedAt,
              count: written.window?.count ?? 0,
            };
          }
          seen = written.refusing;
          break;
        }
        case 'summarise':
          return { action: 'summarise-first', window: next.window };
        case 'wait':
          throw new ConflictError(
            `crash-loop window ${key}: its summary or resolved message is being sent; will retry`,
          );
        case 'page': {
          const continues = continuedOutage(next.window);
          return {
            action: 'page',
            windowStartedAt: next.window.startedAt,
            windowEndsAt: next.window.endsAt,
            ...(continues === undefined ? {} : { continues }),
          };
        }
        case 'group':
          return { action: 'group', windowStartedAt: next.window.startedAt, count: next.window.count };
        case 'late':
          return {
            action: 'group',
            windowStartedAt: next.window.startedAt,
            count: next.window.count,
            late: { windowEndsAt: next.window.endsAt },
          };
      }
    }
    throw new ConflictError(`crash-loop window ${key}: still contended after ${STEPS} writes; will retry`);
  }

  /**
   * Every listed window — running, or ended and not resolved yet (the sweeper's work) — as stored, read from the
   * sparse index partition of listed windows. Read without a lock: every write after it is conditional.
   */
  async listedWindows(): Promise<StoredWindow[]> {
    const { client, tableName } = this.options;
    const keys = await queryAll(client, {
      TableName: tableName,
      IndexName: 'byStatus',
      KeyConditionExpression: '#listed = :listed',
      ExpressionAttributeNames: { '#listed': INDEX.byStatus.partition },
      ExpressionAttributeValues: { ':listed': { S: OPEN_WINDOWS } },
    });
    const windows = keys
      .filter((item) => item[KEY.partition]?.S?.startsWith(WINDOW_PREFIX))
      .map((item) => ({
        [KEY.partition]: item[KEY.partition] as AttributeValue,
        [KEY.sort]: item[KEY.sort] as AttributeValue,
      }));
    return (await batchGetAll(client, tableName, windows)).map(toWindow).filter((window) => window.listed);
  }

  /** Closes a running window now: its service recovered (the rule refuses if an exit was counted since). */
  async closeEarly(window: StoredWindow, now: Date, recovery: string): Promise<StoredWindow | undefined> {
    const written = await this.update(window.key, closeEarlyWrite(window, now, recovery), 'ALL_NEW');
    return written.ok ? written.window : undefined;
  }

  /**
   * Claims a recovered window's resolved message (page-once): the window comes back to its one holder, who sends
   * it or gives it back; undefined when another caller holds it, it was sent, or the window was reopened.
   */
  async claimResolution(
    window: StoredWindow,
    now: Date,
    recovery: string,
  ): Promise<StoredWindow | undefined> {
    const written = await this.update(window.key, resolutionClaimWrite(window, now, recovery), 'ALL_NEW');
    return written.ok ? written.window : undefined;
  }

  /** The rest of page-once for a resolved message claimed with claimResolution. */
  resolution(window: StoredWindow): Pick<Page, 'markSent' | 'giveBack'> {
    return {
      markSent: (messageId) => this.update(window.key, resolutionSentWrite(window, messageId), 'NONE'),
      giveBack: () => this.update(window.key, resolutionGivenBackWrite(window), 'NONE'),
    };
  }

  /**
   * Claims an ended window's summary (page-once): the window comes back to its one holder, who sends the summary
   * or gives it back; undefined when another caller holds it or it was sent.
   */
  async claimSummary(key: string, now: Date): Promise<StoredWindow | undefined> {
    const written = await this.update(key, summaryClaimWrite(now), 'ALL_NEW');
    return written.ok ? written.window : undefined;
  }

  /** The rest of page-once for a summary claimed with claimSummary. */
  summary(window: StoredWindow): Pick<Page, 'markSent' | 'giveBack'> {
    return {
      markSent: (messageId) => this.update(window.key, summarySentWrite(window, messageId), 'NONE'),
      giveBack: () => this.update(window.key, summaryGivenBackWrite(window), 'NONE'),
    };
  }

  /** Settles a claimed window that counted nothing: no summary to send. */
  async closeQuietly(window: StoredWindow): Promise<void> {
    await this.update(window.key, closeQuietlyWrite(window), 'NONE');
  }

  private async update(key: string, write: WindowWrite, returns: ReturnValue): Promise<Written> {
    const result = await conditionalWrite(
      this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [KEY.partition]: { S: key }, [KEY.sort]: { S: WINDOW_ENTRY } },
          ...expressionsOf(write),
          ReturnValues: returns,
          // The refusing window comes back with the error: no read to find out why.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (!result.written) {
      return { ok: false, ...(result.refusing === undefined ? {} : { refusing: toWindow(result.refusing) }) };
    }
    const { Attributes } = result.output;
    return { ok: true, ...(Attributes === undefined ? {} : { window: toWindow(Attributes) }) };
  }
}

function toWindow(item: Record<string, AttributeValue>): StoredWindow {
  const value = unmarshall(item);
  const summary = pageClaimOf(value, SUMMARY_PAGE);
  const resolution = pageClaimOf(value, RESOLUTION_PAGE);
  return {
    key: String(value[KEY.partition]),
    cluster: String(value.cluster),
    group: String(value.group),
    ...(value.service ? { service: String(value.service) } : {}),
    startedAt: String(value.startedAt),
    endsAt: String(value.endsAt),
    count: Number(value.count ?? 0),
    openedBy: String(value.openedBy ?? ''),
    ...(value.severity === undefined ? {} : { severity: value.severity as StoredWindow['severity'] }),
    ...(value.outageKey === undefined
      ? {}
      : {
          outage: {
            incidentKey: String(value.outageKey),
            since: String(value.outageSince ?? value.startedAt),
          },
        }),
    ...(value.recovery === undefined ? {} : { recovery: String(value.recovery) }),
    ...(value.lastIncident === undefined ? {} : { lastIncident: String(value.lastIncident) }),
    lastExit: value.lastExit as LastExit,
    listed: value[INDEX.byStatus.partition] !== undefined,
    ...(summary === undefined ? {} : { summary }),
    ...(resolution === undefined ? {} : { resolution }),
  };
}

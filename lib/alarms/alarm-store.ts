/**
 * Each ecs-ops alarm's last handled change and its page, one item per alarm in the state table
 * (`alarm/<name>`, entry `state`). Every write is conditional on what the caller read — the change it read is
 * still the last one (or there was none), or it is this very change with its page still owed — so of two
 * deliveries, or two changes of one alarm handled at once, exactly one writes and the other reads again.
 * A change's page follows page-once: claimed with the change, marked sent, given back if its publish fails.
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  CLAIMABLE,
  claimedPage,
  claimOperands,
  type PageClaim,
  type PageState,
} from '../platform/notification/page-once.js';
import { type Condition, conditions, updateParts } from '../platform/store/condition-expression.js';
import { KEY } from '../platform/store/table.js';
import { conditionalWrite } from '../platform/store/table-io.js';
import type { AlarmRecord } from './decide.js';
import type { AlarmStateChange } from './state-change.js';

export const ALARM_PARTITION_PREFIX = 'alarm/';
export const ALARM_ENTRY = 'state';

/** The item's attribute names: the page claim's fields under names of their own. */
const STORED = {
  changedAt: 'changedAt',
  alarmState: 'alarmState',
  open: 'open',
  state: 'pageState',
  leaseUntil: 'pageLeaseUntil',
  messageId: 'pageMessageId',
} as const;

type Attribute = 'changedAt' | keyof PageClaim;
type Operand = 'read' | 'at' | 'pending' | 'sending' | 'now';
const { equals, missing, all } = conditions<Attribute, Operand>();

const alarmKey = (alarm: string) => ({
  [KEY.partition]: { S: `${ALARM_PARTITION_PREFIX}${alarm}` },
  [KEY.sort]: { S: ALARM_ENTRY },
});

type Change = Pick<AlarmStateChange, 'alarm' | 'state' | 'changedAt'>;

export class AlarmStore {
  constructor(private readonly options: { tableName: string; client: DynamoDBClient }) {}

  /** The alarm's record, read consistently; undefined before its first change. */
  async read(alarm: string): Promise<AlarmRecord | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: alarmKey(alarm), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const item = unmarshall(Item);
    const page: PageClaim | undefined =
      typeof item[STORED.state] === 'string'
        ? {
            state: item[STORED.state] as PageState,
            ...(typeof item[STORED.leaseUntil] === 'string' ? { leaseUntil: item[STORED.leaseUntil] } : {}),
            ...(typeof item[STORED.messageId] === 'string' ? { messageId: item[STORED.messageId] } : {}),
          }
        : undefined;
    return {
      changedAt: String(item[STORED.changedAt]),
      state: item[STORED.alarmState],
      open: item[STORED.open] === true,
      ...(page === undefined ? {} : { page }),
    };
  }

  /** Records a change that pages nobody; false when the record is no longer what `last` read. */
  recordQuiet(change: Change, last: AlarmRecord | undefined, open: boolean): Promise<boolean> {
    return this.write(change.alarm, {
      condition: readStill(last),
      update:
        'SET #changedAt = :at, #alarmState = :alarmState, #open = :open REMOVE #state, #leaseUntil, #messageId',
      values: { read: last?.changedAt, at: change.changedAt, alarmState: change.state, open },
    });
  }

  /**
   * Records the change and claims its page in one write: when `last` is still the record, or is this change with
   * its page owed and free. False when another caller wrote first.
   */
  claim(change: Change, last: AlarmRecord | undefined, open: boolean, now: Date): Promise<boolean> {
    const again = last?.changedAt === change.changedAt;
    const claimed = claimedPage(now);
    return this.write(change.alarm, {
      condition: again ? all(equals('changedAt', 'at'), CLAIMABLE) : readStill(last),
      update:
        'SET #changedAt = :at, #alarmState = :alarmState, #open = :open, #state = :sending, ' +
        '#leaseUntil = :leaseUntil REMOVE #messageId',
      values: {
        ...claimOperands(now),
        read: last?.changedAt,
        at: change.changedAt,
        alarmState: change.state,
        open,
        leaseUntil: claimed.leaseUntil,
      },
    });
  }

  /** The change's page went out. */
  markSent(change: Change, messageId: string): Promise<boolean> {
    return this.write(change.alarm, {
      condition: equals('changedAt', 'at'),
      update: 'SET #state = :sent, #messageId = :messageId REMOVE #leaseUntil',
      values: { at: change.changedAt, sent: 'sent', messageId },
    });
  }

  /**
   * The change's page is owed again: its publish failed. Only while it is being sent: a sender whose lease ran
   * out and whose publish failed late must not make owed again a page another delivery has sent since.
   */
  giveBack(change: Change): Promise<boolean> {
    return this.write(change.alarm, {
      condition: all(equals('changedAt', 'at'), equals('state', 'sending')),
      update: 'SET #state = :pending REMOVE #leaseUntil',
      values: { at: change.changedAt, pending: 'pending', sending: 'sending' },
    });
  }

  private async write(
    alarm: string,
    write: { condition: Condition<Attribute, Operand>; update: string; values: Record<string, unknown> },
  ): Promise<boolean> {
    const { client, tableName } = this.options;
    const { written } = await conditionalWrite(
      client.send(
        new UpdateItemCommand({ TableName: tableName, Key: alarmKey(alarm), ...updateParts(write, STORED) }),
      ),
    );
    return written;
  }
}

/** The record is still the one the caller read: none, or the same last change. */
const readStill = (last: AlarmRecord | undefined): Condition<Attribute, Operand> =>
  last === undefined ? missing('changedAt') : equals('changedAt', 'read');

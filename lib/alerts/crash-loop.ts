/**
 * Crash-loop windows, the rule stated once. The first exit of a group opens a window
 * (`alerts.crashLoop.windowMinutes`) and pages; later exits while it runs are counted into it and do not page;
 * when it ends, one summary of what it counted is sent through page-once (claimed on the window); then, once the
 * group has recovered (recovery.ts decides), one "resolved" message is sent the same way. The window stays listed
 * for the sweeper until it is resolved. A service that recovers before its window ends closes the window early.
 *
 * An exit after the end of a window that is summarised but not resolved is the same outage going on: it reopens
 * the window (a new page that says the outage continues, keyed for pagers to the outage's first incident), and
 * the one resolved message comes when it is finally over. An exit after the resolution opens a new window: a new
 * outage.
 *
 * The rule is a set of conditions on the stored window. DynamoDB evaluates them as the condition expressions of
 * the store's writes (rendered here, so the store only sends them), and `nextStep` evaluates the very same
 * conditions in memory to decide what to write next from the window a refused write returns. No read-then-write:
 * of concurrent callers, the condition lets exactly one open a window, count an exit or claim a summary.
 *
 * Retries: the window remembers the incident that opened it (`openedBy`) and the last one it counted
 * (`lastIncident`), so a redelivered incident whose first attempt died after its write still pages (the opener)
 * or is not counted twice (the last one counted).
 */
import {
  CLAIMABLE,
  claimedPage,
  claimOperands,
  type PageClaim,
  pendingPage,
  sentPage,
} from '../platform/notification/page-once.js';
import {
  claimWrite,
  givenBackWrite,
  type PageAttributes,
  sentWrite,
} from '../platform/notification/stored-page.js';
import {
  type Condition,
  type ConditionalUpdate,
  conditions,
  holds,
  type UpdateParts,
  updateParts,
} from '../platform/store/condition-expression.js';
import { INDEX, KEY, TTL_ATTRIBUTE } from '../platform/store/table.js';
import { expiresAt } from '../platform/store/ttl.js';
import { type AlertsConfig, severityOf } from './config.js';
import type { ExitClass, Incident, Severity } from './model.js';

export interface LastExit {
  exitClass: ExitClass;
  exitCode?: number;
  reason?: string;
  taskArn: string;
  stoppedAt: string;
}

/** What one summary says: how many more exits a group had in the window after its page, and the last one. */
export interface CrashLoopSummary {
  cluster: string;
  group: string;
  service?: string;
  windowStartedAt: string;
  windowEndsAt: string;
  /** Exits after the page (the paged incident itself is not counted). */
  count: number;
  lastExit: LastExit;
  /** The paged incident's severity, and the outage's key: a pager adds the summary to that incident. */
  severity: Severity;
  incidentKey: string;
}

/** An outage a page continues: the incident that started it, paged at `since`. */
export interface Outage {
  incidentKey: string;
  since: string;
}

/** A group's window as stored. */
export interface StoredWindow {
  key: string;
  cluster: string;
  group: string;
  service?: string;
  startedAt: string;
  endsAt: string;
  count: number;
  openedBy: string;
  /** The severity of the incident that opened it (absent in windows of earlier releases). */
  severity?: Severity;
  /**
   * The outage this window belongs to: its first incident and when that was paged. The same as the opener and
   * the start unless the window was reopened (absent in windows of earlier releases: the opener's).
   */
  outage?: Outage;
  lastIncident?: string;
  /** The exit counted last (the one that arrived last, not necessarily the one that stopped last). */
  lastExit: LastExit;
  /** Listed for the sweeper: from its open until it is resolved. */
  listed: boolean;
  /** Its summary's claim (page-once): pending from its open; sent also when there was nothing to summarise. */
  summary?: PageClaim;
  /** Its resolved message's claim (page-once): pending from its open (absent in earlier windows: owed). */
  resolution?: PageClaim;
  /** Why the outage is over, once the sweeper found it recovered (written when it closed the window early). */
  recovery?: string;
}

export type WindowVerdict =
  /** Page; `continues` names the outage when the page is not its first (its window was reopened). */
  | { action: 'page'; windowStartedAt: string; windowEndsAt: string; continues?: Outage }
  /** Not paged: counted into the window, or (`late`) it stopped while a window that has ended ran. */
  | { action: 'group'; windowStartedAt: string; count: number; late?: { windowEndsAt: string } }
  /** The group's window ended and its summary is owed: the caller sends it, then records the incident again. */
  | { action: 'summarise-first'; window: StoredWindow };

/** The byStatus partition of listed crash-loop windows (sorted by when they end). */
export const OPEN_WINDOWS = 'alerts|open-windows';
/** Closed windows are kept this long for `ecs-ops`, then expire. */
const KEEP_CLOSED_DAYS = 7;

/** One window per cluster and group: `prod#service:web`. */
export const crashLoopGroupKey = (incident: Pick<Incident, 'cluster' | 'group'>): string =>
  `${incident.cluster}#${incident.group}`;

/** When a window opened at `startedAt` closes: `windowMinutes` later, as an ISO time (UTC). */
export function windowEndsAt(startedAt: string, config: AlertsConfig): string {
  const start = Date.parse(startedAt);
  if (Number.isNaN(start))
    throw new RangeError(`window start ${JSON.stringify(startedAt)} is not an ISO time`);
  return new Date(start + config.crashLoop.windowMinutes * 60_000).toISOString();
}

// --- The rule, as conditions on the stored window (condition-expression.ts judges them both ways). ---

/** Where a window keeps its summary's claim. */
export const SUMMARY_PAGE = {
  state: 'summary',
  leaseUntil: 'summaryLeaseUntil',
  messageId: 'summaryMessageId',
} as const satisfies PageAttributes;

/** Where a window keeps its resolved message's claim. */
export const RESOLUTION_PAGE = {
  state: 'resolution',
  leaseUntil: 'resolutionLeaseUntil',
  messageId: 'resolutionMessageId',
} as const satisfies PageAttributes;

/**
 * The window item's attributes by the names the rule uses; `listed` is the sweeper's index key. The summary's
 * claim goes by PageClaim's field names, so stored-page.ts's writes and CLAIMABLE apply to it as they are.
 */
const ATTRIBUTES = {
  window: KEY.partition,
  cluster: 'cluster',
  group: 'group',
  service: 'service',
  startedAt: 'startedAt',
  endsAt: 'endsAt',
  count: 'count',
  openedBy: 'openedBy',
  severity: 'severity',
  outageKey: 'outageKey',
  outageSince: 'outageSince',
  recovery: 'recovery',
  lastIncident: 'lastIncident',
  lastExit: 'lastExit',
  listed: INDEX.byStatus.partition,
  listedUntil: INDEX.byStatus.sort,
  expiresAt: TTL_ATTRIBUTE,
  ...SUMMARY_PAGE,
  resolution: RESOLUTION_PAGE.state,
  resolutionLeaseUntil: RESOLUTION_PAGE.leaseUntil,
  resolutionMessageId: RESOLUTION_PAGE.messageId,
} as const;

/** What the rule looks at in a stored window. */
type Tested =
  | 'window'
  | 'outageSince'
  | 'startedAt'
  | 'endsAt'
  | 'lastIncident'
  | 'listed'
  | keyof PageClaim
  | 'resolution'
  | 'resolutionLeaseUntil';
/** What a write compares them with: a value it binds. */
type Operand =
  | 'now'
  | 'startedAt'
  | 'incident'
  | 'lastIncident'
  | 'pending'
  | 'sending'
  | 'sent'
  | 'stoppedAt'
  | 'stoppedAtPlusWindow';

const { exists, missing, equals, before, not, all, any } = conditions<Tested, Operand>();

/** A window has ended once its end is before now: at its last instant it still counts exits. */
const ENDED = before('endsAt', 'now');
/** Ended and not resolved yet: the sweeper's (its summary, then its resolution) or a reopening exit's. */
const DUE = all(exists('listed'), ENDED);
/** Its summary was sent, or there was nothing to summarise. */
const SUMMARISED = equals('state', 'sent');
/**
 * Nobody holds its resolved message: owed, or claimed by a caller whose lease ran out. A window of an earlier
 * release has no resolution claim: owed too.
 */
const RESOLUTION_FREE = any(
  missing('resolution'),
  equals('resolution', 'pending'),
  all(equals('resolution', 'sending'), before('resolutionLeaseUntil', 'now')),
);
/** The window the writer saw: not reopened or replaced since. */
const SAME_WINDOW = equals('startedAt', 'startedAt');
/**
 * The window has ended and the exit stopped while its outage ran — from a window's length before the outage's
 * first page (an exit then would have been grouped with it) to the window's end: its event came late, or resync
 * found it. Part of the outage already paged, never a new one. A window of an earlier release has no outage
 * start: its own start stands for it.
 */
const STOPPED_DURING = all(
  ENDED,
  not(before('endsAt', 'stoppedAt')),
  any(
    before('outageSince', 'stoppedAtPlusWindow'),
    all(missing('outageSince'), before('startedAt', 'stoppedAtPlusWindow')),
  ),
);

const WINDOW_RULE = {
  /** A window opens where there is none, or over one that ended and was resolved, for an exit after it. */
  open: all(any(missing('window'), all(ENDED, missing('listed'))), not(STOPPED_DURING)),
  /** An exit after the end of a window summarised but not resolved: the outage goes on. */
  reopen: all(SAME_WINDOW, DUE, SUMMARISED, RESOLUTION_FREE, not(STOPPED_DURING)),
  /** A service recovered while its window runs: the window closes now, if no exit was counted since. */
  closeEarly: (seen: StoredWindow) =>
    all(
      SAME_WINDOW,
      not(ENDED),
      seen.lastIncident === undefined ? missing('lastIncident') : equals('lastIncident', 'lastIncident'),
    ),
  /** Its resolved message is claimed by one caller at a time, once the summary is settled. */
  claimResolution: all(SAME_WINDOW, DUE, SUMMARISED, RESOLUTION_FREE),
  /** An exit is counted into the window it saw, while that window runs, once. */
  count: all(equals('startedAt', 'startedAt'), not(ENDED), not(equals('lastIncident', 'incident'))),
  /**
   * A due window's summary is claimed by one caller at a time (page-once). The window stays listed while it is
   * held, so a holder that dies leaves it to the next sweep once the lease runs out, and no new window opens
   * over a summary not sent. A window listed before windows carried a summary claim (an earlier release of
   * ecs-ops) has none: it is claimable too, or it would stay listed and refuse its group's exits until it expired.
   */
  claim: all(DUE, any(CLAIMABLE, missing('state'))),
  /** The holder settles the window it claimed, still listed: never one sent by another and replaced since. */
  settle: all(SAME_WINDOW, exists('listed')),
} as const;

/** A conditional UpdateItem of a window. */
export type WindowWrite = ConditionalUpdate<Tested, Operand>;

const judged = (
  condition: Condition<Tested, Operand>,
  window: StoredWindow | undefined,
  operands: Partial<Record<Operand, unknown>>,
) => holds(condition, (attribute) => attributeOf(window, attribute), operands);

/** Whether the write's condition holds for the stored window (undefined: there is none). */
export const allows = (write: WindowWrite, window: StoredWindow | undefined): boolean =>
  judged(write.condition, window, write.values);

function attributeOf(window: StoredWindow | undefined, attribute: Tested): string | undefined {
  if (window === undefined) return undefined;
  if (attribute === 'window') return window.key;
  if (attribute === 'listed') return window.listed ? OPEN_WINDOWS : undefined;
  if (attribute === 'state' || attribute === 'leaseUntil' || attribute === 'messageId')
    return window.summary?.[attribute];
  if (attribute === 'outageSince') return window.outage?.since;
  if (attribute === 'resolution') return window.resolution?.state;
  if (attribute === 'resolutionLeaseUntil') return window.resolution?.leaseUntil;
  return window[attribute];
}

/** The write as UpdateItem's parts, over the window item's attributes. */
export const expressionsOf = (write: WindowWrite): UpdateParts => updateParts(write, ATTRIBUTES);

// --- The writes. ---

/** The window an exit at `now` opens. */
function windowFrom(now: Date, config: AlertsConfig) {
  const startedAt = now.toISOString();
  return { startedAt, endsAt: windowEndsAt(startedAt, config) };
}

/** Opens the incident's window from now: it pages. */
export function openWrite(incident: Incident, now: Date, config: AlertsConfig): WindowWrite {
  const { startedAt, endsAt } = windowFrom(now, config);
  return {
    condition: WINDOW_RULE.open,
    update:
      'SET #cluster = :cluster, #group = :group, #service = :service, #startedAt = :startedAt, ' +
      '#endsAt = :endsAt, #count = :zero, #openedBy = :incident, #severity = :severity, #lastExit = :lastExit, ' +
      '#outageKey = :incident, #outageSince = :startedAt, #listed = :listed, #listedUntil = :endsAt, ' +
      '#expiresAt = :expiresAt, #state = :pending, #resolution = :pending ' +
      'REMOVE #lastIncident, #leaseUntil, #messageId, #resolutionLeaseUntil, #resolutionMessageId, #recovery',
    values: {
      now: now.toISOString(),
      cluster: incident.cluster,
      group: incident.group,
      service: incident.service ?? '',
      startedAt,
      endsAt,
      zero: 0,
      incident: incident.key,
      severity: incident.severity,
      lastExit: lastExitOf(incident),
      listed: OPEN_WINDOWS,
      expiresAt: expiresAt(endsAt, KEEP_CLOSED_DAYS),
      pending: pendingPage.state,
      ...stoppedOperands(incident, config),
    },
  };
}

/**
 * Reopens `window` for the incident from now: the outage it belongs to goes on (its key, start and resolution
 * owed are kept), this exit pages, and the exits after it are counted and summarised anew.
 */
export function reopenWrite(
  window: StoredWindow,
  incident: Incident,
  now: Date,
  config: AlertsConfig,
): WindowWrite {
  const { startedAt, endsAt } = windowFrom(now, config);
  return {
    condition: WINDOW_RULE.reopen,
    update:
      'SET #startedAt = :newStartedAt, #endsAt = :endsAt, #count = :zero, #openedBy = :incident, ' +
      '#lastExit = :lastExit, #listedUntil = :endsAt, #expiresAt = :expiresAt, #state = :pending, ' +
      '#resolution = :pending ' +
      'REMOVE #lastIncident, #leaseUntil, #messageId, #resolutionLeaseUntil, #recovery',
    values: {
      ...claimOperands(now),
      startedAt: window.startedAt,
      sent: sentPage('').state,
      newStartedAt: startedAt,
      endsAt,
      zero: 0,
      incident: incident.key,
      lastExit: lastExitOf(incident),
      expiresAt: expiresAt(endsAt, KEEP_CLOSED_DAYS),
      ...stoppedOperands(incident, config),
    },
  };
}

/**
 * When the exit stopped (ISO), and a window's length and a millisecond later, as STOPPED_DURING compares them;
 * both empty, so it never holds, for a stop time that is not a time.
 */
function stoppedOperands(incident: Incident, config: AlertsConfig) {
  const stopped = Date.parse(incident.stoppedAt);
  if (Number.isNaN(stopped)) return { stoppedAt: '', stoppedAtPlusWindow: '' };
  return {
    stoppedAt: new Date(stopped).toISOString(),
    stoppedAtPlusWindow: new Date(stopped + config.crashLoop.windowMinutes * 60_000 + 1).toISOString(),
  };
}

/** Counts the incident into `window`: it is grouped, not paged. */
export function countWrite(window: StoredWindow, incident: Incident, now: Date): WindowWrite {
  return {
    condition: WINDOW_RULE.count,
    update: 'ADD #count :one SET #lastExit = :lastExit, #lastIncident = :incident',
    values: {
      startedAt: window.startedAt,
      now: now.toISOString(),
      incident: incident.key,
      one: 1,
      lastExit: lastExitOf(incident),
    },
  };
}

/** Claims an ended window's summary: whoever holds the claim sends it. */
export const summaryClaimWrite = (now: Date): WindowWrite => ({
  ...claimWrite(now),
  condition: WINDOW_RULE.claim,
});

/** The summary sent: the window stays listed until it is resolved. */
export function summarySentWrite(window: StoredWindow, messageId: string): WindowWrite {
  const sent = sentWrite(messageId);
  return {
    condition: WINDOW_RULE.settle,
    update: `${sent.update} REMOVE #leaseUntil`,
    values: { ...sent.values, startedAt: window.startedAt },
  };
}

/** The summary could not be sent: owed again, claimable at once. */
export const summaryGivenBackWrite = (window: StoredWindow): WindowWrite => ({
  ...givenBackWrite,
  condition: WINDOW_RULE.settle,
  values: { ...givenBackWrite.values, startedAt: window.startedAt },
});

/** A window that counted no exit after its page owes no summary: settled as sent, with no message. */
export const closeQuietlyWrite = (window: StoredWindow): WindowWrite => ({
  condition: WINDOW_RULE.settle,
  update: 'SET #state = :sent REMOVE #leaseUntil, #messageId',
  values: { startedAt: window.startedAt, sent: sentPage('').state },
});

/**
 * The service recovered while the window runs: it ends now (a millisecond ago, so it has ended for the next
 * step) and says why; its summary and resolution follow as for any ended window.
 */
export function closeEarlyWrite(window: StoredWindow, now: Date, recovery: string): WindowWrite {
  const endsAt = new Date(now.getTime() - 1).toISOString();
  return {
    condition: WINDOW_RULE.closeEarly(window),
    update: 'SET #endsAt = :endsAt, #listedUntil = :endsAt, #recovery = :recovery',
    values: {
      startedAt: window.startedAt,
      now: now.toISOString(),
      lastIncident: window.lastIncident,
      endsAt,
      recovery,
    },
  };
}

/** Claims a recovered window's resolved message: whoever holds the claim sends it. */
export function resolutionClaimWrite(window: StoredWindow, now: Date, recovery: string): WindowWrite {
  const claimed = claimedPage(now);
  return {
    condition: WINDOW_RULE.claimResolution,
    update: 'SET #resolution = :sending, #resolutionLeaseUntil = :leaseUntil, #recovery = :recovery',
    values: {
      ...claimOperands(now),
      startedAt: window.startedAt,
      sent: sentPage('').state,
      leaseUntil: claimed.leaseUntil,
      recovery,
    },
  };
}

/** The resolved message sent: the window leaves the sweeper's list, and the next exit opens a new one. */
export const resolutionSentWrite = (window: StoredWindow, messageId: string): WindowWrite => ({
  condition: WINDOW_RULE.settle,
  update:
    'SET #resolution = :sent, #resolutionMessageId = :messageId REMOVE #listed, #listedUntil, #resolutionLeaseUntil',
  values: { startedAt: window.startedAt, sent: sentPage(messageId).state, messageId },
});

/** The resolved message could not be sent: owed again, claimable at once. */
export const resolutionGivenBackWrite = (window: StoredWindow): WindowWrite => ({
  condition: WINDOW_RULE.settle,
  update: 'SET #resolution = :pending REMOVE #resolutionLeaseUntil',
  values: { startedAt: window.startedAt, pending: pendingPage.state },
});

// --- What an exit does. ---

export type Step =
  /** Open a window; written, the incident pages with the window's times. */
  | { action: 'open'; write: WindowWrite; startedAt: string; endsAt: string }
  /** Count the incident into the running window; written, it is grouped with the count written. */
  | { action: 'count'; write: WindowWrite; window: StoredWindow }
  /** The window ended and its summary is owed and free: summarise it, then decide again. */
  | { action: 'summarise'; window: StoredWindow }
  /** The window ended, summarised but not resolved: the outage goes on; written, the incident pages. */
  | { action: 'reopen'; write: WindowWrite; window: StoredWindow; startedAt: string; endsAt: string }
  /** The window ended and another caller holds its summary or resolution: retry once it is sent. */
  | { action: 'wait'; window: StoredWindow }
  /** This incident opened the window on an attempt that did not finish: it still pages. */
  | { action: 'page'; window: StoredWindow }
  /** This incident was the last one counted: it was grouped already. */
  | { action: 'group'; window: StoredWindow }
  /**
   * The window has ended, and this exit stopped while it ran (its event came late, or resync found it): part of
   * the outage already paged, summarised or resolved — not a new one. Not paged, not counted.
   */
  | { action: 'late'; window: StoredWindow };

/**
 * What to do with an exit of the group, given its window as stored (undefined when there is none — or not
 * known yet: the open write is tried first, and its refusal returns the window to decide again from).
 */
export function nextStep(
  window: StoredWindow | undefined,
  incident: Incident,
  now: Date,
  config: AlertsConfig,
): Step {
  if (window?.listed && window.openedBy === incident.key) return { action: 'page', window };
  const stopped = { now: now.toISOString(), ...stoppedOperands(incident, config) };
  if (window !== undefined && judged(STOPPED_DURING, window, stopped)) return { action: 'late', window };
  const open = openWrite(incident, now, config);
  if (window === undefined || allows(open, window))
    return { action: 'open', write: open, ...windowFrom(now, config) };
  if (judged(DUE, window, { now: now.toISOString() })) {
    if (allows(summaryClaimWrite(now), window)) return { action: 'summarise', window };
    const reopen = reopenWrite(window, incident, now, config);
    if (allows(reopen, window))
      return { action: 'reopen', write: reopen, window, ...windowFrom(now, config) };
    return { action: 'wait', window };
  }
  const count = countWrite(window, incident, now);
  return allows(count, window) ? { action: 'count', write: count, window } : { action: 'group', window };
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

/** The summary of an ended window, for renderCrashLoopSummary. */
export function summaryOf(window: StoredWindow, config: AlertsConfig): CrashLoopSummary {
  return {
    severity: window.severity ?? severityOf(config, window.lastExit.exitClass),
    incidentKey: outageOf(window).incidentKey,
    cluster: window.cluster,
    group: window.group,
    ...(window.service === undefined ? {} : { service: window.service }),
    windowStartedAt: window.startedAt,
    windowEndsAt: window.endsAt,
    count: window.count,
    lastExit: window.lastExit,
  };
}

/** The outage a window belongs to; a window of an earlier release belongs to its opener's. */
export const outageOf = (window: StoredWindow): Outage =>
  window.outage ?? { incidentKey: window.openedBy, since: window.startedAt };

/** The outage a page continues, when its window was reopened: undefined for the outage's first page. */
export function continuedOutage(window: StoredWindow): Outage | undefined {
  const outage = outageOf(window);
  return outage.incidentKey === window.openedBy ? undefined : outage;
}

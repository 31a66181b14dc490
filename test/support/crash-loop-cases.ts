/**
 * The crash-loop window rule as a table of cases, for both of its judges: the pure rule (unit tests) and
 * DynamoDB evaluating the same conditions in the store's writes (integration tests, on both engines). The same
 * cases must give the same decisions in both.
 *
 * Every case is about the group service:web in prod, whose window (if any) ran from 13:00 to 13:10.
 */
import fc from 'fast-check';
import * as z from 'zod/mini';
import { AlertsConfig } from '../../lib/alerts/config.js';
import { crashLoopGroupKey, type Step, type StoredWindow } from '../../lib/alerts/crash-loop.js';
import type { Incident } from '../../lib/alerts/model.js';
import {
  claimedPage,
  PAGE_LEASE_MS,
  pendingPage,
  sentPage,
} from '../../lib/platform/notification/page-once.js';
import { ACCOUNT, REGION } from './fixtures.js';

export const CONFIG = z.parse(AlertsConfig, { crashLoop: { windowMinutes: 10 } });
export const WINDOW_START = '2024-05-01T13:00:00.000Z';
export const WINDOW_END = '2024-05-01T13:10:00.000Z';
const at = (time: string) => new Date(`2024-05-01T${time}Z`);

/** An exit of a web task; `name` tells the tasks apart (the opener, the last one counted, a new one). */
export function exitOf(name: string, stoppedAt = '2024-05-01T13:04:00.000Z'): Incident {
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${name}`;
  return {
    key: `${taskArn}#${stoppedAt}`,
    cluster: 'prod',
    group: 'service:web',
    service: 'web',
    family: 'web',
    revision: 7,
    taskArn,
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:7`,
    cause: { container: 'web', exitCode: 1, exitClass: 'app-error' },
    severity: 'critical',
    stoppedAt,
    region: REGION,
    account: ACCOUNT,
    partition: 'aws',
    limits: {},
    logs: { kind: 'unknown', missing: 'task-definition' },
  };
}

export const OPENER = exitOf('opener', '2024-05-01T12:59:59.000Z');
export const COUNTED = exitOf('counted', '2024-05-01T13:02:00.000Z');
export const NEW_EXIT = exitOf('new');
/** An exit that stopped after the window's end: the outage going on, not one of the window's exits. */
export const AFTER_END = exitOf('after', '2024-05-01T13:10:00.001Z');

/**
 * The group's window from 13:00 to 13:10, opened by OPENER; COUNTED was the third exit counted into it. Its
 * summary is owed (pending) and it is listed for the sweeper.
 */
export function windowOf(overrides: Partial<StoredWindow> = {}): StoredWindow {
  return {
    key: `alert-window#${crashLoopGroupKey(OPENER)}`,
    cluster: 'prod',
    group: 'service:web',
    service: 'web',
    startedAt: WINDOW_START,
    endsAt: WINDOW_END,
    count: 3,
    openedBy: OPENER.key,
    lastIncident: COUNTED.key,
    lastExit: { exitClass: 'app-error', exitCode: 1, taskArn: COUNTED.taskArn, stoppedAt: COUNTED.stoppedAt },
    listed: true,
    summary: pendingPage,
    ...overrides,
  };
}

/** The window once its summary and its resolved message were sent: off the sweeper's list. */
export const CLOSED_WINDOW = windowOf({
  listed: false,
  summary: sentPage('summary-1'),
  resolution: sentPage('resolved-1'),
});

/** The window summarised, its outage not over yet: still listed, its resolved message owed. */
export const SUMMARISED_WINDOW = windowOf({ summary: sentPage('summary-1'), resolution: pendingPage });

/** When HELD's claim was taken, and the last instant its lease holds. */
const CLAIMED_AT = at('13:10:30');
export const LEASE_END = new Date(CLAIMED_AT.getTime() + PAGE_LEASE_MS);
/** The ended window whose summary a sweeper claimed at 13:10:30 and has not sent yet. */
export const HELD_WINDOW = windowOf({ summary: claimedPage(CLAIMED_AT) });
const afterLease = new Date(LEASE_END.getTime() + 1);
/** The summarised window whose resolved message a sweeper claimed at 13:10:30 and has not sent yet. */
export const RESOLVING_WINDOW = windowOf({
  summary: sentPage('summary-1'),
  resolution: claimedPage(CLAIMED_AT),
});

/**
 * Windows of every kind the rule tells apart, for property tests around WINDOW_END: listed or not, any count,
 * any last incident, a summary pending, sent, or held with a lease that runs out 2 s after the end.
 */
export const WINDOW_SHAPES = fc.option(
  fc.record({
    listed: fc.boolean(),
    count: fc.nat(30),
    lastIncident: fc.constantFrom(undefined, COUNTED.key, OPENER.key),
    summary: fc.constantFrom(
      pendingPage,
      claimedPage(new Date(Date.parse(WINDOW_END) + 2_000 - PAGE_LEASE_MS)),
      sentPage('summary-1'),
    ),
    resolution: fc.constantFrom(
      undefined,
      pendingPage,
      claimedPage(new Date(Date.parse(WINDOW_END) + 2_000 - PAGE_LEASE_MS)),
      sentPage('resolved-1'),
    ),
  }),
  { nil: undefined },
);

export interface ExitCase {
  name: string;
  /** The group's window as stored when the exit arrives; undefined when there is none. */
  window: StoredWindow | undefined;
  exit: Incident;
  now: Date;
  step: Step['action'];
}

export const EXIT_CASES: ExitCase[] = [
  {
    name: 'the group’s first exit opens a window',
    window: undefined,
    exit: NEW_EXIT,
    now: at('13:04:00'),
    step: 'open',
  },
  {
    name: 'an exit while the window runs is counted',
    window: windowOf(),
    exit: NEW_EXIT,
    now: at('13:04:00'),
    step: 'count',
  },
  {
    name: 'an exit at the window’s last instant is still counted',
    window: windowOf(),
    exit: NEW_EXIT,
    now: at('13:10:00'),
    step: 'count',
  },
  {
    name: 'the last exit counted, delivered again, is not counted twice',
    window: windowOf(),
    exit: COUNTED,
    now: at('13:04:00'),
    step: 'group',
  },
  {
    name: 'the opener, delivered again while its window runs, still pages',
    window: windowOf(),
    exit: OPENER,
    now: at('13:04:00'),
    step: 'page',
  },
  {
    name: 'the opener, delivered again after its window ended, still pages',
    window: windowOf(),
    exit: OPENER,
    now: at('13:11:00'),
    step: 'page',
  },
  {
    name: 'an exit after the window ended summarises it first',
    window: windowOf(),
    exit: AFTER_END,
    now: at('13:10:00.001'),
    step: 'summarise',
  },
  {
    name: 'the last exit counted, delivered again after the end, is late: part of the window, not paged',
    window: windowOf(),
    exit: COUNTED,
    now: at('13:11:00'),
    step: 'late',
  },
  {
    name: 'an exit that stopped while the window ran, arriving after its end (found late), is not paged',
    window: windowOf(),
    exit: NEW_EXIT,
    now: at('13:11:00'),
    step: 'late',
  },
  {
    name: 'such an exit is not paged after the outage was resolved either: it was part of it',
    window: CLOSED_WINDOW,
    exit: NEW_EXIT,
    now: at('13:40:00'),
    step: 'late',
  },
  {
    name: 'an exit that stopped before the outage’s first page and its window is a new outage',
    window: CLOSED_WINDOW,
    exit: exitOf('older', '2024-05-01T12:49:59.999Z'),
    now: at('13:40:00'),
    step: 'open',
  },
  {
    name: 'an exit after the window ended waits while another caller sends its summary',
    window: HELD_WINDOW,
    exit: AFTER_END,
    now: LEASE_END,
    step: 'wait',
  },
  {
    name: 'an exit after the window ended summarises it once its summary’s holder died (lease ran out)',
    window: HELD_WINDOW,
    exit: AFTER_END,
    now: afterLease,
    step: 'summarise',
  },
  {
    name: 'an exit after the window was resolved opens a new one: a new outage',
    window: CLOSED_WINDOW,
    exit: AFTER_END,
    now: at('13:11:00'),
    step: 'open',
  },
  {
    name: 'the opener, delivered again after its window was resolved, is late: it was paged',
    window: CLOSED_WINDOW,
    exit: OPENER,
    now: at('13:11:00'),
    step: 'late',
  },
  {
    name: 'an exit after the window was summarised but not resolved reopens it: the outage goes on',
    window: SUMMARISED_WINDOW,
    exit: AFTER_END,
    now: at('13:11:00'),
    step: 'reopen',
  },
  {
    name: 'an exit of a summarised window from a release without resolutions reopens it',
    window: windowOf({ summary: sentPage('summary-1') }),
    exit: AFTER_END,
    now: at('13:11:00'),
    step: 'reopen',
  },
  {
    name: 'an exit waits while another caller sends the resolved message',
    window: RESOLVING_WINDOW,
    exit: AFTER_END,
    now: LEASE_END,
    step: 'wait',
  },
  {
    name: 'an exit reopens the window once the resolved message’s holder died (lease ran out)',
    window: RESOLVING_WINDOW,
    exit: AFTER_END,
    now: afterLease,
    step: 'reopen',
  },
  {
    name: 'a window that never counted an exit counts the first',
    window: windowOf({ count: 0, lastIncident: undefined }),
    exit: NEW_EXIT,
    now: at('13:04:00'),
    step: 'count',
  },
  {
    name: 'an exit after a window that counted nothing summarises it first (it closes quietly)',
    window: windowOf({ count: 0, lastIncident: undefined }),
    exit: AFTER_END,
    now: at('13:11:00'),
    step: 'summarise',
  },
];

export interface ClaimCase {
  name: string;
  window: StoredWindow | undefined;
  now: Date;
  /** Whether the caller claims its summary (and so sends it). */
  claims: boolean;
}

export const CLAIM_CASES: ClaimCase[] = [
  { name: 'a running window’s summary is not due', window: windowOf(), now: at('13:04:00'), claims: false },
  {
    name: 'a window at its last instant is not due',
    window: windowOf(),
    now: at('13:10:00'),
    claims: false,
  },
  { name: 'an ended window’s summary is claimed', window: windowOf(), now: at('13:10:00.001'), claims: true },
  {
    name: 'a summary another caller holds is not claimed',
    window: HELD_WINDOW,
    now: at('13:11:00'),
    claims: false,
  },
  {
    name: 'a summary is held to its lease’s last millisecond',
    window: HELD_WINDOW,
    now: LEASE_END,
    claims: false,
  },
  {
    name: 'a summary whose holder died is claimed once the lease ran out',
    window: HELD_WINDOW,
    now: afterLease,
    claims: true,
  },
  {
    name: 'a summary sent is not claimed again',
    window: CLOSED_WINDOW,
    now: at('13:11:00'),
    claims: false,
  },
  {
    name: 'a summary sent is not claimed again while the resolved message is owed',
    window: SUMMARISED_WINDOW,
    now: at('13:11:00'),
    claims: false,
  },
  { name: 'no window, nothing to claim', window: undefined, now: at('13:11:00'), claims: false },
  {
    name: 'an ended window listed by a release without summary claims is claimed',
    window: windowOf({ summary: undefined }),
    now: at('13:11:00'),
    claims: true,
  },
];

export interface SettleCase {
  name: string;
  /** The window as stored when HELD_WINDOW's holder marks its summary sent or gives it back. */
  window: StoredWindow;
  settles: boolean;
}

export const SETTLE_CASES: SettleCase[] = [
  { name: 'the window claimed, still listed, is settled', window: HELD_WINDOW, settles: true },
  {
    name: 'a window whose summary another caller sent is left alone',
    window: CLOSED_WINDOW,
    settles: false,
  },
  {
    name: 'a new window that replaced it is left alone',
    window: windowOf({ startedAt: '2024-05-01T13:11:00.000Z', endsAt: '2024-05-01T13:21:00.000Z' }),
    settles: false,
  },
];

export interface ResolutionClaimCase {
  name: string;
  window: StoredWindow | undefined;
  now: Date;
  /** Whether the sweeper claims its resolved message (and so sends it). */
  claims: boolean;
}

export const RESOLUTION_CLAIM_CASES: ResolutionClaimCase[] = [
  {
    name: 'a running window is not resolved by the claim (it closes early first)',
    window: windowOf({ summary: sentPage('summary-1'), resolution: pendingPage }),
    now: at('13:04:00'),
    claims: false,
  },
  {
    name: 'an ended window whose summary is owed is summarised first',
    window: windowOf({ resolution: pendingPage }),
    now: at('13:11:00'),
    claims: false,
  },
  {
    name: 'a summarised window’s resolution is claimed',
    window: SUMMARISED_WINDOW,
    now: at('13:11:00'),
    claims: true,
  },
  {
    name: 'a resolution another sweeper holds is not claimed, to its lease’s last millisecond',
    window: RESOLVING_WINDOW,
    now: LEASE_END,
    claims: false,
  },
  {
    name: 'a resolution whose holder died is claimed once the lease ran out',
    window: RESOLVING_WINDOW,
    now: afterLease,
    claims: true,
  },
  {
    name: 'a resolution sent is not claimed again',
    window: CLOSED_WINDOW,
    now: at('13:11:00'),
    claims: false,
  },
  {
    name: 'a summarised window of a release without resolutions is claimed',
    window: windowOf({ summary: sentPage('summary-1') }),
    now: at('13:11:00'),
    claims: true,
  },
];

export interface CloseEarlyCase {
  name: string;
  /** The window as the sweeper read it, and as stored when it closes it. */
  seen: StoredWindow;
  stored: StoredWindow;
  now: Date;
  closes: boolean;
}

const QUIET = windowOf({ count: 0, lastIncident: undefined });

export const CLOSE_EARLY_CASES: CloseEarlyCase[] = [
  {
    name: 'a running window whose service recovered closes',
    seen: windowOf(),
    stored: windowOf(),
    now: at('13:08:00'),
    closes: true,
  },
  {
    name: 'a running window that counted nothing closes',
    seen: QUIET,
    stored: QUIET,
    now: at('13:08:00'),
    closes: true,
  },
  {
    name: 'an exit counted since it was read keeps it open',
    seen: windowOf(),
    stored: windowOf({ count: 4, lastIncident: NEW_EXIT.key }),
    now: at('13:08:00'),
    closes: false,
  },
  {
    name: 'a first exit counted since it was read keeps it open',
    seen: QUIET,
    stored: windowOf({ count: 1, lastIncident: NEW_EXIT.key }),
    now: at('13:08:00'),
    closes: false,
  },
  {
    name: 'a window that ended is not closed early',
    seen: windowOf(),
    stored: windowOf(),
    now: at('13:10:00.001'),
    closes: false,
  },
  {
    name: 'a window replaced since it was read is left alone',
    seen: windowOf(),
    stored: windowOf({ startedAt: '2024-05-01T13:01:00.000Z', endsAt: '2024-05-01T13:11:00.000Z' }),
    now: at('13:08:00'),
    closes: false,
  },
];

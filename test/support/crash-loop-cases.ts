/**
 * The crash-loop window rule as a table of cases, for both of its judges: the pure rule (unit tests) and
 * DynamoDB evaluating the same conditions in the store's writes (integration tests, on both engines). The same
 * cases must give the same decisions in both.
 *
 * Every case is about the group service:web in prod, whose window (if any) ran from 13:00 to 13:10.
 */
import * as z from 'zod/mini';
import { AlertsConfig } from '../../lib/alerts/config.js';
import { crashLoopGroupKey, type Step, type StoredWindow } from '../../lib/alerts/crash-loop.js';
import type { Incident } from '../../lib/alerts/model.js';
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
  };
}

export const OPENER = exitOf('opener', '2024-05-01T12:59:59.000Z');
export const COUNTED = exitOf('counted', '2024-05-01T13:02:00.000Z');
export const NEW_EXIT = exitOf('new');

/** The group's window from 13:00 to 13:10, opened by OPENER; COUNTED was the third exit counted into it. */
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
    open: true,
    ...overrides,
  };
}

/** The window as the sweeper closed it: off its list. */
export const CLOSED_WINDOW = windowOf({ open: false });

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
    exit: NEW_EXIT,
    now: at('13:10:00.001'),
    step: 'summarise',
  },
  {
    name: 'the last exit counted, delivered again after the end, summarises it first',
    window: windowOf(),
    exit: COUNTED,
    now: at('13:11:00'),
    step: 'summarise',
  },
  {
    name: 'an exit after the window was summarised opens a new one',
    window: CLOSED_WINDOW,
    exit: NEW_EXIT,
    now: at('13:11:00'),
    step: 'open',
  },
  {
    name: 'the opener, delivered again after its window was summarised, opens a new one',
    window: CLOSED_WINDOW,
    exit: OPENER,
    now: at('13:11:00'),
    step: 'open',
  },
  {
    name: 'a window that never counted an exit counts the first',
    window: windowOf({ count: 0, lastIncident: undefined }),
    exit: NEW_EXIT,
    now: at('13:04:00'),
    step: 'count',
  },
];

export interface SweepCase {
  name: string;
  window: StoredWindow | undefined;
  now: Date;
  /** Whether the sweeper closes it (and so summarises it). */
  closes: boolean;
}

export const SWEEP_CASES: SweepCase[] = [
  { name: 'a running window stays open', window: windowOf(), now: at('13:04:00'), closes: false },
  { name: 'a window at its last instant stays open', window: windowOf(), now: at('13:10:00'), closes: false },
  { name: 'a window that ended is closed', window: windowOf(), now: at('13:10:00.001'), closes: true },
  {
    name: 'a window closed already is not closed again',
    window: CLOSED_WINDOW,
    now: at('13:11:00'),
    closes: false,
  },
  { name: 'no window, nothing to close', window: undefined, now: at('13:11:00'), closes: false },
];

export interface ReopenCase {
  name: string;
  /** The window as stored when the failed summary gives CLOSED_WINDOW back. */
  window: StoredWindow;
  reopens: boolean;
}

/** A summary that could not be sent gives back the window it closed: CLOSED_WINDOW. */
export const REOPEN_CASES: ReopenCase[] = [
  { name: 'the closed window is listed again', window: CLOSED_WINDOW, reopens: true },
  { name: 'a window listed again already stays as it is', window: windowOf(), reopens: false },
  {
    name: 'a new window that replaced it is left alone',
    window: windowOf({ startedAt: '2024-05-01T13:11:00.000Z', endsAt: '2024-05-01T13:21:00.000Z' }),
    reopens: false,
  },
];

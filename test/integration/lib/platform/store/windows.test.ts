/**
 * The windowed task queries against each DynamoDB engine: a STOPPED task is in [since, until) when it stopped in
 * it, a live one when it ran in it; --group and --status combine without changing what the window means; a limit
 * says when it cut the list, and its token reads on from there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceKey } from '../../../../../lib/platform/arn.js';
import { InvalidInputError } from '../../../../../lib/platform/errors.js';
import { shardOf } from '../../../../../lib/platform/store/items.js';
import type {
  CurrentState,
  ResourcePage,
  StateStore,
  StoredResource,
} from '../../../../../lib/platform/store/state-store.js';
import { engines, freshStore, requireEngine } from '../../../../support/engines.js';
import { type Envelope, taskEvent } from '../../../../support/fixtures.js';
import { arnOf, arns, latestOf } from '../../../../support/store-items.js';

/** Minutes after 11:00 on 2024-05-01, as index times are written. */
const at = (minute: number) =>
  new Date(Date.parse('2024-05-01T11:00:00.000Z') + minute * 60_000).toISOString();

/** The window every test asks about: [12:00, 13:00). */
const SINCE = at(60);
const UNTIL = at(120);

function live(id: string, created: number, options: { group?: string; lastStatus?: string } = {}) {
  return taskEvent({
    id,
    version: 4,
    createdAt: at(created),
    group: options.group ?? 'service:api',
    lastStatus: options.lastStatus ?? 'RUNNING',
  });
}

function stopped(
  id: string,
  created: number,
  stop: number,
  options: { group?: string; cluster?: string; stopCode?: string } = {},
) {
  return taskEvent({
    fixture: 'ecs/task/fargate-stopped.json',
    id,
    version: 9,
    createdAt: at(created),
    startedAt: at(created),
    stoppedAt: at(stop),
    group: options.group ?? 'service:api',
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    detail: { stopCode: options.stopCode ?? 'ServiceSchedulerInitiated', updatedAt: at(stop) },
  });
}

// service:api — the group the user asks about.
const oomKilled = stopped('oom-killed', 0, 90, { stopCode: 'OutOfMemoryError' }); // created before, died inside
const stoppedBefore = stopped('stopped-before', 0, 30); // over before the window: never in it
const stoppedAfter = stopped('stopped-after', 10, 150); // ran through the window, stopped after it
const inside = stopped('inside', 70, 100); // created and stopped inside
const after = stopped('after', 130, 140); // created after the window
const atUntil = stopped('at-until', 50, 120); // stopped exactly at `until` (excluded as a stop, ran in it)
const atSince = stopped('at-since', 20, 60); // stopped exactly at `since` (included)
const runningOld = live('running-old', 0); // created before, still running
const runningInside = live('running-inside', 80);
const pendingInside = live('pending-inside', 90, { lastStatus: 'PENDING' });
const runningAfter = live('running-after', 125); // created after the window
const createdAtUntil = live('created-at-until', 120); // created exactly at `until`: not in it
// Elsewhere.
const webStopped = stopped('web-stopped', 40, 95, { group: 'service:web' });
const webRunning = live('web-running', 100, { group: 'service:web' });
const otherCluster = stopped('other-cluster', 40, 95, { cluster: 'staging' });
// Resync found it gone at 12:45: listed as stopped then, with its last status (RUNNING).
const ghost = live('ghost', 5);

const all = [
  oomKilled,
  stoppedBefore,
  stoppedAfter,
  inside,
  after,
  atUntil,
  atSince,
  runningOld,
  runningInside,
  pendingInside,
  runningAfter,
  createdAtUntil,
  webStopped,
  webRunning,
  otherCluster,
  ghost,
];

async function markGone(store: StateStore, envelope: Envelope, noticed: string) {
  const key = resourceKey(arnOf(envelope));
  const state = (await store.currentStates([key])).get(key) as CurrentState;
  expect(await store.markMissing(key, state, noticed, 30)).toBe(true);
}

/** Every page of a listing, following its tokens; checks each page but the last says `more`. */
async function allPages(read: (nextToken?: string) => Promise<ResourcePage>): Promise<StoredResource[][]> {
  const pages: StoredResource[][] = [];
  let token: string | undefined;
  for (;;) {
    const page = await read(token);
    pages.push(page.resources);
    if (!page.more) {
      expect(page.nextToken).toBeUndefined();
      return pages;
    }
    expect(page.nextToken).toEqual(expect.any(String));
    token = page.nextToken;
    if (pages.length > 50) throw new Error('the listing never ends');
  }
}

describe.each(engines())('windowed task queries on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;
  let store: StateStore;

  beforeAll(async () => {
    store = await freshStore(target);
    await Promise.all(all.map((envelope) => store.putLatest(latestOf(envelope))));
    await markGone(store, ghost, at(105));
  });

  describe('stoppedTasks', () => {
    it('lists the tasks that stopped in [since, until), newest stop first, over every shard', async () => {
      // Act
      const page = await store.stoppedTasks('prod', { since: SINCE, until: UNTIL });

      // Assess
      expect(arns(page.resources)).toEqual([ghost, inside, webStopped, oomKilled, atSince].map(arnOf));
      expect(page.more).toBe(false);
      expect(page.nextToken).toBeUndefined();
    });

    it('finds the OOM-killed task of a group: created before the window, stopped in it', async () => {
      // Act
      const page = await store.stoppedTasks('prod', { group: 'service:api', since: SINCE, until: UNTIL });

      // Assess
      expect(arns(page.resources)).toEqual([ghost, inside, oomKilled, atSince].map(arnOf));
      expect(page.resources[2]?.detail.stopCode).toBe('OutOfMemoryError');
    });

    it('takes open bounds: everything stopped since, or before, a time', async () => {
      // Act
      const since = await store.stoppedTasks('prod', { group: 'service:api', since: at(100) });
      const until = await store.stoppedTasks('prod', { group: 'service:api', until: at(60) });
      const ever = await store.stoppedTasks('prod', { group: 'service:api' });

      // Assess
      expect(arns(since.resources)).toEqual([stoppedAfter, after, atUntil, ghost, inside].map(arnOf));
      expect(arns(until.resources)).toEqual([stoppedBefore].map(arnOf));
      expect(ever.resources).toHaveLength(8);
    });

    it('compares bounds as times whatever their ISO format, and lists nothing for an empty window', async () => {
      // Act: "12:00:00Z" is the task stopped at 12:00:00.000Z; [13:00, 12:00) is empty, not an error.
      const exact = await store.stoppedTasks('prod', { since: '2024-05-01T12:00:00Z', until: at(61) });
      const empty = await store.stoppedTasks('prod', { since: UNTIL, until: SINCE });
      const point = await store.stoppedTasks('prod', { since: SINCE, until: SINCE });

      // Assess
      expect(arns(exact.resources)).toEqual([arnOf(atSince)]);
      expect(empty).toEqual({ resources: [], more: false });
      expect(point).toEqual({ resources: [], more: false });
    });

    it('refuses a bound that is no time', async () => {
      await expect(store.stoppedTasks('prod', { since: 'yesterday' })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });
  });

  describe('tasksInWindow', () => {
    it('lists the tasks that ran in [since, until): live ones created before until, then stopped ones', async () => {
      // Act
      const page = await store.tasksInWindow('prod', { since: SINCE, until: UNTIL });

      // Assess
      expect(arns(page.resources)).toEqual(
        [
          // live, newest created first (running-after and created-at-until were created too late)
          webRunning,
          pendingInside,
          runningInside,
          runningOld,
          // stopped, newest stop first: stopped at or after since, created before until
          stoppedAfter,
          atUntil,
          ghost,
          inside,
          webStopped,
          oomKilled,
          atSince,
        ].map(arnOf),
      );
      expect(page.more).toBe(false);
    });

    it('combines --group and --status without changing what the window means', async () => {
      // Act
      const stoppedApi = await store.tasksInWindow('prod', {
        group: 'service:api',
        statuses: ['STOPPED'],
        since: SINCE,
        until: UNTIL,
      });
      const runningApi = await store.tasksInWindow('prod', {
        group: 'service:api',
        statuses: ['RUNNING'],
        since: SINCE,
        until: UNTIL,
      });
      const pendingOrStopped = await store.tasksInWindow('prod', {
        statuses: ['PENDING', 'STOPPED'],
        since: at(95),
        until: at(100),
      });
      const webAll = await store.tasksInWindow('prod', { group: 'service:web', since: SINCE, until: UNTIL });

      // Assess: the OOM-killed task is there, the task resync found gone counts as STOPPED, not RUNNING.
      expect(arns(stoppedApi.resources)).toEqual(
        [stoppedAfter, atUntil, ghost, inside, oomKilled, atSince].map(arnOf),
      );
      expect(arns(runningApi.resources)).toEqual([runningInside, runningOld].map(arnOf));
      expect(arns(pendingOrStopped.resources)).toEqual(
        [pendingInside, stoppedAfter, atUntil, ghost, inside, webStopped].map(arnOf),
      );
      expect(arns(webAll.resources)).toEqual([webRunning, webStopped].map(arnOf));
    });

    it('lists only the given cluster; empty lists of groups or statuses filter nothing', async () => {
      // Act
      const staging = await store.tasksInWindow('staging', { since: SINCE, until: UNTIL });
      const unfiltered = await store.tasksInWindow('prod', {
        since: SINCE,
        until: UNTIL,
        group: [],
        statuses: [],
      });
      const whole = await store.tasksInWindow('prod', { since: SINCE, until: UNTIL });

      // Assess
      expect(arns(staging.resources)).toEqual([arnOf(otherCluster)]);
      expect(arns(unfiltered.resources)).toEqual(arns(whole.resources));
    });

    it('merges several groups newest first, as the cluster-wide listing orders them', async () => {
      // Act
      const both = await store.stoppedTasks('prod', {
        group: ['service:web', 'service:api'],
        since: SINCE,
        until: UNTIL,
      });
      const ran = await store.tasksInWindow('prod', {
        group: ['service:web', 'service:api'],
        statuses: ['RUNNING', 'STOPPED'],
        since: SINCE,
        until: UNTIL,
      });

      // Assess
      expect(arns(both.resources)).toEqual([ghost, inside, webStopped, oomKilled, atSince].map(arnOf));
      expect(arns(ran.resources)).toEqual(
        [
          webRunning,
          runningInside,
          runningOld,
          stoppedAfter,
          atUntil,
          ghost,
          inside,
          webStopped,
          oomKilled,
          atSince,
        ].map(arnOf),
      );
    });

    it('without bounds lists every live task, then every stopped one', async () => {
      // Act
      const page = await store.tasksInWindow('prod', { group: 'service:api' });

      // Assess
      expect(page.resources).toHaveLength(13);
      expect(page.resources.slice(0, 5).every((task) => task.detail.lastStatus !== 'STOPPED')).toBe(true);
    });
  });

  describe('limits', () => {
    it('says when a limit cut the list, and its token reads on to exactly the rest', async () => {
      // Prepare
      const whole = await store.tasksInWindow('prod', { since: SINCE, until: UNTIL });

      // Act
      const first = await store.tasksInWindow('prod', { since: SINCE, until: UNTIL, limit: 3 });
      const pages = await allPages((nextToken) =>
        store.tasksInWindow('prod', {
          since: SINCE,
          until: UNTIL,
          limit: 3,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );

      // Assess
      expect(first.more).toBe(true);
      expect(arns(first.resources)).toEqual(arns(whole.resources).slice(0, 3));
      expect(pages.map((page) => page.length)).toEqual([3, 3, 3, 2]);
      expect(pages.flat().map((task) => task.arn)).toEqual(arns(whole.resources));
    });

    it('is not cut when the limit is exactly the count', async () => {
      // Act
      const page = await store.stoppedTasks('prod', {
        group: 'service:api',
        since: SINCE,
        until: UNTIL,
        limit: 4,
      });

      // Assess
      expect(page.resources).toHaveLength(4);
      expect(page.more).toBe(false);
      expect(page.nextToken).toBeUndefined();
    });

    it('counts only what matches: a status filter that rejects many still fills the page', async () => {
      // Act
      const page = await store.tasksInWindow('prod', { statuses: ['PENDING'], limit: 1 });

      // Assess
      expect(arns(page.resources)).toEqual([arnOf(pendingInside)]);
      expect(page.more).toBe(false);
    });

    it('refuses a limit below 1, and a token from another query', async () => {
      // Prepare
      const page = await store.stoppedTasks('prod', { limit: 1 });

      // Act
      const other = store.stoppedTasks('prod', { group: 'service:api', limit: 1, nextToken: page.nextToken });
      const garbage = store.stoppedTasks('prod', { limit: 1, nextToken: 'not-a-token' });

      // Assess
      await expect(store.stoppedTasks('prod', { limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(other).rejects.toThrow(/another listing/);
      await expect(garbage).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
});

describe.each(engines())('windowed listings at a tie on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  it('pages through tasks stopped at one instant, over every shard, each exactly once', async () => {
    // Prepare: twelve tasks that resync found gone in one run share their stop time.
    const store = await freshStore(target);
    const tasks = Array.from({ length: 12 }, (_, n) => live(`tie-${n}`, n));
    expect(new Set(tasks.map((task) => shardOf(arnOf(task)))).size).toBeGreaterThan(1);
    await Promise.all(tasks.map((task) => store.putLatest(latestOf(task))));
    for (const task of tasks) await markGone(store, task, at(90));

    // Act
    const pages = await allPages((nextToken) =>
      store.stoppedTasks('prod', {
        since: SINCE,
        until: UNTIL,
        limit: 5,
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    );
    const byGroup = await allPages((nextToken) =>
      store.stoppedTasks('prod', {
        group: 'service:api',
        limit: 7,
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    );

    // Assess
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(new Set(arns(pages.flat()))).toEqual(new Set(tasks.map(arnOf)));
    expect(arns(pages.flat())).toHaveLength(12);
    expect(new Set(arns(byGroup.flat()))).toEqual(new Set(tasks.map(arnOf)));
    expect(arns(byGroup.flat())).toHaveLength(12);
  });
});

describe.each(engines())('tasksByGroup on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;

  it('lists a group’s live tasks alone when asked, its stopped ones alone, or both by creation', async () => {
    // Prepare
    const store = await freshStore(target);
    const tasks = [runningOld, runningInside, pendingInside, oomKilled, inside, ghost, webRunning];
    await Promise.all(tasks.map((envelope) => store.putLatest(latestOf(envelope))));
    await markGone(store, ghost, at(105));

    // Act
    const liveOnly = await store.tasksByGroup('prod', 'service:api', { only: 'live' });
    const stoppedOnly = await store.tasksByGroup('prod', 'service:api', { only: 'stopped' });
    const both = await store.tasksByGroup('prod', 'service:api');
    const createdSince = await store.tasksByGroup('prod', 'service:api', { since: at(70) });

    // Assess: the task resync found gone is no longer counted live.
    expect(arns(liveOnly)).toEqual([pendingInside, runningInside, runningOld].map(arnOf));
    expect(new Set(arns(stoppedOnly))).toEqual(new Set([oomKilled, inside, ghost].map(arnOf)));
    expect(arns(both)).toEqual(
      [pendingInside, runningInside, inside, ghost, runningOld, oomKilled].map(arnOf),
    );
    expect(arns(createdSince)).toEqual([pendingInside, runningInside, inside].map(arnOf));
  });
});

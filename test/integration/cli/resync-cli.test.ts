/**
 * `ecs-ops resync` through the CLI entry, against a simulated cluster served by a local endpoint
 * (AWS_ENDPOINT_URL_ECS; EventBridge on the same URL) and the CLI's own local store, into which some events were
 * delivered and others lost: the dry run prints the drift and writes nothing, the run corrects it and publishes
 * the stop nobody heard of, `tasks` then lists what was backfilled and what ECS no longer knows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lastSegment } from '../../../lib/platform/arn.js';
import type { EventEnvelope } from '../../../lib/platform/events/envelope.js';
import { Journal } from '../../../lib/platform/journal.js';
import { StateStore } from '../../../lib/platform/store/state-store.js';
import { reconcileBatch } from '../../../lib/reconcile/reconcile.js';
import { RESYNC_JOURNAL_KIND } from '../../../lib/resync/model.js';
import { WatchingSince } from '../../../lib/resync/watching.js';
import {
  ensureStateTable,
  LOCAL_STATE_TABLE,
  startLocalEngine,
} from '../../../local/dynamodb/local-engine.js';
import type { Backends, EventBridgeBackend } from '../../../local/endpoint/index.js';
import { eventBridgeBackend } from '../../../local/endpoint/index.js';
import { runCaptured } from '../../support/cli-run.js';
import { endpointFor } from '../../support/local-endpoint.js';
import { RETENTION, resyncWorld, startWebTasks } from '../../support/resync-harness.js';
import { START } from '../../support/simulated-ecs.js';

let dir: string;
let config: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-resync-cli-'));
  config = join(dir, 'ops.config.yml');
  // The simulated account has `prod` only; the fastest pace the config allows keeps the test quick.
  writeFileSync(config, 'clusters: [prod]\nresync:\n  callsPerSecond: 50\n');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  return runCaptured(['--dir', dir, '--config', config, ...argv]);
}

/** Runs `use` on the CLI's local store (the engine in --dir), closed again before the CLI opens it. */
async function withCliStore<T>(use: (store: StateStore) => Promise<T>): Promise<T> {
  const engine = await startLocalEngine(dir);
  try {
    await ensureStateTable(engine.client, LOCAL_STATE_TABLE);
    return await use(new StateStore({ tableName: LOCAL_STATE_TABLE, client: engine.client }));
  } finally {
    engine.client.destroy();
    await engine.close();
  }
}

/** EventBridge that takes every entry, or refuses each one (as PutEvents reports an entry it could not take). */
function recordingEventBridge() {
  const published: EventEnvelope[] = [];
  const accepting = eventBridgeBackend(
    async (envelope) => {
      published.push(envelope);
    },
    { account: '111122223333', region: 'us-east-1' },
  );
  const refusing: EventBridgeBackend = {
    putEvents: async (input: PutEventsCommandInput) => ({
      FailedEntryCount: input.Entries?.length ?? 0,
      Entries: (input.Entries ?? []).map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' })),
    }),
  };
  return { published, accepting, refusing };
}

/**
 * A simulated `prod` whose events reached the CLI's store only in part: an instance and six web tasks; the events
 * of tasks 0 and 1 lost (resync adds them), task 2's RUNNING lost (advanced), task 3 stopped after ecs-ops
 * started watching with its STOPPED lost (advanced, and a late stop to publish), a task ECS no longer knows
 * (marked missing), tasks 4 and 5 and the instance in sync.
 */
async function driftedWorld() {
  return withCliStore(async (store) => {
    const w = await resyncWorld(store);
    await new WatchingSince(store).start(new Date(START));
    w.instance('i-0000000000000000a');
    const tasks = startWebTasks(w, 6);
    const [added0, added1, behind, stopping] = tasks as [string, string, string, string];
    await w.deliver(
      (event) =>
        event.resources[0] === added0 ||
        event.resources[0] === added1 ||
        (event.resources[0] === behind && event.detail.lastStatus === 'RUNNING'),
    );
    w.advance(60_000);
    w.sim.stopTask({ cluster: 'prod', task: stopping, reason: 'crashed' });
    w.settle();
    await w.deliver((event) => event.detail.lastStatus === 'STOPPED');
    // A task the simulator never knew: ECS answers MISSING for it.
    const ghost = JSON.parse(JSON.stringify(w.taskEvents(tasks[4] as string).at(-1))) as EventEnvelope;
    const ghostArn = String(ghost.detail.taskArn).replace(/[0-9a-f]{32}$/, 'f'.repeat(32));
    ghost.detail.taskArn = ghostArn;
    ghost.resources = [ghostArn];
    ghost.id = 'ghost';
    await reconcileBatch([{ id: 'ghost', body: JSON.stringify(ghost) }], {
      store,
      retention: RETENTION,
      writeConcurrency: 1,
    });
    return { sim: w.sim, tasks, ghostArn, stoppedVersion: w.taskEvents(stopping).at(-1)?.detail.version };
  });
}

async function serve(backends: Backends) {
  const { endpoint } = await endpointFor(backends);
  vi.stubEnv('AWS_ENDPOINT_URL', '');
  vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGE', '');
  vi.stubEnv('AWS_ENDPOINT_URL_ECS', endpoint.url);
  return endpoint;
}

const id = (arn: string) => lastSegment(arn);

describe('ecs-ops resync against a local endpoint', () => {
  it('prints the drift of a dry run, writes nothing; the run corrects it; tasks lists what it backfilled', async () => {
    const { sim, tasks, ghostArn, stoppedVersion } = await driftedWorld();
    const eventBridge = recordingEventBridge();
    const endpoint = await serve({ ecs: sim, eventBridge: eventBridge.accepting });

    // Dry run: the drift, nothing written, nothing published.
    const dry = await cli('resync', '--dry-run');

    expect(dry.err).toBe('');
    expect(dry.code).toBe(0);
    const dryLines = dry.out.split('\n');
    expect(dryLines[0]).toBe('dry run: nothing written');
    expect(dryLines[1]).toMatch(
      /^prod: 2 added, 2 advanced, 1 marked missing, 3 in sync, 0 newer in the store; 7 API calls in \d+\.\d s$/,
    );
    expect(dryLines[2]).toMatch(/^ {2}ACTION +RESOURCE +VERSION +STATUS$/);
    const corrections = dryLines.slice(3).map((line) => line.trim().split(/ {2,}/));
    expect(corrections).toEqual(
      expect.arrayContaining([
        ['add', `task/${id(tasks[0] as string)}`, expect.stringMatching(/^none → \d+$/), 'RUNNING'],
        ['add', `task/${id(tasks[1] as string)}`, expect.stringMatching(/^none → \d+$/), 'RUNNING'],
        ['advance', `task/${id(tasks[2] as string)}`, expect.stringMatching(/^\d+ → \d+$/), 'RUNNING'],
        [
          'advance',
          `task/${id(tasks[3] as string)}`,
          expect.stringMatching(` → ${stoppedVersion}$`),
          'STOPPED',
        ],
        ['mark-missing', `task/${id(ghostArn)}`, expect.stringMatching(/^\d+$/), 'missing'],
      ]),
    );
    expect(corrections).toHaveLength(5);
    expect(eventBridge.published).toEqual([]);
    const untouched = JSON.parse((await cli('tasks', '--json')).out) as { arn: string }[];
    expect(untouched.map((task) => task.arn)).not.toContain(tasks[0]);

    // The run: the same corrections, written; the stop nobody heard of published once.
    const run = await cli('resync');

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const runLines = run.out.split('\n');
    expect(runLines[0]).toMatch(
      /^prod: 2 added, 2 advanced, 1 marked missing, 3 in sync, 0 newer in the store; 7 API calls in \d+\.\d s; 1 late stop published for alerting$/,
    );
    expect(run.out).not.toContain('dry run');
    expect(eventBridge.published.map((event) => event.resources[0])).toEqual([tasks[3]]);
    expect(eventBridge.published[0]).toMatchObject({
      source: 'ecs-ops.resync',
      detail: { lastStatus: 'STOPPED' },
    });
    expect(endpoint.requests()).toMatchObject({ 'eventBridge.PutEvents': 1 });

    // tasks: the backfilled ones, and the one ECS no longer knows listed as stopped, marked.
    const listed = await cli('tasks');
    expect(listed.code).toBe(0);
    for (const task of tasks) expect(listed.out).toContain(id(task));
    expect(listed.out).toMatch(
      new RegExp(
        `^${id(ghostArn)} +family:web +RUNNING \\(missing since \\d{4}-\\d\\d-\\d\\d [\\d:]{8}\\) `,
        'm',
      ),
    );
    expect(listed.out).toMatch(new RegExp(`^${id(tasks[3] as string)} +family:web +STOPPED `, 'm'));
    const stopped = JSON.parse((await cli('tasks', '--status', 'STOPPED', '--json')).out) as {
      arn: string;
      source: string;
      missingSince?: string;
    }[];
    expect(stopped.find((task) => task.arn === ghostArn)?.missingSince).toEqual(expect.any(String));
    expect(stopped.find((task) => task.arn === tasks[3])?.source).toBe('resync');

    // A backfilled task's timeline says resync read it.
    const history = await cli('task', id(tasks[0] as string), '--history');
    expect(history.out).toMatch(/^version +\d+ \(read by resync at /m);
    expect(history.out).toMatch(/^VER +UPDATED +SOURCE +STATUS/m);
    expect(history.out).toMatch(/^\d+ +[\d-]+ [\d:]+ +resync +RUNNING +RUNNING/m);

    // Nothing is left to correct, and the run was journaled.
    const again = await cli('resync', '--dry-run');
    expect(again.out.split('\n')[1]).toMatch(/^prod: 0 added, 0 advanced, 0 marked missing, 7 in sync, /);
    const journaled = await withCliStore(async (store) => ({
      since: await new WatchingSince(store).read(),
      entries: await new Journal({ tableName: store.tableName, client: store.client, retentionDays: 0 }).list(
        {
          kind: RESYNC_JOURNAL_KIND,
        },
      ),
    }));
    expect(journaled.since).toBe(new Date(START).toISOString());
    expect(journaled.entries).toHaveLength(1);
    expect(journaled.entries[0]?.fields).toMatchObject({ added: 2, advanced: 2, markedMissing: 1 });
  });

  it('exits 1 when a correction failed, saying the next run retries it; the next run does', async () => {
    const { sim, tasks } = await driftedWorld();
    const eventBridge = recordingEventBridge();
    const backends: Backends = { ecs: sim, eventBridge: eventBridge.refusing };
    await serve(backends);

    const failed = await cli('resync');

    expect(failed.code).toBe(1);
    expect(failed.out.split('\n')[0]).toMatch(/; 1 failed$/);
    expect(failed.out.split('\n').at(-1)).toBe('1 correction failed: the next run retries it');
    // The stop that did not go out was not written either: the next run finds it again.
    const stored = JSON.parse((await cli('task', id(tasks[3] as string), '--json')).out);
    expect(stored.latest.detail.lastStatus).not.toBe('STOPPED');
    expect(stored.latest.source).toBe('event');

    backends.eventBridge = eventBridge.accepting;
    const retried = await cli('resync', '--cluster', 'prod', '--json');

    expect(retried.code).toBe(0);
    const result = JSON.parse(retried.out);
    expect(result).toMatchObject({
      dryRun: false,
      reports: [{ cluster: 'prod', advanced: 1, failed: 0, lateStops: 1 }],
    });
    expect(eventBridge.published.map((event) => event.resources[0])).toEqual([tasks[3]]);
  });

  it('exits 1 for a cluster ECS does not have, naming the clusters asked for', async () => {
    const { sim } = await driftedWorld();
    await serve({ ecs: sim });

    const { code, err } = await cli('resync', '--cluster', 'prod', '--cluster', 'nope', '--dry-run');

    expect(code).toBe(1);
    expect(err).toMatch(
      /^ecs-ops: resync stopped: ClusterNotFoundException: Cluster not found\. \(clusters: prod, nope\)/,
    );
  });
});

describe('ecs-ops resync without a local endpoint', () => {
  it('exits 1 when no endpoint is named, saying what to run', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_ECS', '');
    vi.stubEnv('AWS_ENDPOINT_URL', '');

    const { code, out, err } = await cli('resync');

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      'ecs-ops: resync reads ECS, and --store local has no ECS of its own (AWS_ENDPOINT_URL_ECS is not set): ' +
        'start a local endpoint that serves ECS and EventBridge (the sandbox’s, a test’s) and set ' +
        'AWS_ENDPOINT_URL_ECS to its URL, or resync the deployed stack: ecs-ops resync --store aws --stage <stage>',
    );
  });

  it('exits 1 when nothing answers at the endpoint named, saying what to run', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    vi.stubEnv('AWS_ENDPOINT_URL_ECS', `http://127.0.0.1:${port}`);

    const { code, err } = await cli('resync', '--dry-run');

    expect(code).toBe(1);
    expect(err).toMatch(
      new RegExp(
        `^ecs-ops: no local endpoint answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): start a local endpoint .* ecs-ops resync --store aws --stage <stage>$`,
      ),
    );
  });

  it.each([
    [['resync', '--cluster', 'prod cluster'], /--cluster prod cluster: expected a cluster name/],
    [['resync', 'prod'], /resync takes no argument \(got prod\); name clusters with --cluster/],
    [['resync', '--limit', '-1'], /--limit -1: expected a whole number ≥ 1, or 0 for all/],
  ])('%j exits 2 before reaching ECS', async (argv, message) => {
    vi.stubEnv('AWS_ENDPOINT_URL_ECS', '');
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('ecs-ops instances', () => {
  it('lists a container instance in a status ecs-ops does not know, with that status', async () => {
    const { arn } = await withCliStore(async (store) => {
      const w = await resyncWorld(store);
      const registered = w.instance('i-0000000000000000b');
      await w.deliver();
      const last = w.instanceEvents(registered).at(-1) as EventEnvelope;
      const hibernating = {
        ...last,
        id: 'hibernating',
        detail: { ...last.detail, status: 'HIBERNATING', version: Number(last.detail.version) + 1 },
      };
      await reconcileBatch([{ id: '1', body: JSON.stringify(hibernating) }], {
        store,
        retention: RETENTION,
        writeConcurrency: 1,
      });
      return { arn: registered };
    });

    const table = await cli('instances');
    const json = JSON.parse((await cli('instances', '--json')).out) as {
      arn: string;
      detail: { status: string };
    }[];

    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^Container instances in prod \(1; times in UTC\):$/m);
    expect(table.out).toMatch(new RegExp(`^${id(arn)} +i-0000000000000000b +HIBERNATING +connected `, 'm'));
    expect(json).toMatchObject([{ arn, detail: { status: 'HIBERNATING' } }]);
  });
});

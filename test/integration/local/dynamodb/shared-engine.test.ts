/**
 * One engine process per local store folder, shared by every process using it (local/dynamodb/shared-engine.ts):
 * found through engine.json, started under engine.lock by one process only, replaced when it crashed, gone by
 * itself once idle. The engine runs as the CLI runs it: the built dist/local/engine-server.mjs, in its own process.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEY } from '../../../../lib/platform/store/table.js';
import {
  ENGINE_FILE,
  IDLE_ENV,
  LOCK_FILE,
  LOG_FILE,
  processAlive,
  readEngineRecord,
  writeEngineRecord,
} from '../../../../local/dynamodb/engine-protocol.js';
import { serveSharedEngine } from '../../../../local/dynamodb/engine-server.js';
import {
  ensureStateTable,
  LOCAL_STATE_TABLE,
  localClient,
  startLocalEngine,
} from '../../../../local/dynamodb/local-engine.js';
import {
  connectSharedEngine,
  type EngineLease,
  EngineUnavailableError,
} from '../../../../local/dynamodb/shared-engine.js';
import { PROJECT_ROOT } from '../../../support/fixtures.js';

const serverFile = join(PROJECT_ROOT, 'dist', 'local', 'engine-server.mjs');
const run = promisify(execFile);

const dirs: string[] = [];
const leases: EngineLease[] = [];

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const lease of leases.splice(0)) lease.release();
  // Every engine these tests started is stopped, then its folder removed; none waits out its idle timeout.
  for (const dir of dirs.splice(0)) {
    const record = readEngineRecord(dir);
    if (record !== undefined && processAlive(record.pid)) {
      process.kill(record.pid, 'SIGTERM');
      await waitFor(() => !processAlive(record.pid));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

function storeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-engine-'));
  dirs.push(dir);
  return dir;
}

async function connect(dir: string, timeoutMs?: number): Promise<EngineLease> {
  const lease = await connectSharedEngine(dir, {
    serverFile,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  leases.push(lease);
  return lease;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The id of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid as number;
}

const item = (id: string) => ({ [KEY.partition]: { S: `task#${id}` }, [KEY.sort]: { S: 'latest' } });

async function write(lease: EngineLease, id: string): Promise<void> {
  const client = localClient(lease.endpoint);
  try {
    await ensureStateTable(client, LOCAL_STATE_TABLE);
    await client.send(new PutItemCommand({ TableName: LOCAL_STATE_TABLE, Item: item(id) }));
  } finally {
    client.destroy();
  }
}

async function has(lease: EngineLease, id: string): Promise<boolean> {
  const client = localClient(lease.endpoint);
  try {
    const { Item } = await client.send(new GetItemCommand({ TableName: LOCAL_STATE_TABLE, Key: item(id) }));
    return Item !== undefined;
  } finally {
    client.destroy();
  }
}

const starts = (dir: string) =>
  readFileSync(join(dir, LOG_FILE), 'utf8')
    .split('\n')
    .filter((line) => line.includes(': serves ')).length;

describe('the shared engine of a local store', () => {
  it('starts one engine on first use, announced in engine.json; later connections lease that one', async () => {
    const dir = storeDir();
    const first = await connect(dir);
    expect(first.started).toBe(true);
    const record = readEngineRecord(dir);
    expect(record).toMatchObject({ pid: first.pid, dir: expect.any(String) });
    expect(first.endpoint).toBe(`http://127.0.0.1:${record?.port}`);
    expect(record?.pid).not.toBe(process.pid);

    const second = await connect(dir);
    expect(second).toMatchObject({ started: false, pid: first.pid, endpoint: first.endpoint });
    await write(first, 'written-by-one');
    expect(await has(second, 'written-by-one')).toBe(true);
  });

  it('starts one engine between connections racing on a fresh folder, in this process and in CLI processes', async () => {
    const dir = storeDir();
    const cli = () =>
      run(process.execPath, [join(PROJECT_ROOT, 'bin', 'ecs-ops.mjs'), 'tasks', '--dir', dir, '--json'], {
        cwd: PROJECT_ROOT,
      });
    const [inProcess, processes] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => connect(dir))),
      Promise.all([cli(), cli(), cli()]),
    ]);
    for (const { stdout, stderr } of processes) {
      expect(stderr).toBe('');
      expect(JSON.parse(stdout)).toEqual([]);
    }
    expect(new Set(inProcess.map((lease) => lease.pid)).size).toBe(1);
    expect(readEngineRecord(dir)?.pid).toBe(inProcess[0]?.pid);
    expect(starts(dir)).toBe(1);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('waits while a live process holds engine.lock; takes over a lock its holder left behind', async () => {
    const dir = storeDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, token: 'starting' }));
    const waited = connect(dir, 600);
    await expect(waited).rejects.toThrow(EngineUnavailableError);
    await expect(waited).rejects.toThrow(/has an engine starting .*engine\.lock.* remove .*engine\.lock/);

    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), token: 'crashed' }));
    expect((await connect(dir, 5_000)).started).toBe(true);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock held too long, whoever holds it (its process id reused)', async () => {
    const dir = storeDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, token: 'ages-ago' }));
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), minuteAgo, minuteAgo);
    expect((await connect(dir, 5_000)).started).toBe(true);
  });

  it('replaces an engine that crashed (engine.json naming a process that is gone); the data stays', async () => {
    const dir = storeDir();
    const crashed = await connect(dir);
    await write(crashed, 'before-the-crash');
    process.kill(crashed.pid, 'SIGKILL');
    await waitFor(() => !processAlive(crashed.pid));
    expect(readEngineRecord(dir)?.pid).toBe(crashed.pid);

    const replacement = await connect(dir);
    expect(replacement.started).toBe(true);
    expect(replacement.pid).not.toBe(crashed.pid);
    expect(readEngineRecord(dir)?.pid).toBe(replacement.pid);
    expect(await has(replacement, 'before-the-crash')).toBe(true);
  });

  it('starts its own engine when engine.json names a live process that is not the engine', async () => {
    const dir = storeDir();
    const impostor = createServer((_request, response) => response.end('{"pid":1,"dir":"/elsewhere"}\n'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = impostor.address() as AddressInfo;
      // This process, alive, and a port where something else answers (the engine's port reused).
      writeEngineRecord(dir, { pid: process.pid, port, startedAt: new Date().toISOString(), dir });
      const lease = await connect(dir);
      expect(lease).toMatchObject({ started: true });
      expect(lease.endpoint).not.toBe(`http://127.0.0.1:${port}`);
      expect(readEngineRecord(dir)?.pid).toBe(lease.pid);
    } finally {
      impostor.close();
    }
    // And when nothing listens on the port any more.
    const dir2 = storeDir();
    writeEngineRecord(dir2, { pid: process.pid, port: 9, startedAt: new Date().toISOString(), dir: dir2 });
    expect((await connect(dir2)).started).toBe(true);
  });

  it('stays up while a lease is held, however long; exits once idle, removing engine.json', async () => {
    vi.stubEnv(IDLE_ENV, '300');
    const dir = storeDir();
    const lease = await connect(dir);
    await write(lease, 'kept');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(processAlive(lease.pid)).toBe(true);
    expect(await has(lease, 'kept')).toBe(true);

    lease.release();
    await waitFor(() => !processAlive(lease.pid));
    expect(existsSync(join(dir, ENGINE_FILE))).toBe(false);
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toMatch(/stopped: idle for 0\.3 s/);

    const next = await connect(dir);
    expect(next.started).toBe(true);
    expect(await has(next, 'kept')).toBe(true);
  });

  it('exits when its folder is removed and no lease is held, without waiting to be idle', async () => {
    const dir = storeDir();
    const lease = await connect(dir);
    lease.release();
    rmSync(dir, { recursive: true, force: true });
    await waitFor(() => !processAlive(lease.pid), 5_000);
  });

  it('says so when a process that does not share the folder has it open', async () => {
    const dir = storeDir();
    const own = await startLocalEngine(dir);
    try {
      await expect(connect(dir, 1_000)).rejects.toThrow(
        /^the local store .* is open in another process that does not share it.*; stop it or use another --dir$/,
      );
    } finally {
      own.client.destroy();
      await own.close();
    }
    expect((await connect(dir)).started).toBe(true);
  });

  it('startLocalEngine(dir) uses the engine already serving the folder', async () => {
    const dir = storeDir();
    const lease = await connect(dir);
    await write(lease, 'shared');
    const engine = await startLocalEngine(dir);
    try {
      expect(engine.endpoint).toBe(lease.endpoint);
      const { Item } = await engine.client.send(
        new GetItemCommand({ TableName: LOCAL_STATE_TABLE, Key: item('shared') }),
      );
      expect(Item).toBeDefined();
    } finally {
      engine.client.destroy();
      await engine.close();
    }
  });

  it('tries once more when the engine process ends before answering (its program rebuilt at that moment)', async () => {
    const dir = storeDir();
    const scripts = storeDir();
    const marker = join(scripts, 'first-start');
    const flaky = join(scripts, 'flaky-engine.mjs');
    writeFileSync(
      flaky,
      [
        "import { existsSync, writeFileSync } from 'node:fs';",
        `if (!existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, ''); process.exit(0); }`,
        `await import(${JSON.stringify(pathToFileURL(serverFile).href)});`,
      ].join('\n'),
    );
    const lease = await connectSharedEngine(dir, { serverFile: flaky });
    leases.push(lease);
    expect(lease.started).toBe(true);
    expect(existsSync(marker)).toBe(true);

    const ending = join(scripts, 'ending-engine.mjs');
    writeFileSync(ending, 'process.exit(0);\n');
    await expect(connectSharedEngine(storeDir(), { serverFile: ending })).rejects.toThrow(
      /^the local store's engine could not start: it exited \(code 0\) before answering; see .*engine\.log$/,
    );
  });

  it('says in one line what to do when the engine cannot start', async () => {
    const dir = storeDir();
    await expect(connectSharedEngine(dir, { serverFile: join(dir, 'missing.mjs') })).rejects.toThrow(
      /^the local store's engine is not built \(.*missing\.mjs is missing\); run npm run build in the ecs-ops folder$/,
    );

    // LevelDB's folder is a file: the engine cannot open the store.
    writeFileSync(join(dir, 'dynamodb'), 'not a folder');
    const error = await connect(dir).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toMatch(
      /^the local store's engine could not start: LevelDB could not open .*dynamodb: .*; see .*engine\.log, or use another --dir$/,
    );
    expect((error as Error).message).not.toContain('\n');
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toContain('could not start');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    const file = join(storeDir(), 'a-file');
    writeFileSync(file, '');
    await expect(connect(join(file, 'store'))).rejects.toThrow(
      /^the local store .*a-file\/store cannot be created \(ENOTDIR\); use another --dir$/,
    );
  });

  it('counts requests as use: a client without a lease keeps it up while it sends them (in this process)', async () => {
    const dir = storeDir();
    const engine = await serveSharedEngine(dir, { idleMs: 300 });
    let state = 'serving';
    void engine.stopped.then((reason) => {
      state = reason;
    });
    const client = localClient(`http://127.0.0.1:${engine.record.port}`);
    try {
      for (const until = Date.now() + 1_000; Date.now() < until; ) {
        await client.send(new ListTablesCommand({}));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(state).toBe('serving');
      expect(readEngineRecord(dir)).toEqual(engine.record);
    } finally {
      client.destroy();
    }
    expect(await engine.stopped).toBe('idle for 0.3 s');
    expect(existsSync(join(dir, ENGINE_FILE))).toBe(false);
  });
});

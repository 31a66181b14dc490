/**
 * Connecting to a local store's one engine process, started on demand (the protocol: engine-protocol.ts):
 * the engine named by `<dir>/engine.json` is leased if it answers; otherwise one process — the one holding
 * `<dir>/engine.lock` — starts an engine (a detached Node process running the built engine-main.ts) while the
 * others wait for it to answer. Any number of processes then read and write the store through that engine.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { type ClientRequest, get } from 'node:http';
import { join } from 'node:path';
import {
  type EngineRecord,
  LEASE_PATH,
  type LeaseGreeting,
  LOCK_FILE,
  LOG_FILE,
  processAlive,
  readEngineRecord,
  removeEngineRecord,
  type StartMessage,
} from './engine-protocol.js';

/** How long connecting waits, in all, for an engine to answer or start. */
export const CONNECT_TIMEOUT_MS = 20_000;
/** How long one lease request waits for the engine's answer. */
const LEASE_TIMEOUT_MS = 3_000;

/** A process's hold on the store's engine: the engine stays up until every lease is released. */
export interface EngineLease {
  endpoint: string;
  pid: number;
  /** Whether this call started the engine. */
  started: boolean;
  release(): void;
}

/** The store's engine could not be reached or started; the message says why and what to do, on one line. */
export class EngineUnavailableError extends Error {
  constructor(
    message: string,
    /** The engine process ended before it answered: worth one more try (its program was being rebuilt?). */
    readonly exitedEarly = false,
  ) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}

export interface ConnectOptions {
  /** The built engine process (dist/local/engine-server.mjs), started when no engine serves the folder. */
  serverFile: string;
  timeoutMs?: number;
}

/** Leases the engine of the store in `directory`, starting one when none answers. */
export async function connectSharedEngine(directory: string, options: ConnectOptions): Promise<EngineLease> {
  const dir = storeFolder(directory);
  const deadline = Date.now() + (options.timeoutMs ?? CONNECT_TIMEOUT_MS);
  let problem = '';
  let retried = false;
  for (let attempt = 0; ; attempt++) {
    const found = await joinEngine(dir);
    if ('lease' in found) return found.lease;
    if (found.state === 'slow') {
      problem = slowEngine(found.record);
    } else {
      const lock = takeLock(dir);
      if (lock === undefined) {
        problem = `the local store ${dir} has an engine starting (${LOCK_FILE}) that never answered; remove ${join(dir, LOCK_FILE)} if no ecs-ops runs, and run again`;
      } else {
        try {
          const started = await startUnderLock(dir, options.serverFile, deadline);
          if ('lease' in started) return started.lease;
          problem = started.problem;
        } catch (error) {
          if (!(error instanceof EngineUnavailableError && error.exitedEarly) || retried) throw error;
          retried = true;
          problem = error.message;
          await sleep(250);
        } finally {
          lock.release();
        }
      }
    }
    if (Date.now() >= deadline) throw new EngineUnavailableError(problem);
    await sleep(Math.min(200, 25 * 2 ** Math.min(attempt, 3)));
  }
}

/** Leases the engine already serving `directory`, if one answers; never starts one. */
export async function leaseRunningEngine(directory: string): Promise<EngineLease | undefined> {
  if (!existsSync(directory)) return undefined;
  const found = await joinEngine(realpathSync(directory));
  return 'lease' in found ? found.lease : undefined;
}

type Found =
  | { lease: EngineLease }
  | { state: 'absent' }
  | { state: 'dead' | 'refused' | 'slow'; record: EngineRecord };

async function joinEngine(dir: string): Promise<Found> {
  const record = readEngineRecord(dir);
  if (record === undefined) return { state: 'absent' };
  if (!processAlive(record.pid)) return { state: 'dead', record };
  const answer = await takeLease(record.port, { dir, pid: record.pid }, false);
  return 'lease' in answer ? answer : { state: answer.refused, record };
}

/** With the lock held: someone may have started an engine meanwhile; else clear a dead one's record, start one. */
async function startUnderLock(
  dir: string,
  serverFile: string,
  deadline: number,
): Promise<{ lease: EngineLease } | { problem: string }> {
  const found = await joinEngine(dir);
  if ('lease' in found) return found;
  if (found.state === 'slow') return { problem: slowEngine(found.record) };
  if (found.state === 'dead') removeEngineRecord(dir, found.record);
  const started = await startEngine(dir, serverFile, Math.max(1_000, deadline - Date.now()));
  if (started === 'locked') {
    // An engine that is stopping (it frees the folder in a moment), or a process that opened the folder itself.
    const live = found.state === 'refused' && processAlive(found.record.pid);
    return {
      problem: live
        ? slowEngine(found.record)
        : `the local store ${dir} is open in another process that does not share it (an older ecs-ops build, or a test's own engine); stop it or use another --dir`,
    };
  }
  const answer = await takeLease(started.port, { dir, pid: started.pid }, true);
  if ('lease' in answer) return answer;
  return { problem: slowEngine({ pid: started.pid, port: started.port }) };
}

function slowEngine(engine: { pid: number; port: number }): string {
  return `the local store's engine (process ${engine.pid}, port ${engine.port}) does not answer; stop it (kill ${engine.pid}) and run again`;
}

/** Starts an engine process on `dir`, detached; resolves when it listens, or 'locked' when LevelDB refused it. */
function startEngine(
  dir: string,
  serverFile: string,
  timeoutMs: number,
): Promise<{ pid: number; port: number } | 'locked'> {
  if (!existsSync(serverFile)) {
    throw new EngineUnavailableError(
      `the local store's engine is not built (${serverFile} is missing); run npm run build in the ecs-ops folder`,
    );
  }
  const child = spawn(process.execPath, [serverFile, dir], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    windowsHide: true,
  });
  const failed = (reason: string, exitedEarly = false) =>
    new EngineUnavailableError(`the local store's engine could not start: ${reason}`, exitedEarly);
  return new Promise<{ pid: number; port: number } | 'locked'>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(
        failed(
          `no answer within ${timeoutMs / 1000} s (a busy machine?); run again, or see ${join(dir, LOG_FILE)}`,
        ),
      );
    }, timeoutMs);
    const settle = () => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
    };
    child.once('message', (message: StartMessage) => {
      settle();
      if ('ready' in message) resolve(message.ready);
      else if (message.error.locked) resolve('locked');
      else reject(failed(`${message.error.message}; ${advice(message.error.message, dir)}`));
    });
    child.once('error', (error) => {
      settle();
      reject(failed(`${error.message}; check that ${process.execPath} can run`));
    });
    child.once('exit', (code, signal) => {
      settle();
      reject(
        failed(`it exited (${signal ?? `code ${code}`}) before answering; see ${join(dir, LOG_FILE)}`, true),
      );
    });
  });
}

function advice(reason: string, dir: string): string {
  if (/EADDR|EACCES.*listen|listen/i.test(reason))
    return 'check that loopback (127.0.0.1) accepts connections';
  if (/ENOSPC|no space/i.test(reason)) return `free disk space for ${dir}`;
  if (/EACCES|EPERM|EROFS|permission|read-only/i.test(reason))
    return `check that ${dir} is writable, or use another --dir`;
  return `see ${join(dir, LOG_FILE)}, or use another --dir`;
}

/**
 * Asks for a lease on the engine at `port`: it is taken only when the answer names the expected process and
 * folder. The lease's socket never keeps this process alive; release() ends it.
 */
function takeLease(
  port: number,
  expected: LeaseGreeting,
  started: boolean,
): Promise<{ lease: EngineLease } | { refused: 'refused' | 'slow' }> {
  return new Promise((resolve) => {
    let request: ClientRequest | undefined;
    const refuse = (refused: 'refused' | 'slow') => {
      clearTimeout(timer);
      request?.destroy();
      resolve({ refused });
    };
    const timer = setTimeout(() => refuse('slow'), LEASE_TIMEOUT_MS);
    request = get({ host: '127.0.0.1', port, path: LEASE_PATH, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        refuse('refused');
        return;
      }
      let text = '';
      response.setEncoding('utf8');
      const greeted = (chunk: string) => {
        text += chunk;
        const end = text.indexOf('\n');
        if (end < 0) return;
        response.off('data', greeted);
        let greeting: Partial<LeaseGreeting> = {};
        try {
          greeting = JSON.parse(text.slice(0, end)) as LeaseGreeting;
        } catch {
          // Not an ecs-ops engine.
        }
        if (greeting.pid !== expected.pid || greeting.dir !== expected.dir) {
          refuse('refused');
          return;
        }
        clearTimeout(timer);
        const held = request as ClientRequest;
        held.socket?.unref();
        // The engine going away ends the lease; the store's next request says so.
        held.on('error', () => undefined);
        response.on('error', () => undefined);
        response.resume();
        resolve({
          lease: {
            endpoint: `http://127.0.0.1:${port}`,
            pid: expected.pid,
            started,
            release: () => held.destroy(),
          },
        });
      };
      response.on('data', greeted);
    });
    request.once('error', () => refuse('refused'));
  });
}

/** The store's folder, created if need be, resolved as the engine resolves it. */
function storeFolder(directory: string): string {
  try {
    mkdirSync(directory, { recursive: true });
    return realpathSync(directory);
  } catch (error) {
    throw new EngineUnavailableError(
      `the local store ${directory} cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); use another --dir`,
    );
  }
}

interface Lock {
  release(): void;
}

/** A lock older than this is stale whoever holds it: its holder waits CONNECT_TIMEOUT_MS at most. */
const LOCK_STALE_MS = CONNECT_TIMEOUT_MS + 10_000;

/**
 * The right to start the store's engine: `<dir>/engine.lock`, created exclusively, naming its holder. A lock
 * whose holder is gone (or that is older than LOCK_STALE_MS) is removed, and taken on the next attempt.
 */
function takeLock(dir: string): Lock | undefined {
  const file = join(dir, LOCK_FILE);
  const token = randomUUID();
  try {
    const fd = openSync(file, 'wx');
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, token }));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new EngineUnavailableError(
        `the local store ${dir} cannot be locked (${(error as NodeJS.ErrnoException).code}); check that it is writable, or use another --dir`,
      );
    }
    if (staleLock(file)) rmSync(file, { force: true });
    return undefined;
  }
  return {
    release: () => {
      if (lockHolder(file)?.token === token) rmSync(file, { force: true });
    },
  };
}

function lockHolder(file: string): { pid: number; token: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { pid: number; token: string };
  } catch {
    return undefined;
  }
}

function staleLock(file: string): boolean {
  let age: number;
  try {
    age = Date.now() - statSync(file).mtimeMs;
  } catch {
    return false;
  }
  const holder = lockHolder(file);
  // A lock without its holder's name is one being written, unless it has been so for a while.
  if (holder === undefined) return age > 2_000;
  return !processAlive(holder.pid) || age > LOCK_STALE_MS;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

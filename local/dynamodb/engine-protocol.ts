/**
 * How the processes that use one local store (`--dir`) find and share its one engine process
 * (shared-engine.ts connects, engine-server.ts serves):
 *
 *   <dir>/engine.json   { pid, port, startedAt, dir }: written by the engine once LevelDB is open and it listens
 *                       (atomically: a temporary file renamed), removed by it when it stops
 *   <dir>/engine.lock   held (created with O_EXCL) by the one process starting an engine, removed once it
 *                       answers; a lock whose process is gone, or older than LOCK_STALE_MS, is stale
 *   <dir>/engine.log    one line per engine start, stop and failure
 *   GET /ecs-ops/lease  on the engine's port: a lease. The engine answers 200 and one JSON line (its pid and
 *                       folder, so a port reused by anything else is never taken for it), then holds the
 *                       response open; the process using the store keeps it open until it closes the store
 *                       (or dies: the socket closes with it). The engine exits when no lease is held and no
 *                       request came for its idle timeout.
 *
 * LevelDB's own lock on `<dir>/dynamodb` is the last word: an engine started beside a live one fails to open
 * the folder and says so (`locked`), whatever the lock file said.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ENGINE_FILE = 'engine.json';
export const LOCK_FILE = 'engine.lock';
export const LOG_FILE = 'engine.log';
export const LEASE_PATH = '/ecs-ops/lease';

/** The engine exits after this long with no lease and no request; ECS_OPS_ENGINE_IDLE_MS overrides it. */
export const DEFAULT_IDLE_MS = 30_000;
export const IDLE_ENV = 'ECS_OPS_ENGINE_IDLE_MS';

export interface EngineRecord {
  pid: number;
  port: number;
  startedAt: string;
  /** The store's folder, resolved (realpath): what the engine serves. */
  dir: string;
}

/** What the engine tells the process that started it (IPC), once: ready, or why it could not start. */
export type StartMessage =
  | { ready: { pid: number; port: number } }
  | { error: { message: string; locked: boolean } };

/** The first line of a lease. */
export interface LeaseGreeting {
  pid: number;
  dir: string;
}

export function idleTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[IDLE_ENV]);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_IDLE_MS;
}

/** The engine record of `dir`, or undefined when there is none (or it is not one: half written, edited). */
export function readEngineRecord(dir: string): EngineRecord | undefined {
  let parsed: Partial<EngineRecord>;
  try {
    parsed = JSON.parse(readFileSync(join(dir, ENGINE_FILE), 'utf8')) as Partial<EngineRecord>;
  } catch {
    return undefined;
  }
  const { pid, port, startedAt, dir: served } = parsed;
  if (!Number.isInteger(pid) || !Number.isInteger(port) || typeof startedAt !== 'string') return undefined;
  if (typeof served !== 'string') return undefined;
  return { pid: pid as number, port: port as number, startedAt, dir: served };
}

export function writeEngineRecord(dir: string, record: EngineRecord): void {
  const temporary = join(dir, `${ENGINE_FILE}.${record.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(record)}\n`);
  renameSync(temporary, join(dir, ENGINE_FILE));
}

/** Removes `dir`'s engine record if it still is `record` (the same process, started at the same time). */
export function removeEngineRecord(dir: string, record: EngineRecord): void {
  if (sameEngine(readEngineRecord(dir), record)) rmSync(join(dir, ENGINE_FILE), { force: true });
}

export function sameEngine(a: EngineRecord | undefined, b: EngineRecord): boolean {
  return a !== undefined && a.pid === b.pid && a.port === b.port && a.startedAt === b.startedAt;
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The shared engine of one local store: dynalite over `<dir>/dynamodb` on a loopback port, announced in
 * `<dir>/engine.json`, leased by the processes using the store, gone by itself once idle (see
 * engine-protocol.ts). engine-main.ts runs it as its own process; tests may run it in theirs.
 */
import { realpathSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDynalite } from './dynalite-server.js';
import {
  type EngineRecord,
  LEASE_PATH,
  type LeaseGreeting,
  readEngineRecord,
  removeEngineRecord,
  sameEngine,
  writeEngineRecord,
} from './engine-protocol.js';

export interface SharedEngineServerOptions {
  /** Exits after this long with no lease held and no request. */
  idleMs: number;
  /**
   * Called instead of stopping when the record is gone with no lease held: the folder is most likely being
   * removed, and the engine process then exits at once, writing nothing more there (its LevelDB needs no close
   * to stay whole). By default the engine stops as when idle.
   */
  onRecordGone?: () => void;
}

export interface SharedEngineServer {
  record: EngineRecord;
  /** Resolves, with the reason, once the engine has stopped: its record removed, LevelDB closed. */
  stopped: Promise<string>;
  stop(reason: string): Promise<string>;
  /** Leases held and requests in progress, now. */
  load(): { leases: number; requests: number };
}

/**
 * Opens the store's folder and serves it. Refuses (EngineLockedError) when another process has the folder open.
 * The engine stops by itself when idle — no lease, no request in progress, none for `idleMs` — and when its
 * record is gone (the folder removed) with no lease held (see onRecordGone); with leases held it writes the
 * record again.
 */
export async function serveSharedEngine(
  directory: string,
  options: SharedEngineServerOptions,
): Promise<SharedEngineServer> {
  const dir = realpathSync(directory);
  const dynalite = await listenDynalite(dir);
  const { server, port } = dynalite;
  // A lease is one long response, which the server's limit for receiving a request must not end.
  server.requestTimeout = 0;
  const record: EngineRecord = { pid: process.pid, port, startedAt: new Date().toISOString(), dir };
  let leases = 0;
  let requests = 0;
  let lastActivity = Date.now();
  let stopping: Promise<string> | undefined;
  let stopped!: (reason: string) => void;
  const done = new Promise<string>((resolve) => {
    stopped = resolve;
  });

  const lease = (response: ServerResponse) => {
    leases++;
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    response.write(`${JSON.stringify({ pid: record.pid, dir } satisfies LeaseGreeting)}\n`);
    response.once('close', () => {
      leases--;
      lastActivity = Date.now();
    });
  };
  const [handle] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (handle === undefined) throw new Error('dynalite serves no requests');
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    lastActivity = Date.now();
    if (stopping !== undefined) {
      response.writeHead(503, { connection: 'close' }).end();
      return;
    }
    if (request.url === LEASE_PATH) {
      lease(response);
      return;
    }
    requests++;
    response.once('close', () => {
      requests--;
      lastActivity = Date.now();
    });
    handle.call(server, request, response);
  });

  const stop = (reason: string): Promise<string> => {
    stopping ??= (async () => {
      clearInterval(timer);
      // First the record, so no process looks for this engine any more; then LevelDB, which frees the folder.
      removeEngineRecord(dir, record);
      server.closeAllConnections();
      await dynalite.close();
      stopped(reason);
      return reason;
    })();
    return stopping;
  };

  const check = () => {
    if (stopping !== undefined || requests > 0) return;
    const announced = sameEngine(readEngineRecord(dir), record);
    if (leases > 0) {
      if (!announced) rewrite();
      return;
    }
    if (!announced) {
      if (options.onRecordGone === undefined) void stop(`its ${dir}/engine.json is gone`);
      else options.onRecordGone();
    } else if (Date.now() - lastActivity >= options.idleMs) void stop(`idle for ${options.idleMs / 1000} s`);
  };
  const rewrite = () => {
    try {
      writeEngineRecord(dir, record);
    } catch {
      // The folder is gone: the leases still held are served until they end.
    }
  };
  const timer = setInterval(check, Math.min(1_000, Math.max(20, Math.floor(options.idleMs / 4))));

  try {
    writeEngineRecord(dir, record);
  } catch (error) {
    clearInterval(timer);
    await dynalite.close();
    throw error;
  }
  return { record, stopped: done, stop, load: () => ({ leases, requests }) };
}

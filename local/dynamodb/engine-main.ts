/**
 * The engine process of one local store (built to dist/local/engine-server.mjs; shared-engine.ts starts it,
 * detached):   node dist/local/engine-server.mjs <dir>
 * Tells its starter (IPC, or standard output when run by hand) that it is ready or why it could not start, then
 * serves until it is idle (ECS_OPS_ENGINE_IDLE_MS, 30 s by default), stopped by a signal, or its engine.json is
 * removed (with the folder, most likely: it then exits at once). Each start, stop and failure is a line in
 * <dir>/engine.log.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineLockedError } from './dynalite-server.js';
import { idleTimeoutMs, LOG_FILE, removeEngineRecord, type StartMessage } from './engine-protocol.js';
import { serveSharedEngine } from './engine-server.js';

const directory = process.argv[2];
if (directory === undefined) {
  process.stderr.write('usage: node engine-server.mjs <dir>\n');
  process.exit(2);
}

const log = (line: string) => {
  try {
    appendFileSync(join(directory, LOG_FILE), `${new Date().toISOString()} engine ${process.pid}: ${line}\n`);
  } catch {
    // The folder is gone or read-only: nothing to keep the line in.
  }
};

const tell = (message: StartMessage) =>
  new Promise<void>((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve());
      return;
    }
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve(); // The starter is gone: nobody to tell.
    }
  });

const idleMs = idleTimeoutMs();
try {
  const engine = await serveSharedEngine(directory, { idleMs, onRecordGone: () => process.exit(0) });
  process.on('uncaughtException', (error) => {
    log(`crashed: ${error.stack ?? error.message}`);
    removeEngineRecord(engine.record.dir, engine.record);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => void engine.stop(`stopped by ${signal}`));
  }
  log(`serves ${engine.record.dir} on 127.0.0.1:${engine.record.port}; exits after ${idleMs / 1000} s idle`);
  await tell({ ready: { pid: process.pid, port: engine.record.port } });
  if (process.connected) process.disconnect();
  log(`stopped: ${await engine.stopped}`);
  process.exit(0);
} catch (error) {
  const locked = error instanceof EngineLockedError;
  const message = (error as Error).message;
  log(`could not start: ${message}`);
  await tell({ error: { message, locked } });
  process.exit(1);
}

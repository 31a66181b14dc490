/**
 * dynalite (DynamoDB's API in pure JavaScript, LevelDB on disk) listening on a loopback port: what both the
 * in-process engine (local-engine.ts) and the shared engine process (engine-server.ts) run. No AWS SDK here, so
 * the engine process starts without loading it.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';

/** The folder under the store's folder (`--dir`) that LevelDB keeps the tables in. */
export const DATA_FOLDER = 'dynamodb';

export interface DynaliteServer {
  server: Server;
  port: number;
  /** Stops listening and closes LevelDB, which frees the folder for another engine. */
  close(): Promise<void>;
}

/** LevelDB lets one process at a time open a folder: another holds `<dir>/dynamodb`. */
export class EngineLockedError extends Error {
  constructor(directory: string, cause: unknown) {
    super(`${join(directory, DATA_FOLDER)} is open in another process`, { cause });
    this.name = 'EngineLockedError';
  }
}

interface DynaliteStore {
  db: { open(): Promise<void> };
}

const load = createRequire(import.meta.url);
const dynaliteDb = load('dynalite/db') as {
  create: (options: unknown) => DynaliteStore;
  checkConditional: Conditional;
};
type Conditional = (
  request: Record<string, unknown>,
  existing?: unknown,
) => { body: Record<string, unknown> } | null;

returnItemsThatFailConditions();

/**
 * Starts dynalite on a free loopback port; `directory` persists it (LevelDB under `<directory>/dynamodb`),
 * undefined keeps it in memory. Resolves once LevelDB is open, so a folder another process holds is refused here
 * (EngineLockedError) rather than on the first request ("Database is not open").
 */
export async function listenDynalite(directory?: string): Promise<DynaliteServer> {
  let store: DynaliteStore | undefined;
  const create = dynaliteDb.create;
  dynaliteDb.create = (options) => {
    store = create(options);
    return store;
  };
  let server: Server;
  try {
    server = dynalite({
      ...(directory === undefined ? {} : { path: join(directory, DATA_FOLDER) }),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
  } finally {
    dynaliteDb.create = create;
  }
  try {
    await store?.db.open();
  } catch (error) {
    const reason = String((error as Error).cause ?? error);
    if (directory !== undefined && /\block\b/i.test(reason)) throw new EngineLockedError(directory, error);
    throw new Error(`LevelDB could not open ${join(directory ?? '', DATA_FOLDER)}: ${reason}`, {
      cause: error,
    });
  }
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { server, port: (server.address() as AddressInfo).port, close };
}

/**
 * DynamoDB returns the item that failed a write's condition when asked (ReturnValuesOnConditionCheckFailure:
 * ALL_OLD); dynalite drops the parameter. This teaches it the parameter for its put, update and delete actions
 * and wraps the one function they all evaluate conditions with, so the store needs no engine-specific branch.
 */
function returnItemsThatFailConditions(): void {
  for (const action of ['putItem', 'updateItem', 'deleteItem']) {
    const { types } = load(`dynalite/validations/${action}`) as { types: Record<string, unknown> };
    types.ReturnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
  const evaluate = dynaliteDb.checkConditional;
  dynaliteDb.checkConditional = (request, existing) => {
    const failure = evaluate(request, existing);
    if (failure && existing !== undefined && request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') {
      failure.body.Item = existing;
    }
    return failure;
  };
}

/**
 * The local store a command reads and writes (`--store local`): the folder `--dir`, through its one engine
 * process, which every ecs-ops process using the folder shares (local/dynamodb/shared-engine.ts) — so `ecs-ops
 * tasks` reads while the sandbox writes. The engine starts on the first use and stops once nothing used it for
 * 30 s.
 */
import { join } from 'node:path';
import { StateStore } from '../lib/platform/store/state-store.js';
import { ensureStateTable, LOCAL_STATE_TABLE, localClient } from '../local/dynamodb/local-engine.js';
import { connectSharedEngine, EngineUnavailableError } from '../local/dynamodb/shared-engine.js';
import { packageRoot } from './package-root.js';
import { CommandFailure } from './usage.js';

export interface OpenStore {
  store: StateStore;
  /** The local engine's URL (--store local): what the sandbox points its functions' SDK at. */
  engineEndpoint?: string;
  close(): Promise<void>;
}

/** The engine process's program, as scripts/build.mjs builds it (from local/dynamodb/engine-main.ts). */
export const ENGINE_SERVER_FILE = join('dist', 'local', 'engine-server.mjs');

export async function openLocalStore(dir: string): Promise<OpenStore> {
  const lease = await connect(dir);
  const client = localClient(lease.endpoint);
  const close = async () => {
    client.destroy();
    lease.release();
  };
  try {
    await ensureStateTable(client, LOCAL_STATE_TABLE);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    store: new StateStore({ tableName: LOCAL_STATE_TABLE, client }),
    engineEndpoint: lease.endpoint,
    close,
  };
}

async function connect(dir: string) {
  try {
    return await connectSharedEngine(dir, { serverFile: join(packageRoot(), ENGINE_SERVER_FILE) });
  } catch (error) {
    if (error instanceof EngineUnavailableError) throw new CommandFailure(error.message);
    throw error;
  }
}

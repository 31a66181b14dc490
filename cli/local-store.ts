/**
 * The local store a command reads and writes (`--store local`): the embedded engine over the folder `--dir`.
 */
import { StateStore } from '../lib/platform/store/state-store.js';
import { ensureStateTable, LOCAL_STATE_TABLE, startLocalEngine } from '../local/dynamodb/local-engine.js';
import { UsageError } from './usage.js';

export interface OpenStore {
  store: StateStore;
  /** The local engine's URL (--store local): what the sandbox points its functions' SDK at. */
  engineEndpoint?: string;
  close(): Promise<void>;
}

export async function openLocalStore(dir: string): Promise<OpenStore> {
  const engine = await openLocalEngine(dir);
  try {
    await ensureStateTable(engine.client, LOCAL_STATE_TABLE);
  } catch (error) {
    engine.client.destroy();
    await engine.close();
    throw error;
  }
  return {
    store: new StateStore({ tableName: LOCAL_STATE_TABLE, client: engine.client }),
    engineEndpoint: engine.endpoint,
    close: async () => {
      engine.client.destroy();
      await engine.close();
    },
  };
}

async function openLocalEngine(dir: string) {
  try {
    return await startLocalEngine(dir);
  } catch (error) {
    if (/lock/i.test((error as Error).message)) {
      throw new UsageError(
        `the local store ${dir} is open in another ecs-ops process; wait for it or use --dir`,
      );
    }
    throw error;
  }
}

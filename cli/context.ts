/**
 * What every command runs against: the state store (local embedded engine or the deployed table), the
 * configuration, and where output goes.
 */
import { join, resolve } from 'node:path';
import { loadOpsConfig, type OpsConfig } from '../lib/ops-config.js';
import { dynamoDbClient } from '../lib/platform/aws/dynamodb-client.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { stateTableName } from '../lib/platform/store/table.js';
import { ensureStateTable, LOCAL_STATE_TABLE, startLocalEngine } from '../local/dynamodb/local-engine.js';
import { UsageError } from './usage.js';

export interface GlobalOptions {
  store: 'local' | 'aws';
  dir: string;
  stage: string;
  region?: string;
  profile?: string;
  config?: string;
  json: boolean;
}

export interface CommandContext {
  options: GlobalOptions;
  config: OpsConfig;
  store: StateStore;
  /** Where refused records of a replay are written (one JSON line each). */
  deadLetterFile: string;
  /** The embedded engine's URL, with --store local: what the sandbox points its functions' SDK at. */
  engineEndpoint?: string;
  out: (text: string) => void;
}

/** Opens the store for a command and closes it afterwards, whatever the command does. */
export async function withContext<T>(
  options: GlobalOptions,
  out: (text: string) => void,
  run: (context: CommandContext) => Promise<T>,
): Promise<T> {
  const config = loadOpsConfig(options.config ?? 'ops.config.yml', options.config !== undefined);
  const dir = resolve(options.dir);
  const deadLetterFile = join(dir, 'dead-letters.jsonl');
  if (options.store === 'aws') {
    const client = dynamoDbClient({
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    });
    const store = new StateStore({ tableName: stateTableName(options.stage), client });
    try {
      return await run({ options, config, store, deadLetterFile, out });
    } finally {
      client.destroy();
    }
  }
  const engine = await openLocalEngine(dir);
  try {
    await ensureStateTable(engine.client, LOCAL_STATE_TABLE);
    return await run({
      options,
      config,
      store: new StateStore({ tableName: LOCAL_STATE_TABLE, client: engine.client }),
      deadLetterFile,
      engineEndpoint: engine.endpoint,
      out,
    });
  } finally {
    engine.client.destroy();
    await engine.close();
  }
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

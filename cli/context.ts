/**
 * What every command runs against: the state store (local embedded engine or the deployed table), the
 * configuration, and where output goes.
 */
import { join, resolve } from 'node:path';
import { loadOpsConfig, type OpsConfig } from '../lib/ops-config.js';
import { Journal } from '../lib/platform/journal.js';
import type { StateStore } from '../lib/platform/store/state-store.js';
import { openAwsStore } from './aws-store.js';
import { openLocalStore } from './local-store.js';
import type { PrintOptions } from './output.js';

/** The global flags, and how this run prints (format, --tz, the terminal, standard error: see output.ts). */
export interface GlobalOptions extends PrintOptions {
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
  const opened = options.store === 'aws' ? await openAwsStore(options) : await openLocalStore(dir);
  try {
    return await run({
      options,
      config,
      store: opened.store,
      deadLetterFile,
      ...(opened.engineEndpoint === undefined ? {} : { engineEndpoint: opened.engineEndpoint }),
      out,
    });
  } finally {
    await opened.close();
  }
}

/** The journal, to read (retention matters only to writes). */
export const journalOf = ({ store }: Pick<CommandContext, 'store'>): Journal =>
  new Journal({ tableName: store.tableName, client: store.client, retentionDays: 0 });

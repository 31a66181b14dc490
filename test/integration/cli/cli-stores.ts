/**
 * The stores the CLI suites run their commands against — both local engines:
 * - dynalite: the CLI's own local store (`--dir`, through its shared engine process), as `ecs-ops` runs by
 *   default;
 * - DynamoDB Local, the reference for DynamoDB's semantics (test/support/global-engines.ts starts it), reached
 *   as a deployed table is: `--store aws --stage <a stage of its own> --region us-east-1`, with
 *   AWS_ENDPOINT_URL_DYNAMODB and dummy keys in the environment; its table `ecs-ops-<stage>-state` is created
 *   before each test and deleted after it.
 *
 *   describe.each(cliStores())('on $name', (leg) => {
 *     const available = useCliStore(leg);
 *     if (available === undefined) return; // DynamoDB Local cannot run here: reported as skipped
 *     const store = available; // (narrowed for the helpers the describe declares)
 *     … runCli([...store.flags(dir), 'tasks', …]) …
 *   });
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeEach, vi } from 'vitest';
import { openLocalStore } from '../../../cli/local-store.js';
import { stateTableName } from '../../../lib/platform/store/table.js';
import { ensureStateTable, localClient } from '../../../local/dynamodb/local-engine.js';
import { engines, requireEngine } from '../../support/engines.js';
import type { EngineEndpoint } from '../../support/global-engines.js';

export interface CliLeg {
  name: 'dynalite (--store local)' | 'DynamoDB Local (--store aws)';
  /** DynamoDB Local's endpoint, and why it is missing when it is. */
  engine?: EngineEndpoint;
}

export interface CliStore {
  /** The global flags that point a command at this store (the local store in `dir`). */
  flags(dir: string): string[];
  /** The store's table, opened directly: for what no command writes (journal entries, drains). */
  open(dir: string): Promise<{ tableName: string; client: DynamoDBClient; close(): Promise<void> }>;
}

export function cliStores(): CliLeg[] {
  const reference = engines().find((engine) => engine.name === 'dynamodb-local');
  return [
    { name: 'dynalite (--store local)' },
    {
      name: 'DynamoDB Local (--store aws)',
      engine: reference ?? { name: 'dynamodb-local', unavailable: 'the test run started no DynamoDB Local' },
    },
  ];
}

/**
 * The store of one leg, fresh for each test; call it in the leg's describe. Undefined (with a skipped test that
 * says why) when its engine cannot run here.
 */
export function useCliStore(leg: CliLeg): CliStore | undefined {
  const { engine } = leg;
  if (engine === undefined) {
    return {
      flags: (dir) => ['--dir', dir],
      open: async (dir) => {
        const opened = await openLocalStore(dir);
        return { tableName: opened.store.tableName, client: opened.store.client, close: opened.close };
      },
    };
  }
  if (!requireEngine(engine)) return undefined;
  const { endpoint } = engine;
  const client = localClient(endpoint);
  afterAll(() => client.destroy());
  let stage = '';
  let created = false;
  beforeEach(async () => {
    stage = `cli-${randomUUID().slice(0, 8)}`;
    await ensureStateTable(client, stateTableName(stage));
    created = true;
    // DynamoDB Local keeps a database per access key and region: the keys and region its table was made with.
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    if (created) await client.send(new DeleteTableCommand({ TableName: stateTableName(stage) }));
    created = false;
  });
  return {
    // --dir still names where a replay writes its dead letters.
    flags: (dir) => ['--dir', dir, '--store', 'aws', '--stage', stage, '--region', 'us-east-1'],
    open: async () => ({ tableName: stateTableName(stage), client, close: async () => undefined }),
  };
}

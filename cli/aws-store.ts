/**
 * The deployed store a command reads and writes (`--store aws`): the stack's state table, `ecs-ops-<stage>-state`,
 * with the caller's credentials, region and profile.
 */
import { dynamoDbClient } from '../lib/platform/aws/dynamodb-client.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { stateTableName } from '../lib/platform/store/table.js';
import type { OpenStore } from './local-store.js';

export interface AwsStoreOptions {
  stage: string;
  region?: string;
  profile?: string;
}

export async function openAwsStore(options: AwsStoreOptions): Promise<OpenStore> {
  const client = dynamoDbClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
  return {
    store: new StateStore({ tableName: stateTableName(options.stage), client }),
    close: async () => client.destroy(),
  };
}

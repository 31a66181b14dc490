/**
 * The deployed store a command reads and writes (`--store aws`): the stack's state table, `ecs-ops-<stage>-state`,
 * with the caller's credentials, region and profile.
 *
 * Opening checks, before any command does work, what every command needs: the profile exists, a region and
 * credentials resolve, and the table answers a DescribeTable (one call; the CLI's identity needs
 * dynamodb:DescribeTable on the table). What fails is one line saying what to set (aws-errors.ts).
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { dynamoDbClient } from '../lib/platform/aws/dynamodb-client.js';
import { StateStore } from '../lib/platform/store/state-store.js';
import { stateTableName } from '../lib/platform/store/table.js';
import {
  type AwsFailureContext,
  credentialsFailure,
  describeAwsFailure,
  invalidRegion,
  missingRegion,
  unknownProfile,
} from './aws-errors.js';
import type { OpenStore } from './local-store.js';
import { UsageError } from './usage.js';

export interface AwsStoreOptions {
  stage: string;
  region?: string;
  profile?: string;
}

/** The characters of a DynamoDB table name: a stage with others cannot name the stack's table. */
const TABLE_NAME_CHARACTERS = /^[A-Za-z0-9_.-]+$/;

export async function openAwsStore(options: AwsStoreOptions): Promise<OpenStore> {
  const tableName = tableOf(options.stage);
  if (options.region === '')
    throw new UsageError("--region needs a value: the stack's region, e.g. us-east-1");
  await requireProfile(options.profile);
  const client = dynamoDbClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
  try {
    const region = await resolveRegion(client, options);
    const context: AwsFailureContext = { ...options, region };
    try {
      await client.config.credentials();
    } catch (error) {
      throw credentialsFailure(error, context);
    }
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      throw describeAwsFailure(error, context) ?? error;
    }
  } catch (error) {
    client.destroy();
    throw error;
  }
  return {
    store: new StateStore({ tableName, client }),
    close: async () => client.destroy(),
  };
}

function tableOf(stage: string): string {
  if (!TABLE_NAME_CHARACTERS.test(stage)) {
    throw new UsageError(
      `--stage ${stage}: a stage is letters, digits, -, _ and . (the stack's table is ecs-ops-<stage>-state)`,
    );
  }
  return stateTableName(stage);
}

/**
 * The profile in use (--profile, else AWS_PROFILE) must be defined in the shared config or credentials file:
 * the SDK would otherwise report a missing region or no credentials, without naming the profile.
 */
async function requireProfile(flag: string | undefined): Promise<void> {
  if (flag === '') throw new UsageError('--profile needs a value: a profile of ~/.aws/config');
  const profile = flag ?? (process.env.AWS_PROFILE || undefined);
  if (profile === undefined) return;
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  if (Object.hasOwn(configFile, profile) || Object.hasOwn(credentialsFile, profile)) return;
  throw unknownProfile(profile, flag !== undefined);
}

/** The region the SDK resolves (--region, AWS_REGION, the profile's); any failure is the region's. */
async function resolveRegion(client: DynamoDBClient, options: AwsStoreOptions): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    if (options.region !== undefined) throw invalidRegion(options.region, true);
    const fromEnvironment = process.env.AWS_REGION;
    if (fromEnvironment) throw invalidRegion(fromEnvironment, false);
    throw missingRegion();
  }
}

/**
 * `--store aws` through the real DynamoDB client and the SDK's own region and credential resolution, against a
 * local dynalite endpoint (AWS_ENDPOINT_URL_DYNAMODB): each failure is one line saying what to fix, before any
 * command does work — and, against a canned endpoint that lets the table be opened and then refuses, when AWS
 * refuses midway through a command. The shared config files are temporary files, the instance metadata service
 * is off.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openAwsStore } from '../../../cli/aws-store.js';
import { runCli } from '../../../cli/main.js';
import { CommandFailure, UsageError } from '../../../cli/usage.js';
import { stateTableName } from '../../../lib/platform/store/table.js';
import {
  ensureStateTable,
  type LocalEngine,
  startLocalEngine,
} from '../../../local/dynamodb/local-engine.js';
import { PROJECT_ROOT } from '../../support/fixtures.js';

/** Every variable the SDK reads a region, a profile or credentials from: the tests set what they need. */
const AWS_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_ENDPOINT_URL',
];
const DEPLOYED_STAGE = 'it';

let engine: LocalEngine;
let dir: string;
let configFile: string;
let credentialsFile: string;

beforeAll(async () => {
  engine = await startLocalEngine();
  await ensureStateTable(engine.client, stateTableName(DEPLOYED_STAGE));
});
afterAll(async () => {
  engine.client.destroy();
  await engine.close();
});

beforeEach(() => {
  // Fresh files per test: the SDK caches the shared files it read by path.
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-aws-store-'));
  configFile = join(dir, 'config');
  credentialsFile = join(dir, 'credentials');
  writeFileSync(configFile, '');
  writeFileSync(credentialsFile, '');
  for (const name of AWS_VARIABLES) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', configFile);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', credentialsFile);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', engine.endpoint);
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** Credentials in the environment (the local engine checks no signature). */
function exportKeys() {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
}

/** A profile `ops` in the shared files, with a region and, unless `keys` is false, keys. */
function writeProfile({ keys = true } = {}) {
  writeFileSync(configFile, '[profile ops]\nregion = us-east-1\n');
  if (keys)
    writeFileSync(credentialsFile, '[ops]\naws_access_key_id = local\naws_secret_access_key = local\n');
}

async function refusal(options: Parameters<typeof openAwsStore>[0]): Promise<Error> {
  const started = Date.now();
  const error = await openAwsStore(options).then(
    async (opened) => {
      await opened.close();
      throw new Error('expected openAwsStore to fail');
    },
    (failure: unknown) => failure as Error,
  );
  // Nothing waits on the instance metadata service, nor retries a refusal.
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(error.message).not.toContain('\n');
  return error;
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['--config', join(PROJECT_ROOT, 'ops.config.yml'), ...argv],
    (text) => out.push(text),
    (text) => err.push(text),
  );
  return { code, out, err };
}

describe('openAwsStore', () => {
  it('opens the deployed table with keys and a region from the environment, and reads it', async () => {
    exportKeys();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const opened = await openAwsStore({ stage: DEPLOYED_STAGE });
    try {
      expect(opened.store.tableName).toBe('ecs-ops-it-state');
      expect(
        await opened.store.getLatest('arn:aws:ecs:us-east-1:1:task/prod/0123456789abcdef'),
      ).toBeUndefined();
    } finally {
      await opened.close();
    }
  });

  it('opens it with a profile that gives the region and the keys', async () => {
    writeProfile();
    const opened = await openAwsStore({ stage: DEPLOYED_STAGE, profile: 'ops' });
    await opened.close();
  });

  it('names the table and the stage to deploy when the table does not exist', async () => {
    exportKeys();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const error = await refusal({ stage: 'staging' });
    expect(error).toBeInstanceOf(CommandFailure);
    expect(error.message).toBe(
      'table ecs-ops-staging-state does not exist in us-east-1: is the stack deployed with --stage staging? ' +
        '(npx serverless deploy --stage staging)',
    );
  });

  it('names the region the profile gave when the table does not exist', async () => {
    writeProfile();
    const error = await refusal({ stage: 'staging', profile: 'ops' });
    expect(error.message).toContain('table ecs-ops-staging-state does not exist in us-east-1:');
  });

  it('says to pass --region or set AWS_REGION when no region is set anywhere', async () => {
    exportKeys();
    const error = await refusal({ stage: DEPLOYED_STAGE });
    expect(error).toBeInstanceOf(CommandFailure);
    expect(error.message).toBe("no AWS region: pass --region or set AWS_REGION (the stack's region)");
  });

  it('says the SDK does not read AWS_DEFAULT_REGION when that is the one set', async () => {
    exportKeys();
    vi.stubEnv('AWS_DEFAULT_REGION', 'us-east-1');
    const error = await refusal({ stage: DEPLOYED_STAGE });
    expect(error.message).toBe(
      "no AWS region: pass --region or set AWS_REGION (the stack's region); AWS_DEFAULT_REGION (us-east-1) " +
        'is set, but the AWS SDK for JavaScript reads AWS_REGION',
    );
  });

  it('refuses a --region that is no region name as a bad flag', async () => {
    exportKeys();
    const error = await refusal({ stage: DEPLOYED_STAGE, region: 'us east 1' });
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      "--region us east 1: not an AWS region name; pass the stack's region, e.g. us-east-1",
    );
  });

  it('names an unknown --profile and the files it looked in', async () => {
    writeProfile();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const error = await refusal({ stage: DEPLOYED_STAGE, profile: 'ghost' });
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      `--profile ghost: no such profile in ${configFile} or ${credentialsFile}; see aws configure ` +
        'list-profiles, or create it (aws configure --profile ghost, or aws configure sso)',
    );
  });

  it('names an unknown AWS_PROFILE, even with keys in the environment (the SDK skips them then)', async () => {
    exportKeys();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_PROFILE', 'ghost');
    const error = await refusal({ stage: DEPLOYED_STAGE });
    expect(error).toBeInstanceOf(CommandFailure);
    expect(error.message).toBe(
      `AWS_PROFILE=ghost: no such profile in ${configFile} or ${credentialsFile}; set AWS_PROFILE to one of ` +
        'aws configure list-profiles, or pass --profile',
    );
  });

  it('says how to get credentials when there are none', async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const error = await refusal({ stage: DEPLOYED_STAGE });
    expect(error).toBeInstanceOf(CommandFailure);
    expect(error.message).toBe(
      'no AWS credentials: set AWS_PROFILE or pass --profile, run aws sso login, or export AWS_ACCESS_KEY_ID ' +
        'and AWS_SECRET_ACCESS_KEY (Could not load credentials from any providers)',
    );
  });

  it('names the profile that gives no credentials', async () => {
    writeProfile({ keys: false });
    const error = await refusal({ stage: DEPLOYED_STAGE, profile: 'ops' });
    expect(error).toBeInstanceOf(CommandFailure);
    expect(error.message).toMatch(
      /^no AWS credentials from profile ops: run aws sso login --profile ops if it uses SSO, give it keys \(aws configure --profile ops\), or pass another --profile \(.+\)$/,
    );
  });
});

describe('ecs-ops --store aws', () => {
  it('exits 1 with the one line when the stage has no table', async () => {
    exportKeys();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const { code, out, err } = await cli(
      'tasks',
      '--store',
      'aws',
      '--stage',
      'staging',
      '--cluster',
      'prod',
    );
    expect({ code, out, err }).toEqual({
      code: 1,
      out: [],
      err: [
        'ecs-ops: table ecs-ops-staging-state does not exist in us-east-1: is the stack deployed with ' +
          '--stage staging? (npx serverless deploy --stage staging)',
      ],
    });
  });

  it('exits 2 on an unknown --profile', async () => {
    const { code, err } = await cli('tasks', '--store', 'aws', '--profile', 'ghost', '--cluster', 'prod');
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^ecs-ops: --profile ghost: no such profile in /)]);
  });

  it('lists the deployed table', async () => {
    exportKeys();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const { code, err } = await cli(
      'tasks',
      '--store',
      'aws',
      '--stage',
      DEPLOYED_STAGE,
      '--cluster',
      'prod',
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
  });
});

/** What the canned endpoint answers an operation (its X-Amz-Target): a status and a JSON body. */
type Answer = { status: number; body: Record<string, unknown> };

/**
 * An AWS endpoint (DynamoDB's and ECS's JSON protocols) that answers each operation as told and every other with
 * `otherwise`: DescribeTable answers the table exists, so the store opens, and the command meets the refusal.
 */
async function cannedEndpoint(answers: Record<string, Answer>, otherwise: Answer) {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const operation =
        String(request.headers['x-amz-target'] ?? '')
          .split('.')
          .at(-1) ?? '';
      const { status, body } = answers[operation] ?? otherwise;
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, close: () => new Promise((resolve) => server.close(resolve)) };
}

const TABLE_EXISTS: Answer = {
  status: 200,
  body: { Table: { TableName: 'ecs-ops-canned-state', TableStatus: 'ACTIVE' } },
};
const refused = (type: string, message: string): Answer => ({ status: 400, body: { __type: type, message } });
const DENIED_QUERY =
  'User: arn:aws:sts::111122223333:assumed-role/ops/me is not authorized to perform: dynamodb:Query on ' +
  'resource: arn:aws:dynamodb:us-east-1:111122223333:table/ecs-ops-canned-state/index/byStatus because no ' +
  'identity-based policy allows the dynamodb:Query action';

describe('ecs-ops --store aws when AWS refuses midway through a command', () => {
  let canned: Awaited<ReturnType<typeof cannedEndpoint>> | undefined;
  afterEach(async () => {
    await canned?.close();
    canned = undefined;
  });

  async function against(answers: Record<string, Answer>, otherwise: Answer, ...argv: string[]) {
    canned = await cannedEndpoint({ DescribeTable: TABLE_EXISTS, ...answers }, otherwise);
    exportKeys();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', canned.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_ECS', canned.endpoint);
    return cli(...argv, '--store', 'aws', '--stage', 'canned');
  }

  it('says what the identity needs, in one line, when a read is denied (exit 1)', async () => {
    const denied = refused('com.amazon.coral.service#AccessDeniedException', DENIED_QUERY);
    const { code, out, err } = await against({}, denied, 'tasks', '--cluster', 'prod');
    expect({ code, out, err }).toEqual({
      code: 1,
      out: [],
      err: [
        'ecs-ops: AWS denied access to table ecs-ops-canned-state in us-east-1: the CLI needs ' +
          'dynamodb:DescribeTable, GetItem, Query and BatchGetItem on the table and its indexes ' +
          '(table/ecs-ops-canned-state and table/ecs-ops-canned-state/index/*), and PutItem, UpdateItem and ' +
          `BatchWriteItem to replay, resync, drain or run the demo (AWS: ${DENIED_QUERY})`,
      ],
    });
  });

  it('names the stage to deploy when the table is gone after it was opened (exit 1)', async () => {
    const gone = refused(
      'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      'Requested resource not found',
    );
    const { code, err } = await against({}, gone, 'stops', '--cluster', 'prod', '--class', 'oom');
    expect({ code, err }).toEqual({
      code: 1,
      err: [
        'ecs-ops: table ecs-ops-canned-state does not exist in us-east-1: is the stack deployed with ' +
          '--stage canned? (npx serverless deploy --stage canned)',
      ],
    });
  });

  it('says expired credentials in one line whichever call meets them', async () => {
    const expired = refused('ExpiredTokenException', 'The security token included in the request is expired');
    const { code, err } = await against({}, expired, 'task', '0123456789abcdef');
    expect(code).toBe(1);
    expect(err).toEqual([
      'ecs-ops: the AWS credentials have expired (ExpiredTokenException): refresh them with aws sso login, ' +
        'or export a new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
    ]);
  });

  it('resync says a denial as every command does, after "resync stopped"', async () => {
    const deniedEcs = refused(
      'AccessDeniedException',
      'User: arn:aws:sts::111122223333:assumed-role/ops/me is not authorized to perform: ecs:ListTasks',
    );
    // The table answers as an empty one; ECS refuses.
    const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body });
    const { code, err } = await against(
      {
        Query: ok({ Items: [], Count: 0 }),
        GetItem: ok({}),
        BatchGetItem: ok({ Responses: {} }),
        PutItem: ok({}),
        UpdateItem: ok({}),
        BatchWriteItem: ok({ UnprocessedItems: {} }),
      },
      deniedEcs,
      'resync',
      '--cluster',
      'prod',
      '--dry-run',
    );
    expect(code).toBe(1);
    expect(err).toEqual([
      'ecs-ops: resync stopped: AWS denied a request in us-east-1 (AccessDeniedException: User: ' +
        'arn:aws:sts::111122223333:assumed-role/ops/me is not authorized to perform: ecs:ListTasks): grant ' +
        'that action to the identity in use (clusters: prod); what it corrected before is kept, and the next ' +
        'run goes on',
    ]);
  });
});

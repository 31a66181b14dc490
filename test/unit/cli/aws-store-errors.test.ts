/**
 * `--store aws` failures as one line saying what to fix: each mapping of describeAwsFailure, with the SDK's own
 * error classes as the SDK builds them (a modeled class, or the service's base exception named by the error code
 * it has no class for), and the flags openAwsStore refuses before it calls AWS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { ECSServiceException } from '@aws-sdk/client-ecs';
import { ResourceNotFoundException as LambdaResourceNotFound } from '@aws-sdk/client-lambda';
import { CredentialsProviderError, TokenProviderError } from '@smithy/core/config';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsFailureContextOf, describeAwsFailure, missingRegion } from '../../../cli/aws-errors.js';
import { openAwsStore } from '../../../cli/aws-store.js';
import { CommandFailure, UsageError } from '../../../cli/usage.js';
import { AwsFailure, EcsOpsError } from '../../../lib/platform/errors.js';

const $metadata = { httpStatusCode: 400, requestId: 'R1', attempts: 1, totalRetryDelay: 0 };
/** An error DynamoDB's model has no class for, as the SDK raises it: its base exception, named by the code. */
const dynamoDbError = (name: string, message = `${name} from DynamoDB`) =>
  new DynamoDBServiceException({ name, $fault: 'client', $metadata, message });
const ecsError = (name: string, message: string) =>
  new ECSServiceException({ name, $fault: 'client', $metadata, message });

const context = { stage: 'prod', region: 'eu-west-1' };
const NO_CREDENTIALS =
  'no AWS credentials: set AWS_PROFILE or pass --profile, run aws sso login, or export AWS_ACCESS_KEY_ID ' +
  'and AWS_SECRET_ACCESS_KEY (Could not load credentials from any providers)';

function described(error: unknown, at: Parameters<typeof describeAwsFailure>[1] = context): string {
  const failure = describeAwsFailure(error, at);
  expect(failure).toBeInstanceOf(CommandFailure);
  expect(failure?.message).not.toContain('\n');
  return failure?.message ?? '';
}

beforeEach(() => {
  for (const name of ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONFIG_FILE']) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', undefined);
});
afterEach(() => vi.unstubAllEnvs());

describe('describeAwsFailure', () => {
  it('names the table, the region and the stage to deploy when the table does not exist', () => {
    const error = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata });
    expect(described(error)).toBe(
      'table ecs-ops-prod-state does not exist in eu-west-1: is the stack deployed with --stage prod? ' +
        '(npx serverless deploy --stage prod)',
    );
  });

  it('names the table, the region and the actions the CLI needs when DynamoDB denies access', () => {
    const aws =
      'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: dynamodb:Query on resource: ' +
      'arn:aws:dynamodb:eu-west-1:123456789012:table/ecs-ops-prod-state/index/byStatus';
    const message = described(dynamoDbError('AccessDeniedException', aws));
    expect(message).toBe(
      'AWS denied access to table ecs-ops-prod-state in eu-west-1: the CLI needs dynamodb:DescribeTable, ' +
        'GetItem, Query and BatchGetItem on the table and its indexes (table/ecs-ops-prod-state and ' +
        'table/ecs-ops-prod-state/index/*), and PutItem, UpdateItem and BatchWriteItem to replay, resync, ' +
        `drain or run the demo (AWS: ${aws})`,
    );
    expect(described(dynamoDbError('AccessDeniedException'), { ...context, profile: 'ops' })).toContain(
      'table ecs-ops-prod-state in eu-west-1 with profile ops:',
    );
  });

  it('shows another service denying with what AWS says, not the table', () => {
    const aws = 'User: arn:aws:iam::1:user/ops is not authorized to perform: ecs:ListTasks';
    expect(described(ecsError('AccessDeniedException', aws))).toBe(
      `AWS denied a request in eu-west-1 (AccessDeniedException: ${aws}): grant that action to the identity in use`,
    );
  });

  it('says what to set when no provider gives credentials', () => {
    const error = new CredentialsProviderError('Could not load credentials from any providers', {
      tryNextLink: false,
    });
    expect(described(error)).toBe(NO_CREDENTIALS);
    expect(described(error, { ...context, profile: 'ops' })).toBe(
      'no AWS credentials from profile ops: run aws sso login --profile ops if it uses SSO, give it keys ' +
        '(aws configure --profile ops), or pass another --profile (Could not load credentials from any providers)',
    );
    vi.stubEnv('AWS_PROFILE', 'from-env');
    expect(described(error)).toContain('no AWS credentials from profile from-env:');
  });

  it('says to log in again when an SSO token is gone', () => {
    const error = new TokenProviderError('The SSO session token has expired.\nRun aws sso login.', false);
    expect(described(error, { ...context, profile: 'sso' })).toBe(
      'no AWS credentials from profile sso: run aws sso login --profile sso if it uses SSO, give it keys ' +
        '(aws configure --profile sso), or pass another --profile (The SSO session token has expired.)',
    );
  });

  it('says expired credentials have expired, and how to refresh them', () => {
    expect(described(dynamoDbError('ExpiredTokenException'))).toBe(
      'the AWS credentials have expired (ExpiredTokenException): refresh them with aws sso login, or export a ' +
        'new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
    );
    expect(described(ecsError('ExpiredToken', 'expired'), { ...context, profile: 'ops' })).toBe(
      'the AWS credentials of profile ops have expired (ExpiredToken): refresh them with aws sso login ' +
        '--profile ops, or export a new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
    );
  });

  it.each(['UnrecognizedClientException', 'InvalidSignatureException', 'InvalidClientTokenId'])(
    'says AWS does not accept the credentials on %s',
    (name) => {
      expect(described(dynamoDbError(name))).toBe(
        `AWS does not accept the credentials (${name}): the access key is unknown, its secret wrong or a ` +
          'session token missing; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or ' +
          'refresh them (aws sso login)',
      );
      expect(described(dynamoDbError(name), { ...context, profile: 'ops' })).toContain(
        `credentials of profile ops (${name}): `,
      );
    },
  );

  it('says AWS cannot be reached, with the address and the region to check', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND dynamodb.eu-wst-1.amazonaws.com'), {
      code: 'ENOTFOUND',
      $metadata: { attempts: 5 },
    });
    expect(described(error, { ...context, region: 'eu-wst-1' })).toBe(
      'cannot reach AWS (getaddrinfo ENOTFOUND dynamodb.eu-wst-1.amazonaws.com): check the region ' +
        '(eu-wst-1) and the network',
    );
  });

  it('sees through the AwsFailure ecs-ops wraps an SDK error in', () => {
    const wrapped = new AwsFailure(new ResourceNotFoundException({ message: 'not found', $metadata }));
    expect(described(wrapped)).toContain('table ecs-ops-prod-state does not exist in eu-west-1');
  });

  it('names the region from AWS_REGION, else the profile it comes from, when the context has none', () => {
    const missing = new ResourceNotFoundException({ message: 'not found', $metadata });
    vi.stubEnv('AWS_REGION', 'ap-south-1');
    expect(described(missing, { stage: 'dev' })).toContain('does not exist in ap-south-1:');
    vi.stubEnv('AWS_REGION', undefined);
    expect(described(missing, { stage: 'dev', profile: 'ops' })).toContain(
      'does not exist in the region of profile ops:',
    );
    expect(described(missing, { stage: 'dev' })).toContain(
      'does not exist in the region of profile default:',
    );
  });

  it('keeps AWS words to one line', () => {
    const message = described(dynamoDbError('AccessDeniedException', 'denied\nsecond line'));
    expect(message.endsWith('(AWS: denied)')).toBe(true);
  });

  it('leaves alone what is not an AWS failure it can explain', () => {
    expect(
      describeAwsFailure(new ConditionalCheckFailedException({ message: 'no', $metadata }), context),
    ).toBeUndefined();
    expect(describeAwsFailure(dynamoDbError('ValidationException'), context)).toBeUndefined();
    // Another service's missing resource (a job's function not deployed) is not the table's: its command says it.
    expect(
      describeAwsFailure(new LambdaResourceNotFound({ message: 'Function not found', $metadata }), context),
    ).toBeUndefined();
    expect(describeAwsFailure(new TypeError('a bug'), context)).toBeUndefined();
    expect(describeAwsFailure(new EcsOpsError('ours', { retryable: false }), context)).toBeUndefined();
    expect(describeAwsFailure(new CommandFailure('said already'), context)).toBeUndefined();
    expect(describeAwsFailure(new UsageError('said already'), context)).toBeUndefined();
    expect(describeAwsFailure('a string', context)).toBeUndefined();
  });
});

describe('awsFailureContextOf', () => {
  it('is the context of --store aws (stage, and the region and profile given), and none for the local store', () => {
    expect(awsFailureContextOf({ store: 'aws', stage: 'prod', region: 'eu-west-1', profile: 'ops' })).toEqual(
      {
        stage: 'prod',
        region: 'eu-west-1',
        profile: 'ops',
      },
    );
    expect(awsFailureContextOf({ store: 'aws', stage: 'dev', region: undefined })).toEqual({ stage: 'dev' });
    expect(awsFailureContextOf({ store: 'local', stage: 'dev' })).toBeUndefined();
  });
});

describe('missingRegion', () => {
  it('says to pass --region or set AWS_REGION', () => {
    expect(missingRegion().message).toBe(
      "no AWS region: pass --region or set AWS_REGION (the stack's region)",
    );
  });

  it('says AWS_DEFAULT_REGION is not read when that is what is set', () => {
    vi.stubEnv('AWS_DEFAULT_REGION', 'eu-west-1');
    expect(missingRegion().message).toBe(
      "no AWS region: pass --region or set AWS_REGION (the stack's region); AWS_DEFAULT_REGION (eu-west-1) " +
        'is set, but the AWS SDK for JavaScript reads AWS_REGION',
    );
  });
});

describe('openAwsStore refuses unusable flags before calling AWS', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-ops-aws-flags-'));
    writeFileSync(join(dir, 'config'), '[profile known]\nregion = eu-west-1\n');
    writeFileSync(join(dir, 'credentials'), '');
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      { stage: 'my/stage' },
      "--stage my/stage: a stage is letters, digits, -, _ and . (the stack's table is ecs-ops-<stage>-state)",
    ],
    [
      { stage: '' },
      "--stage : a stage is letters, digits, -, _ and . (the stack's table is ecs-ops-<stage>-state)",
    ],
    [{ stage: 'dev', region: '' }, "--region needs a value: the stack's region, e.g. us-east-1"],
    [{ stage: 'dev', profile: '' }, '--profile needs a value: a profile of ~/.aws/config'],
  ])('%j', async (options, message) => {
    const opening = openAwsStore(options);
    await expect(opening).rejects.toThrow(UsageError);
    await expect(opening).rejects.toThrow(message);
  });

  it('names an unknown --profile and the files it is not in (exit 2: a flag)', async () => {
    const opening = openAwsStore({ stage: 'dev', profile: 'ghost' });
    await expect(opening).rejects.toThrow(UsageError);
    await expect(opening).rejects.toThrow(
      `--profile ghost: no such profile in ${join(dir, 'config')} or ${join(dir, 'credentials')}; see aws ` +
        'configure list-profiles, or create it (aws configure --profile ghost, or aws configure sso)',
    );
  });

  it('names an unknown AWS_PROFILE (exit 1: the environment)', async () => {
    vi.stubEnv('AWS_PROFILE', 'ghost');
    const opening = openAwsStore({ stage: 'dev' });
    await expect(opening).rejects.toThrow(CommandFailure);
    await expect(opening).rejects.toThrow(
      `AWS_PROFILE=ghost: no such profile in ${join(dir, 'config')} or ${join(dir, 'credentials')}; set ` +
        'AWS_PROFILE to one of aws configure list-profiles, or pass --profile',
    );
  });
});

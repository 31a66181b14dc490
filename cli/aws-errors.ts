/**
 * What to fix when AWS refuses the CLI (`--store aws`): no region, no or unusable credentials, an unknown
 * profile, access denied, no such table, no way to reach AWS — each as one line saying what to set, raised as
 * CommandFailure (exit 1) or, for a flag's unusable value, UsageError (exit 2).
 *
 * Errors are routed by their type — the SDK's class, or its `name` (the SDK's type for errors it has no class
 * for), a Node system error's `code` — never by their message: AWS's message is only shown, when it says more
 * (who was denied what).
 */
import { DynamoDBServiceException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { EcsOpsError } from '../lib/platform/errors.js';
import { stateTableName } from '../lib/platform/store/table.js';
import { CommandFailure, UsageError } from './usage.js';

/** What the CLI was asked to use: the global options of `--store aws`. */
export interface AwsFailureContext {
  /** --stage: names the table, ecs-ops-<stage>-state. */
  stage: string;
  /** The region in use: the resolved one when known, else --region; undefined = AWS_REGION, else the profile's. */
  region?: string;
  /** --profile; undefined = AWS_PROFILE, else the default profile. */
  profile?: string;
}

/** The context of `--store aws`'s global options; undefined for the local store. */
export function awsFailureContextOf(options: {
  store: string;
  stage: string;
  region?: string | undefined;
  profile?: string | undefined;
}): AwsFailureContext | undefined {
  if (options.store !== 'aws') return undefined;
  return {
    stage: options.stage,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

/** What the CLI needs of the table and its indexes, to read; the writes are for replay, resync, drain, demo. */
export const TABLE_ACTIONS =
  'dynamodb:DescribeTable, GetItem, Query and BatchGetItem on the table and its indexes';
const WRITE_ACTIONS = 'PutItem, UpdateItem and BatchWriteItem to replay, resync, drain or run the demo';

/** The credential providers' failures: nothing in the chain (env, profile, SSO, process, IMDS…) gave credentials. */
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'TokenProviderError']);
/** Credentials AWS knew but that no longer hold. */
const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'TokenRefreshRequired']);
/** Credentials AWS does not accept: an unknown key, a wrong secret, a missing session token. */
const REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidAccessKeyId',
  'AuthFailure',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
/** Node's system errors (and the SDK's request timeout) when no answer comes back. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * An AWS SDK failure, raised when opening the store or later during a command, as the one line that says what
 * to fix; undefined when `error` is none of those (a bug, a refusal a command explains itself) — or is already
 * a CommandFailure or UsageError. Looks through ecs-ops' own wrappers (AwsFailure) to the SDK error they keep.
 */
export function describeAwsFailure(error: unknown, context: AwsFailureContext): CommandFailure | undefined {
  const sdkError = unwrap(error);
  if (sdkError === undefined) return undefined;
  const { name } = sdkError;
  if (NO_CREDENTIALS.has(name)) return noCredentials(context, sdkError);
  if (EXPIRED.has(name)) return expiredCredentials(context, name);
  if (REJECTED.has(name)) return rejectedCredentials(context, name);
  if (sdkError instanceof ResourceNotFoundException) return missingTable(context);
  if (DENIED.has(name)) {
    return sdkError instanceof DynamoDBServiceException
      ? tableDenied(context, sdkError)
      : new CommandFailure(
          `AWS denied a request in ${regionOf(context)}${withProfile(context)} (${name}: ` +
            `${firstLine(sdkError.message)}): grant that action to the identity in use`,
        );
  }
  const code = (sdkError as Error & { code?: unknown }).code;
  if ((typeof code === 'string' && UNREACHABLE.has(code)) || name === 'TimeoutError') {
    return new CommandFailure(
      `cannot reach AWS (${firstLine(sdkError.message)}): check the region (${regionOf(context)}) and the network`,
    );
  }
  return undefined;
}

/** No region in --region, AWS_REGION or the profile. */
export function missingRegion(): CommandFailure {
  const defaultRegion = process.env.AWS_DEFAULT_REGION;
  // The AWS CLI reads AWS_DEFAULT_REGION; the AWS SDK for JavaScript does not.
  const hint =
    defaultRegion && !process.env.AWS_REGION
      ? `; AWS_DEFAULT_REGION (${defaultRegion}) is set, but the AWS SDK for JavaScript reads AWS_REGION`
      : '';
  return new CommandFailure(`no AWS region: pass --region or set AWS_REGION (the stack's region)${hint}`);
}

/** A region the SDK refuses as a name (`us east`): the flag's (exit 2) or AWS_REGION's. */
export function invalidRegion(region: string, fromFlag: boolean): CommandFailure | UsageError {
  return fromFlag
    ? new UsageError(`--region ${region}: not an AWS region name; pass the stack's region, e.g. us-east-1`)
    : new CommandFailure(
        `AWS_REGION=${region} is not an AWS region name: set it to the stack's region, e.g. us-east-1, or pass --region`,
      );
}

/** A profile named by --profile (exit 2) or AWS_PROFILE that neither shared file defines. */
export function unknownProfile(profile: string, fromFlag: boolean): CommandFailure | UsageError {
  const files = `${process.env.AWS_CONFIG_FILE || '~/.aws/config'} or ${process.env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials'}`;
  return fromFlag
    ? new UsageError(
        `--profile ${profile}: no such profile in ${files}; see aws configure list-profiles, ` +
          `or create it (aws configure --profile ${profile}, or aws configure sso)`,
      )
    : new CommandFailure(
        `AWS_PROFILE=${profile}: no such profile in ${files}; set AWS_PROFILE to one of ` +
          'aws configure list-profiles, or pass --profile',
      );
}

/** Getting credentials failed other than by the providers finding none (an assumed role refused, say). */
export function credentialsFailure(error: unknown, context: AwsFailureContext): CommandFailure {
  const described = describeAwsFailure(error, context);
  if (described !== undefined) return described;
  const what = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : String(error);
  return new CommandFailure(`could not get AWS credentials${fromProfile(context)}: ${what}`);
}

function noCredentials(context: AwsFailureContext, error: Error): CommandFailure {
  const profile = profileOf(context);
  const sdk = firstLine(error.message);
  return new CommandFailure(
    profile === undefined
      ? 'no AWS credentials: set AWS_PROFILE or pass --profile, run aws sso login, or export ' +
          `AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${sdk})`
      : `no AWS credentials from profile ${profile}: run aws sso login --profile ${profile} if it uses SSO, ` +
          `give it keys (aws configure --profile ${profile}), or pass another --profile (${sdk})`,
  );
}

function expiredCredentials(context: AwsFailureContext, name: string): CommandFailure {
  const profile = profileOf(context);
  const sso = profile === undefined ? 'aws sso login' : `aws sso login --profile ${profile}`;
  return new CommandFailure(
    `the AWS credentials${ofProfile(context)} have expired (${name}): refresh them with ${sso}, ` +
      'or export a new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
  );
}

function rejectedCredentials(context: AwsFailureContext, name: string): CommandFailure {
  const profile = profileOf(context);
  const keys =
    profile === undefined
      ? 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN'
      : `the keys of profile ${profile}`;
  return new CommandFailure(
    `AWS does not accept the credentials${ofProfile(context)} (${name}): the access key is unknown, its ` +
      `secret wrong or a session token missing; check ${keys}, or refresh them (aws sso login)`,
  );
}

function missingTable(context: AwsFailureContext): CommandFailure {
  const { stage } = context;
  return new CommandFailure(
    `table ${stateTableName(stage)} does not exist in ${regionOf(context)}: is the stack deployed with ` +
      `--stage ${stage}? (npx serverless deploy --stage ${stage})`,
  );
}

function tableDenied(context: AwsFailureContext, error: Error): CommandFailure {
  const table = stateTableName(context.stage);
  return new CommandFailure(
    `AWS denied access to table ${table} in ${regionOf(context)}${withProfile(context)}: the CLI needs ` +
      `${TABLE_ACTIONS} (table/${table} and table/${table}/index/*), and ${WRITE_ACTIONS} ` +
      `(AWS: ${firstLine(error.message)})`,
  );
}

/** The SDK error to describe: `error` itself, or the cause an ecs-ops wrapper keeps; undefined if described already. */
function unwrap(error: unknown): Error | undefined {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (!(current instanceof Error) || current instanceof CommandFailure || current instanceof UsageError) {
      return undefined;
    }
    if (!(current instanceof EcsOpsError)) return current;
    current = current.cause;
  }
  return undefined;
}

const profileOf = (context: AwsFailureContext): string | undefined =>
  context.profile || process.env.AWS_PROFILE || undefined;
const withProfile = (context: AwsFailureContext) => {
  const profile = profileOf(context);
  return profile === undefined ? '' : ` with profile ${profile}`;
};
const ofProfile = (context: AwsFailureContext) => {
  const profile = profileOf(context);
  return profile === undefined ? '' : ` of profile ${profile}`;
};
const fromProfile = (context: AwsFailureContext) => {
  const profile = profileOf(context);
  return profile === undefined ? '' : ` from profile ${profile}`;
};
const regionOf = (context: AwsFailureContext): string =>
  context.region || process.env.AWS_REGION || `the region of profile ${profileOf(context) ?? 'default'}`;

/** AWS's words on one line, at most 300 characters. */
function firstLine(text: string): string {
  const line = (text.split('\n', 1)[0] ?? '').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** Request parsing shared by the ECS API methods: names vs ARNs, pagination, the cluster query language. */
import { AwsError } from '../endpoint/aws-error.js';

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

/** The last path segment of an ARN (`…:cluster/prod` → `prod`, `…:task/prod/abc` → `abc`), or the value itself. */
export function lastSegment(reference: string): string {
  const resource = reference.startsWith('arn:') ? (reference.split(':')[5] ?? '') : reference;
  return resource.split('/').at(-1) ?? resource;
}

/** A task definition reference: `family`, `family:revision`, or its ARN. */
export function parseTaskDefinition(reference: string): { family: string; revision?: number } {
  const [family = '', revision] = lastSegment(reference).split(':');
  return revision === undefined ? { family } : { family, revision: Number(revision) };
}

/** One page of `items`; the token is the offset of the next page, opaque to callers. */
export function paginate<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
): { page: T[]; nextToken?: string } {
  const limit = maxResults ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidParameter('maxResults must be between 1 and 100.');
  }
  const offset = nextToken === undefined ? 0 : decodeToken(nextToken);
  const page = items.slice(offset, offset + limit);
  const next = offset + limit;
  return next < items.length ? { page, nextToken: encodeToken(next) } : { page };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error ECS gives for a token it did not issue
  }
  throw invalidParameter('Invalid nextToken.');
}

/** The one cluster query language expression the toolkit uses: `ec2InstanceId == i-…`. */
export function parseInstanceFilter(filter: string): string {
  const match = /^\s*ec2InstanceId\s*==\s*['"]?(i-[0-9a-zA-Z]+)['"]?\s*$/.exec(filter);
  if (!match?.[1]) {
    throw invalidParameter(`Unsupported filter expression: ${filter}. Supported: ec2InstanceId == i-...`);
  }
  return match[1];
}

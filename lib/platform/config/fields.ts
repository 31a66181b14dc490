/** Setting types more than one section of ops.config.yml uses, each with the message a person can act on. */
import * as z from 'zod/mini';

/** A whole number of `unit` in [min, max]; `why` says why a bound is where it is, in the message that cites it. */
export function WholeNumber(
  min: number,
  max: number,
  unit: string,
  why: { min?: string; max?: string } = {},
) {
  return z
    .number(`expected a whole number of ${unit}`)
    .check(
      z.refine(Number.isInteger, `expected a whole number of ${unit}`),
      z.minimum(min, `expected at least ${min} ${unit}${why.min === undefined ? '' : ` (${why.min})`}`),
      z.maximum(max, `expected at most ${max} ${unit}${why.max === undefined ? '' : ` (${why.max})`}`),
    );
}

export const Flag = z.boolean('expected true or false');

export const ClusterName = z
  .string('expected a cluster name')
  .check(z.regex(/^[A-Za-z0-9_-]{1,255}$/, 'expected a cluster name (letters, digits, - and _), not an ARN'));

/** A record key that fails its schema is reported as one `invalid_key` issue; say what the key's schema said. */
export const keyProblem = { error: (issue: z.core.$ZodRawIssue) => firstKeyIssue(issue) };
function firstKeyIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_key') return undefined;
  const inner = (issue as { issues?: { message?: string }[] }).issues?.[0]?.message;
  return inner ?? 'not a valid name';
}

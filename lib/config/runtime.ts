/**
 * Settings a deployed function reads from its environment, set by serverless.yml from ops.config.yml.
 * Parsed once at cold start; a missing or malformed variable stops the function with the variable's name.
 */
import * as z from 'zod/mini';

const WholeNumber = z.pipe(
  z.string().check(z.regex(/^\d+$/, 'expected a whole number')),
  z.transform(Number),
);

const ReconcileEnvironment = z.object({
  STATE_TABLE: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.string().check(z.minLength(1)),
  RETENTION_STOPPED_DAYS: WholeNumber,
  RETENTION_HISTORY_DAYS: WholeNumber,
  WRITE_CONCURRENCY: z._default(WholeNumber, 16),
});
export type ReconcileEnvironment = z.infer<typeof ReconcileEnvironment>;

export function reconcileEnvironment(env: NodeJS.ProcessEnv = process.env): ReconcileEnvironment {
  const parsed = z.safeParse(ReconcileEnvironment, env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `environment variable ${issue?.path.join('.')}: ${issue?.message}; redeploy with serverless.yml`,
  );
}

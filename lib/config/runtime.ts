/**
 * Settings a deployed function reads from its environment, set by serverless.yml from ops.config.yml.
 * Parsed once at cold start; a missing or malformed variable stops the function with the variable's name.
 */
import * as z from 'zod/mini';
import { AlertsConfig } from './alerts-config.js';
import { JobsConfig } from './jobs-config.js';

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
  return parseEnvironment(ReconcileEnvironment, env);
}

/** The validated `alerts` section of ops.config.yml, passed as one JSON variable by serverless.yml. */
const AlertsConfigJson = z.pipe(
  z.string().check(z.minLength(2)),
  z.transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      context.issues.push({ code: 'custom', message: `not JSON: ${(error as Error).message}`, input: text });
      return z.NEVER;
    }
  }),
);

const AlertEnvironment = z.object({
  STATE_TABLE: z.string().check(z.minLength(1)),
  ALERT_TOPIC_ARN: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.string().check(z.minLength(1)),
  ALERTS_CONFIG: z.pipe(AlertsConfigJson, AlertsConfig),
  RETENTION_HISTORY_DAYS: WholeNumber,
});
export type AlertEnvironment = z.infer<typeof AlertEnvironment>;

/** The `alert` function's settings. */
export function alertEnvironment(env: NodeJS.ProcessEnv = process.env): AlertEnvironment {
  return parseEnvironment(AlertEnvironment, env);
}

const AlertSummaryEnvironment = z.object({
  STATE_TABLE: z.string().check(z.minLength(1)),
  ALERT_TOPIC_ARN: z.string().check(z.minLength(1)),
  ALERTS_CONFIG: z.pipe(AlertsConfigJson, AlertsConfig),
  RETENTION_HISTORY_DAYS: WholeNumber,
});
export type AlertSummaryEnvironment = z.infer<typeof AlertSummaryEnvironment>;

/** The `alert-summary` function's settings. */
export function alertSummaryEnvironment(env: NodeJS.ProcessEnv = process.env): AlertSummaryEnvironment {
  return parseEnvironment(AlertSummaryEnvironment, env);
}

/** The validated `jobs` section of ops.config.yml, passed as one JSON variable by serverless.yml. */
const JobsConfigJson = z.pipe(AlertsConfigJson, JobsConfig);

const LaunchEnvironment = z.object({
  STATE_TABLE: z.string().check(z.minLength(1)),
  ALERT_TOPIC_ARN: z.string().check(z.minLength(1)),
  JOBS_CONFIG: JobsConfigJson,
  ALERTS_CONFIG: z.pipe(AlertsConfigJson, AlertsConfig),
  RETENTION_HISTORY_DAYS: WholeNumber,
});
export type LaunchEnvironment = z.infer<typeof LaunchEnvironment>;

const JobTimeoutsEnvironment = z.object({
  STATE_TABLE: z.string().check(z.minLength(1)),
  JOBS_CONFIG: JobsConfigJson,
  RETENTION_HISTORY_DAYS: WholeNumber,
});
export type JobTimeoutsEnvironment = z.infer<typeof JobTimeoutsEnvironment>;

/** The `job-timeouts` function's settings. */
export function jobTimeoutsEnvironment(env: NodeJS.ProcessEnv = process.env): JobTimeoutsEnvironment {
  return parseEnvironment(JobTimeoutsEnvironment, env);
}

/** The `launch` function's settings. */
export function launchEnvironment(env: NodeJS.ProcessEnv = process.env): LaunchEnvironment {
  return parseEnvironment(LaunchEnvironment, env);
}

const JobRunsEnvironment = z.object({
  STATE_TABLE: z.string().check(z.minLength(1)),
  ALERT_TOPIC_ARN: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.string().check(z.minLength(1)),
  JOBS_CONFIG: JobsConfigJson,
  ALERTS_CONFIG: z.pipe(AlertsConfigJson, AlertsConfig),
  RETENTION_HISTORY_DAYS: WholeNumber,
});
export type JobRunsEnvironment = z.infer<typeof JobRunsEnvironment>;

/** The `job-runs` function's settings. */
export function jobRunsEnvironment(env: NodeJS.ProcessEnv = process.env): JobRunsEnvironment {
  return parseEnvironment(JobRunsEnvironment, env);
}

function parseEnvironment<T extends z.ZodMiniType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = z.safeParse(schema, env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `environment variable ${issue?.path.join('.')}: ${issue?.message}; redeploy with serverless.yml`,
  );
}

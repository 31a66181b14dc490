/**
 * Settings a deployed function reads from its environment, set by serverless.yml from ops.config.yml.
 * Parsed once at cold start; a missing or malformed variable stops the function with the variable's name.
 */
import * as z from 'zod/mini';
import { AlertsConfig } from './alerts-config.js';
import { DrainConfig } from './drain-config.js';
import { JobsConfig } from './jobs-config.js';
import { ScalingConfig } from './scaling-config.js';

const Name = z.string().check(z.minLength(1));

const WholeNumber = z.pipe(
  z.string().check(z.regex(/^\d+$/, 'expected a whole number')),
  z.transform(Number),
);

/** A JSON document in one variable: serverless.yml passes validated config sections this way. */
const JsonText = z.pipe(
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
const ALERTS_CONFIG = z.pipe(JsonText, AlertsConfig);
const JOBS_CONFIG = z.pipe(JsonText, JobsConfig);
const DRAIN_CONFIG = z.pipe(JsonText, DrainConfig);
const SCALING_CONFIG = z.pipe(JsonText, ScalingConfig);
/** The watched clusters as a JSON list of names, or `*` for every cluster of the account. */
const WATCHED_CLUSTERS = z.pipe(
  JsonText,
  z.union([z.literal('*'), z.array(z.string().check(z.minLength(1)))]),
);

/** A reader of one function's environment, with the variable's name in its error. */
function environmentOf<T extends z.ZodMiniType>(schema: T) {
  return (env: NodeJS.ProcessEnv = process.env): z.infer<T> => {
    const parsed = z.safeParse(schema, env);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new Error(
      `environment variable ${issue?.path.join('.')}: ${issue?.message}; redeploy with serverless.yml`,
    );
  };
}

export const reconcileEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    DEAD_LETTER_QUEUE_URL: Name,
    RETENTION_STOPPED_DAYS: WholeNumber,
    RETENTION_HISTORY_DAYS: WholeNumber,
    WRITE_CONCURRENCY: z._default(WholeNumber, 16),
  }),
);

export const alertEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    DEAD_LETTER_QUEUE_URL: Name,
    ALERTS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const alertSummaryEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, ALERT_TOPIC_ARN: Name, ALERTS_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);

export const launchEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    JOBS_CONFIG,
    ALERTS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const jobRunsEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    DEAD_LETTER_QUEUE_URL: Name,
    JOBS_CONFIG,
    ALERTS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const jobTimeoutsEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, JOBS_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);

export const drainEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    DEAD_LETTER_QUEUE_URL: Name,
    DRAIN_CONFIG,
    WATCHED_CLUSTERS,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const drainSweeperEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    DRAIN_CONFIG,
    WATCHED_CLUSTERS,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const scaleEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, SCALING_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);

/** The launch, job-runs and job-timeouts functions' environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';
import { JobsConfig } from './config.js';

const JOBS_CONFIG = jsonSection(JobsConfig);

export const launchEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    JOBS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const jobRunsEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    DEAD_LETTER_QUEUE_URL: Name,
    JOBS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const jobTimeoutsEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, JOBS_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);

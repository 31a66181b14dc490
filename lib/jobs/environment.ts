/** The launch, job-runs and job-timeouts functions' environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';
import { PublisherOptions } from '../platform/notification/publisher.js';
import { JobsConfig } from './config.js';

const JOBS_CONFIG = jsonSection(JobsConfig);
/** The publisher's options from the alerts section (deploy/alerts.ts), which these functions do not read. */
const ALERT_OUTPUTS = jsonSection(PublisherOptions);

export const launchEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    ALERT_OUTPUTS,
    JOBS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const jobRunsEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    ALERT_OUTPUTS,
    DEAD_LETTER_QUEUE_URL: Name,
    JOBS_CONFIG,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

export const jobTimeoutsEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, JOBS_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);

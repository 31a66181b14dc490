/** The alert and alert-summary functions' environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';
import { AlertsConfig } from './config.js';

const ALERTS_CONFIG = jsonSection(AlertsConfig);

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

/** The drain and drain-sweeper functions' environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';
import { PublisherOptions } from '../platform/notification/publisher.js';
import { DrainConfig } from './config.js';

const DRAIN_CONFIG = jsonSection(DrainConfig);
/** The publisher's options from the alerts section (deploy/alerts.ts), which these functions do not read. */
const ALERT_OUTPUTS = jsonSection(PublisherOptions);
/** The watched clusters as a JSON list of names, or `*` for every cluster of the account. */
const WATCHED_CLUSTERS = jsonSection(z.union([z.literal('*'), z.array(Name)]));

export const drainEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    ALERT_OUTPUTS,
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
    ALERT_OUTPUTS,
    DRAIN_CONFIG,
    WATCHED_CLUSTERS,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

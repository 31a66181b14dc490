/** The alarm function's environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';
import { PublisherOptions } from '../platform/notification/publisher.js';

/** The alarms this stack forwards (deploy/monitoring.ts): `<service>-<stage>-` and the names after it. */
const FORWARDED_ALARMS = jsonSection(z.object({ prefix: Name, names: z.array(Name) }));

export const alarmEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    ALERT_TOPIC_ARN: Name,
    ALERT_OUTPUTS: jsonSection(PublisherOptions),
    // Empty without self-monitoring: then there is no queue, and nothing invokes the function.
    DEAD_LETTER_QUEUE_URL: z.string(),
    FORWARDED_ALARMS,
    STAGE: Name,
    RETENTION_HISTORY_DAYS: WholeNumber,
  }),
);

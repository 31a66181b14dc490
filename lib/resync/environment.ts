/** The resync function's environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';

export const resyncEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    /** The watched clusters as a JSON list of names, or `*` for every cluster of the account. */
    WATCHED_CLUSTERS: jsonSection(z.union([z.literal('*'), z.array(Name)])),
    RESYNC_CALLS_PER_SECOND: WholeNumber,
    RETENTION_STOPPED_DAYS: WholeNumber,
    RETENTION_HISTORY_DAYS: WholeNumber,
    WRITE_CONCURRENCY: z._default(WholeNumber, 16),
  }),
);

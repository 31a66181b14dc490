/** The reconcile function's environment. */
import * as z from 'zod/mini';
import { environmentOf, Name, WholeNumber } from '../platform/config/environment.js';

export const reconcileEnvironment = environmentOf(
  z.object({
    STATE_TABLE: Name,
    DEAD_LETTER_QUEUE_URL: Name,
    RETENTION_STOPPED_DAYS: WholeNumber,
    RETENTION_HISTORY_DAYS: WholeNumber,
    WRITE_CONCURRENCY: z._default(WholeNumber, 16),
  }),
);

/**
 * The `resync` section of ops.config.yml: how often the store is compared with the ECS API (anti-entropy for
 * events that never arrived) and how hard that comparison may lean on the ECS API.
 */
import * as z from 'zod/mini';
import { WholeNumber } from '../platform/config/fields.js';

export const ResyncConfig = z.strictObject({
  /** Minutes between scheduled resyncs; 0 turns the schedule off (the one at deploy still runs). */
  intervalMinutes: z._default(WholeNumber(0, 1440, 'minutes'), 15),
  /**
   * ECS API calls per second one resync makes at most. ECS throttles each account per action with a token bucket
   * (refilling at about 20 calls per second for the List and Describe actions); staying well under it leaves the
   * account's other tools their share. Throttled calls are retried with backoff by the SDK.
   */
  callsPerSecond: z._default(WholeNumber(1, 50, 'calls per second'), 10),
});
export type ResyncConfig = z.infer<typeof ResyncConfig>;

export const DEFAULT_RESYNC_CONFIG: ResyncConfig = z.parse(ResyncConfig, {});

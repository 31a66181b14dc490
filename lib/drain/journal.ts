/** The drains' journal: one `drain` entry per step of a drain (started, joined, heartbeat, released, …). */
import type { Journal } from '../platform/journal.js';
import type { Drain } from './model.js';

const DRAIN_JOURNAL_KIND = 'drain';

/** Journals `what` happened to the drain at `at`; `what` is unique among the drain's steps. */
export function journalDrainStep(
  journal: Pick<Journal, 'append'>,
  drain: Drain,
  at: string,
  what: string,
  fields: Record<string, unknown>,
) {
  return journal.append({
    at,
    kind: DRAIN_JOURNAL_KIND,
    subject: `${drain.cluster ?? '-'}/${drain.ec2InstanceId}`,
    id: `${drain.ec2InstanceId}#${what}`,
    fields: { ec2InstanceId: drain.ec2InstanceId, cluster: drain.cluster, trigger: drain.trigger, ...fields },
  });
}

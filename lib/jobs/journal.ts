/** The jobs' journal: one `job` entry per step of a run (launched, retry, failed, timed out, completed). */
import type { Journal } from '../platform/journal.js';

export const JOB_JOURNAL_KIND = 'job';

export interface JobStep {
  job: string;
  slot: string;
  /** Unique within the slot: `launched`, `attempt-2`, `timeout`, … */
  step: string;
  fields: Record<string, unknown>;
}

export function journalJobStep(
  journal: Pick<Journal, 'append'>,
  at: string,
  { job, slot, step, fields }: JobStep,
) {
  return journal.append({
    at,
    kind: JOB_JOURNAL_KIND,
    subject: job,
    id: `${slot}#${step}`,
    fields: { job, slot, ...fields },
  });
}

/** Replaying a sandbox run with `ecs-ops replay --alerts`: the decisions to compare with the alert journal. */
/** A decision as the journal holds it, or as `replay --alerts` reports it. */
interface Decision {
  outcome: string;
  reason: string;
  subject?: string;
  taskArn?: string;
}

/** The decisions about a task; summaries and resolved messages are about crash-loop windows. */
const ABOUT_TASKS = new Set(['sent', 'grouped', 'muted', 'not-incident']);

/**
 * What was decided about each task, whatever the number of deliveries: the outcome, the class of its reason
 * (its words up to the first detail: `a standalone task finished`, `crash loop`, `paged`) and a page's subject.
 */
export function decisionsPerTask(decisions: readonly Decision[]): Record<string, string[]> {
  const perTask: Record<string, Set<string>> = {};
  for (const { outcome, reason, subject, taskArn } of decisions) {
    if (taskArn === undefined || !ABOUT_TASKS.has(outcome)) continue;
    const reasonClass = reason.split(/[:(]/, 1)[0]?.trim();
    const seen = perTask[taskArn] ?? new Set();
    seen.add(`${outcome}: ${reasonClass}${outcome === 'sent' ? ` — ${subject}` : ''}`);
    perTask[taskArn] = seen;
  }
  return Object.fromEntries(Object.entries(perTask).map(([task, seen]) => [task, [...seen].sort()]));
}

/**
 * How fast the sandbox's step scaling reacts: from the moment the script pushed a policy's metric across its
 * threshold (a mark, in simulated time) to the UpdateService the `scale` function sent, and how many AWS API
 * calls each evaluation made (from the function's log lines). Pure bookkeeping: the sandbox feeds it what it
 * observes. The native path's floor, for comparison: a CloudWatch alarm needs at least one evaluation period
 * (60 s for standard metrics) before Application Auto Scaling acts on it.
 */
import { lastSegment } from '../../lib/platform/arn.js';

export interface ScalingSummary {
  /** UpdateService calls of the scaled services, in simulated seconds from the start. */
  changes: { service: string; desiredCount: number; atSeconds: number }[];
  /** Metric crossing (the script's mark) → the first UpdateService after it, simulated seconds; null if none. */
  reactionSeconds: number | null;
  evaluations: number;
  apiCallsPerEvaluation: { min: number | null; max: number | null };
}

export class ScalingLatency {
  private readonly changes: ScalingSummary['changes'] = [];
  private readonly calls: number[] = [];

  constructor(
    private readonly services: ReadonlySet<string>,
    private readonly startedAt: number,
  ) {}

  /** An UpdateService reached ECS at simulated time `at`; only the policies' services count. */
  serviceUpdated(service: string | undefined, desiredCount: number | undefined, at: number) {
    if (service === undefined || desiredCount === undefined || !this.services.has(lastSegment(service)))
      return;
    this.changes.push({ service, desiredCount, atSeconds: (at - this.startedAt) / 1000 });
  }

  /** A `scale` log line: one evaluation, with its API calls. */
  functionLogged(entry: Record<string, unknown>, name: string) {
    if (name !== 'scale' || typeof entry.apiCalls !== 'number') return;
    this.calls.push(entry.apiCalls);
  }

  report(crossedAt: number | undefined): ScalingSummary {
    const crossing = crossedAt === undefined ? undefined : (crossedAt - this.startedAt) / 1000;
    const first =
      crossing === undefined ? undefined : this.changes.find((change) => change.atSeconds >= crossing);
    return {
      changes: [...this.changes],
      reactionSeconds:
        first === undefined || crossing === undefined
          ? null
          : Math.round((first.atSeconds - crossing) * 10) / 10,
      evaluations: this.calls.length,
      apiCallsPerEvaluation: {
        min: this.calls.length === 0 ? null : Math.min(...this.calls),
        max: this.calls.length === 0 ? null : Math.max(...this.calls),
      },
    };
  }
}

/**
 * One severity scale for every ecs-ops message — incident pages, crash-loop summaries, resolved messages, job
 * and drain pages — and how it maps onto the levels pager services understand, so a subscriber filters (SNS
 * filter policy on the `severity` attribute) and a pager ranks (PagerDuty Events v2 `severity`, Opsgenie
 * `priority`) by the same word.
 */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The pager levels of each severity: PagerDuty Events v2 severities and Opsgenie priorities. */
export const PAGER_LEVELS: Readonly<
  Record<
    Severity,
    { pagerDuty: 'critical' | 'error' | 'warning' | 'info'; opsgenie: `P${1 | 2 | 3 | 4 | 5}` }
  >
> = {
  critical: { pagerDuty: 'critical', opsgenie: 'P1' },
  high: { pagerDuty: 'error', opsgenie: 'P2' },
  medium: { pagerDuty: 'warning', opsgenie: 'P3' },
  low: { pagerDuty: 'info', opsgenie: 'P4' },
};

/** True when `severity` is below `minimum` (critical > high > medium > low). */
export const isBelow = (severity: Severity, minimum: Severity): boolean =>
  SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(minimum);

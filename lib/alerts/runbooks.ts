/**
 * Which runbook a page links to, from `alerts.runbooks`. Pure. The most specific rule that matches wins: the
 * group's (`service:web`), else the task definition family's, else the exit class's, else `default` — a team's
 * runbook for its own service beats the generic one for OOM kills.
 */
import type { AlertsConfig, ExitClass } from './config.js';

export type RunbooksConfig = AlertsConfig['runbooks'];

/** The runbook and the rule that chose it (`group service:web`, `family web`, `class oom`, `default`). */
export interface Runbook {
  url: string;
  matched: string;
}

/** What a runbook is chosen by; `family` is absent when it is not known (a crash-loop summary of a service). */
export interface RunbookSubject {
  group: string;
  family?: string;
  exitClass: ExitClass;
}

/** The runbook of the most specific rule that matches; undefined when none does. */
export function runbookFor(
  runbooks: RunbooksConfig,
  { group, family, exitClass }: RunbookSubject,
): Runbook | undefined {
  // Own keys only: a group named `constructor` must not find Object.prototype's.
  const rule = (rules: Readonly<Record<string, string | undefined>>, key: string | undefined) =>
    key !== undefined && Object.hasOwn(rules, key) ? rules[key] : undefined;
  const candidates: [string | undefined, string][] = [
    [rule(runbooks.groups, group), `group ${group}`],
    [rule(runbooks.families, family), `family ${family}`],
    [rule(runbooks.classes, exitClass), `class ${exitClass}`],
    [runbooks.default, 'default'],
  ];
  for (const [url, matched] of candidates) if (url !== undefined) return { url, matched };
  return undefined;
}

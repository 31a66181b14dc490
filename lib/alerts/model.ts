/**
 * The alerting vocabulary shared by the pure decisions (lib/alerts/*.ts without I/O) and the adapters and
 * function that act on them. An incident is one task's stop caused by an essential container; its key is the
 * task and its stop, never the event id, so every copy of the event names the same incident.
 */
import type { ExitClass, Severity } from './config.js';

export type { ExitClass, Severity };

/** The container whose exit stopped the task, as ECS reported it. */
export interface Cause {
  container: string;
  exitCode?: number;
  /** The container's own reason (`OutOfMemoryError: …`, `CannotPullContainerError: …`), if ECS gave one. */
  reason?: string;
  exitClass: ExitClass;
}

export interface Incident {
  /** `<task ARN>#<stoppedAt or version>`: one task stops once, so this names exactly one incident. */
  key: string;
  cluster: string;
  /** `service:web` or `family:report`. */
  group: string;
  /** The service name when the group is a service. */
  service?: string;
  family: string;
  revision: number;
  taskArn: string;
  taskDefinitionArn: string;
  cause: Cause;
  severity: Severity;
  stopCode?: string;
  stoppedReason?: string;
  launchType?: string;
  containerInstanceArn?: string;
  availabilityZone?: string;
  createdAt?: string;
  startedAt?: string;
  stoppedAt: string;
  region: string;
  account: string;
  /**
   * When resync found this stop (ISO), reading the ECS API: the stop's ECS event never arrived, so its page is
   * late and says so. Absent when the event told us. Not part of the key: either way it is the same incident.
   */
  foundByResyncAt?: string;
}

/** What detection concludes about a STOPPED task event. */
export type Detection =
  | { kind: 'incident'; incident: Incident }
  /** Not an essential-container exit, or an intended stop: recorded, never paged. `reason` says which. */
  | { kind: 'not-incident'; reason: string };

/** One line of the journal of alerts: what was decided for an incident or a crash-loop summary, and why. */
export interface AlertJournalEntry {
  at: string;
  outcome: 'sent' | 'grouped' | 'muted' | 'summary-sent' | 'not-incident';
  cluster: string;
  group: string;
  taskArn?: string;
  exitClass?: ExitClass;
  severity?: Severity;
  subject?: string;
  reason: string;
  messageId?: string;
  /** Set when resync found the stop (its ECS event never arrived), with when: the page, if any, was late. */
  foundBy?: 'resync';
  foundByResyncAt?: string;
}

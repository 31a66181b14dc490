/**
 * The alerting vocabulary shared by the pure decisions (lib/alerts/*.ts without I/O) and the adapters and
 * function that act on them. An incident is one task's stop caused by an essential container; its key is the
 * task and its stop, never the event id, so every copy of the event names the same incident.
 */
import type { LogLocation } from '../platform/container-logs.js';
import type { ExitClass, Severity } from './config.js';
import type { Runbook } from './runbooks.js';

export type { ExitClass, Severity };

/** The container whose exit stopped the task, as ECS reported it. */
export interface Cause {
  container: string;
  exitCode?: number;
  /** The container's own reason (`OutOfMemoryError: …`, `CannotPullContainerError: …`), if ECS gave one. */
  reason?: string;
  exitClass: ExitClass;
}

/** CPU units and MiB the task and the failed container were given: as the event says, else the definition. */
export interface Limits {
  taskCpu?: number;
  taskMemory?: number;
  cpu?: number;
  /** The container's hard limit: the kernel kills it above this. */
  memory?: number;
  /** The container's soft limit: what it is guaranteed, not a ceiling. */
  memoryReservation?: number;
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
  /** The partition of the task's ARN (`aws`, `aws-cn`, `aws-us-gov`): which console its links open. */
  partition: string;
  /** The EC2 instance (EXTERNAL: the managed instance) that ran it, as its container instance was last stored. */
  ec2InstanceId?: string;
  /** The failed container's image as it ran (`repository:tag`) and the digest it resolved to. */
  image?: string;
  imageDigest?: string;
  /** The failed container's runtime id: on EC2 and EXTERNAL, its Docker container id. */
  runtimeId?: string;
  limits: Limits;
  /** Where the failed container's output went; `unknown` with `missing: 'task-definition'` when it was not known. */
  logs: LogLocation;
  /** The runbook `alerts.runbooks` gives the incident, if any. */
  runbook?: Runbook;
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
  outcome: 'sent' | 'grouped' | 'muted' | 'summary-sent' | 'resolved' | 'not-incident';
  cluster: string;
  group: string;
  taskArn?: string;
  exitClass?: ExitClass;
  severity?: Severity;
  subject?: string;
  reason: string;
  messageId?: string;
  /** The runbook the page linked to. */
  runbook?: string;
  /** Set when resync found the stop (its ECS event never arrived), with when: the page, if any, was late. */
  foundBy?: 'resync';
  foundByResyncAt?: string;
}

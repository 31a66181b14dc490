/** What one step of the drainer did, as the drain and drain-sweeper functions log it. */
import type { Release } from './model.js';

export type DrainStep =
  | 'started'
  | 'joined'
  | 'duplicate'
  | 'ignored'
  | 'waiting'
  | 'heartbeat'
  | 'stopped-standalone'
  | 'released'
  | 'releasing-elsewhere';

export interface DrainReport {
  ec2InstanceId?: string;
  step: DrainStep;
  explanation: string;
  release?: Release;
  /** With a release: when the drain started and its last task stopped, for the release latency. */
  startedAt?: string;
  lastTaskStoppedAt?: string;
}

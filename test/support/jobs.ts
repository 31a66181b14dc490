/** A job as the jobs tests configure it: validated by the jobs schema, slot 02:30 UTC on the cluster `batch`. */
import * as z from 'zod/mini';
import { type JobConfig, JobsConfig } from '../../lib/jobs/config.js';

export const SLOT = new Date('2024-05-02T02:30:00.000Z');
/** The time `seconds` after the slot. */
export const later = (seconds: number) => new Date(SLOT.getTime() + seconds * 1000);
export const taskArn = (id: string) => `arn:aws:ecs:us-east-1:111122223333:task/batch/${id}`;

/** An EC2 job on `batch` with a 300 s starting deadline, and `overrides`. */
export function jobConfig(overrides: Record<string, unknown> = {}): JobConfig {
  const jobs = z.parse(JobsConfig, {
    job: {
      schedule: 'rate(1 hour)',
      cluster: 'batch',
      taskDefinition: 'report',
      launchType: 'EC2',
      startingDeadlineSeconds: 300,
      ...overrides,
    },
  });
  return jobs.job as JobConfig;
}

/**
 * The service scheduler's arithmetic, as a pure function (ECS Developer Guide, "Container instance
 * draining" and the service deployment configuration). Each round it decides how many tasks to start and
 * which to stop so that the service converges on `desiredCount` tasks on ACTIVE instances:
 * - it starts replacements while staying within `maximumPercent` of the desired count, draining tasks included;
 * - it stops tasks on DRAINING instances only while `minimumHealthyPercent` stays healthy;
 * - scale-in (more tasks than desired) is not bounded by `minimumHealthyPercent`.
 */
export interface ServiceCounts {
  desiredCount: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  /** RUNNING tasks on ACTIVE instances (or Fargate). */
  healthy: number;
  /** Tasks on ACTIVE instances (or Fargate) still on their way to RUNNING. */
  starting: number;
  /** Live tasks on DRAINING instances. */
  draining: number;
}

export interface SchedulerDecision {
  start: number;
  /** Tasks to stop beyond the desired count (scale-in). */
  stopExcess: number;
  /** Tasks to stop on DRAINING instances. */
  stopDraining: number;
}

export function decide(counts: ServiceCounts): SchedulerDecision {
  const { desiredCount, healthy, starting, draining } = counts;
  const live = healthy + starting;
  // ECS rounds the upper limit down and the lower limit up.
  const maximum = Math.floor((desiredCount * counts.maximumPercent) / 100);
  const minimumHealthy = Math.ceil((desiredCount * counts.minimumHealthyPercent) / 100);
  const room = Math.max(0, maximum - live - draining);
  const start = Math.max(0, Math.min(desiredCount - live, room));
  const stopExcess = Math.max(0, live - desiredCount);
  // Draining tasks still serve: they count as healthy until stopped.
  const stopDraining = Math.max(0, Math.min(draining, healthy - stopExcess + draining - minimumHealthy));
  return { start, stopExcess, stopDraining };
}

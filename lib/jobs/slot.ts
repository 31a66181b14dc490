/**
 * The slot of a run — the time it was scheduled for, to the minute — and its starting deadline. Pure: the
 * current time is a parameter.
 *
 * EventBridge Scheduler passes `<aws.scheduler.scheduled-time>` in the target input; the launch input carries
 * it as `scheduledTime`. The slot is that time, not the delivery time, so a late or repeated delivery maps to
 * the same slot.
 */
import type { JobConfig } from './config.js';

/** What the launch function receives from the schedule (or from `ecs-ops jobs run`). */
export interface LaunchInput {
  /** The scheduled time, ISO 8601 (`<aws.scheduler.scheduled-time>`). */
  scheduledTime?: string;
  /** An EventBridge event's time, used when there is no scheduledTime. */
  time?: string;
}

/** What Scheduler replaces with the fire time in a target's input: the schedule asks for it as scheduledTime. */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

const MINUTE_MS = 60_000;

/** The scheduled time truncated to the minute; throws, naming the field, when there is no valid time. */
export function slotOf(input: LaunchInput): Date {
  const field = input.scheduledTime !== undefined ? 'scheduledTime' : 'time';
  const value = input.scheduledTime ?? input.time;
  if (value === undefined) throw new Error('scheduledTime: missing; the schedule input must carry it');
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new Error(
      `${field}: ${JSON.stringify(value)} is not an ISO 8601 time such as 2024-05-02T02:30:00Z`,
    );
  }
  return new Date(Math.floor(time / MINUTE_MS) * MINUTE_MS);
}

/** The last moment a run of this slot may start: slot + startingDeadlineSeconds. */
export function deadlineOf(slot: Date, config: Pick<JobConfig, 'startingDeadlineSeconds'>): Date {
  return new Date(slot.getTime() + config.startingDeadlineSeconds * 1000);
}

/** True when `now` is after the slot's starting deadline: the run must not start any more. */
export function isPastDeadline(
  slot: Date,
  now: Date,
  config: Pick<JobConfig, 'startingDeadlineSeconds'>,
): boolean {
  return now.getTime() > deadlineOf(slot, config).getTime();
}

/** An ISO time without zero milliseconds, as the journal prints it: 2024-05-02T02:30:04Z. */
export function journalTime(time: Date | string): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) return String(time);
  return date.toISOString().replace('.000Z', 'Z');
}

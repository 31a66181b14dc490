/**
 * How a stored task or container instance reads in every command: its status (with "(missing since …)" when
 * resync found ECS no longer knows it) and the exit codes of its containers. Shared by `task`, `tasks`,
 * `instance`, `stops` and `timeline`, and by the id resolver's list of candidates.
 */
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import { text } from '../format.js';
import { type Show, UTC } from '../list.js';

/** A container of a task's detail, as ECS reports it. */
export interface ContainerView {
  name?: string;
  lastStatus?: string;
  exitCode?: number | null;
  reason?: string;
}

/**
 * A task's last status or a container instance's status, as stored (a status ecs-ops does not know included),
 * with "(missing since …)" when resync found that ECS no longer knows it: "RUNNING (missing since 2024-05-01 …)".
 */
export function statusOf({ kind, detail, missingSince }: StoredResource, show: Show = UTC): string {
  const status = text(kind === 'task' ? detail.lastStatus : detail.status);
  return missingSince === undefined ? status : `${status} (missing since ${show.time(missingSince)})`;
}

/** The containers of a task's detail. */
export const containersOf = (detail: Record<string, unknown>): ContainerView[] =>
  Array.isArray(detail.containers) ? (detail.containers as ContainerView[]) : [];

/** "web=137 log-router=0": each container that has exited, with its code. */
export function exitCodes(detail: Record<string, unknown>): string {
  return containersOf(detail)
    .filter((c) => c.exitCode !== undefined && c.exitCode !== null)
    .map((c) => `${text(c.name)}=${c.exitCode}`)
    .join(' ');
}

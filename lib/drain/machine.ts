/**
 * The drain state machine, as plain functions: how a trigger opens (or joins) a drain, how observations of the
 * instance and its tasks are merged (by version: a stale event never undoes a newer one), and what a drain
 * needs now — release, heartbeat, stop standalone tasks, or wait. The adapters (lib/drain/drainer.ts) do
 * the I/O these decide.
 */
import { MAX_ACTION_HOURS, MAX_HEARTBEATS } from './config.js';
import {
  type Drain,
  type DrainSettings,
  type DrainTrigger,
  type InstanceView,
  type LifecycleAction,
  type ReleaseReason,
  SERVICE_GROUP_PREFIX,
  SPOT_NOTICE_MS,
  TASK_STOPPED,
  type TaskView,
} from './model.js';

export interface StartRequest {
  ec2InstanceId: string;
  trigger: DrainTrigger;
  /** When the trigger happened (the event's time, or now for `ecs-ops drain`). */
  at: string;
  lifecycle?: LifecycleAction;
}

/**
 * - `open`: no drain is under way — start one (a released earlier drain of the instance is replaced);
 * - `join`: a drain is under way and this trigger adds to it (a lifecycle action to hold, an earlier deadline);
 * - `duplicate`: the trigger is already part of the drain (a redelivered event, a second `ecs-ops drain`).
 */
export type StartPlan =
  | { kind: 'open' }
  | { kind: 'join'; drain: Drain; note: string }
  | { kind: 'duplicate'; note: string };

export function planStart(existing: Drain | undefined, request: StartRequest): StartPlan {
  if (existing === undefined) return { kind: 'open' };
  const token = request.lifecycle?.token;
  const sameAction = token !== undefined && existing.lifecycle?.token === token;
  if (existing.state === 'released') {
    // A redelivered trigger of a drain already over changes nothing — the same lifecycle action, or a Spot or
    // manual trigger from before the release (a Spot warning that joined the drain after it started, too); a new
    // lifecycle action or a manual/Spot trigger after the release (the instance re-activated since) starts afresh.
    const over = Date.parse(existing.release?.at ?? existing.startedAt);
    if (sameAction || (token === undefined && Date.parse(request.at) <= over)) {
      return { kind: 'duplicate', note: `${request.trigger} trigger of a drain already released` };
    }
    return { kind: 'open' };
  }
  if (sameAction) return { kind: 'duplicate', note: 'the same lifecycle action, delivered again' };
  if (request.lifecycle !== undefined && existing.lifecycle === undefined) {
    return {
      kind: 'join',
      drain: {
        ...existing,
        lifecycle: request.lifecycle,
        notes: [
          ...existing.notes,
          `lifecycle action of ${request.lifecycle.autoScalingGroup} (hook ${request.lifecycle.hook}) joins the drain`,
        ],
      },
      note: 'lifecycle action joined the drain under way',
    };
  }
  if (request.trigger === 'spot') {
    const spotDeadline = new Date(Date.parse(request.at) + SPOT_NOTICE_MS).toISOString();
    if (Date.parse(spotDeadline) < Date.parse(existing.deadline)) {
      return {
        kind: 'join',
        drain: {
          ...existing,
          deadline: spotDeadline,
          notes: [...existing.notes, `Spot interruption warning: the instance goes at ${spotDeadline}`],
        },
        note: 'Spot interruption brought the deadline forward',
      };
    }
  }
  return { kind: 'duplicate', note: `${request.trigger} trigger of a drain already under way` };
}

/** A new drain; `instance` undefined when the EC2 instance is no registered container instance. */
export function openDrain(
  request: StartRequest,
  settings: DrainSettings,
  found: { cluster: string; containerInstanceArn: string } | undefined,
): Drain {
  const deadline =
    request.trigger === 'spot'
      ? Date.parse(request.at) + SPOT_NOTICE_MS
      : Date.parse(request.at) + settings.deadlineMinutes * 60_000;
  return {
    ec2InstanceId: request.ec2InstanceId,
    ...(found ?? {}),
    trigger: request.trigger,
    ...(request.lifecycle === undefined ? {} : { lifecycle: request.lifecycle }),
    startedAt: request.at,
    deadline: new Date(deadline).toISOString(),
    state: 'draining',
    tasks: {},
    heartbeats: 0,
    apiCalls: 0,
    notes: [
      found === undefined
        ? `${request.trigger} drain of ${request.ec2InstanceId}: no registered container instance runs there`
        : `${request.trigger} drain of ${request.ec2InstanceId} (${found.cluster}): set DRAINING`,
    ],
  };
}

export interface Observation {
  instance?: InstanceView;
  tasks?: Record<string, TaskView>;
}

/**
 * Merges what was seen into the drain, newest version winning per resource — the reconciler's rule — so events
 * arriving out of order (a stale "ACTIVE, 3 running" after "DRAINING, 0 running") change nothing.
 */
export function observe(drain: Drain, observation: Observation): Drain {
  let instance = drain.instance;
  if (
    observation.instance !== undefined &&
    (instance === undefined || observation.instance.version > instance.version)
  ) {
    instance = observation.instance;
  }
  const tasks = { ...drain.tasks };
  let lastTaskStoppedAt = drain.lastTaskStoppedAt;
  for (const [arn, seen] of Object.entries(observation.tasks ?? {})) {
    const known = tasks[arn];
    if (known !== undefined && known.version >= seen.version) continue;
    tasks[arn] = seen;
    if (seen.lastStatus === TASK_STOPPED && seen.stoppedAt !== undefined) {
      if (lastTaskStoppedAt === undefined || Date.parse(seen.stoppedAt) > Date.parse(lastTaskStoppedAt)) {
        lastTaskStoppedAt = seen.stoppedAt;
      }
    }
  }
  return {
    ...drain,
    ...(instance === undefined ? {} : { instance }),
    tasks,
    ...(lastTaskStoppedAt === undefined ? {} : { lastTaskStoppedAt }),
  };
}

export const isStandalone = (task: TaskView) => !(task.group ?? '').startsWith(SERVICE_GROUP_PREFIX);

/** Tasks not yet STOPPED: PROVISIONING through DEPROVISIONING all still hold the instance. */
export function liveTasks(drain: Drain): string[] {
  return Object.entries(drain.tasks)
    .filter(([, task]) => task.lastStatus !== TASK_STOPPED)
    .map(([arn]) => arn)
    .sort();
}

export type DrainDecision =
  | { kind: 'release'; reason: ReleaseReason; remaining: string[]; explanation: string }
  | {
      kind: 'wait';
      heartbeat: boolean;
      /** Standalone tasks to stop now (drain.standaloneTasks: stop, grace over). */
      stopStandalone: string[];
      waitingFor: string[];
      explanation: string;
    }
  | { kind: 'done' };

const minutesOf = (ms: number) => Math.round(ms / 60_000);

/** What the drain needs at `now`. */
export function decide(drain: Drain, now: Date, settings: DrainSettings): DrainDecision {
  if (drain.state !== 'draining') return { kind: 'done' };
  const at = now.getTime();
  const live = liveTasks(drain);
  if (drain.containerInstanceArn === undefined) {
    return {
      kind: 'release',
      reason: 'not-registered',
      remaining: [],
      explanation: `${drain.ec2InstanceId} is no registered container instance of a watched cluster: nothing to drain`,
    };
  }
  const instance = drain.instance;
  if (instance?.status === 'INACTIVE') {
    return {
      kind: 'release',
      reason: 'instance-gone',
      remaining: live,
      explanation: `the container instance deregistered (INACTIVE, version ${instance.version})`,
    };
  }
  const counted =
    instance === undefined ? undefined : instance.runningTasksCount + instance.pendingTasksCount;
  if (instance?.status === 'DRAINING' && counted === 0 && live.length === 0) {
    return {
      kind: 'release',
      reason: 'empty',
      remaining: [],
      explanation: `DRAINING with no task left (instance version ${instance.version})`,
    };
  }
  if (at >= Date.parse(drain.deadline)) {
    const remaining = live.length > 0 ? live : [];
    const what =
      live.length > 0
        ? `${live.length} task${live.length === 1 ? '' : 's'} still there`
        : `${counted ?? 'an unknown number of'} task(s) still counted by ECS`;
    return {
      kind: 'release',
      reason: 'deadline',
      remaining,
      explanation: `the deadline (${drain.deadline}) passed with ${what}`,
    };
  }
  const stopStandalone =
    settings.standaloneTasks === 'stop' &&
    drain.standaloneStoppedAt === undefined &&
    at >= Date.parse(drain.startedAt) + settings.standaloneGraceMinutes * 60_000
      ? live.filter((arn) => isStandalone(drain.tasks[arn] as TaskView))
      : [];
  const heartbeat = heartbeatDue(drain, at, settings);
  const waitingFor = live.filter((arn) => !stopStandalone.includes(arn));
  const standalone = live.filter((arn) => isStandalone(drain.tasks[arn] as TaskView)).length;
  const explanation =
    instance?.status !== undefined && instance.status !== 'DRAINING'
      ? `the instance is ${instance.status} (version ${instance.version}), not DRAINING`
      : live.length === 0
        ? `ECS still counts ${counted ?? '?'} task(s) on the instance`
        : `waiting for ${live.length} task${live.length === 1 ? '' : 's'} (${standalone} standalone) until ${drain.deadline}, ` +
          `${minutesOf(Date.parse(drain.deadline) - at)} min from now`;
  return { kind: 'wait', heartbeat, stopStandalone, waitingFor, explanation };
}

/** Two sweeps: how late the release at a deadline may come. */
const SWEEP_SLACK_MS = 120_000;

/**
 * A lifecycle action is heartbeated half-way through its timeout (the sweeper runs every minute, and the
 * timeout spans at least three runs), never past EC2 Auto Scaling's cap (100 timeouts or 48 hours from its
 * start), and not when the deadline will release the instance first.
 */
export function heartbeatDue(drain: Drain, at: number, settings: DrainSettings): boolean {
  const action = drain.lifecycle;
  if (action === undefined) return false;
  const timeoutMs = settings.heartbeatTimeoutSeconds * 1000;
  const base = Date.parse(drain.lastHeartbeatAt ?? action.startedAt);
  const expiresAt = base + timeoutMs;
  const cap =
    Date.parse(action.startedAt) + Math.min(MAX_HEARTBEATS * timeoutMs, MAX_ACTION_HOURS * 3_600_000);
  // The sweeper releases at the deadline up to a run late: an action expiring within that needs no heartbeat.
  const releasedBy = Date.parse(drain.deadline) + SWEEP_SLACK_MS;
  return at >= base + timeoutMs / 2 && expiresAt < releasedBy && at < cap;
}

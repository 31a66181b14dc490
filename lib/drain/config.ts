/**
 * The `drain` section of ops.config.yml: which instances are drained before they leave (the terminate
 * lifecycle actions of the listed Auto Scaling groups, Spot interruption warnings, `ecs-ops drain`), how long a
 * drain may hold an instance, and what happens to standalone tasks, which DRAINING does not move.
 *
 * EC2 Auto Scaling's limits are checked here so a deploy fails with the setting's name: a hook's heartbeat
 * timeout is 30–7200 s, and an action can be kept waiting by heartbeats for at most 100 timeouts or 48 hours,
 * whichever is shorter.
 */
import * as z from 'zod/mini';
import { Flag, WholeNumber } from '../platform/config/fields.js';

const GroupName = z
  .string('expected an Auto Scaling group name')
  .check(
    z.regex(
      /^[^:]{1,255}$/,
      'expected an Auto Scaling group name (up to 255 characters, no ":"), not an ARN',
    ),
  );

const HookName = z
  .string('expected a lifecycle hook name')
  .check(z.regex(/^[A-Za-z0-9\-_/]{1,255}$/, 'expected a lifecycle hook name (letters, digits, -, _ and /)'));

/** The sweeper runs every minute and heartbeats half-way through a timeout: the timeout must span 3 sweeps. */
export const MIN_HEARTBEAT_TIMEOUT_SECONDS = 180;
/** EC2 Auto Scaling keeps an action waiting for at most 100 heartbeat timeouts or 48 hours. */
export const MAX_ACTION_HOURS = 48;
export const MAX_HEARTBEATS = 100;

const LifecycleHook = z.strictObject({
  /** The termination hook's name: the one ecs-ops creates, or the existing one it attaches to. */
  name: z._default(HookName, 'ecs-ops-drain'),
  /** Create the hook on every listed group in this stack; false attaches to a hook the groups already have. */
  create: z._default(Flag, true),
  /** The hook's HeartbeatTimeout: what a crashed drainer costs at most before the instance goes anyway. */
  heartbeatTimeoutSeconds: z._default(
    WholeNumber(MIN_HEARTBEAT_TIMEOUT_SECONDS, 7200, 'seconds (at least 3 sweeps of 1 minute, at most 7200)'),
    600,
  ),
});

export const STANDALONE_TASK_POLICIES = ['wait', 'stop'] as const;

export const DrainConfig = z
  .strictObject({
    /** Groups whose "EC2 Instance-terminate Lifecycle Action" events start a drain. */
    autoScalingGroups: z._default(z.array(GroupName), []),
    lifecycleHook: z._default(LifecycleHook, {
      name: 'ecs-ops-drain',
      create: true,
      heartbeatTimeoutSeconds: 600,
    }),
    /** After this, the instance is released whatever still runs on it, and on-call is told what did. */
    deadlineMinutes: z._default(WholeNumber(1, MAX_ACTION_HOURS * 60, 'minutes'), 60),
    /**
     * Tasks no service owns (jobs, RunTask) survive DRAINING: `wait` for them until the deadline, or `stop`
     * them once `standaloneGraceMinutes` have passed.
     */
    standaloneTasks: z._default(
      z.enum(
        STANDALONE_TASK_POLICIES,
        'expected wait (until the deadline) or stop (after standaloneGraceMinutes)',
      ),
      'wait',
    ),
    standaloneGraceMinutes: z._default(WholeNumber(0, MAX_ACTION_HOURS * 60, 'minutes'), 10),
    /** Drain on "EC2 Spot Instance Interruption Warning" (two minutes' notice; no lifecycle action). */
    spot: z._default(Flag, true),
  })
  .check(
    z.superRefine((drain, context) => {
      const cap = Math.min(
        MAX_ACTION_HOURS * 60,
        Math.floor((MAX_HEARTBEATS * drain.lifecycleHook.heartbeatTimeoutSeconds) / 60),
      );
      if (drain.autoScalingGroups.length > 0 && drain.deadlineMinutes > cap) {
        context.issues.push({
          code: 'custom',
          path: ['deadlineMinutes'],
          input: drain.deadlineMinutes,
          message:
            `EC2 Auto Scaling keeps an instance waiting for at most ${MAX_HEARTBEATS} heartbeat timeouts ` +
            `(${MAX_HEARTBEATS} × ${drain.lifecycleHook.heartbeatTimeoutSeconds} s) or ${MAX_ACTION_HOURS} hours; ` +
            `set deadlineMinutes to ${cap} or less, or raise lifecycleHook.heartbeatTimeoutSeconds`,
        });
      }
      if (drain.standaloneTasks === 'stop' && drain.standaloneGraceMinutes >= drain.deadlineMinutes) {
        context.issues.push({
          code: 'custom',
          path: ['standaloneGraceMinutes'],
          input: drain.standaloneGraceMinutes,
          message: `stopping standalone tasks after ${drain.standaloneGraceMinutes} minutes comes too late for the ${drain.deadlineMinutes}-minute deadline; set it below deadlineMinutes`,
        });
      }
    }),
  );
export type DrainConfig = z.infer<typeof DrainConfig>;

export const DEFAULT_DRAIN_CONFIG: DrainConfig = z.parse(DrainConfig, {});

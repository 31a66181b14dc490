/**
 * The `drain` section of ops.config.yml, and its agreement with the jobs section: EC2 Auto Scaling's limits on a
 * lifecycle action are checked at parse time, with the setting named.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseOpsConfig } from '../../../../lib/ops-config.js';

/** The problems parseOpsConfig reports for a document, without the file header. */
function problems(document: Record<string, unknown>): string[] {
  try {
    parseOpsConfig(document);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
const drainProblems = (drain: Record<string, unknown>) => problems({ drain });

const GROUPS = { autoScalingGroups: ['prod-asg'] };

describe('the drain section of ops.config.yml', () => {
  it('waits up to 60 minutes for standalone tasks, drains on Spot warnings and watches no group by default', () => {
    expect(parseOpsConfig({}).drain).toEqual({
      autoScalingGroups: [],
      lifecycleHook: { name: 'ecs-ops-drain', create: true, heartbeatTimeoutSeconds: 600 },
      deadlineMinutes: 60,
      standaloneTasks: 'wait',
      standaloneGraceMinutes: 10,
      spot: true,
    });
  });

  it('fills the hook defaults of a partly given lifecycleHook', () => {
    expect(parseOpsConfig({ drain: { lifecycleHook: { create: false } } }).drain.lifecycleHook).toEqual({
      name: 'ecs-ops-drain',
      create: false,
      heartbeatTimeoutSeconds: 600,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'a deadline of exactly 100 heartbeat timeouts',
      { ...GROUPS, lifecycleHook: { heartbeatTimeoutSeconds: 180 }, deadlineMinutes: 300 },
    ],
    [
      'a deadline of exactly 48 hours',
      { ...GROUPS, lifecycleHook: { heartbeatTimeoutSeconds: 7200 }, deadlineMinutes: 2880 },
    ],
    [
      'the shortest heartbeat timeout, three sweeps',
      { ...GROUPS, lifecycleHook: { heartbeatTimeoutSeconds: 180 } },
    ],
    [
      'the longest heartbeat timeout EC2 Auto Scaling allows',
      { ...GROUPS, lifecycleHook: { heartbeatTimeoutSeconds: 7200 } },
    ],
    [
      'a deadline beyond 100 timeouts when no group holds a lifecycle action',
      { lifecycleHook: { heartbeatTimeoutSeconds: 180 }, deadlineMinutes: 600 },
    ],
    [
      'stopping standalone tasks a minute before the deadline',
      { standaloneTasks: 'stop', standaloneGraceMinutes: 59 },
    ],
    ['a grace period past the deadline when standalone tasks are waited for', { standaloneGraceMinutes: 90 }],
  ])('accepts %s', (_, drain) => {
    expect(drainProblems(drain)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a deadline above 100 heartbeat timeouts',
      { ...GROUPS, lifecycleHook: { heartbeatTimeoutSeconds: 180 }, deadlineMinutes: 301 },
      'drain.deadlineMinutes: EC2 Auto Scaling keeps an instance waiting for at most 100 heartbeat timeouts ' +
        '(100 × 180 s) or 48 hours; set deadlineMinutes to 300 or less, or raise lifecycleHook.heartbeatTimeoutSeconds',
    ],
    [
      'a deadline above 48 hours',
      { ...GROUPS, lifecycleHook: { heartbeatTimeoutSeconds: 7200 }, deadlineMinutes: 2881 },
      'drain.deadlineMinutes: expected at most 2880 minutes',
    ],
    ['a deadline of 0', { deadlineMinutes: 0 }, 'drain.deadlineMinutes: expected at least 1 minutes'],
    [
      'a heartbeat timeout shorter than three sweeps',
      { lifecycleHook: { heartbeatTimeoutSeconds: 179 } },
      'drain.lifecycleHook.heartbeatTimeoutSeconds: expected at least 180 seconds',
    ],
    [
      'a heartbeat timeout above 7200 seconds',
      { lifecycleHook: { heartbeatTimeoutSeconds: 7201 } },
      'drain.lifecycleHook.heartbeatTimeoutSeconds: expected at most 7200 seconds',
    ],
    [
      'stopping standalone tasks at the deadline',
      { standaloneTasks: 'stop', standaloneGraceMinutes: 60 },
      'drain.standaloneGraceMinutes: stopping standalone tasks after 60 minutes comes too late for the ' +
        '60-minute deadline; set it below deadlineMinutes',
    ],
    [
      'stopping standalone tasks after the deadline',
      { standaloneTasks: 'stop', standaloneGraceMinutes: 30, deadlineMinutes: 20 },
      'drain.standaloneGraceMinutes: stopping standalone tasks after 30 minutes comes too late',
    ],
    [
      'an unknown standalone task policy',
      { standaloneTasks: 'kill' },
      'drain.standaloneTasks: expected wait (until the deadline) or stop (after standaloneGraceMinutes)',
    ],
    [
      'an Auto Scaling group ARN',
      { autoScalingGroups: ['arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:uuid'] },
      'drain.autoScalingGroups.0: expected an Auto Scaling group name (up to 255 characters, no ":"), not an ARN',
    ],
    [
      'a hook name with spaces',
      { lifecycleHook: { name: 'ecs ops drain' } },
      'drain.lifecycleHook.name: expected a lifecycle hook name (letters, digits, -, _ and /)',
    ],
    ['a string for spot', { spot: 'yes' }, 'drain.spot: expected true or false'],
    ['an unknown setting', { deadline: 30 }, 'drain.deadline: unknown setting; check its spelling'],
    [
      'an unknown hook setting',
      { lifecycleHook: { heartbeatTimeout: 300 } },
      'drain.lifecycleHook.heartbeatTimeout: unknown setting; check its spelling',
    ],
  ])('refuses %s, naming the setting', (_, drain, problem) => {
    expect(drainProblems(drain).some((line) => line.startsWith(problem))).toBe(true);
  });
});

describe('jobs on container instances and the drain deadline', () => {
  const job = {
    schedule: 'cron(30 2 * * ? *)',
    cluster: 'batch',
    taskDefinition: 'nightly-report',
  };
  const ec2 = { ...job, launchType: 'EC2' };
  const onProvider = (...providers: string[]) => ({
    ...job,
    capacityProviderStrategy: providers.map((capacityProvider) => ({ capacityProvider, weight: 1 })),
    network: { subnets: ['subnet-0abc1234'] },
  });
  const fargate = { ...job, launchType: 'FARGATE', network: { subnets: ['subnet-0abc1234'] } };
  const groups = { autoScalingGroups: ['ecs-prod'] };
  const disagreement = (deadline: number) =>
    'jobs.nightly.timeoutMinutes: the job runs on container instances, where a run holds up a drain until it ' +
    `ends (drain.standaloneTasks: wait); set timeoutMinutes to ${deadline} or less (drain.deadlineMinutes) so ` +
    'the run ends before the drain gives up on it, or set drain.standaloneTasks: stop';

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ['refuses an EC2 job without timeoutMinutes', ec2, {}, [disagreement(60)]],
    [
      'refuses an EC2 job whose timeout outlasts the deadline',
      { ...ec2, timeoutMinutes: 61 },
      {},
      [disagreement(60)],
    ],
    [
      'names the configured deadline',
      { ...ec2, timeoutMinutes: 45 },
      { deadlineMinutes: 30 },
      [disagreement(30)],
    ],
    ['accepts an EC2 job whose timeout ends with the deadline', { ...ec2, timeoutMinutes: 60 }, {}, []],
    [
      'accepts an EC2 job within a longer deadline',
      { ...ec2, timeoutMinutes: 90 },
      { deadlineMinutes: 120 },
      [],
    ],
    [
      'refuses a job on an Auto Scaling group capacity provider without timeoutMinutes',
      onProvider('batch-ondemand'),
      {},
      [disagreement(60)],
    ],
    [
      'refuses a job whose strategy mixes Fargate and an instance provider',
      onProvider('FARGATE', 'batch-spot'),
      {},
      [disagreement(60)],
    ],
    [
      'accepts an EC2 job without timeoutMinutes when standalone tasks are stopped',
      ec2,
      { standaloneTasks: 'stop' },
      [],
    ],
    [
      'accepts an EC2 job outlasting the deadline when standalone tasks are stopped',
      { ...ec2, timeoutMinutes: 600 },
      { standaloneTasks: 'stop' },
      [],
    ],
    ['never concerns a Fargate job without timeoutMinutes', fargate, {}, []],
    [
      'never concerns a Fargate job outlasting the deadline',
      { ...fargate, timeoutMinutes: 600 },
      { deadlineMinutes: 30 },
      [],
    ],
    ['never concerns a job on Fargate capacity providers', onProvider('FARGATE', 'FARGATE_SPOT'), {}, []],
    ['never concerns an EXTERNAL (ECS Anywhere) job', { ...job, launchType: 'EXTERNAL' }, {}, []],
  ])('%s', (_, nightly, drain, expected) => {
    expect(problems({ jobs: { nightly }, drain: { ...groups, ...drain } })).toEqual(expected);
  });

  it('never concerns a deployment that lists no Auto Scaling group: only lifecycle drains hold an instance that long', () => {
    expect(problems({ jobs: { nightly: ec2 }, drain: {} })).toEqual([]);
  });
});

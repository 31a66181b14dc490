import { describe, expect, it } from 'vitest';
import type { ScalingActivity } from '../../../../lib/scaling/cooldown.js';
import { type DecideInputs, decide } from '../../../../lib/scaling/decide.js';
import { policy, QUEUE_WORKERS, SCALE_IN_BY_PERCENT } from '../../../support/scaling-policies.js';

const NOW = new Date('2024-05-02T12:02:00Z');
const OUT = policy();
const IN = policy(SCALE_IN_BY_PERCENT);
const WORKERS = policy(QUEUE_WORKERS);

function run(inputs: Partial<DecideInputs> & { metric?: number; current?: number }) {
  const { metric = 50, current = 10, ...rest } = inputs;
  return decide({
    policy: OUT,
    now: NOW,
    runningCount: current,
    desiredCount: current,
    datapoints: [metric],
    ...rest,
  });
}

const activity = (time: string, from: number, to: number, cooldownSeconds = 300): ScalingActivity => ({
  at: new Date(`2024-05-02T${time}Z`),
  from,
  to,
  cooldownSeconds,
});

describe('AWS’s step adjustment example (threshold 50, capacity 10, PercentChangeInCapacity)', () => {
  it.each([
    // [policy, running count, metric, desired or the reason nothing changes]
    ['scale-out', 10, 45, 'no-step'], // between 40 and 60 the capacity is kept
    ['scale-out', 10, 55, 'no-change'], // [0, 10) adjusts by 0
    ['scale-in', 10, 45, 'no-change'], // (-10, 0] adjusts by 0
    ['scale-out', 10, 60, 11], // +10 % of 10
    ['scale-out', 11, 70, 14], // +30 % of 11 = 3.3 → 3
    ['scale-in', 14, 40, 13], // -10 % of 14 = -1.4 → -1
    ['scale-in', 13, 30, 10], // -30 % of 13 = -3.9 → -3
  ] as const)('the %s policy at %s running and metric %s → %s', (kind, current, metric, outcome) => {
    const decision = run({ policy: kind === 'scale-out' ? OUT : IN, current, metric });
    if (typeof outcome === 'number') {
      expect(decision).toMatchObject({ action: 'scale', desired: outcome, adjustment: outcome - current });
    } else {
      expect(decision).toMatchObject({ action: 'ignore', reason: outcome });
    }
  });

  it('explains a scale with the numbers it used', () => {
    expect(run({ current: 11, metric: 70 })).toMatchObject({
      action: 'scale',
      step: { lower: 20, adjustment: 30 },
      reason:
        'MyApp Utilization (Average) is 70, in step [20, +∞) of threshold 50: +30% of 11 is +3, so 14; desired 11 → 14',
    });
  });

  it('explains the no-op band', () => {
    expect(run({ metric: 45 })).toEqual({
      action: 'ignore',
      reason: 'no-step',
      explanation:
        'MyApp Utilization (Average) is 45, not at or above the threshold 50: inside the no-op band, 10 desired stays',
    });
  });
});

describe('starting from the running count, not the desired count', () => {
  it('adds to the tasks that run, so unplaceable tasks do not compound', () => {
    const decision = decide({
      policy: policy({ adjustmentType: 'ChangeInCapacity', steps: [{ lower: 0, adjustment: 2 }] }),
      now: NOW,
      runningCount: 3,
      desiredCount: 4,
      datapoints: [80],
    });
    expect(decision).toMatchObject({ action: 'scale', desired: 5, adjustment: 1 });
  });

  it('never lowers the desired count on a scale-out', () => {
    const decision = decide({
      policy: policy({ adjustmentType: 'ChangeInCapacity', steps: [{ lower: 0, adjustment: 2 }] }),
      now: NOW,
      runningCount: 3,
      desiredCount: 8,
      datapoints: [80],
    });
    expect(decision).toMatchObject({ action: 'ignore', reason: 'no-change' });
  });
});

describe('min and max (AWS: a desired count already outside them)', () => {
  const change = (adjustment: number, comparison = 'GreaterThanOrEqualToThreshold' as const) =>
    policy({
      comparison,
      adjustmentType: 'ChangeInCapacity',
      minCapacity: 2,
      maxCapacity: 6,
      steps: [{ lower: 0, adjustment }],
    });
  const scaleIn = (adjustment: number) =>
    policy({
      comparison: 'LessThanThreshold',
      adjustmentType: 'ChangeInCapacity',
      minCapacity: 2,
      maxCapacity: 6,
      steps: [{ upper: 0, adjustment }],
    });

  it.each([
    ['caps a scale-out at max', change(3), 5, 80, 6],
    ['raises a service below min to min on a scale-out', change(1), 0, 80, 2],
    ['goes past min when the step asks for more', change(4), 1, 80, 5],
    ['lowers a service above max to max on a scale-in', scaleIn(-1), 9, 20, 6],
    ['goes below max when the step asks for more', scaleIn(-5), 9, 20, 4],
    ['stops a scale-in at min', scaleIn(-3), 4, 20, 2],
  ])('%s', (_, scaling, current, metric, desired) => {
    expect(run({ policy: scaling, current, metric })).toMatchObject({ action: 'scale', desired });
  });

  it.each([
    ['a scale-out of a service at max', change(1), 6, 80, 'at-max'],
    ['a scale-out of a service above max', change(1), 8, 80, 'at-max'],
    ['a scale-in of a service at min', scaleIn(-1), 2, 20, 'at-min'],
    ['a scale-in of a service below min', scaleIn(-1), 1, 20, 'at-min'],
  ])('does nothing on %s', (_, scaling, current, metric, reason) => {
    expect(run({ policy: scaling, current, metric })).toMatchObject({ action: 'ignore', reason });
  });

  it('takes min and max from the scalable target when the service is registered', () => {
    const decision = run({
      policy: change(10),
      current: 4,
      metric: 80,
      scalableTarget: { minCapacity: 1, maxCapacity: 8, scaleInSuspended: false, scaleOutSuspended: false },
    });
    expect(decision).toMatchObject({ action: 'scale', desired: 8 });
  });
});

describe('cooldown (AWS: Application Auto Scaling step scaling for ECS services)', () => {
  const byChange = policy({
    adjustmentType: 'ChangeInCapacity',
    steps: [
      { lower: 0, upper: 10, adjustment: 2 },
      { lower: 10, adjustment: 3 },
    ],
  });
  const scaleIn = policy({
    comparison: 'LessThanThreshold',
    adjustmentType: 'ChangeInCapacity',
    steps: [{ upper: 0, adjustment: -1 }],
  });

  it('counts the 2 tasks a scale-out added toward a +3 step within its cooldown: adds 1 (AWS’s example)', () => {
    const decision = run({
      policy: byChange,
      current: 6,
      metric: 65,
      activities: [activity('12:00:00', 4, 6)],
    });
    expect(decision).toMatchObject({ action: 'scale', desired: 7, adjustment: 1 });
  });

  it('does not repeat the same scale-out within its cooldown', () => {
    const decision = run({
      policy: byChange,
      current: 6,
      metric: 55,
      activities: [activity('12:00:00', 4, 6)],
    });
    expect(decision).toMatchObject({ action: 'ignore', reason: 'within-cooldown' });
    expect(decision.action === 'ignore' && decision.explanation).toContain(
      'counting from 4 before 12:00:00Z',
    );
  });

  it('scales out again from the running count once the cooldown has passed', () => {
    const decision = run({
      policy: byChange,
      current: 6,
      metric: 55,
      activities: [activity('11:50:00', 4, 6)],
    });
    expect(decision).toMatchObject({ action: 'scale', desired: 8 });
  });

  it('blocks a scale-in within a scale-in’s cooldown', () => {
    const decision = run({
      policy: scaleIn,
      current: 5,
      metric: 20,
      activities: [activity('12:00:00', 6, 5)],
    });
    expect(decision).toEqual({
      action: 'ignore',
      reason: 'within-cooldown',
      explanation:
        'MyApp Utilization (Average) is 20, in step (-∞, 0] of threshold 50: 5 -1 = 4; but scale-in waits for the scale-in cooldown started 12:00:00Z to end at 12:05:00Z',
    });
  });

  it('blocks a scale-in within a scale-out’s cooldown', () => {
    const decision = run({
      policy: scaleIn,
      current: 6,
      metric: 20,
      activities: [activity('12:00:00', 4, 6)],
    });
    expect(decision).toMatchObject({ action: 'ignore', reason: 'within-cooldown' });
  });

  it('scales out at once within a scale-in’s cooldown', () => {
    const decision = run({
      policy: byChange,
      current: 5,
      metric: 55,
      activities: [activity('12:00:00', 6, 5)],
    });
    expect(decision).toMatchObject({ action: 'scale', desired: 7 });
  });
});

describe('what stops a policy', () => {
  it('holds when the metric cannot be read', () => {
    expect(run({ datapoints: undefined })).toEqual({
      action: 'ignore',
      reason: 'metric-missing',
      explanation:
        'no usable datapoint for MyApp Utilization (Average); holding at 10 desired (onMissingMetric: hold)',
    });
    expect(run({ datapoints: [] })).toMatchObject({ reason: 'metric-missing' });
  });

  it('respects a suspended scalable target, per direction', () => {
    const suspended = { minCapacity: 1, maxCapacity: 100, scaleInSuspended: false, scaleOutSuspended: true };
    expect(run({ metric: 80, scalableTarget: suspended })).toMatchObject({ reason: 'suspended' });
    expect(run({ policy: IN, metric: 20, scalableTarget: suspended })).toMatchObject({ action: 'scale' });
  });

  it('refuses to fight a native policy, or warns when told to', () => {
    expect(run({ metric: 80, nativePolicies: ['cpu-tracking'] })).toMatchObject({ reason: 'native-policy' });
    const warned = run({
      policy: policy({ nativePolicies: 'warn' }),
      metric: 80,
      nativePolicies: ['cpu-tracking'],
    });
    expect(warned).toMatchObject({
      action: 'scale',
      warnings: ['Application Auto Scaling also scales worker (cpu-tracking); the two may undo each other'],
    });
  });

  it('aggregates the datapoints by the policy’s aggregation type before picking a step', () => {
    const datapoints = [30, 40, 65];
    expect(run({ datapoints, policy: policy({ metricAggregationType: 'Average' }) })).toMatchObject({
      reason: 'no-step',
    });
    expect(run({ datapoints, policy: policy({ metricAggregationType: 'Maximum' }) })).toMatchObject({
      desired: 11,
    });
  });
});

describe('queue workers: backlog per task, scale to and from zero', () => {
  const workers = (current: number, backlog: number, desired = current) =>
    decide({
      policy: WORKERS,
      now: NOW,
      runningCount: current,
      desiredCount: desired,
      datapoints: [backlog],
    });

  it('stays at zero while the queue is at or below the activation threshold', () => {
    expect(workers(0, 0)).toMatchObject({ action: 'ignore', reason: 'below-activation' });
  });

  it('starts one task when the backlog passes the activation threshold', () => {
    expect(workers(0, 500)).toMatchObject({ action: 'scale', desired: 1, step: undefined });
  });

  it('divides the backlog by the running tasks', () => {
    expect(workers(4, 100)).toMatchObject({ action: 'scale', desired: 5 }); // 25 a task: +1
    expect(workers(4, 200)).toMatchObject({ action: 'scale', desired: 7 }); // 50 a task: +3
    expect(workers(4, 20)).toMatchObject({ action: 'ignore', reason: 'no-step' }); // 5 a task
  });

  it('counts the activation toward the next scale-out within its cooldown', () => {
    const decision = decide({
      policy: WORKERS,
      now: NOW,
      runningCount: 1,
      desiredCount: 1,
      datapoints: [500],
      activities: [activity('12:01:30', 0, 1, 60)],
    });
    expect(decision).toMatchObject({ action: 'scale', desired: 3 }); // 0 + 3, not 1 + 3
  });

  it('goes to zero only when the whole backlog is at or below the activation threshold', () => {
    const scaleIn = policy({
      ...QUEUE_WORKERS,
      threshold: 2,
      comparison: 'LessThanThreshold',
      steps: [{ upper: 0, adjustment: -1 }],
    });
    const drain = (backlog: number) =>
      decide({ policy: scaleIn, now: NOW, runningCount: 1, desiredCount: 1, datapoints: [backlog] });
    expect(drain(0)).toMatchObject({ action: 'scale', desired: 0 });
    expect(drain(1)).toMatchObject({ action: 'ignore', reason: 'no-change' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  containersStopped,
  DEFAULT_TIMINGS,
  dwellMs,
  initialStatus,
  isPending,
  nextStartStatus,
  nextStopStatus,
  pathFor,
  stopDelayMs,
  type TaskStatus,
} from '../../../../local/ecs/lifecycle.js';

function walk(from: TaskStatus, next: (status: TaskStatus) => TaskStatus | undefined): TaskStatus[] {
  const seen = [from];
  for (let status = next(from); status; status = next(status)) seen.push(status);
  return seen;
}

describe('the task lifecycle', () => {
  it('takes Fargate and awsvpc tasks through every state, and bridge or host tasks on EC2 through three', () => {
    expect(pathFor('FARGATE', 'awsvpc')).toBe('full');
    expect(pathFor('EC2', 'awsvpc')).toBe('full');
    expect(pathFor('EC2', 'bridge')).toBe('short');
    expect(pathFor('EC2', 'host')).toBe('short');
  });

  it('starts a full-path task PROVISIONING → PENDING → ACTIVATING → RUNNING', () => {
    expect(walk(initialStatus('full'), (status) => nextStartStatus('full', status))).toEqual([
      'PROVISIONING',
      'PENDING',
      'ACTIVATING',
      'RUNNING',
    ]);
  });

  it('starts a short-path task PENDING → RUNNING', () => {
    expect(walk(initialStatus('short'), (status) => nextStartStatus('short', status))).toEqual([
      'PENDING',
      'RUNNING',
    ]);
  });

  it('stops a running full-path task through DEACTIVATING, STOPPING and DEPROVISIONING', () => {
    expect(walk('RUNNING', (status) => nextStopStatus('full', status))).toEqual([
      'RUNNING',
      'DEACTIVATING',
      'STOPPING',
      'DEPROVISIONING',
      'STOPPED',
    ]);
  });

  it('stops a full-path task that never ran by deprovisioning its network interface', () => {
    expect(nextStopStatus('full', 'PENDING')).toBe('DEPROVISIONING');
    expect(nextStopStatus('full', 'PROVISIONING')).toBe('DEPROVISIONING');
  });

  it('stops a short-path task straight to STOPPED, and a STOPPED task goes nowhere', () => {
    expect(nextStopStatus('short', 'RUNNING')).toBe('STOPPED');
    expect(nextStopStatus('short', 'PENDING')).toBe('STOPPED');
    expect(nextStopStatus('full', 'STOPPED')).toBeUndefined();
  });

  it('counts only the states before RUNNING as pending, and containers as stopped from DEPROVISIONING', () => {
    expect(['PROVISIONING', 'PENDING', 'ACTIVATING'].every((s) => isPending(s as TaskStatus))).toBe(true);
    expect(isPending('RUNNING')).toBe(false);
    expect(containersStopped('STOPPING')).toBe(false);
    expect(containersStopped('DEPROVISIONING')).toBe(true);
  });

  it('spends the image pull in PENDING and a bridge task’s stop timeout before STOPPED', () => {
    expect(dwellMs('PENDING', DEFAULT_TIMINGS)).toBe(DEFAULT_TIMINGS.pullMs);
    expect(stopDelayMs('short', 'RUNNING', DEFAULT_TIMINGS)).toBe(
      DEFAULT_TIMINGS.stopRequestMs + DEFAULT_TIMINGS.stoppingMs,
    );
    expect(stopDelayMs('full', 'RUNNING', DEFAULT_TIMINGS)).toBe(DEFAULT_TIMINGS.stopRequestMs);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type ConcurrencyDecision,
  decideConcurrency,
  type RunningTask,
} from '../../../../lib/jobs/concurrency.js';
import type { ConcurrencyPolicy } from '../../../../lib/jobs/config.js';

const arn = (id: string) => `arn:aws:ecs:us-east-1:111122223333:task/batch/${id}`;
const running: RunningTask = {
  taskArn: arn('abc123'),
  startedAt: '2024-05-02T02:30:04Z',
  lastStatus: 'RUNNING',
};
const pending: RunningTask = { taskArn: arn('def456'), lastStatus: 'PENDING' };
const stopping: RunningTask = {
  taskArn: arn('ghi789'),
  startedAt: new Date('2024-05-02T01:30:00.000Z'),
  lastStatus: 'DEPROVISIONING',
};
const stopped: RunningTask = {
  taskArn: arn('old000'),
  startedAt: '2024-05-01T02:30:00Z',
  lastStatus: 'STOPPED',
};

describe('the concurrency policy', () => {
  it.each<[ConcurrencyPolicy, RunningTask[], ConcurrencyDecision]>([
    ['Forbid', [], { action: 'launch' }],
    ['Forbid', [stopped], { action: 'launch' }],
    [
      'Forbid',
      [running],
      {
        action: 'skip',
        reason: 'skipped: previous run still RUNNING (task abc123, started 2024-05-02T02:30:04Z)',
      },
    ],
    [
      'Forbid',
      [pending, stopped],
      { action: 'skip', reason: 'skipped: previous run still PENDING (task def456, not started yet)' },
    ],
    [
      'Forbid',
      [running, pending],
      {
        action: 'skip',
        reason:
          'skipped: 2 earlier tasks still running (task abc123, started 2024-05-02T02:30:04Z: RUNNING; ' +
          'task def456, not started yet: PENDING)',
      },
    ],
    ['Allow', [running, pending], { action: 'launch' }],
    ['Replace', [stopped], { action: 'launch' }],
    [
      'Replace',
      [running],
      {
        action: 'replace',
        stop: [arn('abc123')],
        reason: 'replaced: previous run still RUNNING (task abc123, started 2024-05-02T02:30:04Z)',
      },
    ],
    [
      'Replace',
      [stopping, running, stopped],
      {
        action: 'replace',
        stop: [arn('abc123')],
        reason:
          'replaced: 2 earlier tasks still running (task ghi789, started 2024-05-02T01:30:00Z: DEPROVISIONING; ' +
          'task abc123, started 2024-05-02T02:30:04Z: RUNNING)',
      },
    ],
  ])('%s with %j decides %j', (policy, tasks, decision) => {
    expect(decideConcurrency(policy, tasks)).toEqual(decision);
  });
});

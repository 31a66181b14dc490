import { InternalErrorException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { DrainRecordOutcome } from '../../../../lib/drain/drain-batch.js';
import { drainMetrics, drainSweepMetrics } from '../../../../lib/drain/metrics.js';
import type { ReleaseReason } from '../../../../lib/drain/model.js';
import type { DrainReport } from '../../../../lib/drain/report.js';
import { failedRecord } from '../../../../lib/platform/dead-letters/dead-letter.js';

/** Released at 12:00:00; the drain started at 11:50 and its last task stopped at 11:59:59.5. */
const released = (reason: ReleaseReason, lastTaskStoppedAt?: string): DrainReport => ({
  ec2InstanceId: 'i-0abc',
  step: 'released',
  explanation: reason,
  release: { at: '2024-05-01T12:00:00.000Z', reason, remaining: [] },
  startedAt: '2024-05-01T11:50:00.000Z',
  ...(lastTaskStoppedAt === undefined ? {} : { lastTaskStoppedAt }),
});

describe('drainMetrics', () => {
  it('counts drains started, drains released in total and per reason with each release’s latency, and failed publishes', () => {
    const outcomes: DrainRecordOutcome[] = [
      { id: '1', outcome: 'done', ec2InstanceId: 'i-1', step: 'started', explanation: '' },
      { id: '2', outcome: 'done', ec2InstanceId: 'i-1', step: 'joined', explanation: '' },
      { id: '3', outcome: 'done', ...released('empty', '2024-05-01T11:59:59.500Z') },
      { id: '4', outcome: 'done', ...released('empty', '2024-05-01T11:59:59.500Z') },
      { id: '5', outcome: 'done', ...released('instance-gone') },
      failedRecord('6', new InternalErrorException({ message: 'SNS is down', $metadata: {} })),
    ];

    expect(drainMetrics(outcomes)).toEqual([
      { name: 'DrainsStarted', unit: 'Count', value: 1 },
      { name: 'DrainsReleased', unit: 'Count', value: 3 },
      { name: 'DrainsReleased', unit: 'Count', value: 2, dimensions: { reason: 'empty' } },
      { name: 'DrainsReleased', unit: 'Count', value: 1, dimensions: { reason: 'instance-gone' } },
      // From the last task's stop when one stopped under the drain, else from the drain's start.
      { name: 'DrainReleaseLatency', unit: 'Milliseconds', value: 500 },
      { name: 'DrainReleaseLatency', unit: 'Milliseconds', value: 500 },
      { name: 'DrainReleaseLatency', unit: 'Milliseconds', value: 600_000 },
      { name: 'PublishFailures', unit: 'Count', value: 1 },
    ]);
  });
});

describe('drainSweepMetrics', () => {
  it('counts the drains the sweep released, in total (0 too) and per reason', () => {
    const waiting: DrainReport = { ec2InstanceId: 'i-2', step: 'waiting', explanation: 'waiting for 1 task' };

    expect(drainSweepMetrics([waiting, released('deadline')])).toEqual([
      { name: 'DrainsReleased', unit: 'Count', value: 1 },
      { name: 'DrainsReleased', unit: 'Count', value: 1, dimensions: { reason: 'deadline' } },
      { name: 'DrainReleaseLatency', unit: 'Milliseconds', value: 600_000 },
    ]);
    expect(drainSweepMetrics([waiting])).toEqual([{ name: 'DrainsReleased', unit: 'Count', value: 0 }]);
  });
});

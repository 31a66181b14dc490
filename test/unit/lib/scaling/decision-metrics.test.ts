import { describe, expect, it } from 'vitest';
import { scalingMetrics } from '../../../../lib/scaling/decision-metrics.js';
import type { ScalingReport } from '../../../../lib/scaling/report.js';

const report = (outcome: Pick<ScalingReport, 'action' | 'reason'>) => outcome as ScalingReport;

describe('scalingMetrics', () => {
  it('counts the evaluations in total and per outcome', () => {
    const reports = [
      report({ action: 'scale', reason: 'scale-out' }),
      report({ action: 'ignore', reason: 'no-step' }),
      report({ action: 'ignore', reason: 'within-cooldown' }),
      report({ action: 'failed', reason: 'api-error' }),
    ];

    expect(scalingMetrics(reports)).toEqual([
      { name: 'ScalingDecisions', unit: 'Count', value: 4 },
      { name: 'ScalingDecisions', unit: 'Count', value: 1, dimensions: { outcome: 'scale' } },
      { name: 'ScalingDecisions', unit: 'Count', value: 2, dimensions: { outcome: 'ignore' } },
      { name: 'ScalingDecisions', unit: 'Count', value: 1, dimensions: { outcome: 'failed' } },
    ]);
  });

  it('says 0 evaluations when there is no policy', () => {
    expect(scalingMetrics([])).toEqual([{ name: 'ScalingDecisions', unit: 'Count', value: 0 }]);
  });
});

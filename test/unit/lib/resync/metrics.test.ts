import { describe, expect, it } from 'vitest';
import { resyncMetrics } from '../../../../lib/resync/metrics.js';
import { emptyReport } from '../../../../lib/resync/model.js';

describe('resyncMetrics', () => {
  it('adds up what each cluster corrected: added, advanced, marked missing and late stops published', () => {
    const prod = {
      ...emptyReport('prod', 'run', false),
      added: 3,
      advanced: 1,
      markedMissing: 2,
      lateStops: 1,
    };
    const batch = {
      ...emptyReport('batch', 'run', false),
      advanced: 4,
      inSync: 250,
      storeNewer: 7,
      failed: 1,
    };

    expect(resyncMetrics({ runId: 'run', reports: [prod, batch] })).toEqual([
      { name: 'ResyncDrift', unit: 'Count', value: 11 },
    ]);
  });
});

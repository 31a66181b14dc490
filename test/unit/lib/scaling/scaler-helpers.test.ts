/** The scaler's small helpers: the CloudWatch window, the service's name in Application Auto Scaling, the CLI's service filter. */
import { describe, expect, it } from 'vitest';
import { serviceFilter } from '../../../../cli/commands/scaling.js';
import { UsageError } from '../../../../cli/usage.js';
import { CLOUDWATCH_PERIODS, metricWindow } from '../../../../lib/scaling/metrics.js';
import { resourceIdOf } from '../../../../lib/scaling/scalable-target.js';

const now = new Date('2024-05-03T09:10:00.000Z');

describe('metricWindow', () => {
  it(`covers the last ${CLOUDWATCH_PERIODS} periods up to now`, () => {
    expect(metricWindow(now, 60)).toEqual({
      StartTime: new Date('2024-05-03T09:07:00.000Z'),
      EndTime: now,
    });
  });
});

describe('serviceFilter', () => {
  it('matches cluster/service exactly, and a bare service name in any cluster', () => {
    expect(serviceFilter('prod/worker')('prod/worker')).toBe(true);
    expect(serviceFilter('prod/worker')('staging/worker')).toBe(false);
    expect(serviceFilter('worker')('staging/worker')).toBe(true);
    expect(serviceFilter('worker')('prod/web')).toBe(false);
    expect(serviceFilter(undefined)('prod/web')).toBe(true);
  });

  it.each(['', 'a/b/c', '/worker', 'prod/'])('refuses --service %j with the form to use', (service) => {
    expect(() => serviceFilter(service)).toThrow(UsageError);
    expect(() => serviceFilter(service)).toThrow('expected <cluster>/<service> or a service name');
  });
});

describe('resourceIdOf', () => {
  it('names the service as Application Auto Scaling does', () => {
    expect(resourceIdOf({ cluster: 'prod', service: 'worker' })).toBe('service/prod/worker');
  });
});

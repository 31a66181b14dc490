/** The one message that says a paged outage is over: what recovered, why, for how long it lasted, keyed to it. */
import { describe, expect, it } from 'vitest';
import { renderResolved } from '../../../../lib/alerts/resolved-message.js';
import { SUBJECT_MAX } from '../../../../lib/platform/notification/message.js';
import { CONFIG, OPENER, windowOf } from '../../../support/crash-loop-cases.js';

const NOW = new Date('2024-05-01T13:12:30.000Z');
const RECOVERY = 'running 3 of 3 desired; no essential exit for 10m 30s';

describe('renderResolved', () => {
  it('says what recovered and why in the subject’s words, with the page’s severity', () => {
    const message = renderResolved(windowOf(), RECOVERY, NOW, CONFIG);

    expect(message.subject).toBe('[ecs-ops] RESOLVED: web in prod recovered (was high)');
    expect(message.severity).toBe('high');
    expect(message.attributes).toEqual({
      kind: 'resolved',
      cluster: 'prod',
      group: 'service:web',
      service: 'web',
      severity: 'high',
      class: 'app-error',
    });
  });

  it('resolves the incident the first page opened, even after the window was reopened', () => {
    const reopened = windowOf({
      openedBy: 'arn:aws:ecs:us-east-1:111122223333:task/prod/later#2024-05-01T13:11:00.000Z',
      outage: { incidentKey: OPENER.key, since: '2024-05-01T12:50:00.000Z' },
      severity: 'critical',
    });

    const message = renderResolved(reopened, RECOVERY, NOW, CONFIG);

    expect(message).toMatchObject({ action: 'resolve', dedupKey: OPENER.key, severity: 'critical' });
    expect(message.json).toMatchObject({
      kind: 'resolved',
      incident: OPENER.key,
      pagedAt: '2024-05-01T12:50:00.000Z',
      resolvedAt: NOW.toISOString(),
      recovery: RECOVERY,
    });
    expect(message.text.split('\n')).toEqual(
      expect.arrayContaining([
        `web in prod has recovered: ${RECOVERY}.`,
        'Resolved: 2024-05-01T13:12:30.000Z, 22m 30s after the first page',
        'Exits grouped after the last page: 3',
        `Incident ${OPENER.key}`,
      ]),
    );
  });

  it('points the timeline command at the deployed store, and keeps long names within SNS’s subject limit', () => {
    const long = windowOf({ group: `service:${'w'.repeat(120)}`, service: 'w'.repeat(120) });
    const message = renderResolved(
      long,
      RECOVERY,
      NOW,
      CONFIG,
      ' --store aws --stage prod --region us-east-1',
    );

    expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(message.subject).toMatch(/^\[ecs-ops\] RESOLVED: w+\.\.\. in prod recovered \(was high\)$/);
    expect(message.text).toContain(' --cluster prod --store aws --stage prod --region us-east-1');
  });
});

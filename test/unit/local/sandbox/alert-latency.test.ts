import { describe, expect, it } from 'vitest';
import { AlertLatency } from '../../../../local/sandbox/alert-latency.js';

const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/prod/0123456789abcdef0123456789abcdef';
const OTHER = 'arn:aws:ecs:us-east-1:000000000000:task/batch/fedcba9876543210fedcba9876543210';

const taskEvent = (taskArn: string, lastStatus: string) => ({
  'detail-type': 'ECS Task State Change',
  detail: { taskArn, lastStatus },
});

describe('AlertLatency', () => {
  it('is empty without messages', () => {
    expect(new AlertLatency().report()).toEqual({
      messages: 0,
      latencyMs: { p50: null, max: null },
      perIncident: {},
      pagesPerIncident: {},
    });
  });

  it('times a message naming a task ARN from the task’s first STOPPED event on the bus', () => {
    const alerts = new AlertLatency();
    alerts.eventPublished(taskEvent(TASK, 'RUNNING'), 1_000);
    alerts.eventPublished(taskEvent(TASK, 'STOPPED'), 2_000);
    alerts.eventPublished(taskEvent(TASK, 'STOPPED'), 2_500); // a later copy or version
    alerts.eventPublished({ 'detail-type': 'ECS Container Instance State Change', detail: {} }, 2_600);
    alerts.messageLanded(
      { subject: '[ecs-ops] prod api exited 137', message: `Task ${TASK} stopped` },
      3_200,
    );
    expect(alerts.report()).toEqual({
      messages: 1,
      latencyMs: { p50: 1_200, max: 1_200 },
      perIncident: { [TASK]: 1 },
      pagesPerIncident: { [TASK]: 1 },
    });
  });

  it('counts a summary and a resolved message under their incident, but times only the page', () => {
    const alerts = new AlertLatency();
    alerts.eventPublished(taskEvent(TASK, 'STOPPED'), 1_000);
    alerts.messageLanded(
      { subject: 'page', message: TASK, attributes: { kind: { value: 'incident' } } },
      1_400,
    );
    alerts.messageLanded(
      { subject: 'summary', message: TASK, attributes: { kind: { value: 'crash-loop-summary' } } },
      61_000,
    );
    alerts.messageLanded({ subject: 'resolved', message: TASK, attributes: { kind: 'resolved' } }, 121_000);
    expect(alerts.report()).toEqual({
      messages: 3,
      latencyMs: { p50: 400, max: 400 },
      perIncident: { [TASK]: 3 },
      pagesPerIncident: { [TASK]: 1 },
    });
  });

  it('finds the task in attributes, or through the function’s log line naming the incident', () => {
    const alerts = new AlertLatency();
    alerts.eventPublished(taskEvent(TASK, 'STOPPED'), 1_000);
    alerts.eventPublished(taskEvent(OTHER, 'RUNNING'), 1_000);
    alerts.messageLanded({ subject: 'a', message: 'body', attributes: { taskArn: { value: TASK } } }, 1_500);
    alerts.messageLanded({ subject: '[ecs-ops] batch ingest exited 1', message: 'no ARN here' }, 4_000);
    alerts.functionLogged({
      level: 'INFO',
      message: 'alert sent',
      subject: '[ecs-ops] batch ingest exited 1',
      incident: `${OTHER}#2024-05-02T09:00:00.000Z`,
    });
    alerts.messageLanded({ subject: 'crash loop summary', message: 'worker: 5 exits' }, 9_000);
    expect(alerts.report()).toEqual({
      messages: 3,
      latencyMs: { p50: 500, max: 3_000 },
      perIncident: { [TASK]: 1, [`${OTHER}#2024-05-02T09:00:00.000Z`]: 1, unmatched: 1 },
      pagesPerIncident: { [TASK]: 1, [`${OTHER}#2024-05-02T09:00:00.000Z`]: 1, unmatched: 1 },
    });
  });

  it('ties a message to the log line with its messageId, the incident named by `key`', () => {
    const alerts = new AlertLatency();
    alerts.eventPublished(taskEvent(TASK, 'STOPPED'), 1_000);
    alerts.messageLanded({ messageId: 'm-1', subject: 'same subject', message: 'x' }, 1_400);
    alerts.messageLanded({ messageId: 'm-2', subject: 'same subject', message: 'y' }, 1_600);
    alerts.functionLogged({
      message: 'alert sent',
      subject: 'same subject',
      messageId: 'm-2',
      key: `${OTHER}#1`,
    });
    alerts.functionLogged({
      message: 'alert sent',
      subject: 'same subject',
      messageId: 'm-1',
      key: `${TASK}#1`,
    });
    alerts.functionLogged({ message: 'alert sent', key: 'not-an-incident' });
    expect(alerts.report()).toEqual({
      messages: 2,
      latencyMs: { p50: 400, max: 400 },
      perIncident: { [`${TASK}#1`]: 1, [`${OTHER}#1`]: 1 },
      pagesPerIncident: { [`${TASK}#1`]: 1, [`${OTHER}#1`]: 1 },
    });
  });

  it('reads an incident given as an object or a taskArn field, and ignores other log lines', () => {
    const alerts = new AlertLatency();
    alerts.functionLogged({ message: 'batch reconciled', records: 3 });
    alerts.functionLogged({ message: 'alert sent', subject: 's1', incident: { key: `${TASK}#7` } });
    alerts.functionLogged({ message: 'alert sent', subject: 's2', taskArn: OTHER });
    alerts.messageLanded({ subject: 's1', message: 'x' }, 1);
    alerts.messageLanded({ subject: 's2', message: 'y' }, 1);
    expect(alerts.report().perIncident).toEqual({ [`${TASK}#7`]: 1, [OTHER]: 1 });
  });
});

/**
 * CloudWatch's "CloudWatch Alarm State Change" event of one ecs-ops alarm, as EventBridge puts it on the
 * AlarmStates queue: the alarm `alarm` entering `state` from `previous` at `timestamp` (CloudWatch's
 * `…+0000` form), as the record body the alarm function reads.
 */
import type { AlarmState } from '../../lib/alarms/state-change.js';
import { uuidFrom } from './fixtures.js';

export interface AlarmChangeFields {
  alarm: string;
  state: AlarmState;
  previous: AlarmState;
  timestamp: string;
  description?: string;
}

export function alarmStateChange({
  alarm,
  state,
  previous,
  timestamp,
  description = '[critical] reconcile failed records: read its dead-letter queue',
}: AlarmChangeFields): string {
  return JSON.stringify({
    version: '0',
    id: uuidFrom(`${alarm}#${state}#${timestamp}`),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: timestamp.replace(/\.\d+\+0000$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:111122223333:alarm:${alarm}`],
    detail: {
      alarmName: alarm,
      configuration: { description },
      previousState: { value: previous, reason: 'before', timestamp: '2024-05-01T10:00:00.000+0000' },
      state: { value: state, reason: `Threshold Crossed: into ${state}`, timestamp },
    },
  });
}

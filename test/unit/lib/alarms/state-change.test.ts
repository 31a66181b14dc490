/**
 * CloudWatch's "CloudWatch Alarm State Change" event as the alarm function reads it off its queue: CloudWatch's
 * own sample of a metric alarm going into ALARM parsed into one change, and every record that is not one
 * refused with the field and what to do about it.
 */
import { describe, expect, it } from 'vitest';
import { parseAlarmStateChange } from '../../../../lib/alarms/state-change.js';

type Fields = { [field: string]: unknown };
/** The sample's shape, as far as the edits below reach into it. */
type SampleEvent = Fields & { detail: Fields & { state: Fields; previousState: Fields } };

/** CloudWatch's documented sample of a metric alarm going into ALARM, with an ecs-ops alarm's name. */
function sample(edit?: (event: SampleEvent) => void): string {
  const event: SampleEvent = {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2019-10-02T17:04:40Z',
    region: 'us-east-1',
    resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ecs-ops-prod-reconcile-errors'],
    detail: {
      alarmName: 'ecs-ops-prod-reconcile-errors',
      configuration: {
        description: '[critical] reconcile failed records: the state table falls behind ECS',
        metrics: [
          {
            id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
            metricStat: {
              metric: { dimensions: { function: 'reconcile' }, name: 'EventsFailed', namespace: 'ecs-ops' },
              period: 300,
              stat: 'Sum',
            },
            returnData: true,
          },
        ],
      },
      previousState: {
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (01/10/19 13:46:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).',
        reasonData: '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000"}',
        timestamp: '2019-10-01T13:56:40.985+0000',
        value: 'OK',
      },
      state: {
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (02/10/19 16:59:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
        reasonData: '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000"}',
        timestamp: '2019-10-02T17:04:40.985+0000',
        value: 'ALARM',
      },
    },
  };
  edit?.(event);
  return JSON.stringify(event);
}

const CLOUDWATCH_SENDS_IT = /CloudWatch always sends it/;

describe('parseAlarmStateChange', () => {
  it('reads CloudWatch’s sample event: the alarm, its ARN, both states, why, and when as ISO in UTC', () => {
    expect(parseAlarmStateChange(sample())).toEqual({
      ok: true,
      change: {
        id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
        alarm: 'ecs-ops-prod-reconcile-errors',
        alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ecs-ops-prod-reconcile-errors',
        description: '[critical] reconcile failed records: the state table falls behind ECS',
        state: 'ALARM',
        previous: 'OK',
        reason: expect.stringMatching(/^Threshold Crossed: .* OK -> ALARM transition\)\.$/),
        changedAt: '2019-10-02T17:04:40.985Z',
        region: 'us-east-1',
      },
    });
  });

  it('reads CloudWatch’s offset into UTC, with or without its colon', () => {
    const at = (timestamp: string) => {
      const parsed = parseAlarmStateChange(
        sample((event) => {
          event.detail.state.timestamp = timestamp;
        }),
      );
      return parsed.ok ? parsed.change.changedAt : parsed.error;
    };

    expect(at('2019-10-02T19:04:40.985+0200')).toBe('2019-10-02T17:04:40.985Z');
    expect(at('2019-10-02T12:04:40.985-05:00')).toBe('2019-10-02T17:04:40.985Z');
    expect(at('2019-10-02T17:04:40Z')).toBe('2019-10-02T17:04:40.000Z');
  });

  it('takes an alarm without description, reason or resources: empty words, and no ARN', () => {
    const parsed = parseAlarmStateChange(
      sample((event) => {
        delete event.detail.configuration;
        delete event.detail.state.reason;
        delete event.resources;
      }),
    );

    expect(parsed.ok && parsed.change).toMatchObject({ description: '', reason: '' });
    expect(parsed.ok && 'alarmArn' in parsed.change).toBe(false);
  });

  it('takes the ARN of this alarm only, not another resource the event names', () => {
    const parsed = parseAlarmStateChange(
      sample((event) => {
        event.resources = [
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ecs-ops-prod-reconcile-errors-2',
          'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:ecs-ops-prod-reconcile-errors',
        ];
      }),
    );

    expect(parsed.ok && parsed.change.alarmArn).toBe(
      'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:ecs-ops-prod-reconcile-errors',
    );
  });

  it.each([
    ['INSUFFICIENT_DATA', 'ALARM'],
    ['OK', 'INSUFFICIENT_DATA'],
  ] as const)('reads the state %s (from %s)', (state, previous) => {
    const parsed = parseAlarmStateChange(
      sample((event) => {
        event.detail.state.value = state;
        event.detail.previousState.value = previous;
      }),
    );

    expect(parsed.ok && parsed.change).toMatchObject({ state, previous });
  });

  describe('refuses what is not an alarm state change, naming the field and the fix', () => {
    it.each<[string, string, string, RegExp]>([
      [
        'not JSON',
        '{"detail-type": "CloudWatch Alarm',
        '(body)',
        /^not JSON \(.*\); send the EventBridge event as JSON$/,
      ],
      ['JSON but not an object', '[1, 2]', '(body)', /^expected an object; /],
      [
        'another source',
        sample((event) => {
          event.source = 'aws.ecs';
        }),
        'source',
        /^expected aws\.cloudwatch; .*check the AlarmStates rule's pattern$/,
      ],
      [
        'another detail-type',
        sample((event) => {
          event['detail-type'] = 'CloudWatch Alarm Configuration Change';
        }),
        'detail-type',
        /^expected "CloudWatch Alarm State Change"; .*check the AlarmStates rule's pattern$/,
      ],
      [
        'no alarmName',
        sample((event) => {
          delete event.detail.alarmName;
        }),
        'detail.alarmName',
        CLOUDWATCH_SENDS_IT,
      ],
      [
        'an empty alarmName',
        sample((event) => {
          event.detail.alarmName = '';
        }),
        'detail.alarmName',
        /^expected a non-empty string; /,
      ],
      [
        'a state CloudWatch has not',
        sample((event) => {
          event.detail.state.value = 'FIRING';
        }),
        'detail.state.value',
        /^expected one of OK, ALARM, INSUFFICIENT_DATA; /,
      ],
      [
        'a previous state CloudWatch has not',
        sample((event) => {
          event.detail.previousState.value = 'ok';
        }),
        'detail.previousState.value',
        /^expected one of OK, ALARM, INSUFFICIENT_DATA; /,
      ],
      [
        'a timestamp that is no time',
        sample((event) => {
          event.detail.state.timestamp = 'yesterday';
        }),
        'detail.state.timestamp',
        /^expected a time as CloudWatch writes it, such as 2019-10-02T17:04:40\.985\+0000; /,
      ],
      [
        'a timestamp without its offset (it would be read in the function’s time zone)',
        sample((event) => {
          event.detail.state.timestamp = '2019-10-02T17:04:40.985';
        }),
        'detail.state.timestamp',
        /^expected a time as CloudWatch writes it/,
      ],
      [
        'no timestamp',
        sample((event) => {
          delete event.detail.state.timestamp;
        }),
        'detail.state.timestamp',
        CLOUDWATCH_SENDS_IT,
      ],
      [
        'no detail',
        sample((event) => {
          Reflect.deleteProperty(event, 'detail');
        }),
        'detail',
        /^expected an object; /,
      ],
    ])('%s', (_, text, field, reason) => {
      const parsed = parseAlarmStateChange(text);

      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.error.field).toBe(field);
      expect(!parsed.ok && parsed.error.reason).toMatch(reason);
    });

    it('says a field CloudWatch always sends was dropped or changed on the way', () => {
      const parsed = parseAlarmStateChange(
        sample((event) => {
          delete event.region;
        }),
      );

      expect(parsed).toEqual({
        ok: false,
        error: {
          field: 'region',
          reason:
            'expected a string; CloudWatch always sends it: this record did not come from CloudWatch, or was changed on the way',
        },
      });
    });
  });
});

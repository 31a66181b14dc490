/** The SNS Publish request an alert becomes: one message per protocol, attributes to filter on. */
import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../../../../lib/platform/notification/message.js';
import { publishInput } from '../../../../../lib/platform/notification/publisher.js';

const message: AlertMessage = {
  subject: '[ecs-ops] prod/api: OOM killed (exit 137)',
  text: 'api was killed for memory\nexit 137\n',
  json: { schemaVersion: 1, cluster: 'prod', exitCode: 137 },
  attributes: { cluster: 'prod', severity: 'critical', class: 'oom', service: '' },
};

describe('publishInput', () => {
  const input = publishInput('arn:aws:sns:us-east-1:111122223333:ecs-ops-alerts-prod', message);

  it('publishes to the topic with the subject, as a per-protocol JSON message', () => {
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:111122223333:ecs-ops-alerts-prod');
    expect(input.Subject).toBe(message.subject);
    expect(input.MessageStructure).toBe('json');
  });

  it('gives people the text, SMS the subject and machines the JSON document as a string', () => {
    const perProtocol = JSON.parse(input.Message ?? '') as Record<string, string>;
    expect(Object.keys(perProtocol).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sms', 'sqs']);
    expect(perProtocol.default).toBe(message.text);
    expect(perProtocol.email).toBe(message.text);
    expect(perProtocol.sms).toBe(message.subject);
    for (const machine of ['sqs', 'lambda', 'https']) {
      expect(JSON.parse(perProtocol[machine] ?? '')).toEqual(message.json);
    }
  });

  it('sends the attributes as String message attributes, leaving out empty ones (SNS refuses them)', () => {
    expect(input.MessageAttributes).toEqual({
      cluster: { DataType: 'String', StringValue: 'prod' },
      severity: { DataType: 'String', StringValue: 'critical' },
      class: { DataType: 'String', StringValue: 'oom' },
    });
  });
});

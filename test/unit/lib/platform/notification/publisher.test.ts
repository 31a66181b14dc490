/**
 * The SNS Publish request an alert becomes: one body per protocol — people the text, SMS the subject, SQS and
 * Lambda the JSON document, HTTPS the form `alerts.https` chooses — and attributes to filter on.
 */
import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../../../../lib/platform/notification/message.js';
import { chatbotNotification, pagerDutyEvent } from '../../../../../lib/platform/notification/pager.js';
import {
  type HttpsFormat,
  publisherOptionsOf,
  publishInput,
} from '../../../../../lib/platform/notification/publisher.js';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:ecs-ops-alerts-prod';
const ROUTING_KEY = '0123456789abcdef0123456789abcdef';

const message: AlertMessage = {
  subject: '[ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod',
  text: 'api was killed for memory\nexit 137\n',
  json: { schemaVersion: 1, cluster: 'prod', exitCode: 137 },
  attributes: { cluster: 'prod', severity: 'critical', class: 'oom', service: '' },
  severity: 'critical',
  dedupKey: 'arn:aws:ecs:us-east-1:111122223333:task/prod/0a1b#2024-05-01T13:00:00.000Z',
  action: 'trigger',
};

/** What machines get: the facts, the severity, and the key and action a pager forwarder needs. */
const document = {
  ...message.json,
  severity: 'critical',
  dedupKey: message.dedupKey,
  action: 'trigger',
};

const bodies = (https?: HttpsFormat) =>
  JSON.parse(
    publishInput(
      TOPIC,
      message,
      https === undefined ? undefined : { https, pagerDutyRoutingKey: ROUTING_KEY },
    ).Message ?? '',
  ) as Record<string, string>;

describe('publishInput', () => {
  const input = publishInput(TOPIC, message);

  it('publishes to the topic with the subject, as a per-protocol JSON message', () => {
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(message.subject);
    expect(input.MessageStructure).toBe('json');
  });

  it('gives people the text, SMS the subject and SQS and Lambda the JSON document as a string', () => {
    const perProtocol = bodies();
    expect(Object.keys(perProtocol).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sms', 'sqs']);
    expect(perProtocol.default).toBe(message.text);
    expect(perProtocol.email).toBe(message.text);
    expect(perProtocol.sms).toBe(message.subject);
    for (const machine of ['sqs', 'lambda']) expect(JSON.parse(perProtocol[machine] ?? '')).toEqual(document);
  });

  it.each([
    ['json (the default)', undefined, document],
    ['json', 'json', document],
    ['pagerduty', 'pagerduty', pagerDutyEvent(message, ROUTING_KEY)],
    ['chatbot', 'chatbot', chatbotNotification(message)],
  ] as const)('gives HTTPS subscribers, with alerts.https %s, that form', (_case, https, expected) => {
    const perProtocol = bodies(https);

    expect(JSON.parse(perProtocol.https ?? '')).toEqual(expected);
    // The other protocols' bodies do not depend on it.
    const { https: _https, ...others } = perProtocol;
    const { https: _default, ...unchanged } = bodies();
    expect(others).toEqual(unchanged);
  });

  it('sends PagerDuty the routing key configured, and the resolve of a resolved message', () => {
    const resolve = publishInput(
      TOPIC,
      { ...message, subject: '[ecs-ops] RESOLVED: api back in prod', action: 'resolve' },
      { https: 'pagerduty', pagerDutyRoutingKey: ROUTING_KEY },
    );

    expect(JSON.parse(JSON.parse(resolve.Message ?? '').https)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: message.dedupKey,
    });
  });

  it('sends the attributes as String message attributes, leaving out empty ones (SNS refuses them)', () => {
    expect(input.MessageAttributes).toEqual({
      cluster: { DataType: 'String', StringValue: 'prod' },
      severity: { DataType: 'String', StringValue: 'critical' },
      class: { DataType: 'String', StringValue: 'oom' },
    });
  });
});

describe('publisherOptionsOf', () => {
  it('reads the HTTPS form and the PagerDuty routing key from the alerts section', () => {
    expect(publisherOptionsOf({ https: 'json' })).toEqual({ https: 'json' });
    expect(publisherOptionsOf({ https: 'pagerduty', pagerDuty: { routingKey: ROUTING_KEY } })).toEqual({
      https: 'pagerduty',
      pagerDutyRoutingKey: ROUTING_KEY,
    });
  });
});

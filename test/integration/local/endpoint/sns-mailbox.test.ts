/**
 * SNS through the local endpoint into the mailbox: topics, subscriptions and every published page as a
 * readable file, with SNS's own validation and error codes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as SNS from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../../../lib/platform/notification/message.js';
import { publishInput } from '../../../../lib/platform/notification/publisher.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { endpointFor } from '../../../support/local-endpoint.js';
import { tempDir } from '../../../support/temp-dir.js';

async function setup(now = () => new Date('2024-05-01T12:00:00.000Z')) {
  const dir = join(await tempDir(), 'mailbox');
  const mailbox = new SnsMailbox({ dir, now, account: '123456789012' });
  const { config } = await endpointFor({ sns: mailbox });
  const sns = new SNS.SNSClient(config);
  const { TopicArn } = await sns.send(new SNS.CreateTopicCommand({ Name: 'ecs-ops-alerts' }));
  return { dir, mailbox, sns, topicArn: TopicArn as string };
}

describe('SNS mailbox', () => {
  it('creates a topic idempotently by name, with the ARN SNS gives it', async () => {
    const { sns, topicArn } = await setup();

    const again = await sns.send(
      new SNS.CreateTopicCommand({ Name: 'ecs-ops-alerts', Tags: [{ Key: 'k', Value: 'v' }] }),
    );

    expect(topicArn).toBe('arn:aws:sns:us-east-1:123456789012:ecs-ops-alerts');
    expect(again.TopicArn).toBe(topicArn);
  });

  it('records subscriptions; an email one is pending confirmation, as SNS answers', async () => {
    const { sns, mailbox, topicArn } = await setup();

    const email = await sns.send(
      new SNS.SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }),
    );
    const queue = await sns.send(
      new SNS.SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:123456789012:pages',
      }),
    );
    const emailArn = await sns.send(
      new SNS.SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        ReturnSubscriptionArn: true,
      }),
    );

    expect(email.SubscriptionArn).toBe('pending confirmation');
    expect(queue.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    expect(emailArn.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    expect(
      mailbox.subscriptions(topicArn).map((s) => [s.protocol, s.endpoint, s.pendingConfirmation]),
    ).toEqual([
      ['email', 'oncall@example.com', true],
      ['sqs', 'arn:aws:sqs:us-east-1:123456789012:pages', false],
    ]);
  });

  it('delivers each published message to one readable file in the mailbox folder', async () => {
    const { sns, dir, topicArn } = await setup();
    await sns.send(
      new SNS.SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }),
    );

    const { MessageId } = await sns.send(
      new SNS.PublishCommand({
        TopicArn: topicArn,
        Subject: 'prod: web task OOM-killed',
        Message: 'Essential container app exited 137 (OutOfMemoryError).',
        MessageAttributes: {
          cluster: { DataType: 'String', StringValue: 'prod' },
          exitCode: { DataType: 'Number', StringValue: '137' },
          digest: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );

    const files = await readdir(dir);
    expect(files).toEqual([`2024-05-01T12-00-00.000Z-${MessageId}.json`]);
    expect(JSON.parse(await readFile(join(dir, files[0] as string), 'utf8'))).toEqual({
      messageId: MessageId,
      time: '2024-05-01T12:00:00.000Z',
      topicArn,
      subject: 'prod: web task OOM-killed',
      message: 'Essential container app exited 137 (OutOfMemoryError).',
      attributes: {
        cluster: { dataType: 'String', value: 'prod' },
        exitCode: { dataType: 'Number', value: '137' },
        digest: { dataType: 'Binary', value: 'AQID' },
      },
      deliveredTo: ['oncall@example.com'],
    });
  });

  it('records, for a message with one body per protocol, what a subscriber of each protocol receives', async () => {
    const { sns, mailbox, topicArn } = await setup();

    await sns.send(
      new SNS.PublishCommand({
        TopicArn: topicArn,
        Subject: '[ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod',
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: 'api was killed for memory',
          email: 'api was killed for memory\nexit 137',
          sms: '[ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod',
          sqs: '{"cluster":"prod"}',
          // Not a string: SNS ignores the entry, so HTTPS subscribers get the default.
          https: { cluster: 'prod' },
          unknown: 'ignored',
        }),
      }),
    );

    const [message] = mailbox.list();
    expect(message).toMatchObject({ messageStructure: 'json' });
    expect(message?.bodies).toEqual({
      email: 'api was killed for memory\nexit 137',
      sms: '[ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod',
      sqs: '{"cluster":"prod"}',
      lambda: 'api was killed for memory',
      http: 'api was killed for memory',
      https: 'api was killed for memory',
    });
  });

  it('records an alert as ecs-ops publishes it: email the text, SQS and HTTPS the JSON document', async () => {
    const { sns, mailbox, topicArn } = await setup();
    const alert: AlertMessage = {
      subject: '[ecs-ops] HIGH: job report failed: timed out in batch',
      text: 'Job report timed out.',
      json: { kind: 'job-run-failed', job: 'report' },
      attributes: { cluster: 'batch', severity: 'high', class: 'job-timeout', job: 'report' },
      severity: 'high',
      dedupKey: 'job#report#2024-05-02T02:30:00.000Z',
      action: 'trigger',
    };

    await sns.send(new SNS.PublishCommand(publishInput(topicArn, alert)));

    const [message] = mailbox.list();
    expect(message?.bodies?.email).toBe('Job report timed out.');
    expect(JSON.parse(message?.bodies?.https ?? '')).toEqual(JSON.parse(message?.bodies?.sqs ?? ''));
    expect(message?.attributes.severity).toEqual({ dataType: 'String', value: 'high' });
  });

  it('records a message without a structure as it is, for every protocol', async () => {
    const { sns, mailbox, topicArn } = await setup();

    await sns.send(new SNS.PublishCommand({ TopicArn: topicArn, Message: '{"default":"not a structure"}' }));

    expect(mailbox.list()[0]).not.toHaveProperty('bodies');
    expect(mailbox.list()[0]).not.toHaveProperty('messageStructure');
  });

  it.each([
    ['a body that is not JSON', '{default: oops', 'JSON message body failed to parse'],
    ['a JSON array', '["default"]', 'JSON message body failed to parse'],
    ['a JSON string', '"default"', 'JSON message body failed to parse'],
    ['no default entry', '{"email":"text"}', 'No default entry in JSON message body'],
    ['a default that is not a string', '{"default":{"text":"x"}}', 'No default entry in JSON message body'],
  ])('refuses a json-structured message with %s, as SNS does', async (_case, body, reason) => {
    const { sns, topicArn, dir } = await setup();

    const call = sns.send(
      new SNS.PublishCommand({ TopicArn: topicArn, MessageStructure: 'json', Message: body }),
    );

    await expect(call).rejects.toBeInstanceOf(SNS.InvalidParameterException);
    await expect(call).rejects.toMatchObject({
      message: `Invalid parameter: Message Structure - ${reason}`,
      $metadata: { httpStatusCode: 400 },
    });
    expect(new SnsMailbox({ dir }).list()).toEqual([]);
  });

  it('lists the mailbox newest first, also from a fresh instance over the same folder', async () => {
    let minute = 0;
    const { sns, dir, topicArn } = await setup(
      () => new Date(Date.parse('2024-05-01T12:00:00.000Z') + ++minute * 60_000),
    );

    for (const message of ['first', 'second', 'third']) {
      await sns.send(new SNS.PublishCommand({ TargetArn: topicArn, Message: message }));
    }

    const listed = new SnsMailbox({ dir }).list();
    expect(listed.map((m) => [m.time, m.message])).toEqual([
      ['2024-05-01T12:03:00.000Z', 'third'],
      ['2024-05-01T12:02:00.000Z', 'second'],
      ['2024-05-01T12:01:00.000Z', 'first'],
    ]);
  });

  it('lists an empty mailbox before anything is published', async () => {
    const { mailbox } = await setup();

    expect(mailbox.list()).toEqual([]);
  });

  it('answers an unknown topic with NotFoundException (code NotFound, 404)', async () => {
    const { sns } = await setup();

    const call = sns.send(
      new SNS.PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:nope', Message: 'm' }),
    );

    await expect(call).rejects.toBeInstanceOf(SNS.NotFoundException);
    await expect(call).rejects.toMatchObject({
      name: 'NotFoundException',
      message: 'Topic does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it.each([
    ['an empty message', { Message: '' }, 'Invalid parameter: Empty message'],
    [
      'a subject over 100 characters',
      { Message: 'm', Subject: 'x'.repeat(101) },
      'Invalid parameter: Subject',
    ],
    ['a subject with a line break', { Message: 'm', Subject: 'two\nlines' }, 'Invalid parameter: Subject'],
  ])('refuses %s with InvalidParameterException', async (_case, input, message) => {
    const { sns, topicArn } = await setup();

    const call = sns.send(new SNS.PublishCommand({ TopicArn: topicArn, ...input }));

    await expect(call).rejects.toBeInstanceOf(SNS.InvalidParameterException);
    await expect(call).rejects.toMatchObject({ message, $metadata: { httpStatusCode: 400 } });
  });

  it('refuses a message attribute of an unknown type with InvalidParameterValueException', async () => {
    const { sns, topicArn } = await setup();

    const call = sns.send(
      new SNS.PublishCommand({
        TopicArn: topicArn,
        Message: 'm',
        MessageAttributes: { when: { DataType: 'Date', StringValue: '2024-05-01' } },
      }),
    );

    await expect(call).rejects.toBeInstanceOf(SNS.InvalidParameterValueException);
    await expect(call).rejects.toMatchObject({
      message:
        "The message attribute 'when' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
    });
  });

  it('refuses a subscription it cannot deliver to', async () => {
    const { sns, topicArn } = await setup();

    await expect(
      sns.send(
        new SNS.SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'not-an-address' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      sns.send(new SNS.SubscribeCommand({ TopicArn: topicArn, Protocol: 'sms', Endpoint: '+15555550100' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

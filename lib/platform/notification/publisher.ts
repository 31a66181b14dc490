/**
 * Sends a rendered alert to the SNS topic. One Publish with MessageStructure "json": each protocol gets the
 * form it reads best — email the phone-readable text, SMS only the subject (160 characters), and machines
 * (SQS, Lambda, HTTPS subscribers) the JSON document as a string. Message attributes carry the routing fields
 * (cluster, severity, class) so subscribers can filter. The SDK retries throttling and 5xx; an error that
 * survives its retries is thrown, and the caller leaves the record on the queue (never dropped).
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from './message.js';

export interface AlertPublisher {
  /** Publishes one message; resolves to the SNS message id. */
  publish(message: AlertMessage): Promise<string>;
}

export function publishInput(topicArn: string, message: AlertMessage): PublishCommandInput {
  const json = JSON.stringify(message.json);
  return {
    TopicArn: topicArn,
    Subject: message.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: message.text,
      email: message.text,
      sms: message.subject,
      sqs: json,
      lambda: json,
      https: json,
    }),
    MessageAttributes: Object.fromEntries(
      Object.entries(message.attributes)
        .filter(([, value]) => value !== '')
        .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    ),
  };
}

export class SnsPublisher implements AlertPublisher {
  constructor(
    private readonly topicArn: string,
    private readonly client: SNSClient,
  ) {}

  async publish(message: AlertMessage): Promise<string> {
    const { MessageId } = await this.client.send(new PublishCommand(publishInput(this.topicArn, message)));
    return MessageId ?? '';
  }
}

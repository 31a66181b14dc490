/**
 * Sends a rendered alert to the SNS topic. One Publish with MessageStructure "json": each protocol gets the
 * form it reads best — email the phone-readable text, SMS only the subject (160 characters), SQS and Lambda the
 * JSON document as a string, and HTTPS subscribers the form `alerts.https` names: that document, a PagerDuty
 * Events v2 event or an AWS Chatbot notification (pager.ts), as no HTTPS endpoint reads all three. Message
 * attributes carry the routing fields (cluster, severity, class) so subscribers can filter. The SDK retries
 * throttling and 5xx; an error that survives its retries is thrown, and the caller leaves the record on the
 * queue (never dropped).
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { type AlertMessage, messageDocument } from './message.js';
import { chatbotNotification, pagerDutyEvent } from './pager.js';

export interface AlertPublisher {
  /** Publishes one message; resolves to the SNS message id. */
  publish(message: AlertMessage): Promise<string>;
}

export const HTTPS_FORMATS = ['json', 'pagerduty', 'chatbot'] as const;
export type HttpsFormat = (typeof HTTPS_FORMATS)[number];

/**
 * What a publisher sends beyond the fixed bodies: the HTTPS form and PagerDuty's routing key. A schema, as the
 * functions without the alerts section read it from their environment (`ALERT_OUTPUTS`).
 */
export const PublisherOptions = z.strictObject({
  https: z.enum(HTTPS_FORMATS),
  pagerDutyRoutingKey: z.optional(z.string().check(z.minLength(1))),
});
export type PublisherOptions = z.infer<typeof PublisherOptions>;

export const DEFAULT_PUBLISHER_OPTIONS: PublisherOptions = { https: 'json' };

/** The publisher options the alerts section of ops.config.yml asks for. */
export const publisherOptionsOf = (alerts: {
  https: HttpsFormat;
  pagerDuty?: { routingKey: string } | undefined;
}): PublisherOptions => ({
  https: alerts.https,
  ...(alerts.pagerDuty === undefined ? {} : { pagerDutyRoutingKey: alerts.pagerDuty.routingKey }),
});

export function publishInput(
  topicArn: string,
  message: AlertMessage,
  options: PublisherOptions = DEFAULT_PUBLISHER_OPTIONS,
): PublishCommandInput {
  const document = JSON.stringify(messageDocument(message));
  const https: Record<HttpsFormat, () => string> = {
    json: () => document,
    pagerduty: () => JSON.stringify(pagerDutyEvent(message, options.pagerDutyRoutingKey)),
    chatbot: () => JSON.stringify(chatbotNotification(message)),
  };
  return {
    TopicArn: topicArn,
    Subject: message.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: message.text,
      email: message.text,
      sms: message.subject,
      sqs: document,
      lambda: document,
      https: https[options.https](),
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
    private readonly options: PublisherOptions = DEFAULT_PUBLISHER_OPTIONS,
  ) {}

  async publish(message: AlertMessage): Promise<string> {
    const { MessageId } = await this.client.send(
      new PublishCommand(publishInput(this.topicArn, message, this.options)),
    );
    return MessageId ?? '';
  }
}

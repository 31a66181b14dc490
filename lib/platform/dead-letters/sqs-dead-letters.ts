import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '../aws/clients.js';
import type { DeadLetter, DeadLetterSink } from './dead-letter.js';

const SEND_BATCH_LIMIT = 10;

/**
 * Sends refused records straight to the dead-letter queue with the reason as message attributes, instead of
 * failing them until the redrive policy gives up: bad input cannot improve by being retried.
 */
export class SqsDeadLetters implements DeadLetterSink {
  private readonly client: SQSClient;

  constructor(
    private readonly queueUrl: string,
    client?: SQSClient,
  ) {
    this.client = client ?? awsClient(SQSClient);
  }

  async send(letters: readonly DeadLetter[]): Promise<string[]> {
    const unsent: string[] = [];
    for (let i = 0; i < letters.length; i += SEND_BATCH_LIMIT) {
      const chunk = letters.slice(i, i + SEND_BATCH_LIMIT);
      try {
        const response = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((letter, index) => ({
              Id: String(index),
              MessageBody: letter.body.length > 0 ? letter.body : '(empty body)',
              MessageAttributes: {
                'ecs-ops.field': { DataType: 'String', StringValue: letter.field },
                'ecs-ops.reason': { DataType: 'String', StringValue: letter.reason.slice(0, 4_000) },
                'ecs-ops.sourceMessageId': { DataType: 'String', StringValue: letter.id },
              },
            })),
          }),
        );
        for (const failure of response.Failed ?? []) {
          const letter = chunk[Number(failure.Id)];
          if (letter) unsent.push(letter.id);
        }
      } catch {
        unsent.push(...chunk.map((letter) => letter.id));
      }
    }
    return unsent;
  }
}

/**
 * The stack's resources as local stand-ins, by logical id: the table, the queues (`Ref` their URL, `Arn`,
 * `QueueName`) and
 * the SNS topics, created in the mailbox with their subscriptions (`Ref` and `TopicArn` the topic ARN,
 * `TopicName`), before any function starts. A subscription the mailbox cannot hold (an https endpoint, say) is
 * reported and skipped.
 */
import { LOCAL_STATE_TABLE } from '../dynamodb/local-engine.js';
import type { Deployment } from '../serverless/routes.js';
import type { SnsMailbox } from '../sns/sns-mailbox.js';
import type { SqsQueue } from '../sqs/queue.js';
import { type LocalResources, localValue } from './environment.js';

export function localResources(
  deployment: Pick<Deployment, 'topics'>,
  queues: ReadonlyMap<string, SqsQueue>,
  mailbox: Pick<SnsMailbox, 'createTopic' | 'subscribe'>,
  skipped: (text: string) => void,
): LocalResources {
  const resources: LocalResources = { StateTable: { Ref: LOCAL_STATE_TABLE } };
  for (const [logicalId, queue] of queues)
    resources[logicalId] = { Ref: queue.url, Arn: queue.arn, QueueName: queue.name };
  for (const topic of deployment.topics) {
    const { TopicArn: arn = '' } = mailbox.createTopic({ Name: topic.name });
    resources[topic.logicalId] = { Ref: arn, TopicArn: arn, TopicName: topic.name };
  }
  for (const topic of deployment.topics) {
    const arn = resources[topic.logicalId]?.Ref;
    for (const { protocol, endpoint } of topic.subscriptions) {
      try {
        mailbox.subscribe({
          TopicArn: arn,
          Protocol: protocol,
          Endpoint: localValue(`${topic.logicalId} ${protocol} subscription`, endpoint, resources),
        });
      } catch (error) {
        skipped(`${topic.logicalId}: ${protocol} subscription skipped: ${(error as Error).message}`);
      }
    }
  }
  return resources;
}

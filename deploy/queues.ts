/**
 * An EventBridge rule that feeds one function through its own SQS queue, generated from one declaration:
 * the rule, the queue, its dead-letter queue (for the rule's undeliverable events, the queue's poison
 * messages and the records the function refuses) and the queue policy that lets only that rule send.
 * A queue of its own per function: a slow consumer never delays another's events.
 */
import { allow, getAtt, ref, type Statement } from './template.js';

export interface EventQueue {
  /** Logical ids `<name>Rule`, `<name>Queue`, `<name>DeadLetterQueue`, `<name>QueuePolicy`. */
  name: string;
  /** What the rule delivers, in the Sids `EventBridgeDelivers<delivers>` and `Consume<delivers>`. */
  delivers: string;
  description: string;
  pattern: Record<string, unknown>;
  /**
   * The consuming function's timeout in serverless.yml: the queue hides a received message six times as long,
   * as AWS recommends for an event source, so a throttled batch is retried before it reappears.
   */
  consumerTimeoutSeconds: number;
  /** How long a message waits to be consumed: SQS's default, 4 days, unless the capability says otherwise. */
  retentionSeconds?: number;
}

const DEAD_LETTER_RETENTION_SECONDS = 14 * 86_400;
/** Receives before a message moves to the dead-letter queue. */
const MAX_RECEIVE_COUNT = 5;

const ids = ({ name }: EventQueue) => ({
  rule: `${name}Rule`,
  queue: `${name}Queue`,
  deadLetters: `${name}DeadLetterQueue`,
  policy: `${name}QueuePolicy`,
});

/** `EcsEvents` → `ecs-events-queue`: the rule's target id. */
const targetId = (name: string) => `${name.replace(/(?<=.)([A-Z])/g, '-$1').toLowerCase()}-queue`;

export function eventQueueResources(queue: EventQueue) {
  const id = ids(queue);
  return {
    [id.rule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: queue.description,
        EventBusName: 'default',
        EventPattern: queue.pattern,
        State: 'ENABLED',
        Targets: [
          {
            Id: targetId(queue.name),
            Arn: getAtt(id.queue),
            // Events EventBridge could not deliver land beside the ones the function refused.
            DeadLetterConfig: { Arn: getAtt(id.deadLetters) },
            RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
          },
        ],
      },
    },
    [id.queue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: 6 * queue.consumerTimeoutSeconds,
        MessageRetentionPeriod: queue.retentionSeconds ?? 4 * 86_400,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: getAtt(id.deadLetters), maxReceiveCount: MAX_RECEIVE_COUNT },
      },
    },
    [id.deadLetters]: {
      Type: 'AWS::SQS::Queue',
      Properties: { MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS, SqsManagedSseEnabled: true },
    },
    [id.policy]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(id.queue), ref(id.deadLetters)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: `EventBridgeDelivers${queue.delivers}`,
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: [getAtt(id.queue), getAtt(id.deadLetters)],
              Condition: { ArnEquals: { 'aws:SourceArn': getAtt(id.rule) } },
            },
          ],
        },
      },
    },
  };
}

/** The dead-letter queue's URL, for operators to inspect and redrive. */
export const eventQueueOutputs = (queue: EventQueue) => {
  const { deadLetters } = ids(queue);
  return { [`${deadLetters}Url`]: { Value: ref(deadLetters) } };
};

/**
 * What the consuming function's role needs for its queue: the event source mapping polls with that role, and
 * Lambda requires ReceiveMessage, DeleteMessage and GetQueueAttributes of it (no ChangeMessageVisibility: no
 * code here calls it); the code sends the records it refuses to the dead-letter queue.
 */
export const consumeStatements = (queue: EventQueue): Statement[] => {
  const id = ids(queue);
  return [
    allow(
      `Consume${queue.delivers}`,
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      getAtt(id.queue),
    ),
    allow('DeadLetterInvalidEvents', 'sqs:SendMessage', getAtt(id.deadLetters)),
  ];
};

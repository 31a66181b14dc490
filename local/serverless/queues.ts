/**
 * The stack's SQS queues (`AWS::SQS::Queue`), dead-letter queues included, with their redrive policies.
 * A queue's name is its `QueueName`, else `<service>-<stage>-<LogicalId>`.
 */
import {
  asObject,
  defaultName,
  getAttArn,
  RoutingError,
  resourcesOfType,
  type Template,
  wholeNumber,
} from './template.js';

export interface QueueDefinition {
  logicalId: string;
  name: string;
  visibilityTimeoutSeconds: number;
  /** Set when the queue has a RedrivePolicy: receives after which a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
  /** Logical id of the dead-letter queue, when the queue has a RedrivePolicy. */
  deadLetterQueue?: string;
}

export const queueDefinitions = (template: Template): QueueDefinition[] =>
  resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId, resource]) =>
    queueDefinition(template, logicalId, asObject(resource.Properties)),
  );

function queueDefinition(
  template: Template,
  logicalId: string,
  properties: Record<string, unknown>,
): QueueDefinition {
  const at = `resources.${logicalId}`;
  const definition: QueueDefinition = {
    logicalId,
    name: typeof properties.QueueName === 'string' ? properties.QueueName : defaultName(template, logicalId),
    visibilityTimeoutSeconds: wholeNumber(
      properties.VisibilityTimeout ?? 30,
      `${at}.Properties.VisibilityTimeout`,
    ),
  };
  if (properties.RedrivePolicy === undefined) return definition;
  const redrive = asObject(
    typeof properties.RedrivePolicy === 'string'
      ? JSON.parse(properties.RedrivePolicy)
      : properties.RedrivePolicy,
  );
  const deadLetterQueue = getAttArn(redrive.deadLetterTargetArn);
  if (deadLetterQueue === undefined || template.resources[deadLetterQueue]?.Type !== 'AWS::SQS::Queue') {
    throw new RoutingError(
      `${at}.Properties.RedrivePolicy.deadLetterTargetArn: expected !GetAtt <Queue>.Arn of this stack`,
    );
  }
  return {
    ...definition,
    maxReceiveCount: wholeNumber(redrive.maxReceiveCount, `${at}.Properties.RedrivePolicy.maxReceiveCount`),
    deadLetterQueue,
  };
}

/**
 * The stack's SNS topics (`AWS::SNS::Topic`) with their subscriptions: `AWS::SNS::Subscription` resources whose
 * TopicArn is `!Ref <Topic>`, and a topic's inline `Subscription` list. A topic's name is its `TopicName`, else
 * `<service>-<stage>-<LogicalId>`.
 */
import type { EnvironmentValue } from './functions.js';
import { asObject, defaultName, isObject, RoutingError, resourcesOfType, type Template } from './template.js';

export interface TopicSubscription {
  /** As the template gives it: `email`, `sqs`, `lambda`, `https`, … */
  protocol: string;
  /** An address (email) or the intrinsic the template gives (`!GetAtt Queue.Arn`), for the caller to map. */
  endpoint: EnvironmentValue;
}

export interface TopicDefinition {
  logicalId: string;
  name: string;
  subscriptions: TopicSubscription[];
}

export function topicDefinitions(template: Template): TopicDefinition[] {
  const topics = resourcesOfType(template, 'AWS::SNS::Topic').map(
    ([logicalId, resource]): TopicDefinition => {
      const properties = asObject(resource.Properties);
      const inline = Array.isArray(properties.Subscription) ? properties.Subscription : [];
      return {
        logicalId,
        name:
          typeof properties.TopicName === 'string' && properties.TopicName !== ''
            ? properties.TopicName
            : defaultName(template, logicalId),
        subscriptions: inline.map((subscription, index) =>
          topicSubscription(
            asObject(subscription),
            `resources.${logicalId}.Properties.Subscription[${index}]`,
          ),
        ),
      };
    },
  );
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::SNS::Subscription')) {
    const properties = asObject(resource.Properties);
    const at = `resources.${logicalId}.Properties`;
    const topicArn = properties.TopicArn;
    // A subscription to a topic of another stack is not this sandbox's to deliver.
    if (!isObject(topicArn)) continue;
    const ref = typeof topicArn.Ref === 'string' ? topicArn.Ref : undefined;
    const topic = topics.find((candidate) => candidate.logicalId === ref);
    if (topic === undefined) {
      throw new RoutingError(`${at}.TopicArn: expected !Ref <Topic> naming an AWS::SNS::Topic of this stack`);
    }
    topic.subscriptions.push(topicSubscription(properties, at));
  }
  return topics;
}

function topicSubscription(properties: Record<string, unknown>, at: string): TopicSubscription {
  const { Protocol: protocol, Endpoint: endpoint } = properties;
  if (typeof protocol !== 'string' || protocol === '') {
    throw new RoutingError(
      `${at}.Protocol: expected a protocol such as email, got ${JSON.stringify(protocol)}`,
    );
  }
  if (isObject(endpoint)) return { protocol, endpoint };
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new RoutingError(
      `${at}.Endpoint: expected the ${protocol} endpoint, got ${JSON.stringify(endpoint)}`,
    );
  }
  return { protocol, endpoint };
}

/**
 * The stack's event routes: enabled `AWS::Events::Rule` resources with an EventPattern whose targets are SQS
 * queues of the stack (each paired with the function that consumes the queue) or functions of the stack, and
 * functions' `events: - eventBridge: { pattern }` — both of the latter invoked asynchronously with the envelope.
 */
import { InvalidEventPatternError, validatePattern } from '../eventbridge/event-pattern.js';
import {
  consumerOf,
  eventResourcePrefix,
  events,
  type FunctionDefinition,
  functionDefinition,
  functionLogicalId,
  type SqsFunction,
} from './functions.js';
import type { QueueDefinition } from './queues.js';
import { asObject, getAttArn, RoutingError, resourcesOfType, type Template } from './template.js';

interface RouteBase {
  /** The rule's logical id (for eventBridge events, the one the framework generates). */
  rule: string;
  eventBus: string;
  pattern: Record<string, unknown>;
}

/** EventBridge → SQS queue → event source mapping → function. */
export interface QueueRoute extends RouteBase {
  kind: 'queue';
  queue: QueueDefinition;
  function: SqsFunction;
}

/** EventBridge → function (asynchronous invoke with the envelope). */
export interface DirectRoute extends RouteBase {
  kind: 'direct';
  function: FunctionDefinition;
}

export type Route = QueueRoute | DirectRoute;

export const routes = (template: Template, queues: readonly QueueDefinition[]): Route[] => [
  ...ruleRoutes(template, queues),
  ...eventBridgeRoutes(template),
];

function ruleRoutes(template: Template, queues: readonly QueueDefinition[]): Route[] {
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap(([rule, resource]): Route[] => {
    const properties = asObject(resource.Properties);
    // Schedules are not bus routes, and a disabled rule delivers nothing.
    if (properties.EventPattern === undefined || (properties.State ?? 'ENABLED') !== 'ENABLED') return [];
    const pattern = checkedPattern(properties.EventPattern, `resources.${rule}.Properties.EventPattern`);
    const eventBus = String(properties.EventBusName ?? 'default');
    const targets = Array.isArray(properties.Targets) ? properties.Targets : [];
    return targets.map(asObject).map((target): Route => {
      const at = `resources.${rule}: target ${String(target.Id ?? '(no Id)')}`;
      const logicalId = getAttArn(target.Arn);
      if (logicalId === undefined) throw new RoutingError(`${at}: expected Arn: !GetAtt <Resource>.Arn`);
      const queue = queues.find((candidate) => candidate.logicalId === logicalId);
      if (queue !== undefined) {
        return { kind: 'queue', rule, eventBus, pattern, queue, function: consumerOf(template, queue, at) };
      }
      const fn = Object.keys(template.functions).find((name) => functionLogicalId(name) === logicalId);
      if (fn === undefined) {
        throw new RoutingError(`${at}: ${logicalId} is not an SQS queue or a function of this stack`);
      }
      return { kind: 'direct', rule, eventBus, pattern, function: functionDefinition(template, fn) };
    });
  });
}

function eventBridgeRoutes(template: Template): Route[] {
  return Object.entries(template.functions).flatMap(([name, fn]) =>
    events(fn).flatMap((event, index): Route[] => {
      const eventBridge = asObject(event.eventBridge);
      if (event.eventBridge === undefined || eventBridge.pattern === undefined) return [];
      return [
        {
          kind: 'direct',
          rule: `${eventResourcePrefix(name)}EventBridgeRule${index + 1}`,
          eventBus: String(eventBridge.eventBus ?? 'default'),
          pattern: checkedPattern(
            eventBridge.pattern,
            `functions.${name}.events[${index}].eventBridge.pattern`,
          ),
          function: functionDefinition(template, name),
        },
      ];
    }),
  );
}

function checkedPattern(pattern: unknown, at: string): Record<string, unknown> {
  const problems = validatePattern(pattern);
  if (problems.length > 0) throw new RoutingError(`${at}: ${new InvalidEventPatternError(problems).message}`);
  return pattern as Record<string, unknown>;
}

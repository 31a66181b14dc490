/**
 * The stack's functions as the local runtime needs them: name, handler and deployed environment, and — for
 * a queue's consumer — its event source mapping (batch size, batching window, ReportBatchItemFailures).
 */
import type { QueueDefinition } from './queues.js';
import { asObject, getAttArn, isObject, RoutingError, type Template, wholeNumber } from './template.js';

/**
 * A function's environment as deployed: strings (numbers stringified, as Lambda does) or the CloudFormation
 * intrinsic the template gives (`{ Ref: 'StateTable' }`), for the caller to map onto local resources.
 */
export type EnvironmentValue = string | Record<string, unknown>;

export interface FunctionDefinition {
  name: string;
  handler: string;
  environment: Record<string, EnvironmentValue>;
}

export interface SqsFunction extends FunctionDefinition {
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  functionResponseType?: 'ReportBatchItemFailures';
}

export function functionDefinition(template: Template, name: string): FunctionDefinition {
  const fn = asObject(template.functions[name]);
  const environment = { ...template.providerEnvironment, ...asObject(fn.environment) };
  return {
    name,
    handler: String(fn.handler),
    environment: Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [key, isObject(value) ? value : String(value)]),
    ),
  };
}

/** The function whose enabled `events: - sqs:` consumes the queue, with its event source mapping. */
export function consumerOf(template: Template, queue: QueueDefinition, at: string): SqsFunction {
  for (const [name, fn] of Object.entries(template.functions)) {
    for (const event of events(fn)) {
      if (event.sqs === undefined) continue;
      const sqs = isObject(event.sqs) && !('Fn::GetAtt' in event.sqs) ? event.sqs : { arn: event.sqs };
      if (getAttArn(sqs.arn) !== queue.logicalId || sqs.enabled === false) continue;
      return {
        ...functionDefinition(template, name),
        batchSize: wholeNumber(sqs.batchSize ?? 10, `functions.${name}: sqs.batchSize`),
        maximumBatchingWindowSeconds: wholeNumber(
          sqs.maximumBatchingWindow ?? 0,
          `functions.${name}: sqs.maximumBatchingWindow`,
        ),
        ...(sqs.functionResponseType === 'ReportBatchItemFailures'
          ? { functionResponseType: 'ReportBatchItemFailures' as const }
          : {}),
      };
    }
  }
  throw new RoutingError(
    `${at}: no function consumes queue ${queue.logicalId}; add events: - sqs: { arn: !GetAtt ${queue.logicalId}.Arn } to one`,
  );
}

/** The framework's logical id for a function: `reconcile` → `ReconcileLambdaFunction`, `a-b` → `ADashb…`. */
export function functionLogicalId(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** The prefix of the logical ids the framework gives a function's event resources (`AlertDashsummary`). */
export const eventResourcePrefix = (name: string) => functionLogicalId(name).replace(/LambdaFunction$/, '');

export function events(fn: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(fn.events) ? fn.events.map(asObject) : [];
}

/**
 * serverless.yml once its variables are resolved: the parts the local bus reads (service, stage, resources,
 * functions, the provider's environment), the error that names what to fix, and the small readers of
 * CloudFormation values every part needs.
 */

/** A serverless.yml that cannot be routed locally; the message names the resource or function and the fix. */
export class RoutingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutingError';
  }
}

export interface Template {
  service: string;
  stage: string;
  region: string;
  resources: Record<string, Record<string, unknown>>;
  functions: Record<string, Record<string, unknown>>;
  providerEnvironment: Record<string, unknown>;
}

export function templateOf(document: Record<string, unknown>, stage: string): Template {
  const provider = asObject(document.provider);
  return {
    service: String(document.service ?? 'service'),
    stage,
    region: String(provider.region ?? 'us-east-1'),
    resources: stackResources(document.resources),
    functions: asObject(document.functions) as Record<string, Record<string, unknown>>,
    providerEnvironment: asObject(provider.environment),
  };
}

/**
 * `resources.Resources`, or — when `resources` is a list, which the framework merges in order (the shared
 * resources, then each capability's generated ones) — every item's `Resources` together.
 */
function stackResources(resources: unknown): Record<string, Record<string, unknown>> {
  const parts = Array.isArray(resources) ? resources : [resources];
  return Object.assign({}, ...parts.map((part) => asObject(asObject(part).Resources))) as Record<
    string,
    Record<string, unknown>
  >;
}

/**
 * A resource's name when the template sets none: CloudFormation would generate a unique one; the local one is
 * predictable instead.
 */
export const defaultName = (template: Template, logicalId: string) =>
  `${template.service}-${template.stage}-${logicalId}`;

/** The resources of one CloudFormation type, by logical id. */
export const resourcesOfType = (template: Template, type: string) =>
  Object.entries(template.resources).filter(([, resource]) => resource.Type === type);

/** The logical id in `!GetAtt <Id>.Arn` (short or long form), else undefined. */
export function getAttArn(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  const [id, attribute] = Array.isArray(getAtt)
    ? getAtt
    : typeof getAtt === 'string'
      ? getAtt.split('.')
      : [];
  return attribute === 'Arn' && typeof id === 'string' ? id : undefined;
}

export function wholeNumber(value: unknown, at: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new RoutingError(`${at}: expected a whole number, got ${JSON.stringify(value)}`);
  }
  return number;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

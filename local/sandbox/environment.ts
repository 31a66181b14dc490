/**
 * A function's environment in the sandbox: what serverless.yml gives it, with each CloudFormation reference
 * (`!Ref StateTable`, `!GetAtt Queue.Arn`) replaced by the local resource standing in for it, plus what the
 * Lambda service itself sets (region, credentials) and the endpoints that send the SDK to the local services.
 */
import type { EnvironmentValue } from '../serverless/routes.js';

/** Local stand-ins by CloudFormation logical id: what `Ref` and each `Fn::GetAtt` attribute resolve to. */
export type LocalResources = Record<string, { Ref: string } & Record<string, string>>;

export function functionEnvironment(
  name: string,
  declared: Record<string, EnvironmentValue>,
  resources: LocalResources,
  endpoints: { services: string; dynamodb: string; region: string },
): Record<string, string> {
  const environment: Record<string, string> = {
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_ENDPOINT_URL: endpoints.services,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    // The SDK's Node 20 deprecation notice means nothing for a function that runs on nodejs22.x when deployed.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const [variable, value] of Object.entries(declared)) {
    environment[variable] = localValue(`${name} environment ${variable}`, value, resources);
  }
  return environment;
}

/** A template value (a string, `!Ref` or `!GetAtt`) as its local stand-in; `where` names it in errors. */
export function localValue(where: string, value: EnvironmentValue, resources: LocalResources): string {
  if (typeof value === 'string') return value;
  if (typeof value.Ref === 'string') return lookup(where, resources, value.Ref, 'Ref');
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
    return lookup(where, resources, getAtt[0], getAtt[1]);
  }
  throw new Error(`${where}: ${JSON.stringify(value)} has no local value; use a string, !Ref or !GetAtt`);
}

function lookup(where: string, resources: LocalResources, logicalId: string, attribute: string): string {
  const value = resources[logicalId]?.[attribute];
  if (value === undefined) {
    throw new Error(
      `${where}: the sandbox has no local ${logicalId}${attribute === 'Ref' ? '' : `.${attribute}`}; add it to the sandbox's local resources`,
    );
  }
  return value;
}

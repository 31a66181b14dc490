/**
 * Amazon Resource Names, read in one place: `arn:<partition>:<service>:<region>:<account>:<resource>`, where an
 * ECS resource is `<type>/<id>` (old format) or `<type>/<cluster>/<id>` (new format).
 */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the account: `task/prod/0123…`, `function:name`. */
  resource: string;
}

/** The parts of an ARN, or undefined when the text is not one. */
export function parseArn(text: string): Arn | undefined {
  const [prefix, partition, service, region, account, ...rest] = text.split(':');
  if (prefix !== 'arn' || !partition || !service || rest.length === 0) return undefined;
  return { partition, service, region: region ?? '', account: account ?? '', resource: rest.join(':') };
}

/** The last `/` segment: a task, container instance or cluster id from its ARN; a name stays a name. */
export const lastSegment = (arnOrName: string): string => arnOrName.slice(arnOrName.lastIndexOf('/') + 1);

/** A cluster's name from its ARN; a name stays a name. */
export const clusterName = lastSegment;

/** A task's or container instance's id from its ARN, old format or new; an id stays an id. */
export const resourceId = lastSegment;

/** `task/<id>` or `container-instance/<id>` from either ARN format: the id is unique in an account and region. */
export function resourceKey(arn: string): string {
  const resource = parseArn(arn)?.resource ?? arn;
  return `${resource.slice(0, resource.indexOf('/'))}/${lastSegment(resource)}`;
}

/** `arn:…:task-definition/web:42` → `{ family: 'web', revision: 42 }`. */
export function parseTaskDefinitionArn(arn: string): { family: string; revision: number } | undefined {
  const match = /:task-definition\/([^:/]+):(\d+)$/.exec(arn);
  if (!match?.[1] || !match[2]) return undefined;
  return { family: match[1], revision: Number(match[2]) };
}

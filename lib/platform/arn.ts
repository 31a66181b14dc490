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

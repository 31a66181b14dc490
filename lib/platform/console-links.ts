/**
 * Links into the AWS Management Console, for pages: an ECS task, a service's health, a CloudWatch log stream
 * or group. Pure. Each partition has its own console domain, so a link is built from where the resource lives —
 * its partition (read from its ARN) and region — and a partition without a known console gets no link rather
 * than one that opens the wrong console.
 */

/** Where a resource lives: the partition of its ARN (`aws`, `aws-cn`, `aws-us-gov`) and its region. */
export interface ConsoleScope {
  partition: string;
  region: string;
}

const CONSOLE_DOMAINS: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/** `https://<region>.<console domain>`; undefined for a partition without a known console, or no region. */
export function consoleOrigin({ partition, region }: ConsoleScope): string | undefined {
  const domain = Object.hasOwn(CONSOLE_DOMAINS, partition) ? CONSOLE_DOMAINS[partition] : undefined;
  return domain === undefined || region === '' ? undefined : `https://${region}.${domain}`;
}

const ecsConsole = (scope: ConsoleScope, path: string): string | undefined => {
  const origin = consoleOrigin(scope);
  return origin && `${origin}/ecs/v2/clusters/${path}?region=${scope.region}`;
};

/** The console page of a task. */
export const taskConsoleUrl = (scope: ConsoleScope, cluster: string, taskId: string): string | undefined =>
  ecsConsole(scope, `${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/configuration`);

/** The console page of a service's health. */
export const serviceConsoleUrl = (
  scope: ConsoleScope,
  cluster: string,
  service: string,
): string | undefined =>
  ecsConsole(scope, `${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/health`);

/**
 * A name as the CloudWatch console's `#logsV2:` fragment wants it: URI-encoded twice, then `%` written `$`
 * (`/ecs/web` → `$252Fecs$252Fweb`); the console decodes it back, a plain encoding opens the wrong page.
 */
export const logsFragmentName = (name: string): string =>
  encodeURIComponent(encodeURIComponent(name)).replaceAll('%', '$');

const logsConsole = (scope: ConsoleScope, fragment: string): string | undefined => {
  const origin = consoleOrigin(scope);
  return origin && `${origin}/cloudwatch/home?region=${scope.region}#logsV2:log-groups/${fragment}`;
};

/** The console page of a log group (its streams). */
export const logGroupConsoleUrl = (scope: ConsoleScope, group: string): string | undefined =>
  logsConsole(scope, `log-group/${logsFragmentName(group)}`);

/** The console page of a log stream's events. */
export const logStreamConsoleUrl = (scope: ConsoleScope, group: string, stream: string): string | undefined =>
  logsConsole(scope, `log-group/${logsFragmentName(group)}/log-events/${logsFragmentName(stream)}`);

/** The console page of a CloudWatch alarm. */
export const alarmPageUrl = (scope: ConsoleScope, alarm: string): string | undefined => {
  const origin = consoleOrigin(scope);
  return (
    origin && `${origin}/cloudwatch/home?region=${scope.region}#alarmsV2:alarm/${encodeURIComponent(alarm)}`
  );
};

/**
 * The deployment as the sandbox stands it up, read from serverless.yml itself so the local bus can never
 * disagree with what `serverless deploy` creates: its variables resolved (document.ts), then its queues
 * (queues.ts), event routes (rules.ts) with their functions and event source mappings (functions.ts), SNS
 * topics (topics.ts) and schedules (schedules.ts). The rest of local/ imports the reader from here.
 */
import { readFileSync } from 'node:fs';
import { type AlarmResource, alarmDefinitions } from './alarms.js';
import { resolvedDocument } from './document.js';
import { type QueueDefinition, queueDefinitions } from './queues.js';
import { type Route, routes } from './rules.js';
import { type ScheduleDefinition, scheduleDefinitions } from './schedules.js';
import { templateOf } from './template.js';
import { type TopicDefinition, topicDefinitions } from './topics.js';

export type { AlarmResource } from './alarms.js';
export type { EnvironmentValue, FunctionDefinition, SqsFunction } from './functions.js';
export type { QueueDefinition } from './queues.js';
export type { DirectRoute, QueueRoute, Route } from './rules.js';
export type { ScheduleDefinition } from './schedules.js';
export { RoutingError } from './template.js';

export interface Deployment {
  service: string;
  stage: string;
  region: string;
  /** Every SQS queue of the stack, dead-letter queues included. */
  queues: QueueDefinition[];
  routes: Route[];
  /** Every SNS topic of the stack with its subscriptions. */
  topics: TopicDefinition[];
  /** Every scheduled invocation of a function, disabled ones included (`enabled: false`). */
  schedules: ScheduleDefinition[];
  /** The stack's CloudWatch metric alarms (deploy/monitoring.ts), references unresolved. */
  alarms: AlarmResource[];
}

export interface DeploymentOptions {
  stage?: string;
  region?: string;
  /** ops.config.yml, read only when the template uses `${ecsops:…}`. */
  configFile?: string;
}

/** The deployment described by `serverlessFile` (default serverless.yml). */
export function loadDeployment(
  serverlessFile = 'serverless.yml',
  options: DeploymentOptions = {},
): Deployment {
  return deploymentFromYaml(readFileSync(serverlessFile, 'utf8'), options);
}

export function deploymentFromYaml(text: string, options: DeploymentOptions = {}): Deployment {
  const stage = options.stage ?? 'dev';
  const document = resolvedDocument(text, {
    stage,
    region: options.region,
    configFile: options.configFile ?? 'ops.config.yml',
  });
  const template = templateOf(document, stage);
  const queues = queueDefinitions(template);
  return {
    service: template.service,
    stage,
    region: template.region,
    queues,
    routes: routes(template, queues),
    topics: topicDefinitions(template),
    schedules: scheduleDefinitions(template),
    alarms: alarmDefinitions(template),
  };
}

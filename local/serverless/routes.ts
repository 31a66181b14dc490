/**
 * The deployment's event routing, read from serverless.yml itself so the local bus can never disagree with
 * what `serverless deploy` creates:
 * - `AWS::Events::Rule` resources (enabled, with an EventPattern) whose targets are SQS queues of the stack,
 *   each paired with the function whose `events: - sqs:` consumes that queue;
 * - rules targeting a function of the stack directly, and functions with `events: - eventBridge: { pattern }`,
 *   both invoked asynchronously with the envelope (no queue).
 * Variables resolve as the framework resolves them: `${ecsops:…}` from deploy/stack.ts (the same settings the
 * plugin serves), `${opt:stage, 'dev'}`, `${opt:region}`, `${sls:stage}` and `${self:…}`. CloudFormation's own
 * `${AWS::Region}`-style substitutions are left for CloudFormation.
 *
 * Besides routes, the deployment lists what the sandbox must stand up beside them:
 * - SNS topics (`AWS::SNS::Topic`) with their subscriptions (`AWS::SNS::Subscription` resources whose TopicArn
 *   is `!Ref <Topic>`, and a topic's inline `Subscription` list);
 * - schedules: each function's `schedule` events (`schedule: rate(1 minute)` or `schedule: { rate, enabled,
 *   input }`, `rate` a string or a list) and `eventBridge: { schedule }` events, invoked with the
 *   EventBridge Scheduled Event (or the schedule's `input`) on the schedule's clock.
 *
 * Queue and topic names: the `QueueName` / `TopicName` the template sets, else `<service>-<stage>-<LogicalId>`
 * (CloudFormation would generate a unique name; the local one is predictable instead).
 */
import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';
import { stackSettings } from '../../deploy/stack.js';
import { InvalidEventPatternError, validatePattern } from '../eventbridge/event-pattern.js';

export interface QueueDefinition {
  logicalId: string;
  name: string;
  visibilityTimeoutSeconds: number;
  /** Set when the queue has a RedrivePolicy: receives after which a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
  /** Logical id of the dead-letter queue, when the queue has a RedrivePolicy. */
  deadLetterQueue?: string;
}

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

/** A function's `schedule` (or `eventBridge: { schedule }`) event: one EventBridge rule on a clock. */
export interface ScheduleDefinition {
  /** The rule's logical id, as the framework generates it (`AlertDashsummaryEventsRuleSchedule1`). */
  rule: string;
  /** The rule's name: the event's `name` when it sets one, else `<service>-<stage>-<rule>`. */
  ruleName: string;
  function: FunctionDefinition;
  /** `rate(1 minute)` or `cron(…)`, unchecked beyond its form (local/scheduler/schedules.ts evaluates it). */
  expression: string;
  /** The constant input the target receives instead of the Scheduled Event, when the event sets one. */
  input?: unknown;
  enabled: boolean;
  /**
   * `rule`: an EventBridge rule (UTC only); `scheduler`: an EventBridge Scheduler schedule (`method: scheduler`),
   * whose input may carry `<aws.scheduler.scheduled-time>` and whose cron fields are read in `timeZone`.
   */
  method: 'rule' | 'scheduler';
  /** The schedule's IANA time zone (`timezone`, Scheduler only); UTC otherwise. */
  timeZone: string;
}

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
}

export interface DeploymentOptions {
  stage?: string;
  region?: string;
  /** ops.config.yml, read only when the template uses `${ecsops:…}`. */
  configFile?: string;
}

/** A serverless.yml that cannot be routed locally; the message names the resource or function and the fix. */
export class RoutingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutingError';
  }
}

/** The routing of the deployment described by `serverlessFile` (default serverless.yml). */
export function loadDeployment(
  serverlessFile = 'serverless.yml',
  options: DeploymentOptions = {},
): Deployment {
  return deploymentFromYaml(readFileSync(serverlessFile, 'utf8'), options);
}

/** CloudFormation's short-form tags, as their long forms (`!GetAtt A.Arn` → `{ 'Fn::GetAtt': ['A', 'Arn'] }`). */
const CLOUDFORMATION_TAGS: Tags = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  {
    tag: '!GetAtt',
    resolve: (value: string) => {
      const dot = value.indexOf('.');
      return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
    },
  },
  { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
  { tag: '!Sub', collection: 'seq', resolve: (value) => ({ 'Fn::Sub': value.toJSON() }) },
];

export function deploymentFromYaml(text: string, options: DeploymentOptions = {}): Deployment {
  const document = parse(text, { customTags: CLOUDFORMATION_TAGS });
  if (!isObject(document)) throw new RoutingError('serverless.yml: expected a mapping at the top level');
  const stage = options.stage ?? 'dev';
  let settings: unknown;
  const resolved = resolveVariables(document, {
    stage,
    region: options.region,
    settings: () => {
      settings ??= stackSettings(options.configFile ?? 'ops.config.yml', stage);
      return settings;
    },
  });
  return deriveDeployment(resolved, stage);
}

// ---- variables ---------------------------------------------------------------------------------------------

interface VariableContext {
  stage: string;
  region: string | undefined;
  settings: () => unknown;
}

const VARIABLE = /\$\{((?:ecsops|opt|sls|self):[^}]*)\}/g;

function resolveVariables(
  document: Record<string, unknown>,
  context: VariableContext,
): Record<string, unknown> {
  const visit = (node: unknown, depth: number): unknown => {
    if (depth > 10) throw new RoutingError('serverless.yml: variables refer to each other in a cycle');
    if (typeof node === 'string')
      return resolveString(node, (expression) => visit(lookup(expression), depth + 1));
    if (Array.isArray(node)) return node.map((item) => visit(item, depth));
    if (isObject(node))
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value, depth)]));
    return node;
  };
  const lookup = (expression: string): unknown => {
    // `${opt:stage, 'dev'}`: the first source that has a value wins; quoted literals always have one.
    for (const candidate of expression.split(',').map((part) => part.trim())) {
      const literal = /^'(.*)'$|^"(.*)"$/.exec(candidate);
      if (literal) return literal[1] ?? literal[2];
      if (/^-?\d+(\.\d+)?$/.test(candidate)) return Number(candidate);
      const value = source(candidate);
      if (value !== undefined) return value;
    }
    throw new RoutingError(
      `serverless.yml: \${${expression}} has no value; give a default or set the option`,
    );
  };
  const source = (candidate: string): unknown => {
    const colon = candidate.indexOf(':');
    const [name, address] = [candidate.slice(0, colon), candidate.slice(colon + 1)];
    switch (name) {
      case 'opt':
        return address === 'stage' ? context.stage : address === 'region' ? context.region : undefined;
      case 'sls':
        if (address === 'stage') return context.stage;
        throw new RoutingError(
          `serverless.yml: \${sls:${address}} is not available locally; only sls:stage is`,
        );
      case 'self':
        return pick(document, address, `\${self:${address}}`);
      case 'ecsops':
        return pick(context.settings(), address, `\${ecsops:${address}}`);
      default:
        throw new RoutingError(`serverless.yml: unsupported variable source in \${${candidate}}`);
    }
  };
  return visit(document, 0) as Record<string, unknown>;
}

/** A string that is one variable becomes its value (of any type); variables inside text are substituted. */
function resolveString(text: string, resolve: (expression: string) => unknown): unknown {
  const whole = /^\$\{((?:ecsops|opt|sls|self):[^}]*)\}$/.exec(text);
  if (whole?.[1] !== undefined) return resolve(whole[1]);
  return text.replace(VARIABLE, (_match, expression: string) => {
    const value = resolve(expression);
    if (isObject(value) || Array.isArray(value)) {
      throw new RoutingError(
        `serverless.yml: \${${expression}} is an object and cannot be part of "${text}"`,
      );
    }
    return String(value);
  });
}

/** Address lookup as deploy/serverless-plugin.cjs does it: dot-separated keys, each of which must exist. */
function pick(value: unknown, address: string, variable: string): unknown {
  return address.split('.').reduce<unknown>((node, key) => {
    if (!isObject(node) || !(key in node)) {
      throw new RoutingError(
        `serverless.yml: ${variable} does not exist; see deploy/stack.ts for what is available`,
      );
    }
    return node[key];
  }, value);
}

// ---- routes ------------------------------------------------------------------------------------------------

interface Template {
  service: string;
  stage: string;
  resources: Record<string, Record<string, unknown>>;
  functions: Record<string, Record<string, unknown>>;
  providerEnvironment: Record<string, unknown>;
}

function deriveDeployment(document: Record<string, unknown>, stage: string): Deployment {
  const provider = asObject(document.provider);
  const template: Template = {
    service: String(document.service ?? 'service'),
    stage,
    resources: stackResources(document.resources),
    functions: asObject(document.functions) as Record<string, Record<string, unknown>>,
    providerEnvironment: asObject(provider.environment),
  };
  const queues = Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
    .map(([logicalId]) => queueDefinition(template, logicalId));
  const routes = [...ruleRoutes(template, queues), ...eventBridgeRoutes(template)];
  return {
    service: template.service,
    stage,
    region: String(provider.region ?? 'us-east-1'),
    queues,
    routes,
    topics: topicDefinitions(template),
    schedules: scheduleDefinitions(template),
  };
}

/**
 * `resources.Resources`, or — when `resources` is a list, which the framework merges in order (the stack's
 * fixed resources, then generated ones such as drain lifecycle hooks) — every item's `Resources` together.
 */
function stackResources(resources: unknown): Record<string, Record<string, unknown>> {
  const parts = Array.isArray(resources) ? resources : [resources];
  return Object.assign({}, ...parts.map((part) => asObject(asObject(part).Resources))) as Record<
    string,
    Record<string, unknown>
  >;
}

// ---- topics and schedules ----------------------------------------------------------------------------------

function topicDefinitions(template: Template): TopicDefinition[] {
  const topics = Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === 'AWS::SNS::Topic')
    .map(([logicalId, resource]): TopicDefinition => {
      const properties = asObject(resource.Properties);
      const inline = Array.isArray(properties.Subscription) ? properties.Subscription : [];
      return {
        logicalId,
        name:
          typeof properties.TopicName === 'string' && properties.TopicName !== ''
            ? properties.TopicName
            : `${template.service}-${template.stage}-${logicalId}`,
        subscriptions: inline.map((subscription, index) =>
          topicSubscription(
            asObject(subscription),
            `resources.${logicalId}.Properties.Subscription[${index}]`,
          ),
        ),
      };
    });
  for (const [logicalId, resource] of Object.entries(template.resources)) {
    if (resource.Type !== 'AWS::SNS::Subscription') continue;
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

const SCHEDULE_EXPRESSION = /^(rate|cron)\(.+\)$/;

function scheduleDefinitions(template: Template): ScheduleDefinition[] {
  return Object.entries(template.functions).flatMap(([name, fn]) => {
    const normalized = functionLogicalId(name).replace(/LambdaFunction$/, '');
    let scheduleIndex = 0;
    return events(fn).flatMap((event, index): ScheduleDefinition[] => {
      const at = `functions.${name}.events[${index}]`;
      if (event.schedule !== undefined) {
        const schedule = isObject(event.schedule) ? event.schedule : { rate: event.schedule };
        const rates = Array.isArray(schedule.rate) ? schedule.rate : [schedule.rate];
        return rates.map((rate) => {
          scheduleIndex += 1;
          return scheduleDefinition(template, name, {
            rule:
              schedule.method === 'scheduler'
                ? `${normalized}SchedulerSchedule${scheduleIndex}`
                : `${normalized}EventsRuleSchedule${scheduleIndex}`,
            expression: rate,
            options: schedule,
            at: `${at}.schedule`,
          });
        });
      }
      const eventBridge = asObject(event.eventBridge);
      if (eventBridge.schedule === undefined) return [];
      return [
        scheduleDefinition(template, name, {
          rule: `${normalized}EventBridgeRule${index + 1}`,
          expression: eventBridge.schedule,
          options: eventBridge,
          at: `${at}.eventBridge.schedule`,
        }),
      ];
    });
  });
}

function scheduleDefinition(
  template: Template,
  name: string,
  event: { rule: string; expression: unknown; options: Record<string, unknown>; at: string },
): ScheduleDefinition {
  const { rule, expression, options, at } = event;
  if (typeof expression !== 'string' || !SCHEDULE_EXPRESSION.test(expression.trim())) {
    throw new RoutingError(
      `${at}: expected rate(<value> <unit>) or cron(<fields>), got ${JSON.stringify(expression)}`,
    );
  }
  const definition: ScheduleDefinition = {
    rule,
    ruleName:
      typeof options.name === 'string' && options.name !== ''
        ? options.name
        : `${template.service}-${template.stage}-${rule}`,
    function: functionDefinition(template, name),
    expression: expression.trim(),
    enabled: options.enabled !== false && options.enabled !== 'false',
    method: options.method === 'scheduler' ? 'scheduler' : 'rule',
    timeZone: typeof options.timezone === 'string' && options.timezone !== '' ? options.timezone : 'UTC',
  };
  if (options.input === undefined) return definition;
  return { ...definition, input: scheduleInput(options.input) };
}

/** The framework passes an object as its JSON and a string as is; EventBridge hands the target that JSON. */
function scheduleInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

function ruleRoutes(template: Template, queues: readonly QueueDefinition[]): Route[] {
  const routes: Route[] = [];
  for (const [rule, resource] of Object.entries(template.resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const properties = asObject(resource.Properties);
    // Schedules are not bus routes, and a disabled rule delivers nothing.
    if (properties.EventPattern === undefined || (properties.State ?? 'ENABLED') !== 'ENABLED') continue;
    const pattern = checkedPattern(properties.EventPattern, `resources.${rule}.Properties.EventPattern`);
    const eventBus = String(properties.EventBusName ?? 'default');
    const targets = Array.isArray(properties.Targets) ? properties.Targets : [];
    for (const target of targets.map(asObject)) {
      const at = `resources.${rule}: target ${String(target.Id ?? '(no Id)')}`;
      const logicalId = getAttArn(target.Arn);
      if (logicalId === undefined) throw new RoutingError(`${at}: expected Arn: !GetAtt <Resource>.Arn`);
      const queue = queues.find((candidate) => candidate.logicalId === logicalId);
      if (queue !== undefined) {
        routes.push({
          kind: 'queue',
          rule,
          eventBus,
          pattern,
          queue,
          function: consumerOf(template, queue, at),
        });
        continue;
      }
      const fn = Object.keys(template.functions).find((name) => functionLogicalId(name) === logicalId);
      if (fn === undefined) {
        throw new RoutingError(`${at}: ${logicalId} is not an SQS queue or a function of this stack`);
      }
      routes.push({ kind: 'direct', rule, eventBus, pattern, function: functionDefinition(template, fn) });
    }
  }
  return routes;
}

function eventBridgeRoutes(template: Template): Route[] {
  return Object.entries(template.functions).flatMap(([name, fn]) =>
    events(fn).flatMap((event, index): Route[] => {
      const eventBridge = asObject(event.eventBridge);
      if (event.eventBridge === undefined || eventBridge.pattern === undefined) return [];
      return [
        {
          kind: 'direct',
          rule: `${functionLogicalId(name).replace(/LambdaFunction$/, '')}EventBridgeRule${index + 1}`,
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

function consumerOf(template: Template, queue: QueueDefinition, at: string): SqsFunction {
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

function queueDefinition(template: Template, logicalId: string): QueueDefinition {
  const properties = asObject(template.resources[logicalId]?.Properties);
  const at = `resources.${logicalId}`;
  const name =
    typeof properties.QueueName === 'string'
      ? properties.QueueName
      : `${template.service}-${template.stage}-${logicalId}`;
  const definition: QueueDefinition = {
    logicalId,
    name,
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

function functionDefinition(template: Template, name: string): FunctionDefinition {
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

function checkedPattern(pattern: unknown, at: string): Record<string, unknown> {
  const problems = validatePattern(pattern);
  if (problems.length > 0) throw new RoutingError(`${at}: ${new InvalidEventPatternError(problems).message}`);
  return pattern as Record<string, unknown>;
}

/** The logical id in `!GetAtt <Id>.Arn` (short or long form), else undefined. */
function getAttArn(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  const [id, attribute] = Array.isArray(getAtt)
    ? getAtt
    : typeof getAtt === 'string'
      ? getAtt.split('.')
      : [];
  return attribute === 'Arn' && typeof id === 'string' ? id : undefined;
}

/** The framework's logical id for a function: `reconcile` → `ReconcileLambdaFunction`, `a-b` → `ADashb…`. */
function functionLogicalId(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

function events(fn: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(fn.events) ? fn.events.map(asObject) : [];
}

function wholeNumber(value: unknown, at: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new RoutingError(`${at}: expected a whole number, got ${JSON.stringify(value)}`);
  }
  return number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

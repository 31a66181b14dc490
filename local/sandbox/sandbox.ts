/**
 * The sandbox (`npm start`, `ecs-ops sandbox`): ecs-ops running end to end with no AWS account.
 *
 *   simulated ECS ──events──> local EventBridge (serverless.yml's rules) ──> local SQS ──batches──> reconcile
 *        ^                                                                         (deployed bundle, worker)
 *        └── local endpoint (ECS, SNS, App Auto Scaling, EC2 Auto Scaling, SQS, CloudWatch) <── SDK clients
 *
 * Functions run their deployed bundles with the environment serverless.yml gives them; their SDK clients reach
 * the local endpoint and the embedded DynamoDB engine through the standard AWS_ENDPOINT_URL variables. The
 * stack's SNS topics exist in the mailbox before any function starts, scheduled functions fire on the
 * simulated clock, and every message landing in the mailbox is timed against the ECS event it is about.
 * Simulated time runs `speed` times faster than the wall clock. When the run ends (duration, script done or
 * Ctrl-C), delivery is drained and the store is compared with the simulator's ground truth.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DrainStore } from '../../lib/drain/drain-store.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { ApplicationAutoScalingRegistry } from '../application-auto-scaling/application-auto-scaling.js';
import { CloudWatchMetrics } from '../cloudwatch/metrics.js';
import { LOCAL_STATE_TABLE } from '../dynamodb/local-engine.js';
import { SimulatedEcs } from '../ecs/index.js';
import { type Backends, lambdaFunctions, type SnsBackend, startLocalEndpoint } from '../endpoint/index.js';
import { LocalEventBus } from '../eventbridge/bus.js';
import { type LocalFunction, startLocalFunction } from '../lambda/lambda-runtime.js';
import { seededRandom } from '../random.js';
import { LocalSchedules } from '../scheduler/schedules.js';
import { type Deployment, type FunctionDefinition, loadDeployment } from '../serverless/routes.js';
import { SnsMailbox } from '../sns/sns-mailbox.js';
import { LocalQueues } from '../sqs/local-queues.js';
import type { SqsQueue } from '../sqs/queue.js';
import { AlertLatency } from './alert-latency.js';
import { DrainLatency } from './drain-latency.js';
import { functionEnvironment, type LocalResources, localValue } from './environment.js';
import { compareWithStore } from './ground-truth.js';
import type { SandboxOptions, SandboxReport } from './model.js';
import { ScalingLatency } from './scaling-latency.js';
import { buildTopology, SCRIPT, SCRIPT_MS, type ScenarioWorld, SERVICES_ASG } from './scenario.js';
import { SandboxView } from './view.js';

const TICK_MS = 100;
const REGION = 'us-east-1';
/** The account the local services report in ARNs (the mailbox's and the Lambda runtime's). */
const ACCOUNT = '000000000000';

export async function runSandbox(options: SandboxOptions): Promise<SandboxReport> {
  const random = seededRandom(options.seed);
  const startedAt = Date.now();
  let simulatedNow = startedAt;
  const now = () => simulatedNow;
  const view = new SandboxView(options.out, startedAt, now);
  const logs = join(options.dir, 'logs');

  const deployment = loadDeployment(join(options.root, 'serverless.yml'), {
    stage: 'local',
    region: REGION,
    configFile: options.configFile,
  });
  view.headline(deployment, options);
  // Checked before anything starts: a rate EventBridge would refuse stops the sandbox here.
  const schedules = new LocalSchedules({
    schedules: deployment.schedules,
    startedAt,
    region: REGION,
    account: ACCOUNT,
    invoke: (name, event) => invoke(name, event),
    warn: (text) => view.problem(now(), text),
  });
  const published: EventEnvelope[] = [];
  const sim = new SimulatedEcs({ now, random, region: REGION, emit: (event) => published.push(event) });
  const mailbox = new SnsMailbox({
    dir: join(options.dir, 'mailbox'),
    region: REGION,
    account: ACCOUNT,
    now: () => new Date(now()),
  });
  const alerts = new AlertLatency();
  const drains = new DrainLatency();
  const scaling = new ScalingLatency(
    new Set(Object.values(options.scaling).map((policy) => policy.service)),
    startedAt,
  );
  view.onFunctionLog((entry, name) => scaling.functionLogged(entry, name));
  view.onFunctionLog((entry) => alerts.functionLogged(entry));
  // The mailbox as the endpoint serves it: each message that lands is shown and timed.
  const sns: SnsBackend = {
    createTopic: (input) => mailbox.createTopic(input),
    subscribe: (input) => mailbox.subscribe(input),
    publish: async (input) => {
      const response = await mailbox.publish(input);
      alerts.messageLanded(
        {
          messageId: response.MessageId,
          subject: input.Subject,
          message: input.Message ?? '',
          attributes: Object.fromEntries(
            Object.entries(input.MessageAttributes ?? {}).map(([name, a]) => [name, a.StringValue]),
          ),
        },
        Date.now(),
      );
      view.mailbox(now(), input.Subject);
      return response;
    },
  };
  // EC2 Auto Scaling as the endpoint serves it: each completed lifecycle action is timed.
  const autoScaling = sim.autoScaling;
  // ECS as the endpoint serves it: the scaled services' UpdateService calls are timed.
  const ecsBackend = new Proxy(sim, {
    get(target, property) {
      if (property === 'updateService') {
        return (input: Parameters<SimulatedEcs['updateService']>[0]) => {
          const answer = target.updateService(input);
          scaling.serviceUpdated(input.service, input.desiredCount, now());
          return answer;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const backends: Backends = {
    ecs: ecsBackend,
    autoScaling: {
      completeLifecycleAction: (input) => {
        const answer = autoScaling.completeLifecycleAction(input);
        if (input.InstanceId !== undefined) drains.actionCompleted(input.InstanceId, Date.now());
        return answer;
      },
      recordLifecycleActionHeartbeat: (input) => autoScaling.recordLifecycleActionHeartbeat(input),
      describeAutoScalingInstances: (input) => autoScaling.describeAutoScalingInstances(input),
    },
    sns,
    applicationAutoScaling: new ApplicationAutoScalingRegistry({ region: REGION }),
    cloudWatch: new CloudWatchMetrics({ now: () => new Date(now()) }),
  };
  const endpoint = await startLocalEndpoint({ backends });
  // Queue URLs name the endpoint, so the queues exist once it listens; it reads its backends per request.
  const queues = new LocalQueues({ now, region: REGION, baseUrl: endpoint.url });
  backends.sqs = queues;
  const queuesById = queues.createAll(deployment.queues);
  const resources = localResources(deployment, queuesById, mailbox, view, startedAt);
  const functions = startFunctions(
    options,
    [...deployment.routes.map((route) => route.function), ...schedules.functions()],
    resources,
    endpoint.url,
    logs,
    view,
  );
  const invocations: Record<string, number> = Object.fromEntries([...functions.keys()].map((n) => [n, 0]));
  const invoke = (name: string, event: unknown) => {
    const fn = functions.get(name);
    if (fn === undefined) return Promise.reject(new Error(`no local function ${name}`));
    invocations[name] = (invocations[name] ?? 0) + 1;
    return fn.invoke(event);
  };
  // Lambda's Invoke serves the functions by their deployed names (ecs-ops-local-launch): `ecs-ops jobs run`.
  backends.lambda = lambdaFunctions(
    Object.fromEntries(
      [...functions.keys()].map((name) => [
        `${deployment.service}-${deployment.stage}-${name}`,
        (event: unknown) => invoke(name, event),
      ]),
    ),
  );
  const bus = new LocalEventBus({
    routes: deployment.routes,
    queues,
    now,
    random,
    region: REGION,
    chaos: options.chaos > 0 ? { duplicate: options.chaos, reorder: true } : {},
    invoke: (name, event) => invoke(name, event),
  });
  // The queues the scaling policies read, which the stack does not own: created as their owners would.
  for (const policy of Object.values(options.scaling)) {
    if (policy.metric.sqs !== undefined)
      queues.create(policy.metric.sqs.queue.slice(policy.metric.sqs.queue.lastIndexOf('/') + 1));
  }
  const clientConfig = {
    endpoint: endpoint.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const ecs = new ECSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);

  let interrupted = false;
  try {
    const [services = 'default', jobs = services] = options.clusters;
    const group = options.drain.autoScalingGroups[0] ?? SERVICES_ASG;
    // What the stack creates (drain.lifecycleHook.create): the termination hook ecs-ops drains through.
    if (options.drain.lifecycleHook.create) {
      for (const listed of options.drain.autoScalingGroups) {
        sim.autoScaling.putLifecycleHook(listed, {
          name: options.drain.lifecycleHook.name,
          heartbeatTimeoutSeconds: options.drain.lifecycleHook.heartbeatTimeoutSeconds,
          defaultResult: 'CONTINUE',
        });
      }
    }
    buildTopology(sim, [services, jobs], group, random);
    const world: ScenarioWorld = {
      sim,
      ecs,
      services,
      jobs,
      invoke: (name, event) => invoke(name, event),
      sqs,
      consumeAll: (queueName) => {
        const queue = queues.named(queueName);
        let taken = 0;
        for (let batch = queue.receive(10); batch.length > 0; batch = queue.receive(10)) {
          for (const message of batch) queue.delete(message.receiptHandle);
          taken += batch.length;
        }
        return taken;
      },
      now,
      marks: {},
    };
    await refuseReplayOverItself(options, sim);
    const durationMs = options.durationMs ?? SCRIPT_MS / options.speed;
    const script = [...SCRIPT];
    const wallStart = performance.now();
    while (performance.now() - wallStart < durationMs) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      simulatedNow = startedAt + (performance.now() - wallStart) * options.speed;
      while (script.length > 0 && (script[0]?.at ?? Infinity) <= simulatedNow - startedAt) {
        const step = script.shift() as (typeof script)[number];
        view.step(simulatedNow, step.say);
        await step
          .act(world)
          .catch((error: Error) => view.problem(simulatedNow, `${step.say}: ${error.message}`));
      }
      sim.step();
      await publish(bus, published, view, [alerts, drains], simulatedNow);
      schedules.fire(simulatedNow);
      await bus.pump();
      await sleep(TICK_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
    // Whatever was emitted is delivered before the comparison: the store must then equal the simulator.
    await publish(bus, published, view, [alerts, drains], simulatedNow);
    await schedules.settle();
    await bus.drain({ elapseTimeouts: true });
    // What the last invocations published is delivered too (an alert about the last event, say).
    await schedules.settle();
    const groundTruth = await compareWithStore(sim.snapshot(), options.store);
    const report: SandboxReport = {
      simulatedSeconds: Math.round((simulatedNow - startedAt) / 1000),
      interrupted,
      bus: bus.counters(),
      reconciled: view.reconciled(),
      invocations: { ...invocations },
      requests: endpoint.requests(),
      mailbox: mailbox.list().length,
      alerts: alerts.report(),
      drains: drains.report(
        await new DrainStore({
          tableName: options.store.tableName,
          client: options.store.client,
          retentionDays: 0,
        }).list(),
      ),
      scaling: scaling.report(world.marks.backlog),
      scheduled: schedules.invocations(),
      groundTruth,
      store: options.dir,
    };
    view.summary(report);
    return report;
  } finally {
    ecs.destroy();
    sqs.destroy();
    await Promise.all([...functions.values()].map((fn) => fn.stop()));
    await endpoint.close();
  }
}

/** A seed replays a run's ids too: over a store that already holds that run, the versions would collide. */
async function refuseReplayOverItself(options: SandboxOptions, sim: SimulatedEcs) {
  const [first] = sim.snapshot().containerInstances;
  if (
    first !== undefined &&
    (await options.store.getLatest(String(first.containerInstanceArn))) !== undefined
  ) {
    throw new SandboxUsageError(
      `${options.dir} already holds the run of seed ${options.seed}; replay it with another --dir, or leave out --seed`,
    );
  }
}

/** A sandbox that cannot run as asked: the CLI reports it as bad usage. */
export class SandboxUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUsageError';
  }
}

async function publish(
  bus: LocalEventBus,
  published: EventEnvelope[],
  view: SandboxView,
  watchers: readonly Pick<AlertLatency, 'eventPublished'>[],
  at: number,
) {
  for (const event of published.splice(0)) {
    view.event(at, event);
    for (const watcher of watchers) watcher.eventPublished(event, Date.now());
    await bus.publish(event);
  }
}

/**
 * The stack's resources as local stand-ins, by logical id: the table, the queues (`Ref` its URL, `Arn`) and
 * the SNS topics, created in the mailbox with their subscriptions (`Ref` and `TopicArn` the topic ARN,
 * `TopicName`). A subscription the mailbox cannot hold (an https endpoint, say) is shown and skipped.
 */
function localResources(
  deployment: Deployment,
  queues: Map<string, SqsQueue>,
  mailbox: SnsMailbox,
  view: SandboxView,
  at: number,
): LocalResources {
  const resources: LocalResources = { StateTable: { Ref: LOCAL_STATE_TABLE } };
  for (const [logicalId, queue] of queues) resources[logicalId] = { Ref: queue.url, Arn: queue.arn };
  for (const topic of deployment.topics) {
    const { TopicArn: arn = '' } = mailbox.createTopic({ Name: topic.name });
    resources[topic.logicalId] = { Ref: arn, TopicArn: arn, TopicName: topic.name };
  }
  for (const topic of deployment.topics) {
    const arn = resources[topic.logicalId]?.Ref;
    for (const { protocol, endpoint } of topic.subscriptions) {
      try {
        mailbox.subscribe({
          TopicArn: arn,
          Protocol: protocol,
          Endpoint: localValue(`${topic.logicalId} ${protocol} subscription`, endpoint, resources),
        });
      } catch (error) {
        view.problem(at, `${topic.logicalId}: ${protocol} subscription skipped: ${(error as Error).message}`);
      }
    }
  }
  return resources;
}

/** One local Lambda per function a route or a schedule reaches, with serverless.yml's environment resolved locally. */
function startFunctions(
  options: SandboxOptions,
  definitions: readonly FunctionDefinition[],
  resources: LocalResources,
  endpointUrl: string,
  logDir: string,
  view: SandboxView,
): Map<string, LocalFunction> {
  const functions = new Map<string, LocalFunction>();
  for (const definition of definitions) {
    if (functions.has(definition.name)) continue;
    const { bundle, exportName } = bundleOf(options.root, definition.handler);
    functions.set(
      definition.name,
      startLocalFunction({
        name: definition.name,
        bundle,
        exportName,
        environment: functionEnvironment(definition.name, definition.environment, resources, {
          services: endpointUrl,
          dynamodb: options.dynamoDbEndpoint,
          region: REGION,
        }),
        logDir,
        // serverless.yml's provider timeout: what getRemainingTimeInMillis counts down from.
        timeoutMs: 60_000,
        onLog: (line) => view.functionLog(definition.name, line),
      }),
    );
  }
  return functions;
}

/** `dist/functions/reconcile/index.handler` → the bundle file and the export it names. */
function bundleOf(root: string, handler: string): { bundle: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = join(root, handler.slice(0, dot));
  const bundle = ['.mjs', '.js'].map((extension) => base + extension).find((file) => existsSync(file));
  if (bundle === undefined) {
    throw new Error(`${base}.mjs is not built; run npm run build (npm start builds before it runs)`);
  }
  return { bundle, exportName: handler.slice(dot + 1) };
}

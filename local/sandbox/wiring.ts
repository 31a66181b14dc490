/**
 * The local AWS account a sandbox run plays in, wired from serverless.yml:
 *
 *   simulated ECS ──events──> local EventBridge (serverless.yml's rules) ──> local SQS ──batches──> functions
 *        ^                                                                       (deployed bundles, workers)
 *        └── local endpoint (ECS, SNS, App Auto Scaling, EC2 Auto Scaling, SQS, CloudWatch, Lambda,
 *            EventBridge) <── SDK
 *
 * Functions reach the endpoint and the embedded DynamoDB engine through the standard AWS_ENDPOINT_URL
 * variables. The stack's SNS topics exist in the mailbox before any function starts; scheduled functions fire
 * on the simulated clock. What the run measures is observed here, where it crosses the endpoint: each message
 * landing in the mailbox, each completed lifecycle action, each UpdateService of a scaled service. What the
 * simulation puts on the bus is captured in `<dir>/events.jsonl`, one envelope a line, for `ecs-ops replay`.
 */
import { writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { lastSegment } from '../../lib/platform/arn.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import { ApplicationAutoScalingRegistry } from '../application-auto-scaling/application-auto-scaling.js';
import { CloudWatchMetrics } from '../cloudwatch/metrics.js';
import { SimulatedEcs } from '../ecs/index.js';
import {
  type Backends,
  eventBridgeBackend,
  type LocalEndpoint,
  type SnsBackend,
  startLocalEndpoint,
} from '../endpoint/index.js';
import { LocalEventBus } from '../eventbridge/bus.js';
import { LocalSchedules } from '../scheduler/schedules.js';
import type { Deployment } from '../serverless/routes.js';
import { SnsMailbox } from '../sns/sns-mailbox.js';
import { LocalQueues } from '../sqs/local-queues.js';
import { AlertLatency } from './alert-latency.js';
import type { SandboxClock } from './clock.js';
import { DrainLatency } from './drain-latency.js';
import { SandboxFunctions } from './functions.js';
import { BREAK_FROM_MS, BREAK_TO_MS, type SandboxOptions } from './model.js';
import { localResources } from './resources.js';
import { ScalingLatency } from './scaling-latency.js';
import { SelfMonitoring } from './self-monitoring.js';
import type { SandboxView } from './view.js';

export const REGION = 'us-east-1';
/** The function deploying invokes once, and the run's end invokes as its next scheduled run would. */
export const RESYNC_FUNCTION = 'resync';
/** The account the local services report in ARNs (the mailbox's and the Lambda runtime's). */
const ACCOUNT = '000000000000';

export interface LocalAccount {
  sim: SimulatedEcs;
  bus: LocalEventBus;
  schedules: LocalSchedules;
  functions: SandboxFunctions;
  queues: LocalQueues;
  mailbox: SnsMailbox;
  endpoint: LocalEndpoint;
  /** SDK clients at the endpoint, as an operator's scripts would hold them. */
  ecs: ECSClient;
  sqs: SQSClient;
  watchers: { alerts: AlertLatency; drains: DrainLatency; scaling: ScalingLatency };
  /** The local CloudWatch's metrics from the run, and the stack's alarms evaluated over them. */
  monitoring: SelfMonitoring;
  /** The file every event put on the bus is appended to (`<dir>/events.jsonl`). */
  capture: string;
  /** Hands what the simulation emitted so far to the bus, showing and timing each event. */
  publish(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalAccount(context: {
  options: SandboxOptions;
  deployment: Deployment;
  clock: SandboxClock;
  random: () => number;
  view: SandboxView;
}): Promise<LocalAccount> {
  const { options, deployment, clock, random, view } = context;
  const now = clock.now;
  // Checked before anything starts: a rate EventBridge would refuse stops the sandbox here.
  const schedules = new LocalSchedules({
    schedules: deployment.schedules,
    startedAt: clock.startedAt,
    region: REGION,
    account: ACCOUNT,
    invoke: (name, event) => functions.invoke(name, event),
    warn: (text) => view.problem(now(), text),
  });
  const emitted: EventEnvelope[] = [];
  // This run's alone: an earlier run's events would replay as this run's.
  const capture = join(options.dir, 'events.jsonl');
  writeFileSync(capture, '');
  const sim = new SimulatedEcs({ now, random, region: REGION, emit: (event) => emitted.push(event) });
  const mailbox = new SnsMailbox({
    dir: join(options.dir, 'mailbox'),
    region: REGION,
    account: ACCOUNT,
    now: () => new Date(now()),
  });
  const watchers = {
    alerts: new AlertLatency(),
    drains: new DrainLatency(),
    scaling: new ScalingLatency(
      new Set(Object.values(options.scaling).map((policy) => policy.service)),
      clock.startedAt,
    ),
  };
  view.onFunctionLog((entry, name) => watchers.scaling.functionLogged(entry, name));
  view.onFunctionLog((entry) => watchers.alerts.functionLogged(entry));
  const metrics = new CloudWatchMetrics({ now: () => new Date(now()) });
  const backends = observedBackends(sim, mailbox, watchers, view, now, metrics);
  const endpoint = await startLocalEndpoint({ backends });
  // Queue URLs name the endpoint, so the queues exist once it listens; it reads its backends per request.
  const queues = new LocalQueues({ now, region: REGION, baseUrl: endpoint.url });
  backends.sqs = queues;
  let functions: SandboxFunctions;
  let monitoring: SelfMonitoring;
  // Alarms are evaluated only once the run loop ticks, after the bus exists.
  let bus: LocalEventBus;
  try {
    const resources = localResources(deployment, queues.createAll(deployment.queues), mailbox, (text) =>
      view.problem(now(), text),
    );
    // CloudWatch's alarm notifications reach the alert topic as any publisher's would: into the mailbox; its
    // state-change events go on the bus (made below), whose AlarmStates rule routes them to the alarm function.
    monitoring = new SelfMonitoring({
      deployment,
      metrics,
      queues,
      resources,
      startedAt: clock.startedAt,
      region: REGION,
      account: ACCOUNT,
      notify: async (topicArn, subject, message) => {
        await mailbox.publish({ TopicArn: topicArn, Subject: subject, Message: message });
        view.mailbox(now(), subject);
      },
      stateChanged: async (event) => {
        await bus.publish(event);
      },
    });
    const breakFunction = options.breakFunction;
    let breakShown = false;
    functions = new SandboxFunctions({
      root: options.root,
      definitions: [...deployment.routes.map((route) => route.function), ...schedules.functions()],
      resources,
      endpoints: { services: endpoint.url, dynamodb: options.dynamoDbEndpoint, region: REGION },
      logDir: join(options.dir, 'logs'),
      clock: clock.shared,
      onLog: (name, line) => view.functionLog(name, line),
      now,
      onInvoked: (name, failed, at) => monitoring.invoked(name, failed, at),
      ...(breakFunction === undefined
        ? {}
        : {
            broken: {
              name: breakFunction,
              from: clock.startedAt + BREAK_FROM_MS,
              to: clock.startedAt + BREAK_TO_MS,
              onFailure: (at: number) => {
                if (breakShown) return;
                breakShown = true;
                view.problem(
                  at,
                  `${breakFunction} throws on every invocation (--break) until +${BREAK_TO_MS / 1000}s`,
                );
              },
            },
          }),
    });
  } catch (error) {
    await endpoint.close();
    throw error;
  }
  view.onFunctionLog((entry) => monitoring.functionLogged(entry));
  backends.cloudWatch = {
    getMetricData: (input) => metrics.getMetricData(input),
    putMetricData: (input) => metrics.putMetricData(input),
    describeAlarms: (input) => monitoring.alarms.describeAlarms(input),
  };
  backends.lambda = functions.lambdaBackend(deployment);
  bus = new LocalEventBus({
    routes: deployment.routes,
    queues,
    now,
    random,
    region: REGION,
    chaos: {
      ...(options.chaos > 0 ? { duplicate: options.chaos, reorder: true } : {}),
      ...((options.loss ?? 0) > 0 ? { loss: options.loss } : {}),
    },
    invoke: (name, event) => functions.invoke(name, event),
    onLost: (event) => view.lost(now(), event),
  });
  // Resync's late stops go back on the bus, where the rules route them like ECS's own events.
  backends.eventBridge = eventBridgeBackend((envelope, eventBus) => bus.publish(envelope, eventBus), {
    account: sim.account,
    region: sim.region,
    now,
  });
  prepareAccount(options, sim, queues);
  const clientConfig = {
    endpoint: endpoint.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const ecs = new ECSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  return {
    sim,
    bus,
    schedules,
    functions,
    queues,
    mailbox,
    endpoint,
    ecs,
    sqs,
    watchers,
    monitoring,
    capture,
    async publish() {
      const events = emitted.splice(0);
      if (events.length > 0)
        await appendFile(capture, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
      for (const event of events) {
        view.event(now(), event);
        watchers.alerts.eventPublished(event, Date.now());
        watchers.drains.eventPublished(event, Date.now());
        await bus.publish(event);
      }
    },
    async close() {
      ecs.destroy();
      sqs.destroy();
      await functions.stop();
      await endpoint.close();
    },
  };
}

/**
 * The backends the endpoint serves, with what the run measures observed on the way (latencies in wall-clock
 * time, the scaled services' changes in simulated time).
 */
function observedBackends(
  sim: SimulatedEcs,
  mailbox: SnsMailbox,
  watchers: LocalAccount['watchers'],
  view: SandboxView,
  now: () => number,
  metrics: CloudWatchMetrics,
): Backends {
  const sns: SnsBackend = {
    createTopic: (input) => mailbox.createTopic(input),
    subscribe: (input) => mailbox.subscribe(input),
    publish: async (input) => {
      const response = await mailbox.publish(input);
      watchers.alerts.messageLanded(
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
  const ecs = new Proxy(sim, {
    get(target, property) {
      if (property === 'updateService') {
        return (input: Parameters<SimulatedEcs['updateService']>[0]) => {
          const answer = target.updateService(input);
          watchers.scaling.serviceUpdated(input.service, input.desiredCount, now());
          return answer;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const autoScaling = sim.autoScaling;
  return {
    ecs,
    autoScaling: {
      completeLifecycleAction: (input) => {
        const answer = autoScaling.completeLifecycleAction(input);
        if (input.InstanceId !== undefined) watchers.drains.actionCompleted(input.InstanceId, Date.now());
        return answer;
      },
      recordLifecycleActionHeartbeat: (input) => autoScaling.recordLifecycleActionHeartbeat(input),
      describeAutoScalingInstances: (input) => autoScaling.describeAutoScalingInstances(input),
    },
    sns,
    applicationAutoScaling: new ApplicationAutoScalingRegistry({ region: REGION }),
    cloudWatch: metrics,
  };
}

/**
 * What exists in a real account before the first event: the termination hook the stack adds to each Auto
 * Scaling group (drain.lifecycleHook.create), and the queues the scaling policies read, which their owners
 * create.
 */
function prepareAccount(options: SandboxOptions, sim: SimulatedEcs, queues: LocalQueues) {
  if (options.drain.lifecycleHook.create) {
    for (const group of options.drain.autoScalingGroups) {
      sim.autoScaling.putLifecycleHook(group, {
        name: options.drain.lifecycleHook.name,
        heartbeatTimeoutSeconds: options.drain.lifecycleHook.heartbeatTimeoutSeconds,
        defaultResult: 'CONTINUE',
      });
    }
  }
  for (const policy of Object.values(options.scaling)) {
    if (policy.metric.sqs !== undefined) queues.create(lastSegment(policy.metric.sqs.queue));
  }
}

/**
 * Draining end to end, through the real SDK clients: the state table on an engine, ECS and EC2 Auto Scaling
 * served by the simulator behind the local endpoint, one fake clock shared by the simulator and the drainer.
 *
 * The cluster `prod` has three container instances of the Auto Scaling group `ecs-prod` (hook `ecs-ops-drain`,
 * 600 s heartbeat timeout). The service `web` runs 3 tasks, all on the first instance (`HOST`): it was the
 * only one when the service started. Every event the simulator emits is reconciled into the state table (what
 * the reconcile function does), and the drain function's batch processor gets the ones the drain rule routes
 * to it (deploy/stack.ts drainEventPattern, matched as EventBridge does).
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { drainEventPattern } from '../../deploy/drain.js';
import { createDrainBatch } from '../../lib/drain/drain-batch.js';
import { DrainStore } from '../../lib/drain/drain-store.js';
import { createDrainer } from '../../lib/drain/drainer.js';
import type { DrainSettings } from '../../lib/drain/model.js';
import { parseOpsConfig } from '../../lib/ops-config.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import type { BatchRecord } from '../../lib/platform/handler/sqs-batch-handler.js';
import { Journal } from '../../lib/platform/journal.js';
import type { AlertMessage } from '../../lib/platform/notification/message.js';
import type { AlertPublisher } from '../../lib/platform/notification/publisher.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import type { AutoScalingBackend } from '../../local/endpoint/backends.js';
import { compilePattern } from '../../local/eventbridge/event-pattern.js';
import { endpointFor } from './local-endpoint.js';
import { RecordingDeadLetters, simulatedWorld } from './simulated-world.js';

export const START = '2024-05-02T10:00:00.000Z';
export const CLUSTER = 'prod';
export const GROUP = 'ecs-prod';
export const HOOK = 'ecs-ops-drain';
/** The instance drained in most tests: it runs the service's 3 tasks. */
export const HOST = 'i-0000000000000a001';
export const OTHER_HOSTS = ['i-0000000000000a002', 'i-0000000000000a003'] as const;
/** An instance of the group that never registered with ECS. */
export const STRANGER = 'i-0000000000000b001';
export const MINUTE = 60_000;

export const SETTINGS: DrainSettings = {
  deadlineMinutes: 60,
  heartbeatTimeoutSeconds: 600,
  standaloneTasks: 'wait',
  standaloneGraceMinutes: 10,
};

const CONFIG = parseOpsConfig({
  clusters: [CLUSTER],
  drain: {
    autoScalingGroups: [GROUP],
    lifecycleHook: { name: HOOK, heartbeatTimeoutSeconds: SETTINGS.heartbeatTimeoutSeconds },
  },
});
/** The drain rule, as EventBridge matches it. */
export const routedToDrain = compilePattern(drainEventPattern(CONFIG));

export class RecordingPublisher implements AlertPublisher {
  readonly messages: AlertMessage[] = [];
  /** Publishes to refuse next, as SNS does when it fails past the SDK's retries. */
  failures = 0;
  async publish(message: AlertMessage): Promise<string> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('SNS is unavailable'), { name: 'InternalErrorException' });
    }
    this.messages.push(message);
    return `message-${this.messages.length}`;
  }
}

/** One EC2 Auto Scaling call the endpoint served, with the simulated time and the drain delivery it came in. */
export interface LifecycleCall {
  operation: 'CompleteLifecycleAction' | 'RecordLifecycleActionHeartbeat';
  input: Record<string, unknown>;
  at: number;
  /** The envelope being delivered to the drain function then (undefined: a sweep or a direct call). */
  during: EventEnvelope | undefined;
}

export interface SetupOptions {
  settings?: Partial<DrainSettings>;
  /** Also run a standalone task (RunTask, runs until stopped) on HOST. */
  standalone?: boolean;
}

export async function setup(store: StateStore, options: SetupOptions = {}) {
  const { clock, now, emitted, sim, advance, reconcile } = simulatedWorld(store, {
    start: START,
    seed: 6,
  });
  const settings: DrainSettings = { ...SETTINGS, ...options.settings };
  sim.autoScaling.putLifecycleHook(GROUP, {
    name: HOOK,
    heartbeatTimeoutSeconds: settings.heartbeatTimeoutSeconds,
    defaultResult: 'CONTINUE',
  });
  sim.createCluster(CLUSTER);
  sim.registerTaskDefinition({
    family: 'web',
    containers: [
      { name: 'web', image: 'web:1', cpu: 256, memory: 512, essential: true, behaviour: { kind: 'run' } },
    ],
  });
  sim.registerTaskDefinition({
    family: 'backfill',
    containers: [
      {
        name: 'backfill',
        image: 'backfill:1',
        cpu: 128,
        memory: 256,
        essential: true,
        behaviour: { kind: 'run' },
      },
    ],
  });
  const register = (ec2InstanceId: string) =>
    sim.registerContainerInstance({
      cluster: CLUSTER,
      ec2InstanceId,
      cpu: 2048,
      memory: 4096,
      autoScalingGroup: GROUP,
    });
  const containerInstanceArn = register(HOST);
  sim.createService({
    cluster: CLUSTER,
    serviceName: 'web',
    taskDefinition: 'web',
    desiredCount: 3,
    launchType: 'EC2',
  });
  let standaloneTaskArn: string | undefined;
  if (options.standalone) {
    const { tasks = [] } = sim.runTask({ cluster: CLUSTER, taskDefinition: 'backfill', launchType: 'EC2' });
    standaloneTaskArn = tasks[0]?.taskArn;
  }

  /** EC2 Auto Scaling as the endpoint serves it, recording the lifecycle calls that reached it. */
  const lifecycleCalls: LifecycleCall[] = [];
  let delivering: EventEnvelope | undefined;
  const asg = sim.autoScaling;
  const autoScalingBackend: AutoScalingBackend = {
    completeLifecycleAction: (input) => {
      lifecycleCalls.push({
        operation: 'CompleteLifecycleAction',
        input: { ...input },
        at: clock.now,
        during: delivering,
      });
      return asg.completeLifecycleAction(input);
    },
    recordLifecycleActionHeartbeat: (input) => {
      lifecycleCalls.push({
        operation: 'RecordLifecycleActionHeartbeat',
        input: { ...input },
        at: clock.now,
        during: delivering,
      });
      return asg.recordLifecycleActionHeartbeat(input);
    },
    describeAutoScalingInstances: (input) => asg.describeAutoScalingInstances(input),
  };
  const { endpoint, config: clientConfig } = await endpointFor({ ecs: sim, autoScaling: autoScalingBackend });

  const tableName = store.tableName;
  const drains = new DrainStore({ tableName, client: store.client, retentionDays: 30 });
  const journal = new Journal({ tableName, client: store.client, retentionDays: 90 });
  const publisher = new RecordingPublisher();
  const deadLetters = new RecordingDeadLetters();
  /** A new drain function instance (its own clients), as a Lambda cold start makes. */
  const drainer = () =>
    createDrainer({
      drains,
      state: store,
      ecs: new ECSClient(clientConfig),
      autoScaling: new AutoScalingClient(clientConfig),
      publisher,
      journal,
      settings,
      clusters: [CLUSTER],
      now,
    });
  const batch = () => createDrainBatch({ drainer: drainer(), deadLetters });
  const processDrainBatch = batch();

  /** Delivers one envelope to the drain function (a batch of one), remembering it for the lifecycle calls. */
  const deliver = async (event: EventEnvelope, processor = processDrainBatch) => {
    delivering = event;
    try {
      const { outcomes, redeliver } = await processor([{ id: event.id, body: JSON.stringify(event) }]);
      if (redeliver.length > 0) throw new Error(`redelivery asked for: ${JSON.stringify(outcomes)}`);
      return outcomes[0];
    } finally {
      delivering = undefined;
    }
  };

  /**
   * The drain queue as it runs normally: everything emitted is reconciled first, then each envelope the drain
   * rule routes is delivered, one by one in emission order. Returns what each delivery came to.
   */
  let delivered = 0;
  const flush = async () => {
    await reconcile();
    const fresh = emitted.slice(delivered).filter(routedToDrain);
    delivered = emitted.length;
    const outcomes = [];
    for (const event of fresh) outcomes.push({ event, outcome: await deliver(event) });
    return outcomes;
  };
  /** Skips what was emitted so far: the drain function never sees it (events before the drain, say). */
  const skipDrainEvents = () => {
    delivered = emitted.length;
  };

  /** Advances minute by minute until `until`, flushing events and running the sweeper after each minute. */
  const sweepMinutes = async (minutes: number, drainerInstance = drainer()) => {
    const reports = [];
    for (let minute = 0; minute < minutes; minute++) {
      advance(MINUTE);
      await flush();
      reports.push(...(await drainerInstance.sweep()));
    }
    return reports;
  };

  /** The lifecycle action event of a scale-in of `ec2InstanceId`, as the simulator emits it. */
  const scaleIn = (ec2InstanceId: string) => {
    const before = emitted.length;
    sim.terminateInstance(ec2InstanceId);
    const event = emitted
      .slice(before)
      .find((e) => e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action');
    if (event === undefined) throw new Error(`no lifecycle action event for ${ec2InstanceId}`);
    return event;
  };

  const instanceOf = (ec2InstanceId: string) =>
    sim
      .snapshot()
      .containerInstances.find(
        (instance) => instance.ec2InstanceId === ec2InstanceId && instance.status !== 'INACTIVE',
      ) ?? sim.snapshot().containerInstances.find((instance) => instance.ec2InstanceId === ec2InstanceId);
  const tasksOn = (arn: string) =>
    sim.snapshot().tasks.filter((task) => task.containerInstanceArn === arn && task.lastStatus !== 'STOPPED');
  const drainEntries = () =>
    journal.list({
      kind: 'drain',
      since: new Date(clock.now - 86_400_000).toISOString(),
      until: new Date(clock.now + 86_400_000).toISOString(),
    });

  // The service's tasks start on HOST (the only instance), then two more instances join the group.
  advance(30_000);
  for (const other of OTHER_HOSTS) register(other);
  advance(1_000);

  return {
    clock,
    sim,
    emitted,
    settings,
    containerInstanceArn,
    standaloneTaskArn,
    /** Requests the endpoint served so far by `service.Operation`. */
    requests: () => endpoint.requests() as Record<string, number>,
    lifecycleCalls,
    drains,
    journal,
    publisher,
    deadLetters,
    drainer,
    batch,
    processDrainBatch: (records: readonly BatchRecord[]) => processDrainBatch(records),
    advance,
    reconcile,
    deliver,
    flush,
    skipDrainEvents,
    sweepMinutes,
    scaleIn,
    instanceOf,
    tasksOn,
    drainEntries,
  };
}

/** The "EC2 Spot Instance Interruption Warning" EventBridge sends (the simulator emits none). */
export function spotWarning(ec2InstanceId: string, at: number): EventEnvelope {
  return {
    version: '0',
    id: `spot-${ec2InstanceId}-${at}`,
    'detail-type': 'EC2 Spot Instance Interruption Warning',
    source: 'aws.ec2',
    account: '123456789012',
    time: new Date(at).toISOString().replace('.000Z', 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${ec2InstanceId}`],
    detail: { 'instance-id': ec2InstanceId, 'instance-action': 'terminate' },
  } as EventEnvelope;
}

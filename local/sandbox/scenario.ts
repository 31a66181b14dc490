/**
 * What the sandbox's cluster lives through in its first minute: the topology it starts with, then a script of
 * what an operator would see on a busy day — jobs that succeed, crash and fail to start, a task killed for
 * memory, a service in a crash loop, a service scaled out and in, a Spot interruption and a scale-in held by a
 * lifecycle hook. Four of these are incidents on-call is paged for: the ingest job's exit 1, the migrate job's
 * image pull, the api task's exit 137 and the worker's crash loop (its first exit pages, the rest are grouped,
 * and once on-call stops it, it is summarised and resolved). Calls an
 * operator or a function would make go through the real ECS SDK client to the local endpoint; what only AWS
 * itself does (a crash, an interruption, a scale-in) is injected into the simulator.
 *
 * Each step acts on the simulation as it is at the step's time, and throws when it finds nothing to act on
 * (no RUNNING task to kill, no busy instance, an empty queue): a story that silently skips a step would
 * report what it never caused, or miss what the tests expect of it.
 */
import { type ECSClient, ListTasksCommand, RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetQueueUrlCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RunSummary } from '../../lib/jobs/launcher.js';
import type { SimulatedEcs } from '../ecs/index.js';
import { hexId } from '../random.js';

export interface ScenarioWorld {
  sim: SimulatedEcs;
  ecs: ECSClient;
  /** The cluster that runs services on EC2 capacity, and the one that runs jobs on Fargate. */
  services: string;
  jobs: string;
  /** Invokes a deployed function of the sandbox (as `aws lambda invoke` would), waiting for its result. */
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** SQS at the local endpoint, and what the queue-worker tasks do to a queue: take every message off it. */
  sqs: SQSClient;
  consumeAll: (queueName: string) => number;
  /** The simulated clock, and the times of what the script did, by name, for the summary's measurements. */
  now: () => number;
  marks: Record<string, number>;
}

export interface ScenarioStep<World = ScenarioWorld> {
  /** Milliseconds of simulated time after the start. */
  at: number;
  /** What the live view says as the step happens. */
  say: string;
  /** Throws when the step fails or finds nothing to act on. */
  act(world: World): Promise<void>;
}

export const SERVICES_ASG = 'ecs-ops-sandbox-asg';
/**
 * Four: after the Spot interruption and the scale-in, two instances still hold the api service's four tasks
 * (three fit on one), so both drains end with every task moved.
 */
const INSTANCE_COUNT = 4;
/** Same token, same request: the second RunTask must return the first run's task and launch nothing. */
const REPORT_CLIENT_TOKEN = 'nightly-report-2024-05-02';

/** Registers the clusters, instances, task definitions and services the script acts on. */
export function buildTopology(
  sim: SimulatedEcs,
  clusters: readonly [string, string],
  autoScalingGroup: string,
  random: () => number,
): void {
  const [services, jobs] = clusters;
  sim.createCluster(services);
  if (jobs !== services) sim.createCluster(jobs);
  const instances = Array.from({ length: INSTANCE_COUNT }, () => `i-0${hexId(random, 16)}`);
  for (const [i, ec2InstanceId] of instances.entries()) {
    sim.registerContainerInstance({
      cluster: services,
      ec2InstanceId,
      cpu: 2048,
      memory: 7680,
      autoScalingGroup,
      availabilityZone: `us-east-1${'abc'[i % 3]}`,
    });
  }
  const image = (name: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}:2024.05`;
  sim.registerTaskDefinition({
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [
      {
        name: 'web',
        image: image('web'),
        cpu: 256,
        memory: 512,
        essential: true,
        portMappings: [{ containerPort: 80 }],
      },
    ],
  });
  sim.registerTaskDefinition({
    family: 'api',
    requiresCompatibilities: ['EC2'],
    networkMode: 'bridge',
    containers: [
      {
        name: 'api',
        image: image('api'),
        cpu: 512,
        memory: 1024,
        essential: true,
        portMappings: [{ containerPort: 8080 }],
      },
      { name: 'log-router', image: image('fluent-bit'), cpu: 64, memory: 128, essential: false },
    ],
  });
  const job = (
    family: string,
    behaviour: Parameters<SimulatedEcs['registerTaskDefinition']>[0]['containers'][0]['behaviour'],
  ) =>
    sim.registerTaskDefinition({
      family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: 512,
      memory: 1024,
      containers: [
        { name: family, image: image(family), cpu: 512, memory: 1024, essential: true, behaviour },
      ],
    });
  job('nightly-report', { kind: 'exit', exitCode: 0, afterMs: 8_000 });
  // ops.config.yml's example job: the launch function runs it (rate(1 minute), and once by hand early on).
  job('report', { kind: 'exit', exitCode: 0, afterMs: 20_000 });
  job('ingest', { kind: 'exit', exitCode: 1, afterMs: 4_000 });
  job('migrate', { kind: 'pullFailure' });
  sim.registerTaskDefinition({
    family: 'worker',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [
      {
        name: 'worker',
        image: image('worker'),
        cpu: 256,
        memory: 512,
        essential: true,
        behaviour: { kind: 'exit', exitCode: 1, afterMs: 4_000 },
      },
    ],
  });
  // Scaled by the scaling policies of ops.config.yml on its work queue's backlog per task.
  sim.registerTaskDefinition({
    family: 'queue-worker',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [
      { name: 'queue-worker', image: image('queue-worker'), cpu: 256, memory: 512, essential: true },
    ],
  });
  sim.createService({
    cluster: services,
    serviceName: 'queue-worker',
    taskDefinition: 'queue-worker',
    desiredCount: 1,
    launchType: 'FARGATE',
  });
  sim.createService({
    cluster: services,
    serviceName: 'web',
    taskDefinition: 'web',
    desiredCount: 3,
    launchType: 'FARGATE',
  });
  sim.createService({
    cluster: services,
    serviceName: 'api',
    taskDefinition: 'api',
    desiredCount: 4,
    launchType: 'EC2',
  });
  // Scaled to 1 by the script: its container exits 1 four seconds after it starts, every time.
  sim.createService({
    cluster: services,
    serviceName: 'worker',
    taskDefinition: 'worker',
    desiredCount: 0,
    launchType: 'FARGATE',
  });
}

/** RunTask of a job on Fargate; a run that starts no task (ECS answers with `failures`) fails the step. */
async function runJob(world: ScenarioWorld, family: string, clientToken?: string): Promise<void> {
  const { tasks = [], failures = [] } = await world.ecs.send(
    new RunTaskCommand({
      cluster: world.jobs,
      taskDefinition: family,
      launchType: 'FARGATE',
      startedBy: 'ecs-ops-sandbox',
      clientToken,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-0sandbox'], assignPublicIp: 'DISABLED' },
      },
    }),
  );
  if (tasks.length === 0) {
    const reasons = failures.map((failure) => failure.reason).join(', ');
    throw new Error(`RunTask ${family} in ${world.jobs} started no task (${reasons || 'no failure given'})`);
  }
}

const scaleService = (world: ScenarioWorld, service: string, desiredCount: number) =>
  world.ecs.send(new UpdateServiceCommand({ cluster: world.services, service, desiredCount }));

/**
 * Of the ACTIVE instances, the one running the most tasks: where tasks land depends on the run's timing, and an
 * interruption or a scale-in must have tasks to move (the drains wait for them).
 */
function busiestActiveInstance(world: ScenarioWorld): string {
  const { tasks, containerInstances } = world.sim.snapshot();
  const load = (arn: unknown) =>
    tasks.filter((t) => t.containerInstanceArn === arn && t.lastStatus !== 'STOPPED').length;
  const active = containerInstances.filter((ci) => ci.status === 'ACTIVE');
  const [busiest] = active.sort((a, b) => load(b.containerInstanceArn) - load(a.containerInstanceArn));
  if (busiest === undefined || load(busiest.containerInstanceArn) === 0) {
    const found = active.length === 0 ? 'none is ACTIVE' : `all ${active.length} ACTIVE are empty`;
    throw new Error(`found no ACTIVE container instance in ${world.services} running a task (${found})`);
  }
  return String(busiest.ec2InstanceId);
}

/** An api task that is RUNNING now, as ListTasks and the task's own state say. */
async function runningApiTask(world: ScenarioWorld): Promise<string> {
  const { taskArns = [] } = await world.ecs.send(
    new ListTasksCommand({ cluster: world.services, serviceName: 'api', desiredStatus: 'RUNNING' }),
  );
  const statuses = new Map(world.sim.snapshot().tasks.map((task) => [task.taskArn, String(task.lastStatus)]));
  const running = taskArns.find((arn) => statuses.get(arn) === 'RUNNING');
  if (running === undefined) {
    const seen = taskArns.map((arn) => statuses.get(arn) ?? 'unknown');
    throw new Error(
      `found no RUNNING task of service api in ${world.services} to kill (ListTasks: ${seen.length === 0 ? 'none' : seen.join(', ')})`,
    );
  }
  return running;
}

/** The queue the sandbox's scaling policies read (ops.config.yml `scaling`), and the burst the script sends. */
export const WORK_QUEUE = 'ecs-ops-sandbox-work';
const BURST = 400;

async function sendBurst(world: ScenarioWorld): Promise<void> {
  const { QueueUrl } = await world.sqs.send(new GetQueueUrlCommand({ QueueName: WORK_QUEUE }));
  for (let batch = 0; batch < BURST / 10; batch++) {
    await world.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: `job-${i}`,
          MessageBody: `job ${batch * 10 + i}`,
        })),
      }),
    );
  }
}

/** The manual run's request id (`ecs-ops jobs run`): fixed, so a seed replays the same client token. */
export const MANUAL_RUN_REQUEST_ID = 'sandbox-manual-run-1';

export const SCRIPT: readonly ScenarioStep[] = [
  {
    at: 1_000,
    say: 'jobs run report: the launch function is invoked by hand (report exits 0 after 20 s; its schedule, rate(1 minute), fires a minute after the start)',
    act: async (world) => {
      const run = (await world.invoke('launch', {
        job: 'report',
        requestId: MANUAL_RUN_REQUEST_ID,
      })) as RunSummary;
      if (run.outcome !== 'launched')
        throw new Error(`launch did not launch report: ${run.outcome}, ${run.reason}`);
    },
  },
  {
    at: 2_000,
    say: 'UpdateService worker: desiredCount 0 → 1 (its container exits 1 after 4 s, every time: a crash loop; the first exit pages, the rest are grouped)',
    act: async (world) => void (await scaleService(world, 'worker', 1)),
  },
  {
    at: 3_000,
    say: 'RunTask nightly-report (exits 0 after 8 s)',
    act: (world) => runJob(world, 'nightly-report', REPORT_CLIENT_TOKEN),
  },
  {
    at: 6_000,
    say: 'RunTask ingest (its essential container will exit 1: an incident, on-call is paged)',
    act: (world) => runJob(world, 'ingest'),
  },
  {
    at: 9_000,
    say: 'an api task is killed for memory (exit 137: an incident); the service scheduler replaces it',
    act: async (world) =>
      world.sim.crashTask(await runningApiTask(world), {
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
      }),
  },
  {
    at: 12_000,
    say: 'RunTask migrate (its image cannot be pulled: TaskFailedToStart)',
    act: (world) => runJob(world, 'migrate'),
  },
  {
    at: 15_000,
    say: 'UpdateService web: desiredCount 3 → 6',
    act: async (world) => void (await scaleService(world, 'web', 6)),
  },
  {
    at: 19_000,
    say: 'RunTask nightly-report again with the same clientToken: ECS returns the first task, launches nothing',
    act: (world) => runJob(world, 'nightly-report', REPORT_CLIENT_TOKEN),
  },
  {
    at: 23_000,
    say: 'Spot interruption warning for a busy instance: ECS drains it and stops its tasks, the api tasks move; ecs-ops records the drain and closes it once the instance is empty',
    act: async (world) => world.sim.interruptSpot(busiestActiveInstance(world)),
  },
  {
    at: 28_000,
    say: 'scale-in of the busiest instance left: its lifecycle hook holds it; ecs-ops sets it DRAINING, its tasks move, and the hook is completed on the event that shows it empty',
    act: async (world) => world.sim.terminateInstance(busiestActiveInstance(world)),
  },
  {
    at: 32_000,
    say: 'UpdateService web: desiredCount 6 → 2',
    act: async (world) => void (await scaleService(world, 'web', 2)),
  },
  {
    at: 36_000,
    say: 'UpdateService worker: desiredCount 1 → 0 (on-call stops the crash loop)',
    act: async (world) => void (await scaleService(world, 'worker', 0)),
  },
  {
    at: 40_000,
    say: `a burst of ${BURST} jobs lands in ${WORK_QUEUE} (SendMessageBatch): ${BURST} per queue-worker task, above the scale-out threshold of 50; the scale function runs every minute (next at +60 s)`,
    act: async (world) => {
      await sendBurst(world);
      world.marks.backlog = world.now();
    },
  },
  {
    at: 80_000,
    say: 'the queue-workers have worked through the backlog: the queue is empty',
    act: async (world) => {
      if (world.consumeAll(WORK_QUEUE) === 0)
        throw new Error(`found no message in ${WORK_QUEUE} to work off`);
    },
  },
  {
    at: 88_000,
    say: 'scale invoked on demand: an empty queue is below the scale-in threshold of 10 per task, and the scale-out’s cooldown of 10 s is long over: one task fewer',
    act: async (world) => void (await world.invoke('scale', {})),
  },
  {
    at: 100_000,
    say: 'alert-summary invoked on demand (it runs every minute): worker, stopped by on-call, has been at its desired count with no exit for a minute — its crash loop is summarised and resolved, once',
    act: async (world) => {
      const { outcomes } = (await world.invoke('alert-summary', {})) as {
        outcomes: { outcome: string; window: string }[];
      };
      const resolved = outcomes.filter(({ outcome }) => outcome === 'resolved').map(({ window }) => window);
      if (!resolved.some((window) => window.endsWith('#service:worker'))) {
        throw new Error(
          `alert-summary resolved no crash loop of worker (outcomes: ${outcomes.map((o) => `${o.window} ${o.outcome}`).join(', ') || 'none'})`,
        );
      }
    },
  },
];

/**
 * Simulated time the story needs: the first scheduled fire of the every-minute `report` job at 60 s and room
 * for that run to finish (~25 s), the resolution of the worker's crash loop at 100 s, and room for every event
 * to be reconciled and alerted on — ending before the schedules' second fire at 120 s.
 */
export const SCRIPT_MS = 105_000;

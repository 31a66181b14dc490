/**
 * The jobs functions end to end, through the real SDK clients: the state table on an engine, ECS served by a
 * SimulatedEcs and SNS by an SnsMailbox behind the local endpoint, one fake clock shared by the simulator and
 * the functions (a retry's wait moves it forward instead of sleeping). The endpoint also serves the launch
 * handler as the Lambda function `ecs-ops-test-launch` (stage `test`), for `ecs-ops jobs run`.
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { vi } from 'vitest';
import * as z from 'zod/mini';
import { createHandler as createJobRunsHandler } from '../../functions/job-runs.js';
import { createHandler as createLaunchHandler, type LaunchEvent } from '../../functions/launch.js';
import { JobsConfig } from '../../lib/jobs/config.js';
import { RunStore } from '../../lib/jobs/run-store.js';
import { createTimeoutSweeper } from '../../lib/jobs/timeouts.js';
import { Journal } from '../../lib/platform/journal.js';
import { SnsPublisher } from '../../lib/platform/notification/publisher.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import { TaskDefinitions } from '../../lib/platform/task-definitions.js';
import { lambdaFunctions } from '../../local/endpoint/index.js';
import { SnsMailbox } from '../../local/sns/sns-mailbox.js';
import { sqsEvent } from './fixtures.js';
import { lambdaContext } from './lambda-context.js';
import { endpointFor } from './local-endpoint.js';
import { handlerEnvironment } from './metrics.js';
import { RecordingDeadLetters, simulatedWorld } from './simulated-world.js';
import { tempDir } from './temp-dir.js';

export const SLOT = '2024-05-02T02:30:00Z';
/** The stage whose launch function the endpoint serves: `ecs-ops jobs run --stage test`. */
export const STAGE = 'test';
const SUBNET = { subnets: ['subnet-0abc1234'] };

export { lambdaContext };

/** A Fargate job `report` whose container exits with `exitCode` a minute after it started. */
export function fargateJob(overrides: Record<string, unknown> = {}) {
  return {
    schedule: 'cron(30 2 * * ? *)',
    cluster: 'batch',
    taskDefinition: 'report',
    launchType: 'FARGATE',
    network: SUBNET,
    ...overrides,
  };
}

/** An EC2 job too big for the cluster's only instance: every RunTask answers RESOURCE:MEMORY. */
export function unplaceableJob(attempts: number, backoffSeconds: number) {
  return {
    schedule: 'rate(1 hour)',
    cluster: 'batch',
    taskDefinition: 'crunch',
    launchType: 'EC2',
    retries: { attempts, backoffSeconds },
  };
}

export async function setup(store: StateStore, jobs: Record<string, unknown>, exitCode = 0) {
  const { clock, now, emitted, sim, advance, reconcile } = simulatedWorld(store, {
    start: new Date(Date.parse(SLOT) + 4_000).toISOString(),
    seed: 11,
  });
  sim.createCluster('batch');
  sim.registerTaskDefinition({
    family: 'report',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    containers: [
      {
        name: 'report',
        image: 'report:1',
        cpu: 256,
        memory: 512,
        essential: true,
        behaviour: { kind: 'exit', exitCode, afterMs: 60_000 },
      },
    ],
  });
  // An EC2 job too big for the cluster's only instance: RunTask answers RESOURCE:MEMORY.
  sim.registerTaskDefinition({
    family: 'crunch',
    containers: [{ name: 'crunch', image: 'crunch:1', cpu: 256, memory: 8192, essential: true }],
  });
  sim.registerContainerInstance({ cluster: 'batch', ec2InstanceId: 'i-0small', cpu: 1024, memory: 1024 });

  const dir = await tempDir();
  const mailbox = new SnsMailbox({ dir: join(dir, 'mailbox') });
  const { endpoint, config: clientConfig } = await endpointFor({
    sns: mailbox,
    ecs: sim,
    // One warm Lambda instance, created at its first invocation.
    lambda: lambdaFunctions({
      [`ecs-ops-${STAGE}-launch`]: (event) => {
        deployedLaunch ??= launcher();
        return deployedLaunch(event as LaunchEvent, lambdaContext());
      },
    }),
  });
  let deployedLaunch: ReturnType<typeof launcher> | undefined;
  /** What happens in the world while the launcher waits for its next retry, one per wait. */
  const whileWaiting: (() => void)[] = [];
  const sns = new SNSClient({ ...clientConfig, maxAttempts: 2 });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ecs-ops-jobs-test' }));
  const publisher = new SnsPublisher(TopicArn as string, sns);
  const journal = new Journal({ tableName: store.tableName, client: store.client, retentionDays: 90 });
  const runs = new RunStore({ tableName: store.tableName, client: store.client, retentionDays: 90 });
  const deadLetters = new RecordingDeadLetters();
  const config = z.parse(JobsConfig, jobs);
  const logged: { message: string; fields: Record<string, unknown> }[] = [];
  handlerEnvironment();
  /** A Lambda instance's logger, recording what it logs. */
  const logger = () => {
    const made = new Logger({ serviceName: 'ecs-ops', logLevel: 'SILENT' });
    for (const level of ['info', 'error', 'warn', 'debug'] as const) {
      vi.spyOn(made, level).mockImplementation((...args: unknown[]) => {
        logged.push({ message: String(args[0]), fields: (args[1] ?? {}) as Record<string, unknown> });
      });
    }
    return made;
  };
  /** A new launch Lambda instance. */
  const launcher = () =>
    createLaunchHandler(
      () => ({
        jobs: config,
        runs,
        store,
        ecs: new ECSClient(clientConfig),
        publisher,
        journal,
        now,
        sleep: async (ms: number) => {
          whileWaiting.shift()?.();
          clock.now += ms;
          sim.step();
        },
      }),
      logger(),
    );
  /** A new job-runs Lambda instance. */
  const jobRuns = () =>
    createJobRunsHandler(() => {
      const ecs = new ECSClient(clientConfig);
      return {
        runs,
        store,
        ecs,
        taskDefinitions: new TaskDefinitions(ecs),
        publisher,
        journal,
        deadLetters,
        now,
      };
    }, logger());
  /** The STOPPED events of job tasks, as the job-runs queue receives them. */
  const stoppedJobEvents = () =>
    sqsEvent(
      emitted
        .filter(
          (event) =>
            event['detail-type'] === 'ECS Task State Change' &&
            event.detail.lastStatus === 'STOPPED' &&
            String(event.detail.startedBy ?? '').startsWith('ecs-ops-job/'),
        )
        .map((event) => JSON.stringify(event)),
    );
  const taskStates = () =>
    sim.snapshot().tasks.map((task) => ({
      taskArn: String(task.taskArn),
      lastStatus: String(task.lastStatus),
      desiredStatus: String(task.desiredStatus),
    }));
  const jobEntries = () =>
    journal.list({
      kind: 'job',
      since: new Date(clock.now - 86_400_000).toISOString(),
      until: new Date(clock.now + 86_400_000).toISOString(),
    });
  /** The job-timeouts sweep, as the scheduled function runs it. */
  const sweepTimeouts = createTimeoutSweeper({
    jobs: config,
    runs,
    ecs: new ECSClient(clientConfig),
    journal,
    now,
  });
  /** SNS refuses the next `times` publishes with a 5xx (the SNS client makes 2 attempts per publish). */
  const failPublishes = (times: number) => {
    endpoint.faults = [{ service: 'sns', operation: 'Publish', serverError: 1, times }];
  };
  return {
    /** The endpoint's URL: AWS_ENDPOINT_URL_LAMBDA for `ecs-ops jobs run`. */
    endpointUrl: endpoint.url,
    /** Requests the endpoint served so far by `service.Operation`. */
    requests: () => endpoint.requests(),
    clientConfig,
    whileWaiting,
    clock,
    sim,
    failPublishes,
    sweepTimeouts,
    emitted,
    mailbox,
    runs,
    journal,
    deadLetters,
    logged,
    launcher,
    jobRuns,
    advance,
    reconcile,
    stoppedJobEvents,
    taskStates,
    jobEntries,
  };
}

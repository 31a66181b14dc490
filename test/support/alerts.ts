/**
 * Builders for the alerting specs: configs as ops.config.yml would give them, tasks from the real fixtures
 * under events/ecs/task (with deliberate edits), task definitions as DescribeTaskDefinition answers them
 * (events/api/ecs), what a stored container instance tells, and incidents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { AlertsConfig } from '../../lib/alerts/config.js';
import { type DetectionFacts, instanceFacts } from '../../lib/alerts/detect.js';
import type { Incident } from '../../lib/alerts/model.js';
import { parseEcsEvent, type TaskDetail } from '../../lib/platform/events/ecs-event.js';
import type { TaskDefinition } from '../../lib/platform/task-definitions.js';
import { ACCOUNT, EVENTS_DIR, loadEvent, REGION } from './fixtures.js';

/** The `alerts` section parsed from `input`, defaults filled in (as the config loader does). */
export const alertsConfig = (input: unknown = {}): AlertsConfig => z.parse(AlertsConfig, input);

/** The task detail of a fixture under events/ecs/task, validated as the functions receive it. */
export function fixtureTask(file: string, edit?: (detail: Record<string, unknown>) => void): TaskDetail {
  const envelope = loadEvent(`ecs/task/${file}`);
  edit?.(envelope.detail);
  const parsed = parseEcsEvent(envelope);
  if (!parsed.ok) throw new Error(`fixture ${file}: ${parsed.error.field}: ${parsed.error.reason}`);
  if (parsed.event.kind !== 'task') throw new Error(`fixture ${file} is not a task event`);
  return parsed.event.detail;
}

/** The containers of a fixture detail, for edits. */
export const containersOf = (detail: Record<string, unknown>) =>
  detail.containers as Array<Record<string, unknown> & { name: string }>;

/** Edits the container called `name`. */
export function editContainer(
  detail: Record<string, unknown>,
  name: string,
  edit: (container: Record<string, unknown>) => void,
): void {
  const container = containersOf(detail).find((candidate) => candidate.name === name);
  if (container === undefined) throw new Error(`no container ${name} in the fixture`);
  edit(container);
}

/**
 * The definition of a DescribeTaskDefinition answer under events/api/ecs (`describe-task-definition-<name>.json`),
 * as the SDK hands it over: `registeredAt` (epoch seconds on the wire) a Date.
 */
export function fixtureTaskDefinition(name: string): TaskDefinition {
  const file = join(EVENTS_DIR, 'api', 'ecs', `describe-task-definition-${name}.json`);
  const { taskDefinition } = JSON.parse(readFileSync(file, 'utf8')) as {
    taskDefinition: TaskDefinition & { registeredAt: number };
  };
  return { ...taskDefinition, registeredAt: new Date(taskDefinition.registeredAt * 1000) };
}

/** What the container instance of a fixture under events/ecs/container-instance tells a page, as stored. */
export const fixtureInstanceFacts = (file: string) =>
  instanceFacts(loadEvent(`ecs/container-instance/${file}`).detail);

/** Facts without a task definition (as a replay without definitions has them) unless `overrides` gives one. */
export const facts = (essential: string[], overrides: Partial<DetectionFacts> = {}): DetectionFacts => ({
  essentialContainers: new Set(essential),
  instanceDraining: false,
  region: REGION,
  account: ACCOUNT,
  ...overrides,
});

/**
 * An OOM-killed web task of service:web in prod, Fargate, logging to CloudWatch Logs with a stream prefix, no
 * runbook; override what a spec is about.
 */
export function incident(overrides: Partial<Incident> = {}): Incident {
  const taskId = '0123456789abcdef0123456789abcdef';
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${taskId}`;
  return {
    key: `${taskArn}#2024-05-01T13:28:19.836Z`,
    cluster: 'prod',
    group: 'service:web',
    service: 'web',
    family: 'web',
    revision: 42,
    taskArn,
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:42`,
    cause: {
      container: 'web',
      exitCode: 137,
      reason: 'OutOfMemoryError: Container killed due to memory usage',
      exitClass: 'oom',
    },
    severity: 'critical',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    launchType: 'FARGATE',
    availabilityZone: 'us-east-1a',
    createdAt: '2024-05-01T13:20:00.000Z',
    startedAt: '2024-05-01T13:24:07.000Z',
    stoppedAt: '2024-05-01T13:28:19.836Z',
    region: REGION,
    account: ACCOUNT,
    partition: 'aws',
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:2024.05.01-3f9c2ab`,
    imageDigest: 'sha256:11d0b2196ff772b43828a93987b151a070d899c8ba71df9ee6673e7dcacdc221',
    limits: { taskCpu: 256, taskMemory: 512, cpu: 192, memory: 384 },
    logs: { kind: 'awslogs', group: '/ecs/web', region: REGION, stream: `ecs/web/${taskId}` },
    ...overrides,
  };
}

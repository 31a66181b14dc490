/**
 * Where a container's output went, read from task definitions as DescribeTaskDefinition returns them
 * (events/api/ecs/describe-task-definition-*.json), edited where a case is about one option.
 */
import { describe, expect, it } from 'vitest';
import {
  containerLogs,
  type FirelensDestination,
  type LogSubject,
} from '../../../../lib/platform/container-logs.js';
import type { TaskDefinition } from '../../../../lib/platform/task-definitions.js';
import { fixtureTaskDefinition } from '../../../support/alerts.js';

const TASK_ID = 'cd7fd5c04e80fa470d33c7189c38150d';
const fargate = (container: string): LogSubject => ({
  container,
  taskId: TASK_ID,
  region: 'us-east-1',
  launchType: 'FARGATE',
});
const ec2 = (container: string): LogSubject => ({ ...fargate(container), launchType: 'EC2' });

/** A definition whose one container `app` has `logConfiguration` (undefined: none). */
const withLogs = (
  logConfiguration: NonNullable<TaskDefinition['containerDefinitions']>[number]['logConfiguration'],
) => ({ containerDefinitions: [{ name: 'app', logConfiguration }] }) satisfies TaskDefinition;

/** Outputs FireLens routes to AWS, each with the options that name where. */
const FIRELENS_OUTPUTS: { options: Record<string, string>; destination: FirelensDestination }[] = [
  {
    options: { Name: 'cloudwatch', log_group_name: '/app', region: 'eu-west-1' },
    destination: { service: 'cloudwatch', group: '/app', region: 'eu-west-1' },
  },
  {
    options: { Name: 'cloudwatch_logs', log_group_name: '/app' },
    destination: { service: 'cloudwatch', group: '/app', region: 'us-east-1' },
  },
  {
    options: { Name: 'firehose', region: 'us-east-1', delivery_stream: 'app-logs' },
    destination: { service: 'firehose', deliveryStream: 'app-logs' },
  },
  {
    options: { Name: 'kinesis_firehose', delivery_stream: 'app-logs' },
    destination: { service: 'firehose', deliveryStream: 'app-logs' },
  },
  {
    options: { Name: 'kinesis', region: 'us-east-1', stream: 'app-stream' },
    destination: { service: 'kinesis', stream: 'app-stream' },
  },
  {
    options: { Name: 'kinesis_streams', stream: 'app-stream' },
    destination: { service: 'kinesis', stream: 'app-stream' },
  },
];

describe('awslogs: CloudWatch Logs', () => {
  it('names the stream <prefix>/<container>/<task id> when the definition sets a stream prefix (Fargate api:17)', () => {
    expect(containerLogs(fixtureTaskDefinition('api'), fargate('api'))).toEqual({
      kind: 'awslogs',
      group: '/ecs/api',
      region: 'us-east-1',
      stream: `ecs/api/${TASK_ID}`,
    });
  });

  it('gives the group alone without a stream prefix: Docker names the stream after the container id (EC2 report:7)', () => {
    expect(containerLogs(fixtureTaskDefinition('report'), ec2('report'))).toEqual({
      kind: 'awslogs',
      group: '/ecs/report',
      region: 'us-east-1',
    });
  });

  it('reads the group in awslogs-region, else in the task’s region', () => {
    const definition = (region?: string) =>
      withLogs({
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/app',
          'awslogs-stream-prefix': 'ecs',
          ...(region && { 'awslogs-region': region }),
        },
      });

    expect(containerLogs(definition('eu-west-1'), fargate('app'))).toMatchObject({ region: 'eu-west-1' });
    expect(containerLogs(definition(), fargate('app'))).toMatchObject({ region: 'us-east-1' });
  });
});

describe('awsfirelens: routed by the task’s log router', () => {
  it('names the CloudWatch group of a cloudwatch_logs output, in its region (Fargate web:42)', () => {
    expect(containerLogs(fixtureTaskDefinition('web'), fargate('web'))).toEqual({
      kind: 'firelens',
      output: 'cloudwatch_logs',
      destination: { service: 'cloudwatch', group: '/ecs/web', region: 'us-east-1' },
    });
  });

  it('logs the router itself where its own configuration says (awslogs)', () => {
    expect(containerLogs(fixtureTaskDefinition('web'), fargate('log-router'))).toEqual({
      kind: 'awslogs',
      group: '/ecs/web-firelens',
      region: 'us-east-1',
      stream: `firelens/log-router/${TASK_ID}`,
    });
  });

  it.each(FIRELENS_OUTPUTS)('$options.Name → $destination.service', ({ options, destination }) => {
    const definition = withLogs({ logDriver: 'awsfirelens', options });

    expect(containerLogs(definition, fargate('app'))).toEqual({
      kind: 'firelens',
      output: options.Name,
      destination,
    });
  });

  it('names only the output when its options do not say where, or it is not an AWS one', () => {
    const firelens = (options: Record<string, string>) => withLogs({ logDriver: 'awsfirelens', options });

    expect(containerLogs(firelens({ Name: 'cloudwatch_logs' }), fargate('app'))).toEqual({
      kind: 'firelens',
      output: 'cloudwatch_logs',
    });
    expect(
      containerLogs(firelens({ Name: 'datadog', Host: 'http-intake.logs.datadoghq.com' }), fargate('app')),
    ).toEqual({
      kind: 'firelens',
      output: 'datadog',
    });
  });

  it('names nothing when the router’s own config file decides (no Name option)', () => {
    expect(containerLogs(withLogs({ logDriver: 'awsfirelens' }), fargate('app'))).toEqual({
      kind: 'firelens',
    });
  });
});

describe('other drivers, and none', () => {
  it.each(['splunk', 'fluentd', 'syslog', 'gelf'] as const)('%s: the driver', (driver) => {
    expect(containerLogs(withLogs({ logDriver: driver }), ec2('app'))).toEqual({
      kind: 'driver',
      driver,
      onInstance: false,
    });
  });

  it.each(['json-file', 'journald'] as const)(
    '%s keeps the logs on the EC2 or EXTERNAL instance that ran it',
    (driver) => {
      const definition = withLogs({ logDriver: driver });

      expect(containerLogs(definition, ec2('app'))).toEqual({ kind: 'driver', driver, onInstance: true });
      expect(containerLogs(definition, { ...ec2('app'), launchType: 'EXTERNAL' })).toMatchObject({
        onInstance: true,
      });
      expect(containerLogs(definition, fargate('app'))).toMatchObject({ onInstance: false });
    },
  );

  it('keeps nothing of a container without a log configuration (Fargate etl:8)', () => {
    expect(containerLogs(fixtureTaskDefinition('etl'), fargate('etl'))).toEqual({ kind: 'not-kept' });
  });
});

describe('unknown', () => {
  it('cannot tell without the task definition', () => {
    expect(containerLogs(undefined, fargate('api'))).toEqual({ kind: 'unknown', missing: 'task-definition' });
  });

  it('cannot tell for a container the definition does not have', () => {
    expect(containerLogs(fixtureTaskDefinition('api'), fargate('sidecar'))).toEqual({
      kind: 'unknown',
      missing: 'container-definition',
    });
  });
});

/**
 * Where a container's output went, read from its task definition's `logConfiguration`. Pure. A page points the
 * responder at the failed container's own logs, so this names the exact place when the configuration tells it:
 *
 * - `awslogs`: CloudWatch Logs, group `awslogs-group` in `awslogs-region` (default: the task's region); with
 *   `awslogs-stream-prefix` the stream is `<prefix>/<container name>/<task id>`. Without a prefix (allowed on
 *   EC2 only) Docker names the stream after the container id, which the definition cannot tell.
 * - `awsfirelens`: the task's log router (FireLens) forwards it to the output its `Name` option names; the
 *   options of the common outputs say where (a CloudWatch group, a Firehose delivery stream, a Kinesis stream).
 * - any other driver (splunk, fluentd, syslog, gelf, json-file, journald…): that driver; json-file and journald
 *   keep the logs on the instance that ran the container, which only EC2 and EXTERNAL tasks have.
 * - no `logConfiguration`: Docker's default on Fargate is nothing kept, so the output is lost.
 */
import { containerDefinition, type TaskDefinition } from './task-definitions.js';

/** Where a FireLens log router sends a container's logs, when its output's options name the place. */
export type FirelensDestination =
  | { service: 'cloudwatch'; group: string; region: string }
  | { service: 'firehose'; deliveryStream: string }
  | { service: 'kinesis'; stream: string };

export type LogLocation =
  /** CloudWatch Logs through the awslogs driver; `stream` is absent when the definition sets no stream prefix. */
  | { kind: 'awslogs'; group: string; region: string; stream?: string }
  /** Routed by FireLens to `output` (the `Name` option: cloudwatch_logs, firehose, datadog…), if it names one. */
  | { kind: 'firelens'; output?: string; destination?: FirelensDestination }
  /** Another log driver; `onInstance` when its logs stay on the instance that ran the container. */
  | { kind: 'driver'; driver: string; onInstance: boolean }
  /** No log configuration: the container's output is not kept. */
  | { kind: 'not-kept' }
  /** The task definition (or the container's definition in it) is not known, so neither is where logs went. */
  | { kind: 'unknown'; missing: 'task-definition' | 'container-definition' };

/** The container and task a location is worked out for. */
export interface LogSubject {
  container: string;
  taskId: string;
  /** The task's region: where awslogs writes unless `awslogs-region` says otherwise. */
  region: string;
  launchType?: string;
}

/** FireLens outputs by the `Name` fluent-bit and fluentd know them, and the option that names the destination. */
const FIRELENS_OUTPUTS: Readonly<Record<string, FirelensDestination['service']>> = {
  cloudwatch: 'cloudwatch',
  cloudwatch_logs: 'cloudwatch',
  firehose: 'firehose',
  kinesis_firehose: 'firehose',
  kinesis: 'kinesis',
  kinesis_streams: 'kinesis',
};

/** Drivers that write to the host running the container (`docker logs`, `journalctl`). */
const HOST_DRIVERS = new Set(['json-file', 'journald']);

/** Where the output of `subject.container` went, from the task's definition (undefined: not known). */
export function containerLogs(definition: TaskDefinition | undefined, subject: LogSubject): LogLocation {
  if (definition === undefined) return { kind: 'unknown', missing: 'task-definition' };
  const container = containerDefinition(definition, subject.container);
  if (container === undefined) return { kind: 'unknown', missing: 'container-definition' };
  const configuration = container.logConfiguration;
  if (configuration === undefined) return { kind: 'not-kept' };
  const options = configuration.options ?? {};
  const group = options['awslogs-group'];
  if (configuration.logDriver === 'awslogs' && group) {
    const prefix = options['awslogs-stream-prefix'];
    return {
      kind: 'awslogs',
      group,
      region: options['awslogs-region'] || subject.region,
      ...(prefix ? { stream: `${prefix}/${subject.container}/${subject.taskId}` } : {}),
    };
  }
  if (configuration.logDriver === 'awsfirelens') {
    const output = options.Name || undefined;
    const destination = output === undefined ? undefined : firelensDestination(output, options, subject);
    return {
      kind: 'firelens',
      ...(output === undefined ? {} : { output }),
      ...(destination === undefined ? {} : { destination }),
    };
  }
  const driver = configuration.logDriver ?? 'unknown';
  const onHost = subject.launchType === 'EC2' || subject.launchType === 'EXTERNAL';
  return { kind: 'driver', driver, onInstance: onHost && HOST_DRIVERS.has(driver) };
}

function firelensDestination(
  output: string,
  options: Record<string, string>,
  subject: LogSubject,
): FirelensDestination | undefined {
  const service = Object.hasOwn(FIRELENS_OUTPUTS, output) ? FIRELENS_OUTPUTS[output] : undefined;
  switch (service) {
    case 'cloudwatch': {
      const group = options.log_group_name;
      return group ? { service, group, region: options.region || subject.region } : undefined;
    }
    case 'firehose': {
      const deliveryStream = options.delivery_stream;
      return deliveryStream ? { service, deliveryStream } : undefined;
    }
    case 'kinesis': {
      const stream = options.stream;
      return stream ? { service, stream } : undefined;
    }
    case undefined:
      return undefined;
  }
}

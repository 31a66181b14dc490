/**
 * What the sandbox's live view says about an event the simulated cluster emitted: one short line for the
 * changes an operator cares about (a task started or stopped and why, an instance drained or left), nothing for
 * the intermediate steps. Pure: envelope in, text out; the view drops a line equal to the resource's last one.
 */

import { lastSegment as shortId } from '../../lib/platform/arn.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';

interface ContainerDetail {
  name?: string;
  exitCode?: number | null;
  reason?: string;
}

const NOTABLE_TASK_STATUSES = new Set(['PROVISIONING', 'RUNNING', 'STOPPED']);

export function narrate(envelope: EventEnvelope): string | undefined {
  const detail = envelope.detail as Record<string, unknown>;
  switch (envelope['detail-type']) {
    case 'ECS Task State Change':
      return narrateTask(detail);
    case 'ECS Container Instance State Change':
      return narrateInstance(detail);
    case 'EC2 Instance-terminate Lifecycle Action':
      return `${text(detail.EC2InstanceId)} is being scaled in by ${text(detail.AutoScalingGroupName)}: its lifecycle hook holds it until it is drained`;
    default:
      return undefined;
  }
}

function narrateTask(task: Record<string, unknown>): string | undefined {
  const status = text(task.lastStatus);
  if (!NOTABLE_TASK_STATUSES.has(status)) return undefined;
  const who = `${clusterOf(task.clusterArn)} ${text(task.group)} task ${shortId(text(task.taskArn)).slice(0, 8)}`;
  if (status === 'PROVISIONING') return `${who} created`;
  if (status === 'RUNNING') return `${who} is RUNNING`;
  const exits = ((task.containers as ContainerDetail[] | undefined) ?? [])
    .filter((container) => container.exitCode !== undefined && container.exitCode !== null)
    .map((container) => `${text(container.name)}=${container.exitCode}`);
  const reason = text(task.stoppedReason);
  return [
    `${who} STOPPED: ${text(task.stopCode)}`,
    exits.length > 0 ? ` (exit ${exits.join(' ')})` : '',
    reason === '' ? '' : ` — ${reason}`,
  ].join('');
}

function narrateInstance(instance: Record<string, unknown>): string | undefined {
  const status = text(instance.status);
  const who = `${clusterOf(instance.clusterArn)} instance ${text(instance.ec2InstanceId)}`;
  if (status === 'ACTIVE' && instance.version === 1) return `${who} registered`;
  if (status === 'DRAINING') return `${who} is DRAINING`;
  if (status === 'INACTIVE') return `${who} deregistered`;
  return undefined;
}

const clusterOf = (arn: unknown) => shortId(text(arn));
const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));

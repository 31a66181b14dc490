/**
 * The page of an instance that left with tasks still on it — released at its drain deadline (or reclaimed by
 * Spot), its lifecycle action timed out, or deregistered under the drain — naming the tasks, so on-call can tell
 * what was cut off. Pure, in the form every page takes.
 */
import {
  type AlertMessage,
  messageAttributes,
  pageSubject,
  severityHeading,
} from '../platform/notification/message.js';
import type { Drain, ReleaseReason } from './model.js';

const LISTED_TASKS = 20;
/** Tasks were cut off and rescheduled elsewhere: worth a look, rarely an outage. */
const DRAIN_SEVERITY = 'medium';
/** Where to look next: every drain, with how each was released. */
const DRAINS = 'ecs-ops drains';

/** What happened to the instance, as the subject says it: short, for a phone's lock screen. */
const SUBJECT: Record<ReleaseReason, string> = {
  deadline: 'released at its drain deadline',
  'action-ended': 'lost its lifecycle action mid-drain',
  'instance-gone': 'deregistered mid-drain',
  empty: 'released',
  'not-registered': 'released',
};

const HOW: Record<ReleaseReason, string> = {
  deadline: 'released at its drain deadline',
  'action-ended': 'gone: its lifecycle action ended before the drain did',
  'instance-gone': 'deregistered during its drain',
  empty: 'released',
  'not-registered': 'released',
};

export function renderReleaseWithTasks(
  drain: Drain,
  reason: ReleaseReason,
  remaining: readonly string[],
): AlertMessage {
  const count = remaining.length;
  const cluster = drain.cluster ?? '';
  // Short enough that the subject keeps the instance id and the count whole, with the severity heading.
  const what = count === 0 ? 'tasks ECS still counted' : `${count} task${count === 1 ? '' : 's'} running`;
  const subject = pageSubject(severityHeading(DRAIN_SEVERITY), `{0} ${SUBJECT[reason]} with {1}`, [
    drain.ec2InstanceId,
    what,
  ]);
  const lines = remaining.slice(0, LISTED_TASKS).map((arn) => {
    const task = drain.tasks[arn];
    return `  ${arn} (${task?.group ?? 'standalone'}, ${task?.lastStatus ?? 'unknown'})`;
  });
  if (count > LISTED_TASKS) lines.push(`  … and ${count - LISTED_TASKS} more`);
  const text = [
    `Instance ${drain.ec2InstanceId}, drained (${drain.trigger}) since ${drain.startedAt} with a deadline of ${drain.deadline}, was ${HOW[reason]} with ${what}:`,
    ...lines,
    '',
    `Cluster: ${cluster || 'unknown'}`,
    `Container instance: ${drain.containerInstanceArn ?? 'unknown'}`,
    ...(drain.lifecycle === undefined
      ? []
      : [
          `Lifecycle action: ${drain.lifecycle.autoScalingGroup} / ${drain.lifecycle.hook} (completed CONTINUE)`,
        ]),
    '',
    `See: ${DRAINS}`,
  ].join('\n');
  return {
    subject,
    text,
    json: {
      kind: 'drain-cut-short',
      reason,
      ec2InstanceId: drain.ec2InstanceId,
      cluster,
      containerInstanceArn: drain.containerInstanceArn,
      trigger: drain.trigger,
      startedAt: drain.startedAt,
      deadline: drain.deadline,
      remaining: remaining.map((arn) => ({ arn, ...drain.tasks[arn] })),
      severity: DRAIN_SEVERITY,
      commands: [DRAINS],
    },
    attributes: messageAttributes({
      kind: 'drain-cut-short',
      cluster,
      severity: DRAIN_SEVERITY,
      class: `drain-${reason}`,
    }),
    severity: DRAIN_SEVERITY,
    dedupKey: `drain#${drain.ec2InstanceId}#${drain.startedAt}`,
    action: 'trigger',
  };
}

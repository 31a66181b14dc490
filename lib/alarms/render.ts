/**
 * The page about one of ecs-ops' own alarms, in the form every ecs-ops page takes: the severity the stack gave
 * the alarm (as subject wording, message attribute and pager severity), what it means and what to do (its
 * description), why CloudWatch changed it, a link to the alarm and the command that shows ecs-ops' state. Keyed
 * to the alarm, so the page that says it cleared resolves the one that said it fired. Pure.
 */
import { parseArn } from '../platform/arn.js';
import { alarmPageUrl } from '../platform/console-links.js';
import {
  type AlertMessage,
  messageAttributes,
  pageSubject,
  severityHeading,
  truncateText,
} from '../platform/notification/message.js';
import type { Severity } from '../platform/notification/severity.js';
import type { PageAction } from './decide.js';
import { readAlarmDescription } from './description.js';
import type { AlarmStateChange } from './state-change.js';

/** An alarm whose description names no severity (none of the stack's) pages as this. */
export const UNRATED_ALARM_SEVERITY: Severity = 'high';

export interface AlarmPageContext {
  /** The alarm's name after `<service>-<stage>-`: `reconcile-errors`. */
  shortName: string;
  stage: string;
  /** Appended to the ecs-ops commands the page suggests: the flags that reach this deployment. */
  cliFlags?: string;
}

/** What a pager deduplicates on: one incident per alarm at a time. */
export const alarmDedupKey = (alarm: string) => `alarm/${alarm}`;

/** The alarm's page in the CloudWatch console, in its own partition; none without its ARN. */
export function alarmConsoleUrl(change: Pick<AlarmStateChange, 'alarm' | 'alarmArn' | 'region'>) {
  const arn = change.alarmArn === undefined ? undefined : parseArn(change.alarmArn);
  return arn && alarmPageUrl({ partition: arn.partition, region: change.region }, change.alarm);
}

export function renderAlarmPage(
  change: AlarmStateChange,
  action: PageAction,
  { shortName, stage, cliFlags = '' }: AlarmPageContext,
): AlertMessage {
  const described = readAlarmDescription(change.description);
  const severity = described.severity ?? UNRATED_ALARM_SEVERITY;
  const fired = action === 'trigger';
  const subject = fired
    ? pageSubject(severityHeading(severity), 'ecs-ops alarm {0} fired in {1}', [shortName, stage])
    : pageSubject('RESOLVED', `ecs-ops alarm {0} cleared in {1} (was ${severity})`, [shortName, stage]);
  const link = alarmConsoleUrl(change);
  const status = `ecs-ops status${cliFlags}`;
  const text = [
    `ecs-ops' own alarm ${shortName} ${fired ? 'fired' : 'cleared'} in ${stage} at ${change.changedAt} ` +
      `(${change.previous} -> ${change.state}).`,
    ...(described.severity === undefined
      ? [`Severity: ${severity} (the alarm's description names none)`]
      : [`Severity: ${severity}`]),
    '',
    ...(fired ? ['What it means and what to do:', described.text, ''] : []),
    'CloudWatch says:',
    truncateText(change.reason),
    '',
    `Alarm: ${change.alarm}`,
    ...(link === undefined ? [] : [link]),
    `ecs-ops' queues, scheduled runs and alarms: ${status}`,
  ].join('\n');
  return {
    subject,
    text,
    json: {
      schemaVersion: 1,
      kind: 'alarm',
      alarm: change.alarm,
      stage,
      state: change.state,
      previousState: change.previous,
      changedAt: change.changedAt,
      reason: change.reason,
      description: described.text,
      commands: [status],
      // As every page names them: a pager shows them as links, a chat card as next steps.
      ...(link === undefined ? {} : { links: { alarm: link } }),
    },
    attributes: messageAttributes({ kind: 'alarm', severity, class: shortName }),
    severity,
    dedupKey: alarmDedupKey(change.alarm),
    action,
  };
}

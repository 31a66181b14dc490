/**
 * The one message that says a paged outage is over, in the form every page takes. Pure: the window as the
 * sweep claimed its resolution, why it counts as recovered, and when. Keyed to the outage's first incident, so
 * a pager resolves the incident the first page opened (PagerDuty `resolve`, the same dedup key); its severity
 * is the page's, so the subscribers that got the page get this too.
 */
import { resourceId } from '../platform/arn.js';
import {
  type AlertMessage,
  formatDuration,
  messageAttributes,
  pageSubject,
} from '../platform/notification/message.js';
import { type AlertsConfig, severityOf } from './config.js';
import { outageOf, type StoredWindow } from './crash-loop.js';
import { serviceOf } from './recovery.js';
import { timelineCommand } from './render.js';

export const RESOLVED_HEADING = 'RESOLVED';

export function renderResolved(
  window: StoredWindow,
  recovery: string,
  now: Date,
  config: AlertsConfig,
  cliFlags = '',
): AlertMessage {
  const outage = outageOf(window);
  const service = serviceOf(window);
  const name = service ?? window.group.slice(window.group.indexOf(':') + 1);
  const severity = window.severity ?? severityOf(config, window.lastExit.exitClass);
  const resolvedAt = now.toISOString();
  const lasted = formatDuration(now.getTime() - Date.parse(outage.since));
  const { lastExit } = window;
  const subject = pageSubject(RESOLVED_HEADING, `{0} in {1} recovered (was ${severity})`, [
    name,
    window.cluster,
  ]);
  const text = [
    `${name} in ${window.cluster} has recovered: ${recovery}.`,
    '',
    `Paged: ${outage.since} (${severity})`,
    `Resolved: ${resolvedAt}, ${lasted} after the first page`,
    `Exits grouped after the last page: ${window.count}`,
    `Last exit: ${lastExit.exitClass}${lastExit.exitCode === undefined ? '' : ` (exit ${lastExit.exitCode})`}, task ${resourceId(lastExit.taskArn)}, stopped ${lastExit.stoppedAt}`,
    '',
    'What happened, in order:',
    timelineCommand(window.group, window.cluster, cliFlags),
    '',
    `Incident ${outage.incidentKey}`,
  ].join('\n');
  return {
    subject,
    text,
    json: {
      schemaVersion: 1,
      kind: 'resolved',
      incident: outage.incidentKey,
      cluster: window.cluster,
      group: window.group,
      ...(service === undefined ? {} : { service }),
      severity,
      pagedAt: outage.since,
      resolvedAt,
      recovery,
      exitsAfterLastPage: window.count,
      lastExit,
    },
    attributes: messageAttributes({
      kind: 'resolved',
      cluster: window.cluster,
      group: window.group,
      service,
      severity,
      class: lastExit.exitClass,
    }),
    severity,
    dedupKey: outage.incidentKey,
    action: 'resolve',
  };
}

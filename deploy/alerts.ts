/**
 * Alerting: essential-container stops → AlertsQueue → alert → the alert topic; alert-summary every minute.
 * Its own rule and queue, so a publish failure never delays state, nor the reverse.
 */
import type { OpsConfig } from '../lib/ops-config.js';
import { TASK_STATE_CHANGE } from '../lib/platform/events/ecs-event.js';
import { EVENT_SOURCE, RESYNC_SOURCE } from '../lib/platform/events/statuses.js';
import { StopCode, StoppedReasonPrefix } from '../lib/platform/events/stop-codes.js';
import { publisherOptionsOf } from '../lib/platform/notification/publisher.js';
import { capabilityResources } from './capability.js';
import type { EventQueue } from './queues.js';
import { DESCRIBE_TASK_DEFINITIONS, publishAlerts, stateTable } from './roles.js';
import { allow, arn, clusterFilter, type Stack } from './template.js';

/** The stack's alert topic: the configured name with the stage, so stages never share pages. */
export const alertTopicName = (config: OpsConfig, stage: string) => `${config.alerts.topicName}-${stage}`;

/**
 * The EventBridge pattern for `alert`: STOPPED tasks whose stop an essential container caused — stop code
 * EssentialContainerExited or TaskFailedToStart, or (older events without a stop code) the stopped reason
 * ECS writes for it — from the clusters that page (alerts.clusters, else the watched clusters). Stops that are
 * normally intended are let through only when alerts.pageOn asks for them. The function decides the rest
 * (essential containers, draining instances, mute rules); the pattern keeps it from being invoked for the
 * ~7 other state changes of every task. The stops resync finds that no event told of (`ecs-ops.resync`, same
 * detail) match too: a lost ECS event still pages, once, under the key its event would have had.
 */
export function alertEventPattern(config: OpsConfig) {
  const { pageOn } = config.alerts;
  const stopCodes = [
    StopCode.EssentialContainerExited,
    StopCode.TaskFailedToStart,
    ...(pageOn.deployments || pageOn.drainingInstances ? [StopCode.ServiceSchedulerInitiated] : []),
    ...(pageOn.userStops ? [StopCode.UserInitiated] : []),
  ];
  return {
    source: [EVENT_SOURCE, RESYNC_SOURCE],
    'detail-type': [TASK_STATE_CHANGE],
    detail: {
      lastStatus: ['STOPPED'],
      ...clusterFilter(config.alerts.clusters ?? config.clusters),
      $or: [
        { stopCode: stopCodes },
        { stoppedReason: [{ prefix: StoppedReasonPrefix.essentialContainerExited }] },
      ],
    },
  };
}

/** The topic's subscriptions (AWS::SNS::Topic `Subscription`): one per configured email address. */
export function alertSubscriptions(config: OpsConfig) {
  return config.alerts.email.map((address) => ({ Protocol: 'email', Endpoint: address }));
}

export function alertsSettings(config: OpsConfig, stack: Stack) {
  const taskStops: EventQueue = {
    name: 'Alerts',
    delivers: 'TaskStops',
    description: 'ECS tasks stopped by an essential container, for ecs-ops alerting',
    pattern: alertEventPattern(config),
    consumerTimeoutSeconds: 30,
    // A page older than a day is no use; the idempotency records outlive it (2 days).
    retentionSeconds: 86_400,
  };
  return {
    config: JSON.stringify(config.alerts),
    /** ALERT_OUTPUTS of the functions that page without the alerts section (jobs, drains). */
    outputs: JSON.stringify(publisherOptionsOf(config.alerts)),
    topicName: alertTopicName(config, stack.stage),
    subscriptions: alertSubscriptions(config),
    resources: capabilityResources(stack, {
      queues: [taskStops],
      roles: [
        {
          function: 'alert',
          consumes: taskStops,
          statements: [
            publishAlerts('Page'),
            DESCRIBE_TASK_DEFINITIONS,
            // Idempotency records (get, put, update, delete on failure), crash-loop windows (update), the
            // journal (put) and the container instance's state (get). No Query: alert lists nothing.
            stateTable('IdempotencyWindowsJournalAndInstanceState', [
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:DeleteItem',
            ]),
          ],
        },
        {
          function: 'alert-summary',
          statements: [
            publishAlerts('SummariseAndResolve'),
            // Listed windows (query the byStatus index, then read them), closing, summarising and resolving each
            // (update) and the journal (put).
            stateTable(
              'SweepWindowsAndJournal',
              ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
              ['byStatus'],
            ),
            // Is a paged service back to its desired count? Only services of the clusters that page.
            allow(
              'ServiceCountsOfAlertingClusters',
              'ecs:DescribeServices',
              (config.alerts.clusters ?? config.clusters ?? ['*']).map((cluster) =>
                arn('ecs', `service/${cluster}/*`),
              ),
            ),
          ],
        },
      ],
    }),
  };
}

/** What serverless.yml takes from the config for alerting: the rule's pattern, the subscriptions, the env. */
import { describe, expect, it } from 'vitest';
import {
  alertEventPattern,
  alertSubscriptions,
  alertsSettings,
  alertTopicName,
} from '../../../deploy/alerts.js';
import { stopKind } from '../../../lib/alerts/detect.js';
import { alertEnvironment } from '../../../lib/alerts/environment.js';
import { drainEnvironment } from '../../../lib/drain/environment.js';
import { jobRunsEnvironment, launchEnvironment } from '../../../lib/jobs/environment.js';
import { parseOpsConfig } from '../../../lib/ops-config.js';
import { StopCode } from '../../../lib/platform/events/stop-codes.js';
import { matchesPattern } from '../../../local/eventbridge/event-pattern.js';
import { loadEvent, taskEvent } from '../../support/fixtures.js';

const config = parseOpsConfig({ clusters: ['prod', 'batch'], alerts: { email: ['oncall@example.com'] } });
const pattern = alertEventPattern(config);
const stopped = (detail: Record<string, unknown>, cluster = 'prod') =>
  taskEvent({ fixture: 'ecs/task/fargate-stopped-essential-exit.json', cluster, detail });

describe('alertEventPattern', () => {
  it('matches tasks stopped by an essential container or failing to start, in the watched clusters', () => {
    expect(matchesPattern(pattern, loadEvent('ecs/task/fargate-stopped-essential-exit.json'))).toBe(true);
    expect(matchesPattern(pattern, loadEvent('ecs/task/fargate-stopped-image-pull.json'))).toBe(true);
    expect(matchesPattern(pattern, stopped({ stopCode: 'TaskFailedToStart' }))).toBe(true);
    // Older events carry no stop code, only the reason.
    const legacy = stopped({ stoppedReason: 'Essential container in task exited' });
    delete (legacy.detail as Record<string, unknown>).stopCode;
    expect(matchesPattern(pattern, legacy)).toBe(true);
  });

  it('matches the same stop published late by resync (ecs-ops.resync), and no other source', () => {
    const late = { ...loadEvent('ecs/task/fargate-stopped-essential-exit.json'), source: 'ecs-ops.resync' };
    expect(matchesPattern(pattern, late)).toBe(true);
    expect(matchesPattern(pattern, { ...late, source: 'shop.orders' })).toBe(false);
  });

  it('lets through no other state, intended stop or cluster', () => {
    expect(matchesPattern(pattern, loadEvent('ecs/task/fargate-running.json'))).toBe(false);
    expect(
      matchesPattern(
        pattern,
        stopped({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity' }),
      ),
    ).toBe(false);
    expect(
      matchesPattern(pattern, stopped({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' })),
    ).toBe(false);
    expect(matchesPattern(pattern, stopped({}, 'staging'))).toBe(false);
    expect(matchesPattern(pattern, loadEvent('ecs/container-instance/ec2-active.json'))).toBe(false);
  });

  it('lets through, of every stop code, exactly those the detector pages on by default', () => {
    for (const stopCode of Object.values(StopCode)) {
      const kind = stopKind({ stopCode });
      expect(
        matchesPattern(pattern, stopped({ stopCode, stoppedReason: `stopped: ${stopCode}` })),
        stopCode,
      ).toBe(kind === 'essential-exit' || kind === 'failed-to-start');
    }
  });

  it('follows alerts.clusters and alerts.pageOn', () => {
    const custom = alertEventPattern(
      parseOpsConfig({
        clusters: ['prod', 'batch'],
        alerts: { clusters: ['batch'], pageOn: { userStops: true } },
      }),
    );
    expect(custom.detail.clusterArn).toEqual([{ suffix: ':cluster/batch' }]);
    expect(custom.detail.$or[0]).toEqual({
      stopCode: ['EssentialContainerExited', 'TaskFailedToStart', 'UserInitiated'],
    });
    expect('clusterArn' in alertEventPattern(parseOpsConfig({})).detail).toBe(false);
  });
});

describe('alert topic', () => {
  it('is named with the stage and subscribes each configured email address', () => {
    expect(alertTopicName(config, 'prod')).toBe('ecs-ops-alerts-prod');
    expect(alertSubscriptions(config)).toEqual([{ Protocol: 'email', Endpoint: 'oncall@example.com' }]);
  });
});

describe('alertEnvironment', () => {
  const env = {
    STATE_TABLE: 'ecs-ops-prod-state',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:ecs-ops-alerts-prod',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/alerts-dlq',
    ALERTS_CONFIG: JSON.stringify(config.alerts),
    RETENTION_HISTORY_DAYS: '90',
  };

  it('parses the alerts section serverless.yml passes as JSON, with the schema', () => {
    expect(alertEnvironment(env).ALERTS_CONFIG).toEqual(config.alerts);
    expect(alertEnvironment(env).RETENTION_HISTORY_DAYS).toBe(90);
  });

  it('names the variable that is missing or malformed', () => {
    expect(() => alertEnvironment({ ...env, ALERT_TOPIC_ARN: undefined })).toThrow(/ALERT_TOPIC_ARN/);
    expect(() => alertEnvironment({ ...env, ALERTS_CONFIG: '{nope' })).toThrow(/ALERTS_CONFIG.*not JSON/);
    expect(() => alertEnvironment({ ...env, ALERTS_CONFIG: '{"minSeverity":"urgent"}' })).toThrow(
      /ALERTS_CONFIG/,
    );
  });
});

describe('ALERT_OUTPUTS: what the functions paging without the alerts section send HTTPS subscribers', () => {
  const ROUTING_KEY = '0123456789abcdef0123456789abcdef';
  const outputsOf = (alerts: Record<string, unknown>) =>
    alertsSettings(parseOpsConfig({ alerts }), { service: 'ecs-ops', stage: 'prod' }).outputs;
  const env = (ALERT_OUTPUTS: string) => ({
    STATE_TABLE: 'ecs-ops-prod-state',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:ecs-ops-alerts-prod',
    ALERT_OUTPUTS,
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/dlq',
    JOBS_CONFIG: '{}',
    DRAIN_CONFIG: JSON.stringify(config.drain),
    WATCHED_CLUSTERS: '"*"',
    RETENTION_HISTORY_DAYS: '90',
  });

  it('is the JSON document by default, and PagerDuty events with the routing key when alerts.https says so', () => {
    expect(JSON.parse(outputsOf({}))).toEqual({ https: 'json' });
    expect(JSON.parse(outputsOf({ https: 'pagerduty', pagerDuty: { routingKey: ROUTING_KEY } }))).toEqual({
      https: 'pagerduty',
      pagerDutyRoutingKey: ROUTING_KEY,
    });
  });

  it('is read by the jobs’ and drains’ functions, naming the variable when it is malformed', () => {
    const outputs = outputsOf({ https: 'chatbot' });
    expect(launchEnvironment(env(outputs)).ALERT_OUTPUTS).toEqual({ https: 'chatbot' });
    expect(jobRunsEnvironment(env(outputs)).ALERT_OUTPUTS).toEqual({ https: 'chatbot' });
    expect(drainEnvironment(env(outputs)).ALERT_OUTPUTS).toEqual({ https: 'chatbot' });
    expect(() => launchEnvironment(env('{"https":"slack"}'))).toThrow(/ALERT_OUTPUTS/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecsEventPattern } from '../../../deploy/reconcile.js';
import { ConfigError, loadOpsConfig, parseOpsConfig } from '../../../lib/ops-config.js';

describe('ops.config.yml', () => {
  it('fills every setting with its default when the file says nothing', () => {
    expect(parseOpsConfig({})).toEqual({
      retention: { stoppedDays: 30, historyDays: 90 },
      reconcile: { batchSize: 500, batchingWindowSeconds: 5, maxConcurrency: 5, writeConcurrency: 16 },
      resync: { intervalMinutes: 15, callsPerSecond: 10 },
      alerts: {
        topicName: 'ecs-ops-alerts',
        email: [],
        pageOn: { deployments: false, userStops: false, drainingInstances: false, finishedTasks: false },
        severity: {},
        minSeverity: 'low',
        crashLoop: { windowMinutes: 10 },
        mute: [],
        runbooks: { groups: {}, families: {}, classes: {} },
        recovery: { quietMinutes: 5 },
        https: 'json',
      },
      jobs: {},
      drain: {
        autoScalingGroups: [],
        lifecycleHook: { name: 'ecs-ops-drain', create: true, heartbeatTimeoutSeconds: 600 },
        deadlineMinutes: 60,
        standaloneTasks: 'wait',
        standaloneGraceMinutes: 10,
        spot: true,
      },
      scaling: {},
      selfMonitoring: { enabled: true, queueAgeSeconds: 300, lagSeconds: 60, resyncDriftRuns: 3 },
    });
  });

  it('is all defaults when there is no file and none was asked for', () => {
    expect(loadOpsConfig(join(tmpdir(), 'no-such-ops.config.yml')).reconcile.batchSize).toBe(500);
  });

  it('validates the example file shipped with the project', () => {
    expect(loadOpsConfig('ops.config.yml', true).clusters).toEqual(['prod', 'batch']);
  });

  it.each([
    [{ clusters: [] }, 'clusters: list at least one cluster'],
    [
      { clusters: ['arn:aws:ecs:us-east-1:111122223333:cluster/prod'] },
      'clusters.0: expected a cluster name',
    ],
    [{ retention: { stoppedDays: -1 } }, 'retention.stoppedDays: expected at least 0 days'],
    [{ retention: { historyDays: 1.5 } }, 'retention.historyDays: expected a whole number of days'],
    [{ reconcile: { batchSize: 20_000 } }, 'reconcile.batchSize: expected at most 10000 records'],
    [
      { reconcile: { batchSize: 50, batchingWindowSeconds: 0 } },
      'reconcile.batchingWindowSeconds: a batchSize above 10',
    ],
    [{ reconcile: { maxConcurrency: 1 } }, 'reconcile.maxConcurrency: expected at least 2 invocations'],
    [{ reconcile: { batchsize: 10 } }, 'reconcile.batchsize: unknown setting'],
    [{ alarms: true }, 'alarms: unknown setting'],
    [{ alerts: { https: 'pagerduty' } }, 'alerts.pagerDuty.routingKey: https: pagerduty sends PagerDuty'],
    [{ alerts: { recovery: { quietMinutes: 0 } } }, 'alerts.recovery.quietMinutes'],
    [
      { alerts: { runbooks: { groups: { 'service:web': 'wiki/web' } } } },
      'alerts.runbooks.groups.service:web',
    ],
    [{ selfMonitoring: { enabled: 'yes' } }, 'selfMonitoring.enabled: expected true or false'],
    [
      { selfMonitoring: { queueAgeSeconds: 30 } },
      'selfMonitoring.queueAgeSeconds: expected at least 60 seconds (SQS reports the age once a minute)',
    ],
    [
      { selfMonitoring: { queueAgeSeconds: 90_000 } },
      'selfMonitoring.queueAgeSeconds: expected at most 86400 seconds',
    ],
    [{ selfMonitoring: { lagSeconds: 0 } }, 'selfMonitoring.lagSeconds: expected at least 1 seconds'],
    [
      { selfMonitoring: { lagSeconds: 1.5 } },
      'selfMonitoring.lagSeconds: expected a whole number of seconds',
    ],
    [
      { selfMonitoring: { resyncDriftRuns: 8 } },
      'selfMonitoring.resyncDriftRuns: expected at most 7 runs (CloudWatch evaluates an alarm over at most 7 days)',
    ],
    [{ selfMonitoring: { resyncDriftRuns: 0 } }, 'selfMonitoring.resyncDriftRuns: expected at least 1 run'],
    [{ selfMonitoring: { lagSecond: 60 } }, 'selfMonitoring.lagSecond: unknown setting'],
  ])('refuses %j, naming the setting', (document, problem) => {
    expect(() => parseOpsConfig(document)).toThrow(ConfigError);
    expect(() => parseOpsConfig(document)).toThrow(problem);
  });

  it('says when the file is not YAML', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ecs-ops-config-')), 'ops.config.yml');
    writeFileSync(file, 'clusters: [prod\n');
    expect(() => loadOpsConfig(file, true)).toThrow(/not valid YAML/);
  });
});

describe('the EventBridge pattern derived from the config', () => {
  it('matches every cluster when none are listed', () => {
    expect(ecsEventPattern(parseOpsConfig({}))).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change', 'ECS Container Instance State Change'],
    });
  });

  it('restricts clusterArn to the listed clusters by suffix', () => {
    expect(ecsEventPattern(parseOpsConfig({ clusters: ['prod'] })).detail).toEqual({
      clusterArn: [{ suffix: ':cluster/prod' }],
    });
  });
});

/**
 * The drainer as the deployed functions build it from their environment (serverless.yml): the state table,
 * the alert topic, the drain settings and the watched clusters. One place, so `drain` and `drain-sweeper`
 * never drift apart.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { Journal } from '../platform/journal.js';
import { SnsPublisher } from '../platform/notification/publisher.js';
import { StateStore } from '../platform/store/state-store.js';
import type { DrainConfig } from './config.js';
import { DrainStore } from './drain-store.js';
import { createDrainer } from './drainer.js';

export interface DrainEnvironment {
  STATE_TABLE: string;
  ALERT_TOPIC_ARN: string;
  DRAIN_CONFIG: DrainConfig;
  WATCHED_CLUSTERS: '*' | string[];
  RETENTION_HISTORY_DAYS: number;
}

export function deployedDrainer(env: DrainEnvironment) {
  const state = new StateStore({ tableName: env.STATE_TABLE });
  const retentionDays = env.RETENTION_HISTORY_DAYS;
  const { deadlineMinutes, standaloneTasks, standaloneGraceMinutes, lifecycleHook } = env.DRAIN_CONFIG;
  return createDrainer({
    drains: new DrainStore({ tableName: env.STATE_TABLE, client: state.client, retentionDays }),
    state,
    ecs: new ECSClient({ maxAttempts: 5 }),
    autoScaling: new AutoScalingClient({ maxAttempts: 5 }),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, new SNSClient({ maxAttempts: 5 })),
    journal: new Journal({ tableName: env.STATE_TABLE, client: state.client, retentionDays }),
    settings: {
      deadlineMinutes,
      heartbeatTimeoutSeconds: lifecycleHook.heartbeatTimeoutSeconds,
      standaloneTasks,
      standaloneGraceMinutes,
    },
    clusters: env.WATCHED_CLUSTERS === '*' ? undefined : env.WATCHED_CLUSTERS,
  });
}

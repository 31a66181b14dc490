/**
 * What the drain and drain-sweeper functions work with, built from their environment (serverless.yml): the
 * state table, the alert topic and its outputs, the drain settings and the watched clusters. One place, so the
 * two functions never drift apart.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient } from '../platform/aws/clients.js';
import { stateTableOf } from '../platform/config/environment.js';
import { SqsDeadLetters } from '../platform/dead-letters/sqs-dead-letters.js';
import { Journal } from '../platform/journal.js';
import { type PublisherOptions, SnsPublisher } from '../platform/notification/publisher.js';
import { StateStore } from '../platform/store/state-store.js';
import type { DrainConfig } from './config.js';
import type { DrainBatchDependencies } from './drain-batch.js';
import { DrainStore } from './drain-store.js';
import { createDrainer, type Drainer } from './drainer.js';
import { drainEnvironment, drainSweeperEnvironment } from './environment.js';

interface DrainEnvironment {
  STATE_TABLE: string;
  ALERT_TOPIC_ARN: string;
  ALERT_OUTPUTS: PublisherOptions;
  DRAIN_CONFIG: DrainConfig;
  WATCHED_CLUSTERS: '*' | string[];
  RETENTION_HISTORY_DAYS: number;
}

/** The `drain` function's: the drainer and the drain queue's dead-letter queue. */
export function drainDependencies(): DrainBatchDependencies {
  const env = drainEnvironment();
  return { drainer: drainerOf(env), deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL) };
}

/** The `drain-sweeper` function's: the drainer. */
export function drainSweeperDependencies(): { drainer: Drainer } {
  return { drainer: drainerOf(drainSweeperEnvironment()) };
}

function drainerOf(env: DrainEnvironment): Drainer {
  const table = stateTableOf(env);
  const { deadlineMinutes, standaloneTasks, standaloneGraceMinutes, lifecycleHook } = env.DRAIN_CONFIG;
  return createDrainer({
    drains: new DrainStore(table),
    state: new StateStore(table),
    ecs: awsClient(ECSClient),
    autoScaling: awsClient(AutoScalingClient),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, awsClient(SNSClient), env.ALERT_OUTPUTS),
    journal: new Journal(table),
    settings: {
      deadlineMinutes,
      heartbeatTimeoutSeconds: lifecycleHook.heartbeatTimeoutSeconds,
      standaloneTasks,
      standaloneGraceMinutes,
    },
    clusters: env.WATCHED_CLUSTERS === '*' ? undefined : env.WATCHED_CLUSTERS,
  });
}

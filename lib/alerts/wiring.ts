/** What the alert and alert-summary functions work with, built from their environment (serverless.yml). */
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient } from '../platform/aws/clients.js';
import { cliFlagsOf } from '../platform/config/cli-flags.js';
import { stateTableOf } from '../platform/config/environment.js';
import { SqsDeadLetters } from '../platform/dead-letters/sqs-dead-letters.js';
import { Journal } from '../platform/journal.js';
import { publisherOptionsOf, SnsPublisher } from '../platform/notification/publisher.js';
import { StateStore } from '../platform/store/state-store.js';
import { TaskDefinitions } from '../platform/task-definitions.js';
import { type AlertDependencies, alertIdempotency } from './alerting.js';
import { CrashLoopStore } from './crash-loop-store.js';
import { alertEnvironment, alertSummaryEnvironment } from './environment.js';
import { EcsServiceCounts } from './service-counts.js';
import { type SummaryDependencies, summariseEndedWith } from './summary.js';
import type { SweepDependencies } from './sweep.js';

export function alertDependencies(): AlertDependencies {
  const env = alertEnvironment();
  const table = stateTableOf(env);
  const summary = summaryDependencies(env, table);
  return {
    ...summary,
    config: env.ALERTS_CONFIG,
    store: new StateStore(table),
    taskDefinitions: new TaskDefinitions(awsClient(ECSClient)),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    idempotency: alertIdempotency(table.tableName, table.client),
    summariseEnded: summariseEndedWith(summary),
  };
}

export function alertSummaryDependencies(): SweepDependencies {
  const env = alertSummaryEnvironment();
  return {
    ...summaryDependencies(env, stateTableOf(env)),
    services: new EcsServiceCounts(awsClient(ECSClient)),
  };
}

/** The crash-loop windows, the topic and the journal: what both functions need to summarise a window. */
function summaryDependencies(
  env: ReturnType<typeof alertSummaryEnvironment>,
  table: ReturnType<typeof stateTableOf>,
): SummaryDependencies {
  return {
    config: env.ALERTS_CONFIG,
    windows: new CrashLoopStore({ ...table, config: env.ALERTS_CONFIG }),
    publisher: new SnsPublisher(
      env.ALERT_TOPIC_ARN,
      awsClient(SNSClient),
      publisherOptionsOf(env.ALERTS_CONFIG),
    ),
    journal: new Journal(table),
    cliFlags: cliFlagsOf(table.tableName),
  };
}

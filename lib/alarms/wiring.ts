/** What the alarm function works with, built from its environment (serverless.yml). */
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient } from '../platform/aws/clients.js';
import { cliFlagsOf } from '../platform/config/cli-flags.js';
import { stateTableOf } from '../platform/config/environment.js';
import { SqsDeadLetters } from '../platform/dead-letters/sqs-dead-letters.js';
import { SnsPublisher } from '../platform/notification/publisher.js';
import { AlarmStore } from './alarm-store.js';
import { alarmEnvironment } from './environment.js';
import type { AlarmForwardingDependencies } from './forward.js';

export function alarmDependencies(): AlarmForwardingDependencies {
  const env = alarmEnvironment();
  const table = stateTableOf(env);
  return {
    forwarded: env.FORWARDED_ALARMS,
    stage: env.STAGE,
    store: new AlarmStore(table),
    publisher: new SnsPublisher(env.ALERT_TOPIC_ARN, awsClient(SNSClient), env.ALERT_OUTPUTS),
    deadLetters: new SqsDeadLetters(env.DEAD_LETTER_QUEUE_URL),
    cliFlags: cliFlagsOf(table.tableName),
  };
}

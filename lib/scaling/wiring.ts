/** What the scale function works with, built from its environment (serverless.yml). */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '../platform/aws/clients.js';
import { stateTableOf } from '../platform/config/environment.js';
import { Journal } from '../platform/journal.js';
import { StateStore } from '../platform/store/state-store.js';
import { scaleEnvironment } from './environment.js';
import type { ScalerDependencies } from './scaler.js';
import { ScalingStore } from './scaling-store.js';

export function scaleDependencies(): ScalerDependencies {
  const env = scaleEnvironment();
  const table = stateTableOf(env);
  return {
    policies: env.SCALING_CONFIG,
    ecs: awsClient(ECSClient),
    sqs: awsClient(SQSClient),
    cloudWatch: awsClient(CloudWatchClient),
    applicationAutoScaling: awsClient(ApplicationAutoScalingClient),
    state: new StateStore(table),
    store: new ScalingStore(table),
    journal: new Journal(table),
  };
}

/** What the resync function works with, built from its environment (serverless.yml). */
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { awsClient } from '../platform/aws/clients.js';
import { stateTableOf } from '../platform/config/environment.js';
import { Journal } from '../platform/journal.js';
import { reindexLatest } from '../platform/store/reindex.js';
import { StateStore } from '../platform/store/state-store.js';
import { EcsApi } from './ecs-api.js';
import { resyncEnvironment } from './environment.js';
import { EventBridgeLateStops } from './late-stops.js';
import type { ResyncDependencies } from './model.js';
import { WatchingSince } from './watching.js';

export interface ResyncFunctionDependencies extends ResyncDependencies {
  /** Invokes the function again (asynchronously) to go on where a run ran out of time. */
  lambda: LambdaClient;
}

export function resyncDependencies(): ResyncFunctionDependencies {
  const env = resyncEnvironment();
  const table = stateTableOf(env);
  const ecs = awsClient(ECSClient);
  return {
    ecsApi: () => new EcsApi(ecs, env.RESYNC_CALLS_PER_SECOND),
    store: new StateStore(table),
    journal: new Journal(table),
    lateStops: new EventBridgeLateStops(awsClient(EventBridgeClient)),
    watching: new WatchingSince(table),
    reindex: (cluster) => reindexLatest(table, cluster),
    ...(env.WATCHED_CLUSTERS === '*' ? {} : { clusters: env.WATCHED_CLUSTERS }),
    retention: { stoppedDays: env.RETENTION_STOPPED_DAYS, historyDays: env.RETENTION_HISTORY_DAYS },
    writeConcurrency: env.WRITE_CONCURRENCY,
    lambda: awsClient(LambdaClient),
  };
}

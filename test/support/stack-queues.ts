/** The stack's queues (as serverless.yml declares them, stage `dev`) at a local endpoint the CLI is pointed at. */
import { vi } from 'vitest';
import type { Backends } from '../../local/endpoint/index.js';
import { loadDeployment } from '../../local/serverless/routes.js';
import { LocalQueues } from '../../local/sqs/local-queues.js';
import { PROJECT_ROOT } from './fixtures.js';
import { endpointFor } from './local-endpoint.js';

export async function stackQueuesAtEndpoint() {
  const backends: Backends = {};
  const { endpoint } = await endpointFor(backends);
  const queues = new LocalQueues({ now: Date.now, baseUrl: endpoint.url });
  backends.sqs = queues;
  const deployment = loadDeployment(`${PROJECT_ROOT}/serverless.yml`, {
    stage: 'dev',
    configFile: `${PROJECT_ROOT}/ops.config.yml`,
  });
  queues.createAll(deployment.queues);
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', endpoint.url);
  return { queues, endpoint };
}

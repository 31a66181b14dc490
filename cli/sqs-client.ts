/**
 * The SQS client of `ecs-ops dlq`. With --store aws: AWS, with the caller's credentials, region and profile (the
 * store, opened first, has checked that they resolve). With --store local: the local endpoint the SDK's own
 * AWS_ENDPOINT_URL_SQS (else AWS_ENDPOINT_URL) names — a sandbox's or a test's — once it answers; there is no
 * SQS otherwise, and the command says so (exit 1) rather than reach AWS from local mode.
 */

import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '../lib/platform/aws/clients.js';
import type { GlobalOptions } from './context.js';
import { requireEndpoint } from './endpoint-probe.js';
import { CommandFailure } from './usage.js';

const WHAT_TO_RUN =
  'start a local endpoint that serves SQS (a sandbox’s, a test’s) and set AWS_ENDPOINT_URL_SQS to its URL, ' +
  'or look at the deployed stack’s: ecs-ops dlq list --store aws --stage <stage>';

export async function sqsClientOf(
  options: Pick<GlobalOptions, 'store' | 'region' | 'profile'>,
): Promise<SQSClient> {
  const { region, profile } = options;
  if (options.store === 'aws') {
    return awsClient(SQSClient, {
      ...(region === undefined ? {} : { region }),
      ...(profile === undefined ? {} : { profile }),
    });
  }
  const endpoint = await reachableEndpoint();
  return awsClient(SQSClient, {
    endpoint,
    // The local endpoint checks no signature, and a developer's machine may have no AWS configuration at all.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    region: region ?? (process.env.AWS_REGION || 'us-east-1'),
  });
}

async function reachableEndpoint(): Promise<string> {
  // Where the SDK itself would send SQS calls.
  const url = process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL;
  if (!url) {
    throw new CommandFailure(
      `dlq reads SQS, and --store local has no SQS of its own (AWS_ENDPOINT_URL_SQS is not set): ${WHAT_TO_RUN}`,
    );
  }
  await requireEndpoint(url, `: ${WHAT_TO_RUN}`);
  return url;
}

/**
 * Fault injection: throttling, 5xx and latency as AWS produces them, so tests can prove callers survive them
 * — and proof here that the SDK's own retries see them as AWS's.
 */
import * as ECS from '@aws-sdk/client-ecs';
import * as SNS from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { type EcsBackend, type RequestRecord, seededRandom } from '../../../../local/endpoint/index.js';
import { SnsMailbox } from '../../../../local/sns/sns-mailbox.js';
import { cannedBackend, endpointFor } from '../../../support/local-endpoint.js';
import { tempDir } from '../../../support/temp-dir.js';

const ecs = () => cannedBackend<EcsBackend>({ listTasks: { taskArns: [] } }).backend;

describe('fault injection', () => {
  it('throttles once over JSON; the SDK retries and succeeds', async () => {
    const { endpoint, config } = await endpointFor({ ecs: ecs() }, { faults: [{ throttle: 1, times: 1 }] });

    const response = await new ECS.ECSClient(config).send(new ECS.ListTasksCommand({ cluster: 'prod' }));

    expect(response.$metadata.attempts).toBe(2);
    expect(endpoint.requests()).toEqual({ 'ecs.ListTasks': 2 });
    expect(endpoint.faults).toEqual([]);
  });

  it('throttles once over Query; the SDK retries and succeeds', async () => {
    const sns = new SnsMailbox({ dir: await tempDir() });
    const { config } = await endpointFor({ sns }, { faults: [{ service: 'sns', throttle: 1, times: 1 }] });

    const response = await new SNS.SNSClient(config).send(new SNS.CreateTopicCommand({ Name: 'alerts' }));

    expect(response.$metadata.attempts).toBe(2);
    expect(response.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:alerts');
  });

  it.each([
    [
      'JSON',
      'ThrottlingException',
      (c: ReturnType<typeof clients>) => c.ecs.send(new ECS.ListTasksCommand({})),
    ],
    [
      'Query',
      'Throttling',
      (c: ReturnType<typeof clients>) => c.sns.send(new SNS.CreateTopicCommand({ Name: 'a' })),
    ],
  ])('names throttling as %s services do: %s, status 400', async (_protocol, name, send) => {
    const sns = new SnsMailbox({ dir: await tempDir() });
    const { config } = await endpointFor({ ecs: ecs(), sns }, { faults: [{ throttle: 1 }] });

    await expect(send(clients({ ...config, maxAttempts: 1 }))).rejects.toMatchObject({
      name,
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('surfaces a persistent 5xx after the SDK has retried it', async () => {
    const { endpoint, config } = await endpointFor({ ecs: ecs() }, { faults: [{ serverError: 1 }] });

    const error = await new ECS.ECSClient(config).send(new ECS.ListTasksCommand({})).catch((e: unknown) => e);

    expect(error).toMatchObject({ $metadata: { attempts: 3 } });
    expect([
      { name: 'InternalFailure', status: 500 },
      { name: 'ServiceUnavailable', status: 503 },
    ]).toContainEqual({
      name: (error as Error).name,
      status: (error as ECS.ECSServiceException).$metadata.httpStatusCode,
    });
    expect(endpoint.requests()).toEqual({ 'ecs.ListTasks': 3 });
  });

  it('applies a rule only to its service and operation', async () => {
    const sns = new SnsMailbox({ dir: await tempDir() });
    const { config } = await endpointFor(
      { ecs: ecs(), sns },
      { faults: [{ service: 'sns', operation: 'Publish', serverError: 1 }] },
    );
    const c = clients({ ...config, maxAttempts: 1 });

    const { TopicArn } = await c.sns.send(new SNS.CreateTopicCommand({ Name: 'alerts' }));
    await c.ecs.send(new ECS.ListTasksCommand({}));

    await expect(c.sns.send(new SNS.PublishCommand({ TopicArn, Message: 'm' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: expect.any(Number) },
      $fault: 'server',
    });
  });

  it('delays a request by latencyMs, and reports each request with its duration', async () => {
    const seen: RequestRecord[] = [];
    const { endpoint, config } = await endpointFor({ ecs: ecs() }, { onRequest: (r) => seen.push(r) });
    endpoint.faults = [{ operation: 'ListTasks', latencyMs: 120 }];

    await new ECS.ECSClient(config).send(new ECS.ListTasksCommand({}));

    expect(seen).toEqual([{ service: 'ecs', operation: 'ListTasks', status: 200, ms: expect.any(Number) }]);
    expect(seen[0]?.ms).toBeGreaterThanOrEqual(110);
  });

  it('decides probabilistic faults from the random source, so a seed replays the same run', async () => {
    const run = async () => {
      const statuses: number[] = [];
      const { config } = await endpointFor(
        { ecs: ecs() },
        { faults: [{ throttle: 0.5 }], random: seededRandom(42), onRequest: (r) => statuses.push(r.status) },
      );
      const client = new ECS.ECSClient({ ...config, maxAttempts: 1 });
      for (let i = 0; i < 20; i++) await client.send(new ECS.ListTasksCommand({})).catch(() => undefined);
      return statuses;
    };

    const first = await run();

    expect(await run()).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(400);
  });

  it('refuses a rule it cannot apply', async () => {
    const { endpoint } = await endpointFor({});

    expect(() => {
      endpoint.faults = [{ throttle: 1.5 }];
    }).toThrow('fault rule throttle must be 0–1, got 1.5');
    expect(() => {
      endpoint.faults = [{ times: 0 }];
    }).toThrow('fault rule times must be a positive integer, got 0');
  });
});

function clients(config: ConstructorParameters<typeof ECS.ECSClient>[0] & object) {
  return { ecs: new ECS.ECSClient(config), sns: new SNS.SNSClient(config) };
}

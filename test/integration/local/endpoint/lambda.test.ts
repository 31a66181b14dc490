/**
 * Lambda over REST-JSON: Invoke, the one Lambda call the toolkit makes (`ecs-ops jobs run`), through the real
 * LambdaClient — the raw payload both ways, a function error as Lambda reports it, the service's own errors as
 * the SDK's named exceptions, and AWS_ENDPOINT_URL_LAMBDA routing an unmodified client.
 */
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaFunctions } from '../../../../local/endpoint/index.js';
import { clientConfig, endpointFor } from '../../../support/local-endpoint.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

async function lambda() {
  const events: unknown[] = [];
  const { endpoint, config } = await endpointFor({
    lambda: lambdaFunctions({
      'ecs-ops-test-launch': async (event) => {
        events.push(event);
        return { outcome: 'launched', tasks: ['arn:aws:ecs:us-east-1:000000000000:task/batch/abc'] };
      },
      'ecs-ops-test-broken': async () => {
        throw new TypeError('jobs is not iterable');
      },
    }),
  });
  return { endpoint, events, client: new LambdaClient({ ...config, maxAttempts: 1 }) };
}

describe('Lambda Invoke on the local endpoint', () => {
  it('hands the payload to the function and returns its result', async () => {
    const { client, events, endpoint } = await lambda();

    const response = await client.send(
      new InvokeCommand({
        FunctionName: 'ecs-ops-test-launch',
        Payload: encode({ job: 'report', requestId: 'r-1' }),
      }),
    );

    expect(events).toEqual([{ job: 'report', requestId: 'r-1' }]);
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe('$LATEST');
    expect(decode(response.Payload)).toEqual({
      outcome: 'launched',
      tasks: ['arn:aws:ecs:us-east-1:000000000000:task/batch/abc'],
    });
    expect(endpoint.requests()).toEqual({ 'lambda.Invoke': 1 });
  });

  it('finds the function by its ARN too', async () => {
    const { client, events } = await lambda();

    await client.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:ecs-ops-test-launch',
        Payload: encode({ job: 'report' }),
      }),
    );

    expect(events).toEqual([{ job: 'report' }]);
  });

  it('reports a handler that threw as an Unhandled function error, still 200', async () => {
    const { client } = await lambda();

    const response = await client.send(
      new InvokeCommand({ FunctionName: 'ecs-ops-test-broken', Payload: encode({}) }),
    );

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(decode(response.Payload)).toEqual({
      errorType: 'TypeError',
      errorMessage: 'jobs is not iterable',
    });
  });

  it('answers an unknown function with ResourceNotFoundException (404)', async () => {
    const { client } = await lambda();

    const error = await client
      .send(new InvokeCommand({ FunctionName: 'ecs-ops-prod-launch', Payload: encode({}) }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({
      $metadata: { httpStatusCode: 404 },
      message: expect.stringMatching(/Function not found: ecs-ops-prod-launch .*ecs-ops-test-launch/),
    });
  });

  it('refuses a payload that is not JSON with InvalidRequestContentException', async () => {
    const { client, events } = await lambda();

    const error = await client
      .send(
        new InvokeCommand({ FunctionName: 'ecs-ops-test-launch', Payload: new TextEncoder().encode('{job') }),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidRequestContentException);
    expect(events).toEqual([]);
  });

  it('answers an Event invocation with 202 at once and runs the function in the background', async () => {
    const { client, events } = await lambda();

    const answer = await client.send(
      new InvokeCommand({
        FunctionName: 'ecs-ops-test-launch',
        InvocationType: 'Event',
        Payload: encode({ trigger: 'continuation' }),
      }),
    );

    expect(answer.StatusCode).toBe(202);
    expect(answer.Payload?.length ?? 0).toBe(0);
    await expect.poll(() => events).toEqual([{ trigger: 'continuation' }]);
  });

  it('refuses an Event invocation of a function that does not exist, as Lambda does', async () => {
    const { client } = await lambda();

    const error = await client
      .send(
        new InvokeCommand({
          FunctionName: 'ecs-ops-test-nothing',
          InvocationType: 'Event',
          Payload: encode({}),
        }),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses a DryRun invocation: the function is not run', async () => {
    const { client, events } = await lambda();

    const error = await client
      .send(
        new InvokeCommand({
          FunctionName: 'ecs-ops-test-launch',
          InvocationType: 'DryRun',
          Payload: encode({}),
        }),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toMatch(/InvocationType DryRun: .*RequestResponse and Event/);
    expect(events).toEqual([]);
  });

  it('says so when it has no Lambda backend', async () => {
    const { config } = await endpointFor({});

    const error = await new LambdaClient({ ...config, maxAttempts: 1 })
      .send(new InvokeCommand({ FunctionName: 'ecs-ops-test-launch', Payload: encode({}) }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringMatching(/no Lambda backend/),
    });
  });

  it('is reached by an unmodified client through AWS_ENDPOINT_URL_LAMBDA', async () => {
    const { endpoint, events } = await lambda();
    process.env.AWS_ENDPOINT_URL_LAMBDA = endpoint.url;

    await new LambdaClient(clientConfig()).send(
      new InvokeCommand({ FunctionName: 'ecs-ops-test-launch', Payload: encode({ job: 'report' }) }),
    );

    expect(events).toEqual([{ job: 'report' }]);
  });
});

/**
 * Lambda's REST-JSON protocol, for Invoke only: `POST /2015-03-31/functions/{FunctionName}/invocations` with
 * the event as the raw body, answered 200 with the function's raw result. A function that threw still answers
 * 200, with `X-Amz-Function-Error: Unhandled` and `{"errorType","errorMessage"}` as the body; the service's own
 * errors (no such function, a bad request) are an HTTP status, `x-amzn-ErrorType` and a JSON body, which the SDK
 * raises as its named exceptions.
 *
 * `RequestResponse` waits for the result (`ecs-ops jobs run`); `Event` answers 202 at once and runs the function
 * in the background, as Lambda queues it (resync continuing itself); `DryRun` is refused with
 * InvalidParameterValueException.
 */
import { AwsError } from './aws-error.js';
import type { LambdaBackend } from './backends.js';
import type { WireResponse } from './wire.js';

const API_PREFIX = '/2015-03-31/functions/';
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** Whether a request path is addressed to Lambda's API: they all begin with its version and `functions/`. */
export const isLambdaPath = (path: string): boolean => path.startsWith(API_PREFIX);

/** The function an Invoke request names (decoded, as sent), or undefined for any other method or path. */
export function invokedFunction(method: string | undefined, path: string): string | undefined {
  const name = method === 'POST' ? INVOKE_PATH.exec(path)?.[1] : undefined;
  return name === undefined ? undefined : decodeURIComponent(name);
}

/**
 * The function's name in any of the forms Invoke accepts: `my-fn`, `my-fn:qualifier`,
 * `123456789012:function:my-fn` and `arn:aws:lambda:<region>:<account>:function:my-fn[:qualifier]`.
 */
export function functionNameOf(nameOrArn: string): string {
  const parts = nameOrArn.split(':');
  const at = parts.indexOf('function');
  return (at >= 0 ? parts[at + 1] : parts[0]) || nameOrArn;
}

export async function invokeFunction(
  backend: LambdaBackend,
  functionName: string,
  invocationType: string | undefined,
  payload: Uint8Array,
  requestId: string,
): Promise<WireResponse> {
  const type = invocationType ?? 'RequestResponse';
  if (type === 'Event') return invokeInBackground(backend, functionName, payload, requestId);
  if (type !== 'RequestResponse') {
    throw new AwsError(
      'InvalidParameterValueException',
      `InvocationType ${type}: the local endpoint serves RequestResponse and Event invocations`,
    );
  }
  const result = await backend.invoke(functionNameOf(functionName), payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-RequestId': requestId,
    'X-Amz-Executed-Version': '$LATEST',
  };
  if (result.functionError !== undefined) headers['X-Amz-Function-Error'] = result.functionError;
  return { status: 200, headers, body: result.payload };
}

/**
 * An asynchronous invocation: 202 with no body once the function is found; the function runs on, its result
 * (or error) kept by nobody, as Lambda's own is unless a destination is configured. A function that does not
 * exist is refused at once, as Lambda does.
 */
async function invokeInBackground(
  backend: LambdaBackend,
  functionName: string,
  payload: Uint8Array,
  requestId: string,
): Promise<WireResponse> {
  const running = backend.invoke(functionNameOf(functionName), payload);
  const refusal = await Promise.race([
    running.then(
      () => undefined,
      (error: unknown) => error,
    ),
    new Promise<undefined>((resolve) => setImmediate(resolve, undefined)),
  ]);
  if (refusal instanceof AwsError) throw refusal;
  return { status: 202, headers: { 'x-amzn-RequestId': requestId }, body: '' };
}

/** The service's error: the SDK takes the code from `x-amzn-ErrorType` and the message from the body. */
export function lambdaError(error: AwsError, requestId: string): WireResponse {
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': error.code,
    },
    body: JSON.stringify({ Type: error.fault === 'Sender' ? 'User' : 'Service', message: error.message }),
  };
}

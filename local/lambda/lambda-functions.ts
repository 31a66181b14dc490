/**
 * A Lambda backend from in-process handlers, by function name: the event is the JSON payload, the result goes
 * back as JSON, and a handler that throws answers as Lambda does (200, `Unhandled`, `{"errorType","errorMessage"}`).
 * The sandbox serves its worker-thread functions this way, tests a handler created in the test.
 */
import { AwsError } from '../endpoint/aws-error.js';
import type { LambdaBackend } from '../endpoint/backends.js';

export type LambdaHandler = (event: unknown) => Promise<unknown>;

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value ?? null));

export function lambdaFunctions(handlers: Readonly<Record<string, LambdaHandler>>): LambdaBackend {
  return {
    async invoke(functionName, payload) {
      const handler = Object.hasOwn(handlers, functionName) ? handlers[functionName] : undefined;
      if (handler === undefined) {
        const known = Object.keys(handlers);
        throw new AwsError(
          'ResourceNotFoundException',
          `Function not found: ${functionName} (this endpoint serves ${known.length === 0 ? 'none' : known.join(', ')})`,
          404,
        );
      }
      const text = new TextDecoder().decode(payload);
      let event: unknown;
      try {
        event = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json');
      }
      try {
        return { payload: encode(await handler(event)) };
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        return { functionError: 'Unhandled', payload: encode({ errorType: name, errorMessage: message }) };
      }
    },
  };
}

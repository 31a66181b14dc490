/** Starts a local endpoint per test and hands out the config a real SDK client needs to reach it. */
import { afterEach } from 'vitest';
import {
  type LocalEndpoint,
  type LocalEndpointOptions,
  startLocalEndpoint,
} from '../../local/endpoint/index.js';

const open: LocalEndpoint[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

export async function endpointFor(
  backends: LocalEndpointOptions['backends'],
  options: Omit<LocalEndpointOptions, 'backends'> = {},
) {
  const endpoint = await startLocalEndpoint({ backends, port: 0, ...options });
  open.push(endpoint);
  return { endpoint, config: clientConfig(endpoint.url) };
}

export type ClientConfig = ReturnType<typeof clientConfig>;

export const clientConfig = (url?: string) => ({
  ...(url ? { endpoint: url } : {}),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** The SDK's output without `$metadata`, to compare with what the backend returned. */
export const body = <T extends { $metadata?: unknown }>({ $metadata: _, ...rest }: T) => rest;

/**
 * A backend that answers each operation with a canned SDK-shaped result and records the inputs it was called
 * with, so a test proves both directions of the wire encoding against the SDK's own types.
 */
export function cannedBackend<B>(outputs: Record<string, unknown>) {
  const calls: Record<string, unknown[]> = {};
  const backend = Object.fromEntries(
    Object.entries(outputs).map(([method, output]) => [
      method,
      (input: unknown) => {
        calls[method] = [...(calls[method] ?? []), input];
        return output;
      },
    ]),
  );
  return { backend: backend as B, calls };
}

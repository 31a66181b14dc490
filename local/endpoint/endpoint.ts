/**
 * One HTTP server that answers unmodified AWS SDK v3 clients for every service in `Backends`: it finds the
 * service and operation in the request, decodes the wire input into the SDK's input shape, calls the backend,
 * and encodes its result (or its AwsError) the way that service's protocol does.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { seededRandom } from '../random.js';
import { AwsError } from './aws-error.js';
import type { Backends } from './backends.js';
import { type FaultRule, Faults } from './faults.js';
import { jsonError, jsonOperation, jsonResult, parseJsonInput } from './json-protocol.js';
import { invokedFunction, invokeFunction, isLambdaPath, lambdaError } from './lambda-protocol.js';
import { parseQueryRequest, queryError, queryInput, queryResult } from './query-protocol.js';
import {
  type JsonService,
  methodName,
  type QueryService,
  type RestJsonService,
  type Service,
  type ServiceKey,
  services,
} from './services.js';
import type { WireResponse } from './wire.js';

export interface LocalEndpointOptions {
  /** Read on every request, so a backend may be attached after the endpoint listens (e.g. one that needs its url). */
  backends: Backends;
  /** 0 (the default) picks any free port; read the chosen one from `url`. */
  port?: number;
  host?: string;
  faults?: FaultRule[];
  /** The source of fault probabilities; a fixed-seed generator by default, so runs repeat exactly. */
  random?: () => number;
  onRequest?: (request: RequestRecord) => void;
}

export interface RequestRecord {
  /** Absent when the request named no service this endpoint knows. */
  service: ServiceKey | undefined;
  operation: string | undefined;
  status: number;
  ms: number;
}

export interface LocalEndpoint {
  /** `http://host:port`, for a client's `endpoint` or the `AWS_ENDPOINT_URL_*` variables. */
  readonly url: string;
  /** The active fault rules; assign a new list to change them (expired rules drop out). */
  faults: FaultRule[];
  /** Requests served so far by `service.Operation`, e.g. `{ 'sns.Publish': 2 }`. */
  requests(): Record<string, number>;
  close(): Promise<void>;
}

/** One decoded request: which operation of which service, or the error to answer instead. */
type Routed =
  | { kind: 'json'; service: JsonService; operation: string; body: string }
  | { kind: 'query'; service: QueryService; operation: string; params: Record<string, unknown> }
  | {
      kind: 'lambda';
      service: RestJsonService;
      operation: 'Invoke';
      functionName: string;
      invocationType: string | undefined;
      payload: Uint8Array;
    }
  | { kind: 'unrouted'; response: WireResponse; service?: Service };

const jsonServices = services.filter((s): s is JsonService => s.protocol === 'json');
const queryServices = services.filter((s): s is QueryService => s.protocol === 'query');
const lambdaService = services.find((s): s is RestJsonService => s.key === 'lambda') as RestJsonService;

export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const faults = new Faults(options.faults ?? [], options.random ?? seededRandom(0x5eed));
  const counts = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    const routed = route(req, await readBody(req), requestId);
    const { service } = routed;
    const operation = routed.kind === 'unrouted' ? undefined : routed.operation;
    if (service && operation) {
      const key = `${service.key}.${operation}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const response =
      routed.kind === 'unrouted' ? routed.response : await serve(routed, options.backends, faults, requestId);
    res.writeHead(response.status, response.headers).end(response.body);
    options.onRequest?.({
      service: service?.key,
      operation,
      status: response.status,
      ms: performance.now() - started,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only reading the request (a broken connection, a corrupt gzip body) or the onRequest hook can fail
      // here; the protocols turn every backend failure into a response.
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    get faults() {
      return faults.rules;
    },
    set faults(rules: FaultRule[]) {
      faults.rules = rules;
    },
    requests: () => Object.fromEntries(counts),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this, close waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function route(req: IncomingMessage, raw: Buffer, requestId: string): Routed {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (isLambdaPath(path)) {
    const functionName = invokedFunction(req.method, path);
    if (functionName === undefined) {
      const error = new AwsError('UnknownOperationException', `Unknown operation ${req.method} ${path}`);
      return { kind: 'unrouted', service: lambdaService, response: lambdaError(error, requestId) };
    }
    const invocationType = req.headers['x-amz-invocation-type'];
    return {
      kind: 'lambda',
      service: lambdaService,
      operation: 'Invoke',
      functionName,
      invocationType: typeof invocationType === 'string' ? invocationType : undefined,
      payload: new Uint8Array(raw),
    };
  }
  const body = raw.toString('utf8');
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const service = jsonServices.find((s) => jsonOperation(s, target) !== undefined);
    const operation = service && jsonOperation(service, target);
    if (!service || !operation || !service.operations.includes(operation)) {
      const error = new AwsError('UnknownOperationException', `Unknown operation ${target}`);
      return {
        kind: 'unrouted',
        service,
        response: jsonError(service ?? { jsonVersion: '1.1', queryCompatible: false }, error, requestId),
      };
    }
    return { kind: 'json', service, operation, body };
  }
  const { action, version, params } = parseQueryRequest(body);
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(
    req.headers.authorization ?? '',
  )?.[1];
  // Unsigned requests (curl, say) still name their API version.
  const service = queryServices.find((s) => (scope ? s.signingName === scope : s.version === version));
  if (!service || !action || !service.operations.includes(action)) {
    const error = new AwsError(
      'InvalidAction',
      `The action ${action ?? '(none)'} is not valid for this web service.`,
    );
    return { kind: 'unrouted', service, response: queryError(service?.xmlns, error, requestId) };
  }
  return { kind: 'query', service, operation: action, params };
}

async function serve(
  routed: Exclude<Routed, { kind: 'unrouted' }>,
  backends: Backends,
  faults: Faults,
  requestId: string,
): Promise<WireResponse> {
  const { service, operation } = routed;
  const fail = (error: AwsError) =>
    routed.kind === 'json'
      ? jsonError(routed.service, error, requestId)
      : routed.kind === 'lambda'
        ? lambdaError(error, requestId)
        : queryError(routed.service.xmlns, error, requestId);
  try {
    const fault = faults.pick(service.key, operation, THROTTLING_CODES[routed.kind]);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.error) return fail(fault.error);
    const backend = backends[service.key] as Record<string, (input: unknown) => unknown> | undefined;
    if (!backend) {
      const message = `The local endpoint has no ${service.serviceId} backend, so it cannot serve ${operation}`;
      return fail(new AwsError('UnknownOperationException', message));
    }
    if (routed.kind === 'lambda') {
      const lambda = backends.lambda as NonNullable<Backends['lambda']>;
      return await invokeFunction(
        lambda,
        routed.functionName,
        routed.invocationType,
        routed.payload,
        requestId,
      );
    }
    const input =
      routed.kind === 'json'
        ? parseJsonInput(routed.service, operation, routed.body)
        : queryInput(routed.service, operation, routed.params);
    if (input === undefined) {
      return fail(new AwsError('SerializationException', 'The request body is not a JSON object'));
    }
    const output = await backend[methodName(operation)]?.call(backend, input);
    return routed.kind === 'json'
      ? jsonResult(routed.service, operation, output, requestId)
      : queryResult(routed.service, operation, output, requestId);
  } catch (error) {
    if (error instanceof AwsError) return fail(error);
    // A backend bug: say what broke, as a 5xx the SDK reports (and retries) like AWS's own failures.
    return fail(new AwsError('InternalFailure', error instanceof Error ? error.message : String(error), 500));
  }
}

/** Each protocol's spelling of a throttled request. */
const THROTTLING_CODES = {
  json: 'ThrottlingException',
  query: 'Throttling',
  lambda: 'TooManyRequestsException',
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  // The SDK gzips large PutMetricData bodies (its requestCompression trait).
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

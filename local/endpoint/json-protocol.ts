/**
 * AWS JSON 1.0 / 1.1: the operation in `X-Amz-Target`, the input as a JSON body, timestamps as epoch seconds,
 * blobs as base64, errors as `{"__type","message"}` with `x-amzn-ErrorType`.
 */
import type { AwsError } from './aws-error.js';
import { convertAt } from './paths.js';
import type { JsonService } from './services.js';
import type { WireResponse } from './wire.js';

/** Input fields the JSON body carries as numbers or base64 that the SDK's input types hold as Date / bytes. */
const inputTypes: Record<string, Record<string, 'timestamp' | 'blob'>> = {
  'cloudWatch.GetMetricData': { StartTime: 'timestamp', EndTime: 'timestamp' },
  'cloudWatch.PutMetricData': { 'MetricData[].Timestamp': 'timestamp' },
  'eventBridge.PutEvents': { 'Entries[].Time': 'timestamp' },
  'sqs.SendMessage': {
    'MessageAttributes.*.BinaryValue': 'blob',
    'MessageSystemAttributes.*.BinaryValue': 'blob',
  },
  'sqs.SendMessageBatch': {
    'Entries[].MessageAttributes.*.BinaryValue': 'blob',
    'Entries[].MessageSystemAttributes.*.BinaryValue': 'blob',
  },
};

const fromWire = {
  timestamp: (v: unknown) => (typeof v === 'number' ? new Date(v * 1000) : v),
  blob: (v: unknown) => (typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : v),
};

/** Output fields the SDK's types hold as bytes, which the JSON body carries as base64 (timestamps: toWire). */
const outputBlobs: Record<string, readonly string[]> = {
  'sqs.ReceiveMessage': ['Messages[].MessageAttributes.*.BinaryValue'],
};

const blobToWire = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v);

/** The operation named by `X-Amz-Target`, when the prefix is this service's. */
export function jsonOperation(service: JsonService, target: string): string | undefined {
  const [prefix, operation] = target.split('.');
  return prefix === service.target ? operation : undefined;
}

/** Parses the body into the SDK input shape; a body that is not a JSON object is the caller's error. */
export function parseJsonInput(service: JsonService, operation: string, body: string): unknown {
  let input: unknown;
  try {
    input = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const types = inputTypes[`${service.key}.${operation}`] ?? {};
  for (const [path, type] of Object.entries(types)) input = convertAt(input, path, fromWire[type]);
  return input;
}

export function jsonResult(
  service: JsonService,
  operation: string,
  output: unknown,
  requestId: string,
): WireResponse {
  let wire: unknown = output ?? {};
  for (const path of outputBlobs[`${service.key}.${operation}`] ?? [])
    wire = convertAt(wire, path, blobToWire);
  return {
    status: 200,
    headers: jsonHeaders(service, requestId),
    body: JSON.stringify(wire, toWire),
  };
}

/** Takes only the protocol flavour, so requests naming no known service can be answered too. */
export function jsonError(
  service: Pick<JsonService, 'jsonVersion' | 'queryCompatible'>,
  error: AwsError,
  requestId: string,
): WireResponse {
  const headers: Record<string, string> = {
    ...jsonHeaders(service, requestId),
    'x-amzn-ErrorType': error.code,
  };
  // Query-compatible clients take the code from here first, so legacy Query codes reach the right exception.
  if (service.queryCompatible) headers['x-amzn-query-error'] = `${error.code};${error.fault}`;
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

const jsonHeaders = (service: Pick<JsonService, 'jsonVersion'>, requestId: string) => ({
  'content-type': `application/x-amz-json-${service.jsonVersion}`,
  'x-amzn-RequestId': requestId,
});

/** JSON.stringify replacer; reads `this[key]` because Date#toJSON has already run on `value`. */
function toWire(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

/**
 * AWS Query: a form-encoded POST (`Action=…&Version=…`, lists as `X.member.N`, maps as `X.entry.N.key/value`
 * or `.Name/.Value`), answered with XML `<ActionResponse><ActionResult>…` or an `<ErrorResponse>`.
 */
import type { AwsError } from './aws-error.js';
import { convertAt, isRecord } from './paths.js';
import type { QueryService } from './services.js';
import type { WireResponse } from './wire.js';
import { escapeXml, xmlContent } from './xml.js';

type FieldType = 'number' | 'boolean' | 'blob' | 'list';

/** Input fields that are not strings in the SDK's input types (every form value arrives as a string). */
const inputTypes: Record<string, Record<string, FieldType>> = {
  'sns.CreateTopic': { Tags: 'list' },
  'sns.Publish': { 'MessageAttributes.*.BinaryValue': 'blob' },
  'sns.Subscribe': { ReturnSubscriptionArn: 'boolean' },
  'autoScaling.DescribeAutoScalingInstances': { InstanceIds: 'list', MaxRecords: 'number' },
};

const fromWire: Record<FieldType, (v: unknown) => unknown> = {
  number: (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
  boolean: (v) => (v === 'true' ? true : v === 'false' ? false : v),
  blob: (v) => (typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : v),
  // The SDK sends an empty list as `X=` with no members.
  list: (v) => (v === '' ? [] : v),
};

export interface QueryRequest {
  action: string | undefined;
  version: string | undefined;
  params: Record<string, unknown>;
}

export function parseQueryRequest(body: string): QueryRequest {
  const form = new URLSearchParams(body);
  const tree: Record<string, unknown> = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    insert(tree, key.split('.'), value);
  }
  const params = normalize(tree);
  return {
    action: form.get('Action') ?? undefined,
    version: form.get('Version') ?? undefined,
    params: isRecord(params) ? params : {},
  };
}

/** The SDK input for one operation: the form's tree with non-string fields restored. */
export function queryInput(
  service: QueryService,
  operation: string,
  params: Record<string, unknown>,
): unknown {
  let input: unknown = params;
  const types = inputTypes[`${service.key}.${operation}`] ?? {};
  for (const [path, type] of Object.entries(types)) input = convertAt(input, path, fromWire[type]);
  return input;
}

export function queryResult(
  service: QueryService,
  operation: string,
  output: unknown,
  requestId: string,
): WireResponse {
  const result = `<${operation}Result>${xmlContent(output ?? {})}</${operation}Result>`;
  const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  return xmlResponse(
    200,
    requestId,
    `<${operation}Response xmlns="${service.xmlns}">${result}${metadata}</${operation}Response>`,
  );
}

/** `xmlns` is absent when the request named no known service. */
export function queryError(xmlns: string | undefined, error: AwsError, requestId: string): WireResponse {
  const detail = `<Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>`;
  return xmlResponse(
    error.status,
    requestId,
    `<ErrorResponse${xmlns ? ` xmlns="${xmlns}"` : ''}><Error>${detail}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

const xmlResponse = (status: number, requestId: string, xml: string): WireResponse => ({
  status,
  headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`,
});

function insert(tree: Record<string, unknown>, [head, ...rest]: string[], value: string): void {
  if (head === undefined) return;
  if (rest.length === 0) {
    tree[head] = value;
    return;
  }
  const child = isRecord(tree[head]) ? tree[head] : {};
  tree[head] = child;
  insert(child, rest, value);
}

/** `{member: {1: a, 2: b}}` → `[a, b]`; `{entry: {1: {key|Name, value|Value}}}` → `{key: value}`. */
function normalize(node: unknown): unknown {
  if (!isRecord(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member' && isRecord(node.member)) {
    return byIndex(node.member).map(normalize);
  }
  if (keys.length === 1 && keys[0] === 'entry' && isRecord(node.entry)) {
    return Object.fromEntries(
      byIndex(node.entry)
        .filter(isRecord)
        .map((e) => [String(e.key ?? e.Name), normalize(e.value ?? e.Value)]),
    );
  }
  return Object.fromEntries(keys.map((k) => [k, normalize(node[k])]));
}

const byIndex = (indexed: Record<string, unknown>): unknown[] =>
  Object.entries(indexed)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);

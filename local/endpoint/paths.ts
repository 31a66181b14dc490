/**
 * Wire formats lose types the SDK's shapes have (JSON timestamps are numbers, every form value is a string).
 * Each protocol keeps a small table of the input fields to restore, addressed by paths like
 * `MetricData[].Timestamp` (each list element) or `MessageAttributes.*.BinaryValue` (each map value).
 */
export type Convert = (value: unknown) => unknown;

export function convertAt(value: unknown, path: string, convert: Convert): unknown {
  return convertSegments(value, path.split('.'), convert);
}

function convertSegments(value: unknown, segments: string[], convert: Convert): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return convert(value);
  if (!isRecord(value)) return value;
  const each = (v: unknown) => convertSegments(v, rest, convert);
  if (head === '*') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, each(v)]));
  const list = head.endsWith('[]');
  const key = list ? head.slice(0, -2) : head;
  if (!(key in value)) return value;
  const child = value[key];
  return { ...value, [key]: list ? (Array.isArray(child) ? child.map(each) : child) : each(child) };
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

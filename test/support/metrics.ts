/** What tests that run a function's handler need for its metrics, and how they read them. */
import { vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../lib/platform/metrics.js';

/**
 * What serverless.yml sets for every function's metrics: the stage (STAGE, needed at a handler's first invocation)
 * and Powertools' service; and, unless the test reads them (`emf`), no EMF lines: Powertools Metrics writes them
 * to stdout past any logger, and reads whether it may when the handler is made.
 */
export function handlerEnvironment({ emf = false }: { emf?: boolean } = {}): void {
  vi.stubEnv('STAGE', 'test');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'ecs-ops');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', emf ? 'false' : 'true');
}

/** One metric of an EMF line: its unit, value(s) and the dimensions it is published under. */
export interface EmittedMetric {
  name: string;
  unit: string;
  value: number | number[];
  dimensions: Record<string, string>;
  namespace: string;
}

interface EmfLine {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** The metrics of the EMF lines among captured log lines (captureLogLines), one per metric and line. */
export function emittedMetrics(lines: readonly Record<string, unknown>[]): EmittedMetric[] {
  return lines
    .filter((line): line is EmfLine => '_aws' in line)
    .flatMap((line) =>
      line._aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) =>
        Metrics.map(({ Name, Unit }) => ({
          name: Name,
          unit: Unit,
          value: line[Name] as number | number[],
          // Powertools writes one dimension set per line: each of its keys with the line's value.
          dimensions: Object.fromEntries((Dimensions[0] ?? []).map((key) => [key, String(line[key])])),
          namespace: Namespace,
        })),
      ),
    );
}

/** A function's metrics as `name → value`, for those emitted under exactly `dimensions` in ecs-ops' namespace. */
export function metricValues(
  metrics: readonly EmittedMetric[],
  dimensions: Record<string, string>,
): Record<string, number | number[]> {
  const same = (a: Record<string, string>) =>
    Object.keys(a).length === Object.keys(dimensions).length &&
    Object.entries(dimensions).every(([key, value]) => a[key] === value);
  return Object.fromEntries(
    metrics
      .filter((metric) => metric.namespace === METRICS_NAMESPACE && same(metric.dimensions))
      .map((metric) => [metric.name, metric.value]),
  );
}

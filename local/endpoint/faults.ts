/**
 * Fault injection, so tests can prove that callers survive what AWS does under load: throttling, 5xx and
 * slowness. Rules are matched in order; the first rule that matches a request decides its fault.
 */

import { AwsError } from './aws-error.js';
import type { ServiceKey } from './services.js';

export interface FaultRule {
  /** Only requests to this service (a `Backends` key, e.g. `sns`); every service when absent. */
  service?: ServiceKey;
  /** Only this operation (wire name, e.g. `Publish`); every operation when absent. */
  operation?: string;
  /** Probability (0–1) of answering with the protocol's throttling error. */
  throttle?: number;
  /** Probability (0–1) of answering with a 5xx. */
  serverError?: number;
  /** Delay before the request is handled (or failed). */
  latencyMs?: number;
  /** The rule expires after it has injected a fault this many times. */
  times?: number;
}

export interface InjectedFault {
  latencyMs: number;
  error?: AwsError;
}

export class Faults {
  #rules: FaultRule[] = [];
  /** Faults each rule has injected so far; a rule list replaced by the setter starts afresh. */
  #fired = new Map<FaultRule, number>();

  constructor(
    rules: FaultRule[],
    private readonly random: () => number,
  ) {
    this.rules = rules;
  }

  get rules(): FaultRule[] {
    return this.#rules;
  }

  set rules(rules: FaultRule[]) {
    for (const rule of rules) validate(rule);
    this.#rules = [...rules];
    this.#fired.clear();
  }

  /** The fault to inject into one request, if any; `throttlingCode` is the protocol's own spelling. */
  pick(service: ServiceKey, operation: string, throttlingCode: string): InjectedFault | undefined {
    const rule = this.#rules.find(
      (r) => (r.service === undefined || r.service === service) && (r.operation ?? operation) === operation,
    );
    if (!rule) return undefined;
    const error = this.#roll(rule.throttle)
      ? new AwsError(throttlingCode, 'Rate exceeded', 400)
      : this.#roll(rule.serverError)
        ? this.#serverError()
        : undefined;
    const latencyMs = rule.latencyMs ?? 0;
    if (!error && latencyMs === 0) return undefined;
    this.#expire(rule);
    return { latencyMs, error };
  }

  #roll(probability = 0): boolean {
    return probability > 0 && this.random() < probability;
  }

  /** AWS answers overload with either of these; both are retryable, so callers must handle both. */
  #serverError(): AwsError {
    return this.random() < 0.5
      ? new AwsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500)
      : new AwsError('ServiceUnavailable', 'The service is unavailable. Please try again later.', 503);
  }

  #expire(rule: FaultRule): void {
    if (rule.times === undefined) return;
    const fired = (this.#fired.get(rule) ?? 0) + 1;
    this.#fired.set(rule, fired);
    if (fired >= rule.times) this.#rules = this.#rules.filter((r) => r !== rule);
  }
}

function validate(rule: FaultRule): void {
  for (const p of ['throttle', 'serverError'] as const) {
    const v = rule[p];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`fault rule ${p} must be 0–1, got ${v}`);
  }
  if (rule.latencyMs !== undefined && !(rule.latencyMs >= 0)) {
    throw new RangeError(`fault rule latencyMs must be ≥ 0, got ${rule.latencyMs}`);
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
    throw new RangeError(`fault rule times must be a positive integer, got ${rule.times}`);
  }
}

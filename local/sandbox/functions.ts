/**
 * The deployment's functions in the sandbox: one local Lambda (its deployed bundle in a worker thread, on the
 * sandbox's clock) per function a route or a schedule reaches, with serverless.yml's environment resolved
 * locally. Invoked by name and counted; Lambda's Invoke serves them under their deployed names
 * (`ecs-ops-local-launch`: what `ecs-ops jobs run` calls).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LambdaBackend, lambdaFunctions } from '../endpoint/index.js';
import type { SharedClock } from '../lambda/clock.js';
import { type LocalFunction, startLocalFunction } from '../lambda/lambda-runtime.js';
import type { Deployment, FunctionDefinition } from '../serverless/routes.js';
import { functionEnvironment, type LocalResources } from './environment.js';

export interface SandboxFunctionsOptions {
  /** The ecs-ops package: the bundles the handlers name are under it. */
  root: string;
  definitions: readonly FunctionDefinition[];
  resources: LocalResources;
  endpoints: { services: string; dynamodb: string; region: string };
  logDir: string;
  clock: SharedClock;
  onLog: (name: string, line: string) => void;
  /** The simulated time an invocation starts at. */
  now?: () => number;
  /** Each invocation once it ended: whether it failed, and when it started (AWS/Lambda's metrics). */
  onInvoked?: (name: string, failed: boolean, at: number) => void;
  /** `--break`: this function throws on every invocation that starts in [from, to) (simulated epoch ms). */
  broken?: { name: string; from: number; to: number; onFailure?: (at: number) => void };
}

/** serverless.yml's provider timeout: what getRemainingTimeInMillis counts down from. */
const TIMEOUT_MS = 60_000;

export class SandboxFunctions {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly counts: Record<string, number> = {};
  private readonly options: SandboxFunctionsOptions;

  constructor(options: SandboxFunctionsOptions) {
    this.options = options;
    const unique = new Map(options.definitions.map((definition) => [definition.name, definition]));
    // Every bundle is found before any worker starts: a missing one leaves no thread behind.
    const bundles = [...unique.values()].map((definition) => ({
      definition,
      ...bundleOf(options.root, definition.handler),
    }));
    for (const { definition, bundle, exportName } of bundles) {
      this.counts[definition.name] = 0;
      this.functions.set(
        definition.name,
        startLocalFunction({
          name: definition.name,
          bundle,
          exportName,
          environment: functionEnvironment(
            definition.name,
            definition.environment,
            options.resources,
            options.endpoints,
          ),
          logDir: options.logDir,
          timeoutMs: TIMEOUT_MS,
          clock: options.clock,
          onLog: (line) => options.onLog(definition.name, line),
        }),
      );
    }
  }

  /** Invokes a function and waits for its result; a function error rejects. */
  invoke(name: string, event: unknown): Promise<unknown> {
    const fn = this.functions.get(name);
    if (fn === undefined) return Promise.reject(new Error(`no local function ${name}`));
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    const at = this.options.now?.() ?? Date.now();
    const ended = (failed: boolean) => this.options.onInvoked?.(name, failed, at);
    const broken = this.options.broken;
    if (broken?.name === name && at >= broken.from && at < broken.to) {
      ended(true);
      broken.onFailure?.(at);
      return Promise.reject(
        Object.assign(new Error(`${name} broken by sandbox --break`), { name: 'SandboxBreak' }),
      );
    }
    return fn.invoke(event).then(
      (result) => {
        ended(false);
        return result;
      },
      (error: unknown) => {
        ended(true);
        throw error;
      },
    );
  }

  /** Invocations per function so far, whoever invoked it. */
  invocations(): Record<string, number> {
    return { ...this.counts };
  }

  /** Lambda's Invoke, serving each function by its deployed name. */
  lambdaBackend(deployment: Pick<Deployment, 'service' | 'stage'>): LambdaBackend {
    return lambdaFunctions(
      Object.fromEntries(
        [...this.functions.keys()].map((name) => [
          `${deployment.service}-${deployment.stage}-${name}`,
          (event: unknown) => this.invoke(name, event),
        ]),
      ),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.functions.values()].map((fn) => fn.stop()));
  }
}

/** `dist/functions/reconcile/index.handler` → the bundle file and the export it names. */
function bundleOf(root: string, handler: string): { bundle: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = join(root, handler.slice(0, dot));
  const bundle = ['.mjs', '.js'].map((extension) => base + extension).find((file) => existsSync(file));
  if (bundle === undefined) {
    throw new Error(`${base}.mjs is not built; run npm run build (npm start builds before it runs)`);
  }
  return { bundle, exportName: handler.slice(dot + 1) };
}

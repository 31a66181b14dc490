/**
 * The engine both algorithms share (ecs-ops' embedded engine in a child process) and the client wrapper that
 * gives them the same number of DynamoDB requests in flight and counts every request they make.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { StateStore } from '../lib/platform/store/state-store.js';
import { KEY, LATEST_ENTRY } from '../lib/platform/store/table.js';
import { ensureStateTable } from '../local/dynamodb/local-engine.js';

export interface Engine {
  endpoint: string;
  description: string;
  /** CPU seconds the engine process has used so far (Linux /proc; undefined elsewhere). */
  cpuSeconds(): number | undefined;
  stop(): void;
}

/**
 * Bundles bench/engine-server.ts (scripts/build.mjs builds only the benchmark's entry) and starts it. The child
 * runs local/dynamodb/local-engine.ts, so it carries the same dynalite patches as the engine ecs-ops ships.
 */
export async function startEngineProcess(root: string): Promise<Engine> {
  const script = join(root, 'dist', 'bench', 'engine-server.mjs');
  await build({
    entryPoints: [join(root, 'bench', 'engine-server.ts')],
    outfile: script,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  const child = spawn(process.execPath, [script], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`engine process exited with code ${code} before listening`)),
    );
    lines.once('line', (line) => resolve((JSON.parse(line) as { endpoint: string }).endpoint));
  });
  const { version } = JSON.parse(
    readFileSync(join(root, 'node_modules', 'dynalite', 'package.json'), 'utf8'),
  ) as { version: string };
  return {
    endpoint,
    description: `dynalite ${version} via local/dynamodb/local-engine.ts startLocalEngine (in memory, separate process, loopback HTTP)`,
    cpuSeconds: () => processCpuSeconds(child.pid),
    stop: () => {
      lines.close();
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
}

/**
 * Checks that the engine returns the item that failed a condition, through StateStore.putLatest itself: a
 * repeated version must come back `duplicate` (an engine without the patch makes it `stale`, and the
 * benchmark would then measure an engine ecs-ops does not ship).
 */
export async function assertReturnsFailedItems(client: DynamoDBClient): Promise<void> {
  const tableName = 'ecs-ops-state-probe';
  await ensureStateTable(client, tableName);
  try {
    const store = new StateStore({ tableName, client });
    const item = {
      [KEY.partition]: { S: 'task/probe' },
      [KEY.sort]: { S: LATEST_ENTRY },
      version: { N: '1' },
    };
    const verdicts = [await store.putLatest(item), await store.putLatest(item)];
    if (verdicts.join() !== 'accepted,duplicate')
      throw new Error(`the engine does not return items that fail a condition (got ${verdicts.join(', ')})`);
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  }
}

function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): user and system time in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs around one request (inside the in-flight limit); used by the capacity accounting pass. */
export type Interceptor = <T extends { output: unknown }>(
  command: string,
  input: Record<string, unknown>,
  send: () => Promise<T>,
) => Promise<T>;

/**
 * Caps the requests in flight (like a fixed pool of connections or Lambda concurrency would) and counts every
 * `client.send` by command. Installed as SDK middleware at the initialize step, so each send counts once,
 * whatever the SDK's own retries do underneath.
 */
export class RequestMeter {
  requests = 0;
  readonly byCommand: Record<string, number> = {};
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private busyArea = 0;
  private firstChange = 0;
  private lastChange = 0;

  constructor(readonly limit: number) {}

  attach(client: DynamoDBClient, interceptor?: Interceptor): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        await this.acquire();
        const command = context.commandName ?? 'unknown';
        this.requests++;
        this.byCommand[command] = (this.byCommand[command] ?? 0) + 1;
        try {
          const input = args.input as Record<string, unknown>;
          return interceptor ? await interceptor(command, input, () => next(args)) : await next(args);
        } finally {
          this.release();
        }
      },
      { step: 'initialize', name: 'benchRequestMeter', priority: 'high' },
    );
    return client;
  }

  /** Time-weighted mean of requests in flight while any were: shows whether the limit stayed saturated. */
  meanInFlight(): number {
    const span = this.lastChange - this.firstChange;
    return span > 0 ? this.busyArea / span : 0;
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.change(1);
      return;
    }
    // The releasing request hands its slot over, so the count does not change.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.change(-1);
  }

  private change(delta: number): void {
    const now = performance.now();
    if (this.firstChange === 0) this.firstChange = now;
    else this.busyArea += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
    this.inFlight += delta;
  }
}

/**
 * A local Lambda runtime: each function runs its deployed bundle (dist/functions/<name>/index.mjs, what
 * `serverless package` zips) in a worker thread of its own, with its own environment, as a Lambda execution
 * environment would. Its stdout and stderr are its logs: appended to `<logDir>/<name>.log` (the local
 * CloudWatch log group) and handed line by line to `onLog`. The first invocation is the cold start. The
 * function's Date reads the sandbox's simulated clock (see clock.ts), installed before its bundle loads.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { INSTALL_WORKER_CLOCK, type SharedClock } from './clock.js';

export interface LocalFunctionOptions {
  name: string;
  /** The bundle's path and its exported handler, from serverless.yml's `handler: dist/functions/x/index.handler`. */
  bundle: string;
  exportName: string;
  environment: Record<string, string>;
  logDir: string;
  onLog?: (line: string) => void;
  /** serverless.yml's timeout: what getRemainingTimeInMillis counts down from, in the clock's time. */
  timeoutMs: number;
  clock: SharedClock;
}

export interface LocalFunction {
  invoke(event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The worker's side: install the clock, load the bundle once, then answer each invocation with its result or
 * its error.
 */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const clockBuffer = workerData.clock;
${INSTALL_WORKER_CLOCK}
const loaded = import(workerData.bundle).then((module) => module[workerData.exportName]);
parentPort.on('message', async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName: workerData.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':000000000000:function:' + workerData.name,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/' + workerData.name,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const handler = await loaded;
    if (typeof handler !== 'function') throw new Error(workerData.exportName + ' is not a function in ' + workerData.bundle);
    parentPort.postMessage({ id, result: await handler(event, context) });
  } catch (error) {
    parentPort.postMessage({ id, error: { name: error?.name, message: error?.message ?? String(error) } });
  }
});
`;

export function startLocalFunction(options: LocalFunctionOptions): LocalFunction {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: 'a' });
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    env: options.environment,
    stdout: true,
    stderr: true,
    workerData: {
      name: options.name,
      bundle: pathToFileURL(options.bundle).href,
      exportName: options.exportName,
      clock: options.clock.buffer,
    },
  });
  for (const stream of [worker.stdout, worker.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      options.onLog?.(line);
    });
  }
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: Error }) => {
    const call = pending.get(id);
    pending.delete(id);
    if (error) call?.reject(Object.assign(new Error(error.message), { name: error.name }));
    else call?.resolve(result);
  });
  worker.on('error', (error) => {
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  });

  return {
    invoke(event) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, event, timeoutMs: options.timeoutMs });
      });
    },
    async stop() {
      await worker.terminate();
      log.end();
      await once(log, 'close');
    },
  };
}

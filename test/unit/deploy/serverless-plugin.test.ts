/**
 * The day-one backfill of deploy/serverless-plugin.cjs: after `serverless deploy`, one asynchronous resync of
 * the deployed function; a failure warns with the command to run by hand and never fails the deploy.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { InvokeCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

interface Log {
  notice(text: string): void;
  warning(text: string): void;
}
type LambdaClientOf = (provider: unknown) => Promise<{ send(command: InvokeCommand): Promise<unknown> }>;
const Plugin = require('../../../deploy/serverless-plugin.cjs') as {
  new (
    serverless: unknown,
    options: unknown,
    utils: { log: Log },
  ): { hooks: Record<string, () => Promise<void>> };
  backfillAfterDeploy(serverless: unknown, log: Log, lambdaClientOf?: LambdaClientOf): Promise<void>;
};

/** A fake deploy of stage `prod` in eu-west-1: the framework's service and provider as far as the hook uses them. */
function fakeDeploy(
  functions: Record<string, { name: string }> = { resync: { name: 'ecs-ops-prod-resync' } },
) {
  const provider = {
    getStage: () => 'prod',
    getRegion: () => 'eu-west-1',
    getAwsSdkV3Config: async () => ({ region: 'eu-west-1' }),
  };
  const serverless = {
    getProvider: (name: string) => (name === 'aws' ? provider : undefined),
    service: {
      getFunction: (name: string) => {
        const fn = functions[name];
        if (fn === undefined) throw new Error(`Function "${name}" doesn't exist in this Service`);
        return fn;
      },
    },
  };
  const lines: { level: 'notice' | 'warning'; text: string }[] = [];
  const log: Log = {
    notice: (text) => lines.push({ level: 'notice', text }),
    warning: (text) => lines.push({ level: 'warning', text }),
  };
  return { provider, serverless, log, lines };
}

/** A Lambda client that records what it is sent and answers as Lambda does (or fails). */
function fakeLambda(answer: () => Promise<unknown>) {
  const sent: InvokeCommand['input'][] = [];
  const providers: unknown[] = [];
  const lambdaClientOf: LambdaClientOf = async (provider) => {
    providers.push(provider);
    return {
      send: async (command) => {
        sent.push(command.input);
        return answer();
      },
    };
  };
  return { sent, providers, lambdaClientOf };
}

const BY_HAND = `npx serverless invoke -f resync --stage prod --region eu-west-1 --data '{"trigger":"deploy"}'`;

describe('the day-one backfill after deploy', () => {
  it('is the plugin’s after:deploy:deploy hook', () => {
    const { serverless, log } = fakeDeploy();
    const plugin = new Plugin(serverless, {}, { log });
    expect(typeof plugin.hooks['after:deploy:deploy']).toBe('function');
  });

  it('invokes the deployed resync function once, asynchronously, with the deploy trigger, and says so', async () => {
    const { provider, serverless, log, lines } = fakeDeploy();
    const lambda = fakeLambda(async () => ({ StatusCode: 202 }));
    await Plugin.backfillAfterDeploy(serverless, log, lambda.lambdaClientOf);
    expect(lambda.providers).toEqual([provider]);
    expect(lambda.sent).toEqual([
      { FunctionName: 'ecs-ops-prod-resync', InvocationType: 'Event', Payload: '{"trigger":"deploy"}' },
    ]);
    expect(lines).toEqual([{ level: 'notice', text: expect.stringContaining('ecs-ops-prod-resync') }]);
  });

  it('warns with the command to run by hand, and does not fail the deploy, when the invocation fails', async () => {
    const { serverless, log, lines } = fakeDeploy();
    const denied = Object.assign(new Error('not authorized to perform: lambda:InvokeFunction'), {
      name: 'AccessDeniedException',
    });
    const lambda = fakeLambda(async () => Promise.reject(denied));
    await expect(Plugin.backfillAfterDeploy(serverless, log, lambda.lambdaClientOf)).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warning');
    expect(lines[0]?.text).toContain('the deploy succeeded');
    expect(lines[0]?.text).toContain('not authorized to perform: lambda:InvokeFunction');
    expect(lines[0]?.text).toContain(BY_HAND);
  });

  it('warns when Lambda does not queue the event, or there is no resync function to invoke', async () => {
    const refused = fakeDeploy();
    await Plugin.backfillAfterDeploy(
      refused.serverless,
      refused.log,
      fakeLambda(async () => ({ StatusCode: 200 })).lambdaClientOf,
    );
    expect(refused.lines).toEqual([{ level: 'warning', text: expect.stringContaining('not 202') }]);

    const missing = fakeDeploy({});
    const lambda = fakeLambda(async () => ({ StatusCode: 202 }));
    await Plugin.backfillAfterDeploy(missing.serverless, missing.log, lambda.lambdaClientOf);
    expect(lambda.sent).toEqual([]);
    expect(missing.lines).toEqual([{ level: 'warning', text: expect.stringContaining(BY_HAND) }]);
  });

  it('builds its Lambda client from the provider’s SDK v3 config (osls 4 has no provider.request)', async () => {
    const requests: { method?: string; url?: string; type?: string | string[]; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        requests.push({
          method: request.method,
          url: request.url,
          type: request.headers['x-amz-invocation-type'],
          body,
        });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const { port } = server.address() as AddressInfo;
      const { provider, serverless, log, lines } = fakeDeploy();
      provider.getAwsSdkV3Config = async () =>
        ({
          region: 'eu-west-1',
          endpoint: `http://127.0.0.1:${port}`,
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        }) as { region: string };
      await Plugin.backfillAfterDeploy(serverless, log);
      expect(requests).toEqual([
        {
          method: 'POST',
          url: '/2015-03-31/functions/ecs-ops-prod-resync/invocations',
          type: 'Event',
          body: '{"trigger":"deploy"}',
        },
      ]);
      expect(lines.map((line) => line.level)).toEqual(['notice']);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});

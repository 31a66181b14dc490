import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler as createDrainSweeper } from '../../../../../functions/drain-sweeper.js';
import { handler as deployedJobTimeouts } from '../../../../../functions/job-timeouts.js';
import type { Drainer } from '../../../../../lib/drain/drainer.js';
import { functionLogger, lambdaHandler } from '../../../../../lib/platform/handler/handler.js';
import { lambdaContext } from '../../../../support/lambda-context.js';
import { captureLogLines } from '../../../../support/log-lines.js';
import { handlerEnvironment } from '../../../../support/metrics.js';

const contextOf = (awsRequestId: string) => ({ ...lambdaContext(), awsRequestId });

describe('lambdaHandler', () => {
  beforeEach(() => handlerEnvironment());

  it('puts the Lambda context on the log lines of a scheduled function', async () => {
    // Prepare: drain-sweeper, a scheduled function, with a drainer that released one instance, in a container
    // Lambda started for an invocation (Powertools reports cold starts only then).
    const lines = captureLogLines();
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const drainer = {
      sweep: async () => [{ step: 'released', ec2InstanceId: 'i-0abc', explanation: 'empty' }],
    } as unknown as Drainer;
    const handler = createDrainSweeper(() => ({ drainer }), functionLogger('drain-sweeper'));

    // Act
    const result = await handler({}, contextOf('request-1'));
    await handler({}, contextOf('request-2'));

    // Assess
    expect(result).toEqual({ open: 0, released: 1 });
    const released = lines.filter((line) => line.message === 'drain released');
    expect(released).toEqual([
      expect.objectContaining({
        function: 'drain-sweeper',
        function_name: 'ecs-ops-test',
        function_request_id: 'request-1',
        cold_start: true,
        ec2InstanceId: 'i-0abc',
      }),
      expect.objectContaining({ function_request_id: 'request-2', cold_start: false }),
    ]);
  });

  it('builds the dependencies once per container, at the first invocation', async () => {
    // Prepare
    captureLogLines();
    const build = vi.fn(() => ({ greeting: 'hello' }));
    const handler = lambdaHandler({
      name: 'test',
      logger: functionLogger('test'),
      dependencies: build,
      handle: async (event: { name: string }, { greeting }) => `${greeting} ${event.name}`,
    });
    expect(build).not.toHaveBeenCalled();

    // Act
    const answers = [
      await handler({ name: 'a' }, contextOf('1')),
      await handler({ name: 'b' }, contextOf('2')),
    ];

    // Assess
    expect(answers).toEqual(['hello a', 'hello b']);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('fails the invocation, and logs why with its context, when a variable is missing', async () => {
    // Prepare: the deployed job-timeouts handler, in a process whose environment has none of its variables.
    const lines = captureLogLines();
    vi.stubEnv('STATE_TABLE', undefined);

    // Act
    const invocation = deployedJobTimeouts({}, contextOf('request-env'));

    // Assess
    await expect(invocation).rejects.toThrow(/^environment variable STATE_TABLE: .*redeploy/);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'the function could not be set up',
        function: 'job-timeouts',
        function_request_id: 'request-env',
        error: expect.objectContaining({ message: expect.stringContaining('STATE_TABLE') }),
      }),
    );
  });

  it('tries to build the dependencies again after a build that failed', async () => {
    // Prepare
    captureLogLines();
    let attempts = 0;
    const handler = lambdaHandler({
      name: 'test',
      logger: functionLogger('test'),
      dependencies: () => {
        attempts++;
        if (attempts === 1) throw new Error('environment variable X: missing');
        return {};
      },
      handle: async () => 'done',
    });

    // Act
    const first = handler({}, contextOf('1'));

    // Assess
    await expect(first).rejects.toThrow('environment variable X');
    expect(await handler({}, contextOf('2'))).toBe('done');
    expect(attempts).toBe(2);
  });
});

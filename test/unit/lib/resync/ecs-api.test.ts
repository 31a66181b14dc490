/**
 * The ECS reader resync uses, over a recording stand-in for the ECS client: calls are paced at the configured
 * rate (across concurrent callers), counted per action, Describe calls take 100 ARNs at a time, and only a
 * MISSING failure means ECS no longer knows a resource.
 */
import { DescribeTasksCommand, type ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EcsApi } from '../../../../lib/resync/ecs-api.js';

type Sent = { name: string; input: Record<string, unknown>; at: number };

function recordingEcs(answer: (command: { input: Record<string, unknown> }) => unknown) {
  const sent: Sent[] = [];
  const ecs = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input, at: Date.now() });
      return answer(command);
    },
  } as unknown as Pick<ECSClient, 'send'>;
  return { ecs, sent };
}

const arns = (count: number) =>
  Array.from(
    { length: count },
    (_, i) => `arn:aws:ecs:us-east-1:111122223333:task/prod/${String(i).padStart(32, '0')}`,
  );

describe('EcsApi', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces calls 1/callsPerSecond apart, concurrent callers included, and counts them per action', async () => {
    const { ecs, sent } = recordingEcs(() => ({ taskArns: [] }));
    const api = new EcsApi(ecs, 10);

    const pages = Promise.all([
      api.taskArnPage('prod', 'RUNNING'),
      api.taskArnPage('prod', 'STOPPED'),
      api.containerInstanceArnPage('prod'),
    ]);
    await vi.runAllTimersAsync();
    await pages;

    expect(sent.map((call) => call.at)).toEqual([0, 100, 200]);
    expect(api.calls).toEqual({ ListTasks: 2, ListContainerInstances: 1 });
    expect(sent[0]?.input).toMatchObject({ cluster: 'prod', desiredStatus: 'RUNNING', maxResults: 100 });
  });

  it('does not wait when calls come slower than the pace', async () => {
    const { ecs, sent } = recordingEcs(() => ({ taskArns: [] }));
    const api = new EcsApi(ecs, 10);

    await api.taskArnPage('prod', 'RUNNING');
    await vi.advanceTimersByTimeAsync(500);
    await api.taskArnPage('prod', 'RUNNING');

    expect(sent.map((call) => call.at)).toEqual([0, 500]);
  });

  it('describes 100 ARNs per call and reports only MISSING failures as missing', async () => {
    const { ecs, sent } = recordingEcs((command) => {
      const asked = command.input.tasks as string[];
      return {
        tasks: asked.slice(1).map((taskArn) => ({ taskArn })),
        failures: [
          { arn: asked[0], reason: 'MISSING' },
          // A failure of another kind is neither found nor missing: the next run asks again.
          { arn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/other', reason: 'INTERNAL_ERROR' },
        ],
      };
    });
    const api = new EcsApi(ecs, 1000);

    const described = api.describeTasks('prod', arns(250));
    await vi.runAllTimersAsync();
    const { found, missing } = await described;

    expect(sent.map((call) => (call.input.tasks as string[]).length)).toEqual([100, 100, 50]);
    expect(sent.every((call) => call.name === DescribeTasksCommand.name)).toBe(true);
    expect(found).toHaveLength(247);
    expect(missing).toEqual([arns(250)[0], arns(250)[100], arns(250)[200]]);
  });

  it('makes no call for nothing to describe', async () => {
    const { ecs, sent } = recordingEcs(() => ({}));
    const api = new EcsApi(ecs, 10);

    await api.describeContainerInstances('prod', []);

    expect(sent).toEqual([]);
  });

  it('lists every cluster of the account by name, page after page', async () => {
    const { ecs, sent } = recordingEcs((command) =>
      command.input.nextToken === undefined
        ? { clusterArns: ['arn:aws:ecs:us-east-1:111122223333:cluster/prod'], nextToken: 'page-2' }
        : { clusterArns: ['arn:aws:ecs:us-east-1:111122223333:cluster/batch'] },
    );
    const api = new EcsApi(ecs, 1000);

    const names = api.clusterNames();
    await vi.runAllTimersAsync();

    expect(await names).toEqual(['prod', 'batch']);
    expect(sent.map((call) => call.name)).toEqual([ListClustersCommand.name, ListClustersCommand.name]);
  });
});

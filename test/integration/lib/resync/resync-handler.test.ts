/**
 * The deployed resync function: a run that runs short of time hands its cursor to a follow-up invocation of
 * itself (asynchronous Invoke through the real Lambda client) and the follow-up finishes the job; the schedule
 * and the deploy trigger start from the beginning.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../../functions/resync.js';
import type { ResyncResult } from '../../../../lib/resync/model.js';
import { lambdaFunctions } from '../../../../local/endpoint/index.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { lambdaContext } from '../../../support/lambda-context.js';
import { endpointFor } from '../../../support/local-endpoint.js';
import { captureLogLines } from '../../../support/log-lines.js';
import { handlerEnvironment } from '../../../support/metrics.js';
import { resyncWorld, startWebTasks } from '../../../support/resync-harness.js';

/** A context whose remaining time runs out after `pages` checks: the run stops between pages. */
function contextRunningOutAfter(pages: number): Context {
  let checks = 0;
  return { ...lambdaContext(), getRemainingTimeInMillis: () => (checks++ < pages ? 600_000 : 1_000) };
}

describe.each(engines())('the resync function on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const live = engine;

  it('continues itself from its cursor when time runs short, until the store matches ECS', async () => {
    const w = await resyncWorld(await freshStore(live));
    startWebTasks(w, 250);
    const followUps: unknown[] = [];
    const { config } = await endpointFor({
      lambda: lambdaFunctions({
        'ecs-ops-test': async (event) => {
          followUps.push(event);
          return {};
        },
      }),
    });
    const lines = captureLogLines();
    handlerEnvironment();
    const handler = createHandler(() => ({ ...w.dependencies, lambda: new LambdaClient(config) }));

    const first = (await handler(
      { 'detail-type': 'Scheduled Event' },
      contextRunningOutAfter(2),
    )) as ResyncResult;

    expect(first.cursor).toMatchObject({ phase: 'running-tasks', clusters: ['prod'] });
    await expect.poll(() => followUps).toHaveLength(1);
    expect(followUps[0]).toEqual({ trigger: 'continuation', cursor: first.cursor });
    expect(lines.map((line) => line.message)).toContain('resync continues in a follow-up invocation');

    const rest = (await handler(followUps[0], lambdaContext())) as ResyncResult;

    expect(rest.cursor).toBeUndefined();
    expect(rest.runId).toBe(first.runId);
    expect(followUps).toHaveLength(1);
    expect((await w.groundTruth()).mismatches).toEqual([]);
  });
});

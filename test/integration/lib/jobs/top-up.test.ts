/**
 * A job of several tasks that ECS places only in part: the launcher tops up the missing ones (RunTask with
 * count = missing) on the retry backoff until the starting deadline; past it the run keeps what it has and
 * on-call is told once.
 */
import { describe, expect, it } from 'vitest';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { lambdaContext, SLOT, setup } from '../../../support/jobs-harness.js';

const scheduled = { job: 'half', scheduledTime: SLOT };

/** Three tasks of 600 MiB on a cluster whose one instance has 1024: one fits. */
async function partlyPlaceable(engine: Parameters<typeof freshStore>[0], attempts: number) {
  const h = await setup(await freshStore(engine), {
    half: {
      schedule: 'rate(1 hour)',
      cluster: 'batch',
      taskDefinition: 'half',
      launchType: 'EC2',
      count: 3,
      retries: { attempts, backoffSeconds: 10 },
    },
  });
  h.sim.registerTaskDefinition({
    family: 'half',
    containers: [{ name: 'half', image: 'half:1', cpu: 128, memory: 600, essential: true }],
  });
  return h;
}

describe.each(engines())('topping up a partial placement on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('launches the missing tasks once capacity frees up, and completes the run', async () => {
    const h = await partlyPlaceable(engine, 3);
    h.whileWaiting.push(() =>
      h.sim.registerContainerInstance({
        cluster: 'batch',
        ec2InstanceId: 'i-0large',
        cpu: 2048,
        memory: 2048,
      }),
    );

    const summary = await h.launcher()(scheduled, lambdaContext());

    expect(summary.outcome).toBe('launched');
    expect(summary.tasks).toHaveLength(3);
    expect(summary.reason).toMatch(/^launched 3 tasks \(.+\) in 2 attempts$/);
    expect(h.taskStates()).toHaveLength(3);
    expect(h.requests()['ecs.RunTask']).toBe(2);
    const run = await h.runs.get('half', SLOT);
    expect(run).toMatchObject({ status: 'running', attempts: 2, tasks: summary.tasks });
    expect(run?.decisions[0]).toMatch(
      /^attempt 1 placed 1 of 3 tasks \(\w+\): RESOURCE:MEMORY.*; topping up 2 at 2024-05-02T02:30:14Z$/,
    );
    expect((await h.jobEntries()).map((e) => e.fields.outcome).sort()).toEqual(['launched', 'retry']);
    expect(h.mailbox.list()).toEqual([]);
  });

  it('keeps the tasks it placed by the deadline, says "1 of 3 placed" and pages once', async () => {
    const h = await partlyPlaceable(engine, 2);

    const summary = await h.launcher()(scheduled, lambdaContext());
    const again = await h.launcher()(scheduled, lambdaContext());

    expect(summary.outcome).toBe('partial');
    expect(summary.tasks).toHaveLength(1);
    expect(summary.reason).toMatch(/^1 of 3 placed; gave up after 3 attempts: RESOURCE:MEMORY/);
    expect(again).toMatchObject({ outcome: 'duplicate', tasks: summary.tasks });
    expect(h.taskStates()).toHaveLength(1);
    expect(h.requests()['ecs.RunTask']).toBe(3);
    const run = await h.runs.get('half', SLOT);
    expect(run).toMatchObject({ status: 'running', attempts: 3, tasks: summary.tasks, alert: 'sent' });
    const pages = h.mailbox.list();
    expect(pages).toHaveLength(1);
    expect(pages[0]?.subject).toBe('[ecs-ops] HIGH: job half failed to launch in batch');
    expect(JSON.stringify(pages[0])).toMatch(/could not be launched in full .*1 of 3 placed/);
    expect(h.logged.filter((l) => l.message === 'job partially launched')).toHaveLength(1);
  });
});

/**
 * `ecs-ops jobs run <name>`: a manual run through the real LambdaClient, to a local endpoint that serves the
 * launch handler (AWS_ENDPOINT_URL_LAMBDA), so it takes the schedule's code path and lands in the run store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { invokeManualRun, launchFunctionName } from '../../../cli/manual-run.js';
import { runCaptured } from '../../support/cli-run.js';
import { engines, freshStore, requireEngine } from '../../support/engines.js';
import { PROJECT_ROOT } from '../../support/fixtures.js';
import { fargateJob, STAGE, setup } from '../../support/jobs-harness.js';

const root = PROJECT_ROOT;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-jobs-run-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI with ops.config.yml's jobs (`report`) and a local store of its own. */
async function cli(...argv: string[]) {
  return runCaptured(['--dir', dir, '--config', join(root, 'ops.config.yml'), '--stage', STAGE, ...argv]);
}

describe.each(engines())('ecs-ops jobs run on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('invokes the launch function, which launches the job and records the run', async () => {
    const h = await setup(await freshStore(engine), { report: fargateJob() });
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', h.endpointUrl);

    const { code, out } = await cli('jobs', 'run', 'report');

    expect(code).toBe(0);
    expect(out).toMatch(/^Run of report \(times in UTC\):\nJOB +SLOT +OUTCOME +TASKS +REASON/);
    expect(out).toMatch(/report .* launched +1 +launched 1 task/);
    expect(out).toMatch(/request [0-9a-f-]{36}; follow it with: ecs-ops jobs history report/);
    const [run] = await h.runs.history('report');
    expect(run).toMatchObject({ status: 'running', requestId: expect.any(String), attempts: 1 });
    expect(run?.tasks).toEqual(h.taskStates().map((t) => t.taskArn));
  });

  it('launches once when the same request is delivered again (the SDK resends the payload on a retry)', async () => {
    const h = await setup(await freshStore(engine), { report: fargateJob() });
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', h.endpointUrl);
    const first = await cli('jobs', 'run', 'report', '--json');
    const { requestId, slot, outcome, tasks } = JSON.parse(first.out);
    expect(outcome).toBe('launched');
    h.advance(30_000);

    const again = await invokeManualRun(
      new LambdaClient(h.clientConfig),
      launchFunctionName(STAGE),
      'report',
      requestId,
    );

    expect(again).toMatchObject({ ok: true, summary: { outcome: 'duplicate', slot, tasks } });
    expect(h.taskStates()).toHaveLength(1);
    expect(await h.runs.history('report')).toHaveLength(1);
  });

  it('exits 1 with the error the function raised', async () => {
    // The deployed function's config has no `report`: the CLI's ops.config.yml is ahead of the deploy.
    const h = await setup(await freshStore(engine), { nightly: fargateJob() });
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', h.endpointUrl);

    const { code, out } = await cli('jobs', 'run', 'report');

    expect(code).toBe(1);
    expect(out).toBe(
      'ecs-ops-test-launch failed: UnknownJobError: unknown job "report": ops.config.yml\'s jobs are nightly',
    );
    expect(h.taskStates()).toEqual([]);
  });
});

describe('ecs-ops jobs run without a launch function', () => {
  it('exits 2 naming the configured jobs for a job that is not one of them', async () => {
    const { code, err } = await cli('jobs', 'run', 'nightly');
    expect(code).toBe(2);
    expect(err).toBe("ecs-ops: unknown job nightly; ops.config.yml's jobs are report");
  });

  it('exits 2 with --store local when no local endpoint serves Lambda, saying what to do', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', '');

    const { code, err } = await cli('jobs', 'run', 'report');

    expect(code).toBe(2);
    expect(err).toMatch(
      /--store local has none deployed: .*--store aws --stage <stage>, or set AWS_ENDPOINT_URL_LAMBDA/,
    );
  });
});

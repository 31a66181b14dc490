/**
 * `ecs-ops replay` as an operator runs it: the built CLI (`npm install` builds it) on a capture of a bus that
 * holds ECS state changes, other events and malformed lines, its output piped (no progress bar) and exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadEvent, PROJECT_ROOT, taskEvent } from '../../support/fixtures.js';

const BIN = join(PROJECT_ROOT, 'bin/ecs-ops.mjs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-replay-'));
});

async function ecsOps(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return promisify(execFile)(process.execPath, [BIN, '--dir', dir, ...argv]).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout, err: stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      out: error.stdout,
      err: error.stderr,
    }),
  );
}

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** Other events a capture of a whole bus holds, shaped as EventBridge delivers them. */
const other = (detailType: string, source: string, detail: object) =>
  JSON.stringify({
    version: '0',
    id: `0e7f4b12-${detailType.length}-4c1d-9a3e-7c1b2d3e4f50`,
    'detail-type': detailType,
    source,
    account: '111122223333',
    time: '2024-05-02T09:10:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
const SERVICE_ACTION = other('ECS Service Action', 'aws.ecs', {
  eventType: 'INFO',
  eventName: 'SERVICE_STEADY_STATE',
  clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
  createdAt: '2024-05-02T09:10:00.000Z',
});
const SPOT_WARNING = other('EC2 Spot Instance Interruption Warning', 'aws.ec2', {
  'instance-id': 'i-0b2f0a1c3d4e5f607',
  'instance-action': 'terminate',
});

const badVersion = (id: string, version: unknown) => {
  const event = taskEvent({ id, version: 2 });
  event.detail.version = version as number;
  return JSON.stringify(event);
};

describe('ecs-ops replay (built CLI)', () => {
  it('replays a capture line by line: stores ECS events, groups invalid lines by reason, skips other events', async () => {
    const capture = file('bus.jsonl', [
      `\uFEFF${JSON.stringify(loadEvent('ecs/task/fargate-pending.json'))}`,
      JSON.stringify(loadEvent('ecs/task/fargate-running.json')),
      badVersion('a', '7'),
      '',
      SERVICE_ACTION,
      '{"version": "0", "id": ', // cut off mid-event
      JSON.stringify(loadEvent('ecs/container-instance/ec2-active.json')),
      SPOT_WARNING,
      badVersion('b', '8'),
      SERVICE_ACTION,
      badVersion('c', true),
      JSON.stringify(loadEvent('ecs/task/fargate-stopped.json')),
    ]);
    const { code, out, err } = await ecsOps('replay', capture);
    expect(err).toBe(''); // piped: no progress bar
    expect(code).toBe(2);
    expect(out).toMatch(/^Replayed 11 events from /);
    // The task's three states coalesce in one batch: the newest is stored, the older two go to its timeline.
    expect(out).toMatch(/accepted\s+2\b/);
    expect(out).toMatch(/stale\s+2\b/);
    expect(out).toMatch(/invalid\s+4\b/);
    expect(out).toMatch(/skipped\s+3\b/);
    expect(out).toContain('invalid 4:');
    expect(out).toMatch(/ {2}detail\.version: expected a number… ×3 \(lines 3, 9, 11\)/);
    expect(out).toMatch(/ {2}line 6: \(body\): not JSON/);
    expect(out).toMatch(
      / {2}ECS Service Action \(aws\.ecs\) ×2\n {2}EC2 Spot Instance Interruption Warning \(aws\.ec2\) ×1/,
    );

    const letters = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
    expect(letters.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([
      'line 3',
      'line 6',
      'line 9',
      'line 11',
    ]);

    const again = await ecsOps('replay', capture, '--json');
    expect(again.code).toBe(2);
    const summary = JSON.parse(again.out) as Record<string, unknown>;
    expect(summary).toMatchObject({
      events: 11,
      accepted: 0,
      duplicate: 2,
      stale: 2,
      skipped: 3,
      skippedByDetailType: [
        { detailType: 'ECS Service Action', source: 'aws.ecs', count: 2 },
        { detailType: 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', count: 1 },
      ],
      invalidReasons: [
        {
          field: 'detail.version',
          reason: 'expected a number…',
          count: 3,
          at: ['line 3', 'line 9', 'line 11'],
          example: expect.stringMatching(/expected a number, got "7"/),
        },
        { field: '(body)', count: 1, at: ['line 6'] },
      ],
      failed: [],
    });
    expect(summary.invalid).toHaveLength(4);
  });

  it('exits 0 when the only records it did not store are events of other kinds', async () => {
    const capture = file('services.jsonl', [
      SERVICE_ACTION,
      JSON.stringify(loadEvent('ecs/task/ec2-running.json')),
      SPOT_WARNING,
    ]);
    const { code, out } = await ecsOps('replay', capture);
    expect(code).toBe(0);
    expect(out).toMatch(/accepted\s+1\b/);
    expect(out).toMatch(/skipped\s+2\b/);
    expect(out).not.toContain('Dead letters');
  });

  it('reads standard input with -, and still takes a JSON array', async () => {
    const array = join(dir, 'events.json');
    writeFileSync(
      array,
      `\uFEFF${JSON.stringify([loadEvent('ecs/task/fargate-running.json'), JSON.parse(SPOT_WARNING)])}`,
    );
    const fromArray = await ecsOps('replay', array, '--json');
    expect(fromArray.code).toBe(0);
    expect(JSON.parse(fromArray.out)).toMatchObject({ events: 2, accepted: 1, skipped: 1 });

    const lines = file('in.jsonl', [JSON.stringify(loadEvent('ecs/task/fargate-stopped.json')), 'oops']);
    const { stdout } = await promisify(execFile)('sh', [
      '-c',
      `"${process.execPath}" "${BIN}" --dir "${dir}" replay - --json < "${lines}"; echo "exit $?"`,
    ]);
    expect(stdout).toMatch(/exit 2\s*$/);
    expect(JSON.parse(stdout.replace(/exit 2\s*$/, ''))).toMatchObject({
      source: '-',
      events: 2,
      accepted: 1,
    });
  });
});

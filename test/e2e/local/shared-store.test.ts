/**
 * One local store, many ecs-ops processes (`ecs-ops tasks` in a second terminal while `npm start` runs): every
 * process reaches the folder's one engine process, so readers and the sandbox writing never lock each other out.
 * Each process here is the CLI as an operator runs it, `node bin/ecs-ops.mjs`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_FILE, processAlive, readEngineRecord } from '../../../local/dynamodb/engine-protocol.js';
import { PROJECT_ROOT } from '../../support/fixtures.js';

const bin = join(PROJECT_ROOT, 'bin', 'ecs-ops.mjs');

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** Starts `ecs-ops <argv>`; `ran` resolves when it exits, `running()` tells whether it has not yet. */
function ecsOps(...argv: string[]) {
  const child = spawn(process.execPath, [bin, ...argv], { cwd: PROJECT_ROOT });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  let exited = false;
  const ran = new Promise<Ran>((resolve) => {
    child.once('close', (code) => {
      exited = true;
      resolve({ code, out, err });
    });
  });
  return { ran, running: () => !exited, output: () => out };
}

const arns = (ran: Ran) => (JSON.parse(ran.out) as { arn: string }[]).map((record) => record.arn);

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    const engine = readEngineRecord(dir);
    if (engine !== undefined && processAlive(engine.pid)) {
      process.kill(engine.pid, 'SIGTERM');
      for (const until = Date.now() + 10_000; processAlive(engine.pid) && Date.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

function storeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-shared-'));
  dirs.push(dir);
  return dir;
}

describe('a local store shared by the sandbox and CLI processes', () => {
  it('answers tasks and instances from two processes at once while the sandbox writes, and after it', async () => {
    const dir = storeDir();
    const sandbox = ecsOps('sandbox', '--speed', '10', '--duration', '6', '--seed', '7', '--dir', dir);
    // The first scripted step: the store is clean again and the deploy-time resync has written the cluster.
    const deadline = Date.now() + 60_000;
    while (!sandbox.output().includes('▶') && sandbox.running() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sandbox.running()).toBe(true);

    const seen = new Set<string>();
    let overlapped = 0;
    while (sandbox.running() && overlapped < 3) {
      const [tasks, instances] = await Promise.all([
        ecsOps('tasks', '--json', '--dir', dir).ran,
        ecsOps('instances', '--json', '--dir', dir).ran,
      ]);
      for (const read of [tasks, instances]) expect(read).toMatchObject({ code: 0, err: '' });
      expect(arns(tasks).length).toBeGreaterThan(0);
      expect(arns(instances).length).toBeGreaterThan(0);
      for (const arn of arns(tasks)) seen.add(arn);
      // Both answered before the sandbox ended: they read while it wrote.
      if (sandbox.running()) overlapped++;
    }
    expect(overlapped).toBeGreaterThan(0);

    const run = await sandbox.ran;
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /✓ the store holds exactly the simulator's last word on all \d+ tasks and 4 container instances/,
    );

    const [tasks, instances, table] = await Promise.all([
      ecsOps('tasks', '--json', '--dir', dir).ran,
      ecsOps('instances', '--json', '--dir', dir).ran,
      ecsOps('tasks', '--dir', dir).ran,
    ]);
    for (const read of [tasks, instances, table]) expect(read).toMatchObject({ code: 0, err: '' });
    expect(arns(instances)).toHaveLength(4);
    expect(arns(tasks)).toEqual(expect.arrayContaining([...seen]));
    expect(table.out).toMatch(/^Tasks in prod \(\d+/m);
    // One engine served them all, and still runs for the next command.
    const starts = readFileSync(join(dir, LOG_FILE), 'utf8').match(/: serves /g) ?? [];
    expect(starts).toHaveLength(1);
    expect(processAlive(readEngineRecord(dir)?.pid ?? 0)).toBe(true);
  }, 120_000);

  it('exits 1 with one line saying what to do when the store’s engine cannot start', async () => {
    const dir = storeDir();
    writeFileSync(join(dir, 'dynamodb'), 'a file where LevelDB keeps its folder');
    const { code, out, err } = await ecsOps('tasks', '--dir', dir).ran;
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(
      /^ecs-ops: the local store's engine could not start: LevelDB could not open .*; see .*engine\.log, or use another --dir\n$/,
    );
  });
});

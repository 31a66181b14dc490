/**
 * The files through which the processes using one local store find its engine (engine-protocol.ts): the record
 * is read only when whole, written atomically, removed only by the engine it names; the idle timeout's override.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_IDLE_MS,
  ENGINE_FILE,
  type EngineRecord,
  IDLE_ENV,
  idleTimeoutMs,
  processAlive,
  readEngineRecord,
  removeEngineRecord,
  writeEngineRecord,
} from '../../../../local/dynamodb/engine-protocol.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-protocol-'));
  dirs.push(dir);
  return dir;
}

const record = (dir: string, pid = 4242): EngineRecord => ({
  pid,
  port: 41_234,
  startedAt: '2026-05-01T12:00:00.000Z',
  dir,
});

describe('engine.json', () => {
  it('is written whole (a temporary file renamed) and read back', () => {
    const dir = folder();
    writeEngineRecord(dir, record(dir));
    expect(readEngineRecord(dir)).toEqual(record(dir));
    expect(readdirSync(dir)).toEqual([ENGINE_FILE]);
  });

  it.each([
    ['missing', undefined],
    ['half written', '{"pid": 42, "po'],
    ['without a port', '{"pid": 42, "startedAt": "x", "dir": "/d"}'],
    ['with a pid that is not one', '{"pid": "42", "port": 1, "startedAt": "x", "dir": "/d"}'],
    ['without its folder', '{"pid": 42, "port": 1, "startedAt": "x"}'],
  ])('is no record when %s', (_case, text) => {
    const dir = folder();
    if (text !== undefined) writeFileSync(join(dir, ENGINE_FILE), text);
    expect(readEngineRecord(dir)).toBeUndefined();
  });

  it('is removed only by the engine it names: not by one that stopped before another replaced it', () => {
    const dir = folder();
    writeEngineRecord(dir, record(dir, 1));
    removeEngineRecord(dir, record(dir, 2));
    removeEngineRecord(dir, { ...record(dir, 1), startedAt: '2026-05-01T11:00:00.000Z' });
    expect(readEngineRecord(dir)).toEqual(record(dir, 1));
    removeEngineRecord(dir, record(dir, 1));
    expect(existsSync(join(dir, ENGINE_FILE))).toBe(false);
    removeEngineRecord(dir, record(dir, 1));
  });
});

describe('idleTimeoutMs', () => {
  it(`is ${DEFAULT_IDLE_MS} ms unless ${IDLE_ENV} gives a positive whole number of ms`, () => {
    expect(idleTimeoutMs({})).toBe(30_000);
    expect(idleTimeoutMs({ [IDLE_ENV]: '250' })).toBe(250);
    for (const bad of ['', 'soon', '0', '-5', '1.5']) expect(idleTimeoutMs({ [IDLE_ENV]: bad })).toBe(30_000);
  });
});

describe('processAlive', () => {
  it('tells a running process from one that has exited', () => {
    expect(processAlive(process.pid)).toBe(true);
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    expect(processAlive(pid as number)).toBe(false);
  });
});

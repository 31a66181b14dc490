/**
 * Lambda bundles: size on disk and cold init, i.e. how long `import()` of the bundle takes in a fresh Node
 * process, which is what a cold start pays before the handler runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BundleReport {
  function: string;
  bytes: number;
  coldInitMs: { median: number; samples: number[] };
}

const SAMPLES = 9;

/** Dummy credentials and the settings a function may read at import; no request is made. */
const FUNCTION_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  STATE_TABLE: 'ecs-ops-state',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/ecs-ops-dlq',
  RETENTION_STOPPED_DAYS: '30',
  RETENTION_HISTORY_DAYS: '90',
  WRITE_CONCURRENCY: '16',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

const IMPORT_TIMER = [
  'const started = performance.now();',
  'await import(process.argv[1]);',
  'process.stdout.write(String(performance.now() - started));',
].join('\n');

export function measureBundles(root: string, log: (line: string) => void): BundleReport[] {
  const directory = join(root, 'dist', 'functions');
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => existsSync(join(directory, name, 'index.mjs')))
    .sort()
    .map((name) => {
      const file = join(directory, name, 'index.mjs');
      const samples = Array.from({ length: SAMPLES }, () => coldImportMs(file));
      log(`bundle ${name}: ${samples.map((ms) => ms.toFixed(1)).join(', ')} ms`);
      return { function: name, bytes: statSync(file).size, coldInitMs: { median: median(samples), samples } };
    });
}

function coldImportMs(file: string): number {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(file).href],
    {
      env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return round(Number(result.stdout), 1);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return round(value, 1);
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Bundles the functions and the CLI once per test run (esbuild, about a second), so the suites that run the
 * deployed artifacts — the sandbox's local Lambdas, the CLI binary — run the current source, not a stale build.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup() {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/build.mjs')], {
    stdio: 'inherit',
  });
}

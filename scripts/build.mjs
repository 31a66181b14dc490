// Builds everything that runs as JavaScript: one minified ESM bundle per Lambda function (AWS SDK included),
// the ecs-ops CLI, the local store's engine process and the benchmark. Plain esbuild: milliseconds, and no
// bundler plugin to keep in step with osls.
// package.json declares the project's modules free of side effects, so a bundle leaves out every module it
// imports but never uses: each capability's wiring.ts builds all of its functions' dependencies, and each
// function's bundle keeps only what its own function builds (alert-summary: no Powertools idempotency).
import { readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
// ESM bundles still meet CommonJS `require` of Node built-ins inside some dependencies.
const requireShim =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

const functionNames = readdirSync(resolve(root, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => basename(file, '.ts'));

await Promise.all([
  ...functionNames.map((name) =>
    build({
      entryPoints: [resolve(root, 'functions', `${name}.ts`)],
      outfile: resolve(root, 'dist', 'functions', name, 'index.mjs'),
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      // The SDK's ESM builds tree-shake; its default `main` (CJS) does not and fails to load as ESM.
      mainFields: ['module', 'main'],
      banner: { js: requireShim },
      legalComments: 'none',
      alias: { '@aws-sdk/credential-provider-node': resolve(root, 'deploy', 'lambda-credentials.ts') },
    }),
  ),
  ...[
    ['cli/bin.ts', 'dist/cli/ecs-ops.mjs'],
    ['bench/reconcile.ts', 'dist/bench/reconcile.mjs'],
    // The local store's engine process, shared by every CLI process using a --dir (local/dynamodb/shared-engine.ts).
    ['local/dynamodb/engine-main.ts', 'dist/local/engine-server.mjs'],
  ].map(([entry, out]) =>
    build({
      entryPoints: [resolve(root, entry)],
      outfile: resolve(root, out),
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
    }),
  ),
]);

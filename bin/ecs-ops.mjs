#!/usr/bin/env node
// The CLI is TypeScript, bundled by scripts/build.mjs (run by `npm install` through the prepare script).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/ecs-ops.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('ecs-ops: the CLI is not built yet; run npm run build in the ecs-ops folder\n');
  process.exit(1);
}
await import(cli.href);

/** The ecs-ops package folder (serverless.yml, events/, dist/), found from this module bundled or not. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
  }
  throw new Error('serverless.yml is missing from the ecs-ops package');
}

/**
 * The task definitions of a sandbox run, saved beside its capture (`<dir>/task-definitions/`, one file per
 * revision, as `aws ecs describe-task-definition` prints it): the local endpoint stops with the sandbox, and
 * `ecs-ops replay <dir>/events.jsonl --alerts --task-definitions <dir>/task-definitions` needs them to tell
 * essential containers from sidecars and to say where each container's logs went.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedEcs } from '../ecs/index.js';

export const TASK_DEFINITIONS_FOLDER = 'task-definitions';

/** Saves the definition of every task the capture names; returns the folder. */
export function saveTaskDefinitions(sim: SimulatedEcs, capture: string, dir: string): string {
  const folder = join(dir, TASK_DEFINITIONS_FOLDER);
  const arns = new Set<string>();
  for (const line of readFileSync(capture, 'utf8').split('\n')) {
    if (line === '') continue;
    const { detail } = JSON.parse(line) as { detail?: { taskDefinitionArn?: unknown } };
    if (typeof detail?.taskDefinitionArn === 'string') arns.add(detail.taskDefinitionArn);
  }
  mkdirSync(folder, { recursive: true });
  for (const arn of arns) {
    // `…:task-definition/web:3` → `web-3.json`
    const name = arn.slice(arn.lastIndexOf('/') + 1).replace(':', '-');
    writeFileSync(
      join(folder, `${name}.json`),
      `${JSON.stringify(sim.describeTaskDefinition({ taskDefinition: arn }), null, 2)}\n`,
    );
  }
  return folder;
}

/**
 * `ecs-ops replay --alerts --task-definitions <dir>`: task definitions from a folder of `.json` files, each as
 * `aws ecs describe-task-definition` prints it (`{ "taskDefinition": { … } }`) or the bare definition. A task's
 * definition is found by its ARN, else by `family:revision`, so definitions saved from another account or region
 * still apply. A file that is not a task definition refuses the whole folder, naming the file and the problem:
 * a replay that quietly counted every container as essential would page what the deployed function does not.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTaskDefinitionArn } from '../lib/platform/arn.js';
import type { TaskDefinition, TaskDefinitionSource } from '../lib/platform/task-definitions.js';
import { UsageError } from './usage.js';

export class TaskDefinitionFolder implements TaskDefinitionSource {
  private constructor(
    readonly dir: string,
    private readonly byArn: ReadonlyMap<string, TaskDefinition>,
    private readonly byRevision: ReadonlyMap<string, TaskDefinition>,
  ) {}

  /** Reads every `.json` file of `dir` (not its subfolders); a UsageError says which file is wrong and how. */
  static async load(dir: string): Promise<TaskDefinitionFolder> {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      throw new UsageError(`--task-definitions ${dir}: cannot read it (${(error as Error).message})`);
    }
    if (names.length === 0) {
      throw new UsageError(
        `--task-definitions ${dir}: no .json file in it; save each definition with ` +
          `aws ecs describe-task-definition --task-definition <family:revision> > <family>-<revision>.json`,
      );
    }
    const byArn = new Map<string, TaskDefinition>();
    const byRevision = new Map<string, { definition: TaskDefinition; file: string }>();
    for (const name of names) {
      const file = join(dir, name);
      const { definition, revision } = definitionIn(file, await readFile(file, 'utf8'));
      const earlier = byRevision.get(revision);
      if (earlier !== undefined) {
        throw new UsageError(
          `${file}: ${revision} is defined by ${earlier.file} too; keep one file per revision`,
        );
      }
      byRevision.set(revision, { definition, file });
      if (definition.taskDefinitionArn !== undefined) byArn.set(definition.taskDefinitionArn, definition);
    }
    const revisions = new Map([...byRevision].map(([revision, { definition }]) => [revision, definition]));
    return new TaskDefinitionFolder(dir, byArn, revisions);
  }

  /** How many definitions the folder holds. */
  get size(): number {
    return this.byRevision.size;
  }

  async of(taskDefinitionArn: string): Promise<TaskDefinition | undefined> {
    const revision = parseTaskDefinitionArn(taskDefinitionArn);
    return (
      this.byArn.get(taskDefinitionArn) ??
      (revision === undefined ? undefined : this.byRevision.get(`${revision.family}:${revision.revision}`))
    );
  }
}

/** The definition a file holds and its `family:revision`; a UsageError naming the file and the field otherwise. */
function definitionIn(file: string, text: string): { definition: TaskDefinition; revision: string } {
  const problem = (what: string) => new UsageError(`${file}: ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw problem(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) {
    throw problem(
      'expected a task definition, as aws ecs describe-task-definition prints it: { "taskDefinition": { … } }',
    );
  }
  const wrapped = 'taskDefinition' in value;
  const definition = wrapped ? value.taskDefinition : value;
  const at = wrapped ? 'taskDefinition.' : '';
  if (!isObject(definition)) throw problem('taskDefinition: expected the task definition object');
  const fromArn =
    typeof definition.taskDefinitionArn === 'string'
      ? parseTaskDefinitionArn(definition.taskDefinitionArn)
      : undefined;
  if (definition.taskDefinitionArn !== undefined && fromArn === undefined) {
    throw problem(
      `${at}taskDefinitionArn: expected arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>, ` +
        `got ${JSON.stringify(definition.taskDefinitionArn)}`,
    );
  }
  const family = definition.family ?? fromArn?.family;
  const revision = definition.revision ?? fromArn?.revision;
  if (typeof family !== 'string' || family === '') {
    throw problem(`${at}family: expected the family's name (or a taskDefinitionArn that names it)`);
  }
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 1) {
    throw problem(`${at}revision: expected a revision number ≥ 1 (or a taskDefinitionArn that names it)`);
  }
  if (fromArn !== undefined && (fromArn.family !== family || fromArn.revision !== revision)) {
    throw problem(
      `${at}taskDefinitionArn names ${fromArn.family}:${fromArn.revision}, but family and revision say ` +
        `${family}:${revision}`,
    );
  }
  const containers = definition.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw problem(`${at}containerDefinitions: expected the list of containers (which ones are essential)`);
  }
  for (const [index, container] of containers.entries()) {
    const where = `${at}containerDefinitions[${index}]`;
    if (!isObject(container)) throw problem(`${where}: expected a container definition object`);
    if (typeof container.name !== 'string' || container.name === '') {
      throw problem(`${where}.name: expected the container's name`);
    }
    if (container.essential !== undefined && typeof container.essential !== 'boolean') {
      throw problem(`${where}.essential: expected true or false, got ${JSON.stringify(container.essential)}`);
    }
  }
  return { definition: definition as TaskDefinition, revision: `${family}:${revision}` };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

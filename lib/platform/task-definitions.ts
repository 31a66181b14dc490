/**
 * Task definitions as ECS DescribeTaskDefinition returns them: which containers are essential (alerts, job
 * runs), and what a page tells about the failed container (image, CPU and memory limits, where its logs go). A
 * task definition revision is immutable, so the answer is cached by its ARN for the life of the Lambda
 * instance: a crash loop of one service costs one call. Nothing is `include`d (tags are not needed).
 */
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';

export type { ContainerDefinition, TaskDefinition };

/**
 * Where task definitions come from. `undefined`: the definition is not known (a replay without the local
 * endpoint or a folder of definitions), so every container of the task counts as essential.
 */
export interface TaskDefinitionSource {
  of(taskDefinitionArn: string): Promise<TaskDefinition | undefined>;
}

/** Names of the containers the definition marks essential; ECS defaults `essential` to true. */
export const essentialContainers = (definition: TaskDefinition): ReadonlySet<string> =>
  new Set(
    (definition.containerDefinitions ?? [])
      .filter((container) => container.essential !== false)
      .flatMap((container) => (container.name === undefined ? [] : [container.name])),
  );

/** The definition of the container named `name`, if the task definition has one. */
export const containerDefinition = (
  definition: TaskDefinition | undefined,
  name: string,
): ContainerDefinition | undefined =>
  definition?.containerDefinitions?.find((container) => container.name === name);

export class TaskDefinitions implements TaskDefinitionSource {
  readonly #cache = new Map<string, Promise<TaskDefinition>>();

  constructor(private readonly client: ECSClient) {}

  of(taskDefinitionArn: string): Promise<TaskDefinition> {
    let found = this.#cache.get(taskDefinitionArn);
    if (found === undefined) {
      found = this.describe(taskDefinitionArn);
      this.#cache.set(taskDefinitionArn, found);
      // A failed call is not an answer: the next record asks again.
      found.catch(() => this.#cache.delete(taskDefinitionArn));
    }
    return found;
  }

  private async describe(taskDefinition: string): Promise<TaskDefinition> {
    const { taskDefinition: definition } = await this.client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition }),
    );
    return definition ?? {};
  }
}

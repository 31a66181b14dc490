/**
 * Which containers of a task definition are essential, from ECS DescribeTaskDefinition. A task definition
 * revision is immutable, so the answer is cached by its ARN for the life of the Lambda instance: a crash loop of
 * one service costs one call. Nothing is `include`d (tags are not needed). ECS defaults `essential` to true.
 */
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';

export interface EssentialContainers {
  of(taskDefinitionArn: string): Promise<ReadonlySet<string>>;
}

export class TaskDefinitions implements EssentialContainers {
  readonly #cache = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(private readonly client: ECSClient) {}

  of(taskDefinitionArn: string): Promise<ReadonlySet<string>> {
    let found = this.#cache.get(taskDefinitionArn);
    if (found === undefined) {
      found = this.describe(taskDefinitionArn);
      this.#cache.set(taskDefinitionArn, found);
      // A failed call is not an answer: the next record asks again.
      found.catch(() => this.#cache.delete(taskDefinitionArn));
    }
    return found;
  }

  private async describe(taskDefinition: string): Promise<ReadonlySet<string>> {
    const { taskDefinition: definition } = await this.client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition }),
    );
    return new Set(
      (definition?.containerDefinitions ?? [])
        .filter((container) => container.essential !== false)
        .flatMap((container) => (container.name === undefined ? [] : [container.name])),
    );
  }
}

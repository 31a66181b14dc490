/**
 * The AWS API calls one evaluation makes, counted by IAM action (`sqs:GetQueueAttributes`): what it reports and
 * journals, and — when a call throws — which call failed.
 */

/** AWS API calls made, by IAM action. */
export type ApiCalls = Record<string, number>;

export class CallTally {
  readonly byAction: ApiCalls = {};
  /** The latest call counted: the one that failed, when a call throws. */
  last: string | undefined;

  count(action: string, times = 1): void {
    this.byAction[action] = (this.byAction[action] ?? 0) + times;
    this.last = action;
  }

  get total(): number {
    return Object.values(this.byAction).reduce((sum, count) => sum + count, 0);
  }
}

/** An error as the journal shows it: `QueueDoesNotExist: …`, or the bare message of a plain Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}

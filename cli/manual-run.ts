/**
 * A manual run (`ecs-ops jobs run`): one synchronous invocation of the deployed launch function, so it takes the
 * schedule's code path and policies. The payload carries a fresh request id; the SDK resends the same payload
 * when it retries, and the launcher maps a request id to one slot, so a retried invocation launches nothing new.
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LaunchEvent, RunSummary } from '../lib/jobs/launcher.js';

/** serverless.yml's name for the launch function of a stage: `<service>-<stage>-<function>`. */
export const launchFunctionName = (stage: string) => `ecs-ops-${stage}-launch`;

export type ManualRunResult =
  | { ok: true; requestId: string; summary: RunSummary }
  | { ok: false; requestId: string; errorType: string; errorMessage: string };

export async function invokeManualRun(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  job: string,
  requestId: string = randomUUID(),
): Promise<ManualRunResult> {
  const event: LaunchEvent = { job, requestId };
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
  const body = parsed(text);
  if (response.FunctionError !== undefined) {
    const { errorType, errorMessage } = (body ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    return {
      ok: false,
      requestId,
      errorType: typeof errorType === 'string' ? errorType : response.FunctionError,
      errorMessage: typeof errorMessage === 'string' ? errorMessage : text,
    };
  }
  if (!isRunSummary(body)) {
    throw new Error(
      `${functionName} returned ${text || 'nothing'}, not a run summary: is it the launch function?`,
    );
  }
  return { ok: true, requestId, summary: body };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRunSummary(value: unknown): value is RunSummary {
  const summary = value as Partial<RunSummary> | undefined;
  return (
    typeof summary?.job === 'string' &&
    typeof summary.slot === 'string' &&
    typeof summary.outcome === 'string' &&
    Array.isArray(summary.tasks) &&
    typeof summary.reason === 'string'
  );
}

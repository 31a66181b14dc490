/**
 * `ecs-ops jobs`: the scheduled jobs of ops.config.yml with their next fire and last run, a job's history, and
 * how to run, suspend or resume one.
 *
 *   ecs-ops jobs [--json]                           each job: schedule, zone, enabled, next fire, last run
 *   ecs-ops jobs history <name> [--limit n] [--json] its runs, newest first (the run store)
 *   ecs-ops jobs run <name> [--json]                a manual run: invokes the deployed launch function
 *   ecs-ops jobs suspend|resume <name>              config-driven: set enabled in ops.config.yml, redeploy
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { JobConfig } from '../../lib/jobs/config.js';
import { type JobRun, RunStore } from '../../lib/jobs/run-store.js';
import { nextFires, parseSchedule } from '../../lib/jobs/schedules/index.js';
import { awsClient } from '../../lib/platform/aws/clients.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortTime, text, truncate } from '../format.js';
import { invokeManualRun, launchFunctionName } from '../manual-run.js';
import { UsageError } from '../usage.js';
import { parseLimit } from './state.js';

export const JOBS_SUBCOMMANDS = ['history', 'run', 'suspend', 'resume'] as const;

export interface JobsFlags {
  limit?: string;
}

/** Positionals after `jobs`: none (the list), or a subcommand and a job name. */
export async function jobsCommand(
  context: CommandContext,
  positionals: readonly string[],
  flags: JobsFlags,
  now: () => Date = () => new Date(),
): Promise<number> {
  const [subcommand, name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (subcommand === undefined) return listJobs(context, now());
  if (!(JOBS_SUBCOMMANDS as readonly string[]).includes(subcommand)) {
    throw new UsageError(
      `unknown jobs subcommand ${subcommand}; expected ecs-ops jobs [${JOBS_SUBCOMMANDS.join('|')} <name>]`,
    );
  }
  if (name === undefined)
    throw new UsageError(`jobs ${subcommand} needs a job name, e.g. ecs-ops jobs ${subcommand} report`);
  const job = jobOf(context, name);
  switch (subcommand) {
    case 'history':
      return history(context, name, parseLimit(flags.limit));
    case 'run':
      return run(context, name);
    default:
      return suspendOrResume(context, name, job, subcommand === 'suspend');
  }
}

function jobOf(context: CommandContext, name: string): JobConfig {
  const job = context.config.jobs[name];
  if (job === undefined) {
    const known = Object.keys(context.config.jobs);
    throw new UsageError(
      `unknown job ${name}; ops.config.yml's jobs are ${known.length === 0 ? '(none)' : known.join(', ')}`,
    );
  }
  return job;
}

const runStore = (context: CommandContext) =>
  new RunStore({ tableName: context.store.tableName, client: context.store.client, retentionDays: 0 });

/**
 * The next fire of a cron schedule in its zone. A rate schedule counts from when it was created (deployed),
 * which the config does not know: no next fire.
 */
export function nextFireOf(
  job: Pick<JobConfig, 'schedule' | 'timeZone' | 'enabled'>,
  now: Date,
): string | null {
  if (!job.enabled) return null;
  const schedule = parseSchedule(job.schedule);
  if (schedule.kind === 'rate') return null;
  const [next] = nextFires(schedule, { from: now, count: 1, timeZone: job.timeZone });
  return next === undefined ? null : next.toISOString();
}

async function listJobs(context: CommandContext, now: Date): Promise<number> {
  const store = runStore(context);
  const jobs = await Promise.all(
    Object.entries(context.config.jobs).map(async ([name, job]) => {
      const [last] = await store.history(name, 1);
      return {
        name,
        schedule: job.schedule,
        timeZone: job.timeZone,
        enabled: job.enabled,
        cluster: job.cluster,
        taskDefinition: job.taskDefinition,
        concurrency: job.concurrency,
        nextFire: nextFireOf(job, now),
        lastRun: last === undefined ? null : lastRunOf(last),
      };
    }),
  );
  if (context.options.json) {
    context.out(JSON.stringify(jobs, null, 2));
    return 0;
  }
  if (jobs.length === 0) {
    context.out('No jobs: add a jobs section to ops.config.yml (see the README, "Scheduled jobs").');
    return 0;
  }
  context.out(
    renderTable(
      ['JOB', 'SCHEDULE', 'ZONE', 'ENABLED', 'NEXT FIRE', 'LAST RUN', 'RESULT'],
      jobs.map((job) => [
        job.name,
        job.schedule,
        job.timeZone,
        job.enabled ? 'yes' : 'no (suspended)',
        job.nextFire === null ? (job.enabled ? 'every period from deploy' : '') : shortTime(job.nextFire),
        job.lastRun === null ? 'never' : shortTime(job.lastRun.slot),
        job.lastRun === null ? '' : job.lastRun.status,
      ]),
    ),
  );
  return 0;
}

const lastRunOf = (run: JobRun) => ({
  slot: run.slot,
  status: run.status,
  ...(run.result === undefined ? {} : { result: run.result }),
  ...(run.reason === undefined ? {} : { reason: run.reason }),
});

async function history(context: CommandContext, name: string, limit: number): Promise<number> {
  const runs = await runStore(context).history(name, limit);
  if (context.options.json) {
    context.out(JSON.stringify(runs, null, 2));
    return 0;
  }
  context.out(`Runs of ${name}, newest first (${runs.length}):`);
  context.out(
    runs.length === 0
      ? '  none'
      : renderTable(
          ['SLOT', 'STATUS', 'TASKS', 'ATTEMPTS', 'DURATION', 'REASON'],
          runs.map((run) => [
            shortTime(run.slot),
            run.status,
            String(run.tasks.length),
            String(run.attempts),
            run.durationSeconds === undefined ? '' : `${run.durationSeconds} s`,
            truncate(text(run.reason ?? run.decisions.at(-1)), 80),
          ]),
        ),
  );
  return 0;
}

/**
 * A manual run invokes the deployed launch function and waits for its run summary: one code path with the
 * schedule. With --store local there is no deployed function; the SDK's AWS_ENDPOINT_URL_LAMBDA names the
 * local endpoint that serves one (the sandbox's, a test's).
 */
async function run(context: CommandContext, name: string): Promise<number> {
  const { store, stage, region, profile, json } = context.options;
  const local = store === 'local';
  if (local && !process.env.AWS_ENDPOINT_URL_LAMBDA) {
    throw new UsageError(
      `jobs run invokes the launch function, and --store local has none deployed: run it against AWS with ` +
        `--store aws --stage <stage>, or set AWS_ENDPOINT_URL_LAMBDA to a local endpoint that serves Lambda`,
    );
  }
  const lambda = awsClient(LambdaClient, {
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
    // The local endpoint checks no signature, and a developer's machine may have no AWS configuration at all.
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    ...(local && region === undefined && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
  });
  const functionName = launchFunctionName(stage);
  try {
    const result = await invokeManualRun(lambda, functionName, name);
    if (json)
      context.out(
        JSON.stringify(result.ok ? { requestId: result.requestId, ...result.summary } : result, null, 2),
      );
    if (!result.ok) {
      if (!json) context.out(`${functionName} failed: ${result.errorType}: ${result.errorMessage}`);
      return 1;
    }
    if (!json) {
      const { summary } = result;
      context.out(
        renderTable(
          ['JOB', 'SLOT', 'OUTCOME', 'TASKS', 'REASON'],
          [
            [
              summary.job,
              shortTime(summary.slot),
              summary.outcome,
              String(summary.tasks.length),
              summary.reason,
            ],
          ],
        ),
      );
      context.out(`request ${result.requestId}; follow it with: ecs-ops jobs history ${name}`);
    }
    return 0;
  } finally {
    lambda.destroy();
  }
}

function suspendOrResume(context: CommandContext, name: string, job: JobConfig, suspend: boolean): number {
  const want = !suspend;
  const state = job.enabled === want ? ` (it already is enabled: ${job.enabled} in ops.config.yml)` : '';
  throw new UsageError(
    `jobs are configured, not toggled: set jobs.${name}.enabled: ${want} in ops.config.yml${state} and redeploy ` +
      `(npx serverless deploy --stage ${context.options.stage}); the schedule is kept, ${want ? 'ENABLED' : 'DISABLED'}`,
  );
}
